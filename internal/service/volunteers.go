package service

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/report"
	"grantflow/internal/store"
)

// Volunteers is the application service of the volunteers register,
// pairing (结对) and visit logs that credit volunteer hours.
type Volunteers struct {
	Store *store.Store
	Keys  *pii.Keyring
}

func (s *Volunteers) authorize(by domain.Actor, district, area string) error {
	return auth.AuthorizeTarget(by.User(), auth.ActionVolunteers, auth.Target{District: district, AreaCode: area})
}

// Register adds a volunteer in a community of the person's scope.
func (s *Volunteers) Register(ctx context.Context, by domain.Actor, v domain.VolunteerEntry) (domain.Volunteer, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return domain.Volunteer{}, err
	}
	v.Name, v.Phone = strings.TrimSpace(v.Name), strings.ReplaceAll(strings.TrimSpace(v.Phone), " ", "")
	if err := v.Validate(time.Now()); err != nil {
		return domain.Volunteer{}, err
	}
	place, err := s.Store.PlaceOfCommunity(ctx, v.CommunityCode)
	if err != nil {
		return domain.Volunteer{}, &domain.Error{Code: domain.CodeInvalid, Message: "请选择社区。", Fields: map[string]string{"community_code": "该社区不在区划中。"}}
	}
	if err := s.authorize(by, place.District.Name, v.CommunityCode); err != nil {
		return domain.Volunteer{}, err
	}
	sealed := v
	if sealed.Phone, err = s.Keys.Seal(v.Phone); err != nil {
		return domain.Volunteer{}, err
	}
	id, err := s.Store.InsertVolunteer(ctx, sealed, place.District.Name, by)
	if err != nil {
		return domain.Volunteer{}, err
	}
	return s.Get(ctx, by, id)
}

func (s *Volunteers) masked(v domain.Volunteer) domain.Volunteer {
	if plain, err := s.Keys.Open(v.Phone); err == nil {
		v.Phone = domain.MaskMiddle(plain)
	} else {
		v.Phone = "（无法解密）"
	}
	return v
}

// Get returns a volunteer in the person's scope.
func (s *Volunteers) Get(ctx context.Context, by domain.Actor, id int64) (domain.Volunteer, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return domain.Volunteer{}, err
	}
	v, err := s.Store.Volunteer(ctx, id)
	if err != nil {
		return domain.Volunteer{}, err
	}
	if err := s.authorize(by, v.District, v.CommunityCode); err != nil {
		return domain.Volunteer{}, err
	}
	return s.masked(v), nil
}

// List lists volunteers in the person's scope, with the list's filters.
func (s *Volunteers) List(ctx context.Context, by domain.Actor, f store.VolunteerFilter) ([]domain.Volunteer, int, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, 0, err
	}
	f.District, f.AreaPrefix = "", ""
	scope(by, &f.District, &f.AreaPrefix)
	list, total, err := s.Store.Volunteers(ctx, f)
	for i := range list {
		list[i] = s.masked(list[i])
	}
	return list, total, err
}

// Pair pairs a volunteer with a person on the register, both in scope.
func (s *Volunteers) Pair(ctx context.Context, by domain.Actor, volunteerID, elderID int64) (int64, error) {
	if _, err := s.Get(ctx, by, volunteerID); err != nil {
		return 0, err
	}
	e, err := s.Store.Elder(ctx, elderID)
	if err != nil {
		return 0, &domain.Error{Code: domain.CodeInvalid, Message: "名册中没有这位老人。", Fields: map[string]string{"elder_id": "请填写老年人名册中的编号。"}}
	}
	if err := s.authorize(by, e.District, e.CommunityCode); err != nil {
		return 0, err
	}
	return s.Store.InsertPair(ctx, volunteerID, elderID, by)
}

// LogVisit records a visit on a pair in scope.
func (s *Volunteers) LogVisit(ctx context.Context, by domain.Actor, v domain.VisitEntry) (int64, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return 0, err
	}
	owner, err := s.Store.PairOwner(ctx, v.PairID)
	if err != nil {
		return 0, &domain.Error{Code: domain.CodeInvalid, Message: "没有这个结对。", Fields: map[string]string{"pair_id": "请选择结对。"}}
	}
	if err := s.authorize(by, owner.District, owner.CommunityCode); err != nil {
		return 0, err
	}
	v.Note = strings.TrimSpace(v.Note)
	if err := v.Validate(time.Now()); err != nil {
		return 0, err
	}
	return s.Store.InsertVisit(ctx, v, by)
}

// Detail is a volunteer with pairs and recent visits (names masked).
type Detail struct {
	Volunteer domain.Volunteer
	Pairs     []store.Pair
	Visits    []domain.Visit
}

// Detail returns a volunteer's pairs and visits.
func (s *Volunteers) Detail(ctx context.Context, by domain.Actor, id int64) (Detail, error) {
	v, err := s.Get(ctx, by, id)
	if err != nil {
		return Detail{}, err
	}
	pairs, err := s.Store.Pairs(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	for i := range pairs {
		pairs[i].ElderName = domain.MaskName(pairs[i].ElderName)
	}
	visits, err := s.Store.Visits(ctx, id, 1000)
	if err != nil {
		return Detail{}, err
	}
	for i := range visits {
		if !visits[i].AtInstitution {
			visits[i].ElderName = domain.MaskName(visits[i].ElderName)
		}
	}
	return Detail{Volunteer: v, Pairs: pairs, Visits: visits}, nil
}

// Statement renders the volunteer's hours statement PDF.
func (s *Volunteers) Statement(ctx context.Context, by domain.Actor, id int64) (Document, error) {
	d, err := s.Detail(ctx, by, id)
	if err != nil {
		return Document{}, err
	}
	place, err := s.Store.PlaceOfCommunity(ctx, d.Volunteer.CommunityCode)
	if err != nil {
		return Document{}, err
	}
	pdf, err := report.RenderHoursStatement(report.HoursStatement{Volunteer: d.Volunteer.Name, Brand: d.Volunteer.Brand,
		Community: place.Community.Name, District: place.District.Name, Visits: d.Visits, Issued: time.Now().In(domain.ChinaTime)})
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "志愿服务时间储蓄证明-" + d.Volunteer.Name + ".pdf", ContentType: "application/pdf", Data: pdf}, nil
}

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

// Orgs lists the volunteer organisations of the person's scope with their
// volunteers, pairs and hours.
func (s *Volunteers) Orgs(ctx context.Context, by domain.Actor) ([]store.VolunteerOrg, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	return s.Store.VolunteerOrgs(ctx, district, area)
}

// RegisterInstitution registers an elderly-care institution in a community
// of the person's scope.
func (s *Volunteers) RegisterInstitution(ctx context.Context, by domain.Actor, e domain.InstitutionEntry) (int64, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return 0, err
	}
	e.Name, e.Address = strings.TrimSpace(e.Name), strings.TrimSpace(e.Address)
	if err := e.Validate(); err != nil {
		return 0, err
	}
	place, err := s.communityInScope(ctx, by, e.CommunityCode)
	if err != nil {
		return 0, err
	}
	return s.Store.InsertInstitution(ctx, e, place.District.Name, by)
}

// communityInScope finds a community the person may write into.
func (s *Volunteers) communityInScope(ctx context.Context, by domain.Actor, code string) (store.CommunityPlace, error) {
	place, err := s.Store.PlaceOfCommunity(ctx, code)
	if err != nil {
		return store.CommunityPlace{}, domain.FieldErrors{"community_code": "该社区不在区划中，请选择社区。"}.Err()
	}
	return place, s.authorize(by, place.District.Name, code)
}

// Institutions lists the institutions of the person's scope.
func (s *Volunteers) Institutions(ctx context.Context, by domain.Actor) ([]domain.Institution, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	return s.Store.Institutions(ctx, district, area)
}

// RegisterTeam registers a 寸草心 team of volunteers of the person's scope.
func (s *Volunteers) RegisterTeam(ctx context.Context, by domain.Actor, t domain.TeamEntry) (int64, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return 0, err
	}
	t.Name = strings.TrimSpace(t.Name)
	if err := t.Validate(); err != nil {
		return 0, err
	}
	place, err := s.communityInScope(ctx, by, t.CommunityCode)
	if err != nil {
		return 0, err
	}
	for _, id := range t.Members {
		v, err := s.Store.Volunteer(ctx, id)
		if err != nil || s.authorize(by, v.District, v.CommunityCode) != nil {
			return 0, domain.FieldErrors{"members": fmt.Sprintf("编号 %d 不是您辖区内登记的志愿者。", id)}.Err()
		}
		if v.Brand != domain.BrandCunCaoXin {
			return 0, domain.FieldErrors{"members": fmt.Sprintf("%s 是“手足情”志愿者；寸草心服务队的队员须登记为“寸草心”志愿者。", v.Name)}.Err()
		}
	}
	return s.Store.InsertTeam(ctx, t, place.District.Name, by)
}

// Teams lists the teams of the person's scope.
func (s *Volunteers) Teams(ctx context.Context, by domain.Actor) ([]domain.Team, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	return s.Store.Teams(ctx, district, area)
}

// TeamDetail is a team with its members (phones masked).
type TeamDetail struct {
	Team    domain.Team
	Members []domain.Volunteer
}

// Team returns a team of the person's scope with its members.
func (s *Volunteers) Team(ctx context.Context, by domain.Actor, id int64) (TeamDetail, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return TeamDetail{}, err
	}
	t, err := s.Store.Team(ctx, id)
	if err != nil {
		return TeamDetail{}, err
	}
	if err := s.authorize(by, t.District, t.CommunityCode); err != nil {
		return TeamDetail{}, err
	}
	ms, err := s.Store.TeamMembers(ctx, id)
	for i := range ms {
		ms[i] = s.masked(ms[i])
	}
	return TeamDetail{Team: t, Members: ms}, err
}

// PairTeam pairs a team with an institution, both in the person's scope.
func (s *Volunteers) PairTeam(ctx context.Context, by domain.Actor, teamID, institutionID int64) error {
	if _, err := s.Team(ctx, by, teamID); err != nil {
		return err
	}
	inst, err := s.Store.Institution(ctx, institutionID)
	if err != nil {
		return domain.FieldErrors{"institution_id": "请选择已登记的养老机构。"}.Err()
	}
	if err := s.authorize(by, inst.District, inst.CommunityCode); err != nil {
		return err
	}
	return s.Store.PairTeam(ctx, teamID, institutionID, by)
}

// LogTeamVisit records a paired team's visit to its institution, crediting
// every participant.
func (s *Volunteers) LogTeamVisit(ctx context.Context, by domain.Actor, v domain.TeamVisitEntry) (int64, error) {
	d, err := s.Team(ctx, by, v.TeamID)
	if err != nil {
		return 0, err
	}
	if d.Team.InstitutionID == 0 {
		return 0, domain.Errorf(domain.CodeConflict, "服务队尚未与养老机构结对，请先结对再记录服务。")
	}
	v.Note = strings.TrimSpace(v.Note)
	if err := v.Validate(time.Now()); err != nil {
		return 0, err
	}
	return s.Store.InsertTeamVisit(ctx, v, d.Team.InstitutionID, by)
}

// CunCaoXinVolunteers lists the 寸草心 volunteers of the person's scope, the
// people a team is made of.
func (s *Volunteers) CunCaoXinVolunteers(ctx context.Context, by domain.Actor) ([]domain.Volunteer, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	list, err := s.Store.VolunteersOfBrand(ctx, district, area, domain.BrandCunCaoXin, 500)
	for i := range list {
		list[i] = s.masked(list[i])
	}
	return list, err
}
