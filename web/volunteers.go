package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

type volunteersPage struct {
	pageData
	Volunteers  []domain.Volunteer
	Total       int
	Page        int
	Communities []domain.Area
	Form        domain.VolunteerEntry
	refusal
	bannerFields bool // the refused form shows no field messages: the banner has them
	Brands       []domain.Brand
	Orgs         []store.VolunteerOrg
	Result       *service.ImportResult
	Institutions []domain.Institution
	Teams        []domain.Team
	Pupils       []domain.Volunteer // 寸草心 volunteers, for a team's members
	Filter       store.VolunteerFilter
	Query        template.URL // filters and sort (paging, export)
	Filters      template.URL // filters alone (sort links)
}

// volunteerFilter reads the volunteers list's filters, sort and page.
func volunteerFilter(r *http.Request) store.VolunteerFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page <= 0 {
		page = 1
	}
	return store.VolunteerFilter{Brand: domain.Brand(q.Get("brand")), Search: q.Get("q"), Sort: q.Get("sort"), Page: page}
}

// Pages is the number of pages.
func (p volunteersPage) Pages() int { return (p.Total + 19) / 20 }

func (s *Server) communitiesInScope(r *http.Request) ([]domain.Area, error) {
	areas, err := s.Areas.List(r.Context())
	if err != nil {
		return nil, err
	}
	u := userOf(r)
	var out []domain.Area
	var district string
	for _, a := range areas {
		if a.Level == domain.LevelDistrict {
			district = a.Name
		}
		if a.Level != domain.LevelCommunity {
			continue
		}
		if (u.AreaCode != "" && strings.HasPrefix(a.Code, u.AreaCode)) ||
			(u.Has(domain.RoleCivilAffairs) && (u.District == domain.CityLevel || u.District == district)) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Server) loadVolunteersPage(r *http.Request) (volunteersPage, error) {
	f := volunteerFilter(r)
	list, total, err := s.Volunteers.List(r.Context(), actorOf(r), f)
	if err != nil {
		return volunteersPage{}, err
	}
	comms, err := s.communitiesInScope(r)
	if err != nil {
		return volunteersPage{}, err
	}
	orgs, err := s.Volunteers.Orgs(r.Context(), actorOf(r))
	if err != nil {
		return volunteersPage{}, err
	}
	insts, err := s.Volunteers.Institutions(r.Context(), actorOf(r))
	if err != nil {
		return volunteersPage{}, err
	}
	teams, err := s.Volunteers.Teams(r.Context(), actorOf(r))
	if err != nil {
		return volunteersPage{}, err
	}
	pupils, err := s.Volunteers.CunCaoXinVolunteers(r.Context(), actorOf(r))
	if err != nil {
		return volunteersPage{}, err
	}
	p := s.page(r, "志愿者")
	p.Nav = "volunteers"
	q := r.URL.Query()
	return volunteersPage{pageData: p, Volunteers: list, Total: total, Page: f.Page, Communities: comms, Brands: domain.Brands,
		Form: domain.VolunteerEntry{Brand: domain.BrandShouZuQing}, Orgs: orgs, Institutions: insts, Teams: teams, Pupils: pupils,
		Filter: f, Query: keepQuery(q, "brand", "q", "sort"), Filters: keepQuery(q, "brand", "q")}, nil
}

// refuse shows a refused form of the volunteers page; an import's refused
// rows are shown as the import's result.
func (p *volunteersPage) refuse(err error) {
	var ir importRefused
	switch {
	case errors.As(err, &ir):
		p.Result = &ir.ImportResult
	case p.bannerFields:
		p.Error = domain.ErrorMessage(err) + fieldHint(err)
	default:
		p.refusal.refuse(err)
	}
}

// volunteersAgain shows the volunteers page again after a refused form.
func volunteersAgain[In any](s *Server, fill func(p *volunteersPage, in *In)) again[In] {
	return showAgain(s, "volunteers", s.loadVolunteersPage, fill)
}

// volunteerInput is a volunteer as the form and the API send them.
type volunteerInput struct {
	domain.VolunteerEntry
}

func (in *volunteerInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	year, _ := strconv.Atoi(f("birth_year"))
	in.VolunteerEntry = domain.VolunteerEntry{Name: f("name"), Phone: f("phone"), BirthYear: year,
		CommunityCode: f("community_code"), Brand: domain.Brand(f("brand")),
		Consent: f("consent") == "on", GuardianName: f("guardian_name"), GuardianRelation: f("guardian_relation")}
	return nil
}

// registerVolunteer registers a volunteer.
func (s *Server) registerVolunteer(r *http.Request, in *volunteerInput) (domain.Volunteer, error) {
	return s.Volunteers.Register(r.Context(), actorOf(r), in.VolunteerEntry)
}

type volunteerPage struct {
	pageData
	D     service.Detail
	Kinds []domain.VisitKind
	Now   string
	Error string
}

func (p *volunteerPage) refuse(err error) { p.Error = domain.ErrorMessage(err) + fieldHint(err) }

func (s *Server) loadVolunteerPage(r *http.Request) (volunteerPage, error) {
	d, err := s.Volunteers.Detail(r.Context(), actorOf(r), idParam(r, "id"))
	if err != nil {
		return volunteerPage{}, err
	}
	p := s.page(r, d.Volunteer.Name)
	p.Nav = "volunteers"
	return volunteerPage{pageData: p, D: d, Kinds: domain.VisitKinds, Now: time.Now().In(domain.ChinaTime).Format("2006-01-02T15:04")}, nil
}

// volunteerAgain shows a volunteer's page again after a refused form.
func volunteerAgain[In any](s *Server) again[In] {
	return showAgain[volunteerPage, *volunteerPage, In](s, "volunteer", s.loadVolunteerPage, nil)
}

// toVolunteer sends a volunteer's form back to their page with flash.
func toVolunteer(id int64, flash string) done {
	return done{To: fmt.Sprintf("/volunteers/%d", id), Flash: flash}
}

// pairRequest pairs a volunteer with an elder (the page's path names the
// volunteer).
type pairRequest struct {
	VolunteerID int64 `json:"volunteer_id"`
	ElderID     int64 `json:"elder_id"`
}

func (in *pairRequest) readForm(r *http.Request) error {
	in.VolunteerID = idParam(r, "id")
	in.ElderID, _ = strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("elder_id")), 10, 64)
	return nil
}

func (s *Server) pairVolunteer(r *http.Request, in *pairRequest) (newID, error) {
	id, err := s.Volunteers.Pair(r.Context(), actorOf(r), in.VolunteerID, in.ElderID)
	return newID{id}, err
}

// visitInput is a pair's visit (the page's path names the volunteer).
type visitInput struct {
	domain.VisitEntry
	volunteer int64
}

func (in *visitInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	pair, _ := strconv.ParseInt(f("pair_id"), 10, 64)
	minutes, _ := strconv.Atoi(f("minutes"))
	at, _ := time.ParseInLocation("2006-01-02T15:04", f("visited_at"), domain.ChinaTime)
	in.volunteer = idParam(r, "id")
	in.VisitEntry = domain.VisitEntry{PairID: pair, Kind: domain.VisitKind(f("kind")), VisitedAt: at, Minutes: minutes, Note: f("note")}
	return nil
}

func (s *Server) logVisit(r *http.Request, in *visitInput) (newID, error) {
	id, err := s.Volunteers.LogVisit(r.Context(), actorOf(r), in.VisitEntry)
	return newID{id}, err
}

func (s *Server) volunteerStatement(r *http.Request) (service.Document, error) {
	return s.Volunteers.Statement(r.Context(), actorOf(r), idParam(r, "id"))
}

func (s *Server) listVolunteers(r *http.Request) (list[domain.Volunteer], error) {
	items, total, err := s.Volunteers.List(r.Context(), actorOf(r), volunteerFilter(r))
	return pageOf(items, total, 0, 0), err
}

// volunteerView is a volunteer as the API shows them.
type volunteerView struct {
	Volunteer domain.Volunteer `json:"volunteer"`
	Pairs     []store.Pair     `json:"pairs"`
	Visits    []domain.Visit   `json:"visits"`
}

func (s *Server) volunteer(r *http.Request) (volunteerView, error) {
	d, err := s.Volunteers.Detail(r.Context(), actorOf(r), idParam(r, "id"))
	return volunteerView{d.Volunteer, d.Pairs, d.Visits}, err
}

// importVolunteers imports a volunteers workbook.
func (s *Server) importVolunteers(r *http.Request, in *upload) (imported, error) {
	res, err := s.Volunteers.Import(r.Context(), actorOf(r), in.File.Name, in.File.Data)
	return imported{res}, err
}

// importVolunteersOnPage is the import as the page runs it: refused rows
// are a refusal, shown as the import's result.
func (s *Server) importVolunteersOnPage(r *http.Request, in *upload) (imported, error) {
	res, err := s.importVolunteers(r, in)
	if err == nil && len(res.Problems) > 0 {
		return res, &domain.Error{Code: domain.CodeInvalid, Err: importRefused(res)}
	}
	return res, err
}

func (s *Server) volunteersExport(r *http.Request) (service.Document, error) {
	b, err := s.Volunteers.Export(r.Context(), actorOf(r), volunteerFilter(r))
	return service.Document{FileName: "志愿者名册（遮蔽）.xlsx", ContentType: xlsxType, Data: b}, err
}

func volunteerTemplate(*http.Request) (service.Document, error) {
	b, err := service.VolunteerTemplate()
	return service.Document{FileName: "志愿者名册导入模板.xlsx", ContentType: xlsxType, Data: b}, err
}

func (s *Server) volunteerOrgs(r *http.Request) (list[store.VolunteerOrg], error) {
	orgs, err := s.Volunteers.Orgs(r.Context(), actorOf(r))
	return listOf(orgs), err
}

// volunteerRoutes mounts the routes this file serves (see mounts).
func (s *Server) volunteerRoutes(m mounts) {
	m.pages.Get("/volunteers", view(s, "volunteers", s.loadVolunteersPage))
	m.pages.Post("/volunteers", form(s, s.registerVolunteer, func(_ *volunteerInput, v domain.Volunteer) done {
		return toVolunteer(v.ID, "志愿者已登记。")
	}, volunteersAgain(s, func(p *volunteersPage, in *volunteerInput) { p.Form = in.VolunteerEntry })))
	m.pages.Get("/volunteers/template.xlsx", download(s, false, volunteerTemplate))
	m.pages.Get("/volunteers/export.xlsx", download(s, false, s.volunteersExport))
	m.pages.Post("/volunteers/import", form(s, s.importVolunteersOnPage, func(_ *upload, res imported) done {
		return done{To: "/volunteers", Flash: fmt.Sprintf("已导入 %d 名志愿者。", res.Imported)}
	}, volunteersAgain(s, func(p *volunteersPage, _ *upload) { p.Result = &service.ImportResult{} })))
	m.pages.Get("/volunteers/{id}", view(s, "volunteer", s.loadVolunteerPage))
	m.pages.Post("/volunteers/{id}/pairs", form(s, s.pairVolunteer, func(in *pairRequest, _ newID) done {
		return toVolunteer(in.VolunteerID, "已结对。")
	}, volunteerAgain[pairRequest](s)))
	m.pages.Post("/volunteers/{id}/visits", form(s, s.logVisit, func(in *visitInput, _ newID) done {
		return toVolunteer(in.volunteer, "服务记录已保存，时长已计入时间储蓄。")
	}, volunteerAgain[visitInput](s)))
	m.pages.Get("/volunteers/{id}/statement.pdf", download(s, true, s.volunteerStatement))
	m.api.Get("/volunteers", apiRead(s, s.listVolunteers))
	m.api.Post("/volunteers", apiWrite(s, http.StatusCreated, s.registerVolunteer))
	m.api.Get("/volunteers/template.xlsx", download(s, false, volunteerTemplate))
	m.api.Get("/volunteers/export.xlsx", download(s, false, s.volunteersExport))
	m.api.Post("/volunteers/import", apiUpload(s, http.StatusCreated, s.importVolunteers))
	m.api.Get("/volunteer-organisations", apiRead(s, s.volunteerOrgs))
	m.api.Get("/volunteers/{id}", apiRead(s, s.volunteer))
	m.api.Get("/volunteers/{id}/statement.pdf", download(s, true, s.volunteerStatement))
	m.api.Post("/pairs", apiWrite(s, http.StatusCreated, s.pairVolunteer))
	m.api.Post("/visits", apiWrite(s, http.StatusCreated, s.logVisit))
}
