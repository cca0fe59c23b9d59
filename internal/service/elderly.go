package service

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/store"
)

// Elderly is the application service of the elderly register (老年人名册):
// Excel import checked row by row (all rows or none), masked listing and
// export, audited full views, counts per category.
type Elderly struct {
	Store *store.Store
	Keys  *pii.Keyring
	// For imports in the background (StartImport); Import needs neither.
	Temporal  client.Client
	Blob      *blob.Store
	TaskQueue string
	// Payloads reads what the import workflow wrote (its memo, the
	// activity's heartbeat): the client's data converter, which opens
	// sealed payloads.
	Payloads converter.DataConverter
}

// payloadsOf is dc, or the default converter for a service made without
// one (plain payloads).
func payloadsOf(dc converter.DataConverter) converter.DataConverter {
	if dc == nil {
		return converter.GetDefaultDataConverter()
	}
	return dc
}

// MaxImportRows bounds one import file.
const MaxImportRows = 200000

// ImportResult is what an import did: the rows written, or every problem
// (and nothing written).
type ImportResult struct {
	Imported int                    `json:"imported"`
	Updated  int                    `json:"updated,omitempty"` // of those, already on the register (the quarterly update)
	Problems []domain.ImportProblem `json:"problems"`
}

// Import reads an .xlsx file in the template's layout and writes its rows.
func (s *Elderly) Import(ctx context.Context, by domain.Actor, fileName string, data []byte) (ImportResult, error) {
	return s.importRows(ctx, by, fileName, data, func(domain.ImportProgress) {})
}

// importRows is Import, saying how far it is as it goes.
func (s *Elderly) importRows(ctx context.Context, by domain.Actor, fileName string, data []byte, progress func(domain.ImportProgress)) (ImportResult, error) {
	u := by.User()
	if err := auth.Authorize(u, auth.ActionImportElderly, ""); err != nil {
		return ImportResult{}, err
	}
	rows, err := readSheet(data, domain.ElderColumns, MaxImportRows)
	if err != nil {
		return ImportResult{}, err
	}
	district, prefix := "", ""
	if u.Has(domain.RoleCivilAffairs) {
		if u.District != domain.CityLevel {
			district = u.District
		}
	} else {
		prefix = u.AreaCode
	}
	inScope, err := s.Store.AreaScope(ctx, prefix, district)
	if err != nil {
		return ImportResult{}, err
	}
	res, sealed, rowOf, err := s.sealElderRows(ctx, rows, inScope, progress)
	if err != nil {
		return ImportResult{}, err
	}
	probs, err := s.outOfScope(ctx, rowOf, inScope)
	if err != nil {
		return ImportResult{}, err
	}
	res.Problems = append(res.Problems, probs...)
	if len(res.Problems) > 0 {
		slices.SortStableFunc(res.Problems, func(a, b domain.ImportProblem) int { return a.Row - b.Row })
		return res, nil
	}
	if len(sealed) == 0 {
		return ImportResult{}, domain.Errorf(domain.CodeInvalid, "文件里没有数据行。")
	}
	progress(domain.ImportProgress{Phase: "writing", Done: len(sealed), Total: len(sealed)})
	added, updated, err := s.Store.ImportElderly(ctx, sealed, fileName, by)
	if err != nil {
		return ImportResult{}, err
	}
	res.Imported, res.Updated = added+updated, updated
	return res, nil
}

// sealElderRows checks every row of an import (blank lines skipped, an ID
// card twice refused) and seals the good ones; res holds the problems
// found, rowOf the row of each blind index.
func (s *Elderly) sealElderRows(ctx context.Context, rows [][]string, inScope func(string) (bool, string), progress func(domain.ImportProgress)) (res ImportResult, sealed []store.SealedElder, rowOf map[string]int, err error) {
	places := map[string]string{}
	today := time.Now().In(domain.ChinaTime)
	seen := map[string]int{}
	rowOf = map[string]int{} // blind index → row
	for i, cells := range rows {
		rowNum := i + 2
		if i%2000 == 0 {
			progress(domain.ImportProgress{Phase: "checking", Done: i, Total: len(rows)})
		}
		if blank(cells) {
			continue // blank lines are not rows
		}
		r, probs := domain.ParseElderRow(rowNum, cells, today, inScope)
		if first, dup := seen[r.IDCard]; dup && r.IDCard != "" {
			probs = append(probs, domain.ImportProblem{Row: rowNum, Column: "身份证号", Reason: fmt.Sprintf("与第 %d 行重复", first)})
		} else {
			seen[r.IDCard] = rowNum
		}
		if len(probs) > 0 {
			res.Problems = append(res.Problems, probs...)
			continue
		}
		d, ok := places[r.CommunityCode]
		if !ok {
			p, err := s.Store.PlaceOfCommunity(ctx, r.CommunityCode)
			if err != nil {
				return ImportResult{}, nil, nil, err
			}
			d = p.District.Name
			places[r.CommunityCode] = d
		}
		birth, _ := domain.BirthDateFromIDCard(r.IDCard)
		e := store.SealedElder{ElderRow: r, District: d, BirthYear: birth.Year(), IDIndex: s.Keys.Index(r.IDCard)}
		rowOf[e.IDIndex] = rowNum
		if e.IDCard, err = s.Keys.Seal(r.IDCard); err != nil {
			return ImportResult{}, nil, nil, err
		}
		if e.Phone, err = s.Keys.Seal(r.Phone); err != nil {
			return ImportResult{}, nil, nil, err
		}
		sealed = append(sealed, e)
	}
	return res, sealed, rowOf, nil
}

// outOfScope finds the people of an import already on the register
// elsewhere. People already on the register are updated — but only where
// the importer may: someone registered in another area stays there.
func (s *Elderly) outOfScope(ctx context.Context, rowOf map[string]int, inScope func(string) (bool, string)) ([]domain.ImportProblem, error) {
	indexes := make([]string, 0, len(rowOf))
	for ix := range rowOf {
		indexes = append(indexes, ix)
	}
	onRegister, err := s.Store.ElderPlaces(ctx, indexes)
	if err != nil {
		return nil, err
	}
	var probs []domain.ImportProblem
	for ix, code := range onRegister {
		if ok, _ := inScope(code); !ok {
			probs = append(probs, domain.ImportProblem{Row: rowOf[ix], Column: "身份证号",
				Reason: fmt.Sprintf("此人已在社区 %s 的名册中登记，不在您的辖区；如已迁入本辖区，请由原社区或区民政局办理", code)})
		}
	}
	return probs, nil
}

func trimAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.TrimSpace(x)
	}
	return out
}

// scopeElderly narrows a filter to what the person may see.
func (s *Elderly) scopeElderly(by domain.Actor, f store.ElderFilter) (store.ElderFilter, error) {
	if err := auth.Authorize(by.User(), auth.ActionListElderly, ""); err != nil {
		return f, err
	}
	scope(by, &f.District, &f.AreaPrefix)
	return f, nil
}

func (s *Elderly) mask(e domain.Elder) domain.Elder {
	e.Name = domain.MaskName(e.Name)
	e.IDCard = s.maskSealed(e.IDCard)
	e.Phone = s.maskSealed(e.Phone)
	return e
}

func (s *Elderly) maskSealed(sealed string) string {
	if sealed == "" {
		return ""
	}
	plain, err := s.Keys.Open(sealed)
	if err != nil {
		return "（无法解密：密钥缺失）"
	}
	return domain.MaskMiddle(plain)
}

// List lists the register, names, ID numbers and phones masked.
func (s *Elderly) List(ctx context.Context, by domain.Actor, f store.ElderFilter) ([]domain.Elder, int, error) {
	f, err := s.scopeElderly(by, f)
	if err != nil {
		return nil, 0, err
	}
	list, total, err := s.Store.ListElderly(ctx, f)
	for i := range list {
		list[i] = s.mask(list[i])
	}
	return list, total, err
}

// Reveal shows one entry in full to civil affairs of its district, audited.
func (s *Elderly) Reveal(ctx context.Context, by domain.Actor, id int64) (domain.Elder, error) {
	// the role first: nobody learns whether an entry exists without it
	if err := auth.Authorize(by.User(), auth.ActionRevealPII, ""); err != nil {
		return domain.Elder{}, err
	}
	e, err := s.Store.Elder(ctx, id)
	if err != nil {
		return domain.Elder{}, err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionRevealPII, auth.Target{District: e.District}); err != nil {
		return domain.Elder{}, err
	}
	if e.IDCard, err = s.Keys.Open(e.IDCard); err != nil {
		return domain.Elder{}, err
	}
	if e.Phone, err = s.Keys.Open(e.Phone); err != nil {
		return domain.Elder{}, err
	}
	return e, s.Store.RecordElderView(ctx, id, by)
}

// Counts counts the register per category within the person's scope.
func (s *Elderly) Counts(ctx context.Context, by domain.Actor, f store.ElderFilter) (map[domain.ElderCategory]int, int, error) {
	f, err := s.scopeElderly(by, f)
	if err != nil {
		return nil, 0, err
	}
	return s.Store.ElderCounts(ctx, f)
}

// Template is the empty import workbook.
func Template() ([]byte, error) {
	return template(domain.ElderColumns, "类别可选："+strings.Join(labels(), "、")+"；多个类别用顿号分隔。")
}

func labels() []string {
	var out []string
	for _, c := range domain.ElderCategories {
		out = append(out, c.Label())
	}
	return out
}

// Export writes the register within the person's scope as .xlsx, masked.
func (s *Elderly) Export(ctx context.Context, by domain.Actor, f store.ElderFilter) ([]byte, error) {
	f.Page, f.PerPage = 1, 1000
	f2, err := s.scopeElderly(by, f)
	if err != nil {
		return nil, err
	}
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	_ = sw.SetRow("A1", []any{"姓名", "身份证号（遮蔽）", "手机号（遮蔽）", "社区", "区", "类别", "住址", "出生年份"})
	row := 2
	for {
		list, total, err := s.Store.ListElderly(ctx, f2)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			e = s.mask(e)
			var cats []string
			for _, c := range e.Categories {
				cats = append(cats, c.Label())
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			_ = sw.SetRow(cell, []any{e.Name, e.IDCard, e.Phone, e.CommunityName, e.District, strings.Join(cats, "、"), e.Address, e.BirthYear})
			row++
		}
		if f2.Page*f2.PerPage >= total {
			break
		}
		f2.Page++
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
