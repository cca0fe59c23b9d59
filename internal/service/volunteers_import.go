package service

import (
	"bytes"
	"context"
	"time"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// VolunteerTemplate is the empty volunteers import workbook.
func VolunteerTemplate() ([]byte, error) {
	return template(domain.VolunteerColumns, "品牌填“寸草心”或“手足情”；志愿服务组织代码为统一社会信用代码（不属于组织的留空）；"+
		"未满 14 周岁的须填写监护人并取得其单独同意；“已同意”填“是”。")
}

// Import reads an .xlsx in the template's layout and registers every row,
// or none: each bad row is named with its column and reason.
func (s *Volunteers) Import(ctx context.Context, by domain.Actor, fileName string, data []byte) (ImportResult, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return ImportResult{}, err
	}
	rows, err := readSheet(data, domain.VolunteerColumns, MaxImportRows)
	if err != nil {
		return ImportResult{}, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	inScope, err := s.Store.AreaScope(ctx, area, district)
	if err != nil {
		return ImportResult{}, err
	}
	now := time.Now()
	districts, orgs := map[string]string{}, map[string]int64{}
	var res ImportResult
	var out []domain.Volunteer
	for i, cells := range rows {
		rowNum := i + 2
		if blank(cells) {
			continue
		}
		r, probs := domain.ParseVolunteerRow(rowNum, cells, now, inScope)
		if r.OrgUSCC != "" && len(probs) == 0 {
			id, ok := orgs[r.OrgUSCC]
			if !ok {
				o, err := s.Store.OrganisationByUSCC(ctx, r.OrgUSCC)
				if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
					return ImportResult{}, err
				}
				id, orgs[r.OrgUSCC] = o.ID, o.ID
			}
			if id == 0 {
				probs = append(probs, domain.ImportProblem{Row: rowNum, Column: domain.VolunteerColumns[5], Reason: "平台上没有这个社会组织，请先让组织注册，或留空"})
			}
			r.OrgID = id
		}
		if len(probs) > 0 {
			res.Problems = append(res.Problems, probs...)
			continue
		}
		d, ok := districts[r.CommunityCode]
		if !ok {
			p, err := s.Store.PlaceOfCommunity(ctx, r.CommunityCode)
			if err != nil {
				return ImportResult{}, err
			}
			d, districts[r.CommunityCode] = p.District.Name, p.District.Name
		}
		v := domain.Volunteer{VolunteerEntry: r.VolunteerEntry, District: d}
		if v.Phone, err = s.Keys.Seal(r.Phone); err != nil {
			return ImportResult{}, err
		}
		out = append(out, v)
	}
	if len(res.Problems) > 0 {
		return res, nil
	}
	if len(out) == 0 {
		return ImportResult{}, domain.Errorf(domain.CodeInvalid, "文件里没有数据行。")
	}
	if err := s.Store.ImportVolunteers(ctx, out, fileName, by); err != nil {
		return ImportResult{}, err
	}
	res.Imported = len(out)
	return res, nil
}

// Export writes the volunteers in the person's scope (with the list's
// filters) as .xlsx, phones masked.
func (s *Volunteers) Export(ctx context.Context, by domain.Actor, f store.VolunteerFilter) ([]byte, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	f.District, f.AreaPrefix = "", ""
	scope(by, &f.District, &f.AreaPrefix)
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	_ = sw.SetRow("A1", []any{"编号", "姓名", "手机号（遮蔽）", "出生年份", "社区代码", "区", "品牌", "监护人", "同意", "累计时长（小时）"})
	row := 2
	for page := 1; ; page++ {
		f.Page, f.PerPage = page, 200
		list, total, err := s.Store.Volunteers(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, v := range list {
			v = s.masked(v)
			guardian, consent := "", "未记录"
			if v.GuardianName != "" {
				guardian = v.GuardianName + "（" + v.GuardianRelation + "）"
			}
			if v.Consent {
				consent = "是"
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, []any{v.ID, v.Name, v.Phone, v.BirthYear, v.CommunityCode, v.District, v.Brand.Label(), guardian, consent, v.Hours}); err != nil {
				return nil, err
			}
			row++
		}
		if page*200 >= total {
			break
		}
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
