package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

type volunteersPage struct {
	pageData
	Volunteers   []domain.Volunteer
	Total        int
	Page         int
	Communities  []domain.Area
	Form         domain.VolunteerEntry
	Errors       map[string]string
	Error        string
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

func (s *Server) volunteersPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadVolunteersPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "volunteers", data)
}

func (s *Server) registerVolunteer(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.PostFormValue("birth_year"))
	v := domain.VolunteerEntry{Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), BirthYear: year,
		CommunityCode: r.PostFormValue("community_code"), Brand: domain.Brand(r.PostFormValue("brand")),
		Consent: r.PostFormValue("consent") == "on", GuardianName: r.PostFormValue("guardian_name"), GuardianRelation: r.PostFormValue("guardian_relation")}
	saved, err := s.Volunteers.Register(r.Context(), actorOf(r), v)
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		data, lerr := s.loadVolunteersPage(r)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		data.Form, data.Error = v, domain.ErrorMessage(err)
		data.Errors = fieldsOf(err)
		s.show(w, r, status(err), "volunteers", data)
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("/volunteers/%d", saved.ID), "志愿者已登记。")
}

type volunteerPage struct {
	pageData
	D     service.Detail
	Kinds []domain.VisitKind
	Now   string
	Error string
}

func (s *Server) loadVolunteerPage(r *http.Request) (volunteerPage, error) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	d, err := s.Volunteers.Detail(r.Context(), actorOf(r), id)
	if err != nil {
		return volunteerPage{}, err
	}
	p := s.page(r, d.Volunteer.Name)
	p.Nav = "volunteers"
	return volunteerPage{pageData: p, D: d, Kinds: domain.VisitKinds, Now: time.Now().In(domain.ChinaTime).Format("2006-01-02T15:04")}, nil
}

func (s *Server) volunteerPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadVolunteerPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "volunteer", data)
}

func (s *Server) volunteerError(w http.ResponseWriter, r *http.Request, err error) {
	if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
		s.fail(w, r, err)
		return
	}
	data, lerr := s.loadVolunteerPage(r)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	data.Error = domain.ErrorMessage(err)
	for _, m := range fieldsOf(err) {
		data.Error += " " + m
	}
	s.show(w, r, status(err), "volunteer", data)
}

func (s *Server) pairVolunteer(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	elder, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("elder_id")), 10, 64)
	if _, err := s.Volunteers.Pair(r.Context(), actorOf(r), id, elder); err != nil {
		s.volunteerError(w, r, err)
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("/volunteers/%d", id), "已结对。")
}

func (s *Server) logVisit(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	pair, _ := strconv.ParseInt(r.PostFormValue("pair_id"), 10, 64)
	minutes, _ := strconv.Atoi(r.PostFormValue("minutes"))
	at, _ := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("visited_at"), domain.ChinaTime)
	v := domain.VisitEntry{PairID: pair, Kind: domain.VisitKind(r.PostFormValue("kind")), VisitedAt: at, Minutes: minutes, Note: r.PostFormValue("note")}
	if _, err := s.Volunteers.LogVisit(r.Context(), actorOf(r), v); err != nil {
		s.volunteerError(w, r, err)
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("/volunteers/%d", id), "服务记录已保存，时长已计入时间储蓄。")
}

func (s *Server) volunteerStatement(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	d, err := s.Volunteers.Statement(r.Context(), actorOf(r), id)
	if err != nil {
		if isAPI(r) {
			s.apiFail(w, r, err)
		} else {
			s.fail(w, r, err)
		}
		return
	}
	sendDocument(w, d, true)
}

// API

func (s *Server) apiVolunteers(w http.ResponseWriter, r *http.Request) {
	list, total, err := s.Volunteers.List(r.Context(), actorOf(r), volunteerFilter(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if list == nil {
		list = []domain.Volunteer{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

func (s *Server) apiRegisterVolunteer(w http.ResponseWriter, r *http.Request) {
	var v domain.VolunteerEntry
	if err := decodeJSON(r, &v); err != nil {
		s.apiFail(w, r, err)
		return
	}
	saved, err := s.Volunteers.Register(r.Context(), actorOf(r), v)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, saved)
}

func (s *Server) apiVolunteer(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	d, err := s.Volunteers.Detail(r.Context(), actorOf(r), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"volunteer": d.Volunteer, "pairs": d.Pairs, "visits": d.Visits})
}

type pairRequest struct {
	VolunteerID int64 `json:"volunteer_id"`
	ElderID     int64 `json:"elder_id"`
}

func (s *Server) apiPair(w http.ResponseWriter, r *http.Request) {
	var req pairRequest
	err := decodeJSON(r, &req)
	var id int64
	if err == nil {
		id, err = s.Volunteers.Pair(r.Context(), actorOf(r), req.VolunteerID, req.ElderID)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
}

func (s *Server) apiLogVisit(w http.ResponseWriter, r *http.Request) {
	var v domain.VisitEntry
	err := decodeJSON(r, &v)
	var id int64
	if err == nil {
		id, err = s.Volunteers.LogVisit(r.Context(), actorOf(r), v)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
}

// importVolunteers imports a volunteers workbook (page or API).
func (s *Server) importVolunteers(w http.ResponseWriter, r *http.Request) {
	name, data, err := readUpload(w, r)
	var res service.ImportResult
	if err == nil {
		res, err = s.Volunteers.Import(r.Context(), actorOf(r), name, data)
	}
	if isAPI(r) {
		switch {
		case err != nil:
			s.apiFail(w, r, err)
		case len(res.Problems) > 0:
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": apiError{Code: "invalid",
				Message: "导入文件有错误，未导入任何数据；请按 problems 逐行修改后重新上传。"}, "problems": res.Problems})
		default:
			writeJSON(w, http.StatusCreated, res)
		}
		return
	}
	if err != nil && domain.ErrorCode(err) != domain.CodeInvalid {
		s.fail(w, r, err)
		return
	}
	if err == nil && len(res.Problems) == 0 {
		s.redirectFlash(w, r, "/volunteers", fmt.Sprintf("已导入 %d 名志愿者。", res.Imported))
		return
	}
	data2, lerr := s.loadVolunteersPage(r)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	code := http.StatusUnprocessableEntity
	if err != nil {
		data2.Error, code = domain.ErrorMessage(err), status(err)
	}
	data2.Result = &res
	s.show(w, r, code, "volunteers", data2)
}

func (s *Server) exportVolunteers(w http.ResponseWriter, r *http.Request) {
	b, err := s.Volunteers.Export(r.Context(), actorOf(r), volunteerFilter(r))
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, service.Document{FileName: "志愿者名册（遮蔽）.xlsx", ContentType: xlsxType, Data: b}, false)
}

func (s *Server) volunteerTemplate(w http.ResponseWriter, r *http.Request) {
	b, err := service.VolunteerTemplate()
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, service.Document{FileName: "志愿者名册导入模板.xlsx", ContentType: xlsxType, Data: b}, false)
}

func (s *Server) apiVolunteerOrgs(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.Volunteers.Orgs(r.Context(), actorOf(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if orgs == nil {
		orgs = []store.VolunteerOrg{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": orgs})
}

// volunteerRoutes mounts the routes this file serves (see mounts).
func (s *Server) volunteerRoutes(m mounts) {
	m.pages.Get("/volunteers", s.volunteersPage)
	m.pages.Post("/volunteers", s.registerVolunteer)
	m.pages.Get("/volunteers/template.xlsx", s.volunteerTemplate)
	m.pages.Get("/volunteers/export.xlsx", s.exportVolunteers)
	m.pages.Post("/volunteers/import", s.importVolunteers)
	m.pages.Get("/volunteers/{id}", s.volunteerPage)
	m.pages.Post("/volunteers/{id}/pairs", s.pairVolunteer)
	m.pages.Post("/volunteers/{id}/visits", s.logVisit)
	m.pages.Get("/volunteers/{id}/statement.pdf", s.volunteerStatement)
	m.api.Get("/volunteers", s.apiVolunteers)
	m.api.Post("/volunteers", s.apiRegisterVolunteer)
	m.api.Get("/volunteers/template.xlsx", s.volunteerTemplate)
	m.api.Get("/volunteers/export.xlsx", s.exportVolunteers)
	m.api.Post("/volunteers/import", s.importVolunteers)
	m.api.Get("/volunteer-organisations", s.apiVolunteerOrgs)
	m.api.Get("/volunteers/{id}", s.apiVolunteer)
	m.api.Get("/volunteers/{id}/statement.pdf", s.volunteerStatement)
	m.api.Post("/pairs", s.apiPair)
	m.api.Post("/visits", s.apiLogVisit)
}
