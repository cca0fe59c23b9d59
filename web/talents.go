package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

type talentsPage struct {
	pageData
	Page      store.TalentPage
	Filter    store.TalentFilter
	Query     template.URL // filters and sort (paging, export)
	Filters   template.URL // filters alone (sort links)
	Kinds     []domain.TalentKind
	Fields    []domain.ExpertField
	Districts []string
}

// talentFilter reads the talent list's filters, sort and page.
func talentFilter(r *http.Request) store.TalentFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := store.TalentFilter{Kind: domain.TalentKind(q.Get("kind")), Field: domain.ExpertField(q.Get("field")),
		District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"), Page: page}
	if q.Get("available") == "yes" {
		yes := true
		f.Available = &yes
	}
	return f
}

func (s *Server) talentsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := talentFilter(r)
	res, err := s.Talents.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "人才库")
	p.Nav = "talents"
	s.show(w, r, http.StatusOK, "talents", talentsPage{pageData: p, Page: res, Filter: f,
		Query: keepQuery(q, "kind", "field", "district", "q", "available", "sort"), Filters: keepQuery(q, "kind", "field", "district", "q", "available"),
		Kinds: domain.TalentKinds, Fields: domain.ExpertFields, Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...)})
}

type talentPage struct {
	pageData
	ID         int64
	Form       domain.TalentEntry
	Employment string // one line per job: 单位|统一社会信用代码|起 YYYY-MM|止 YYYY-MM
	Relations  string // one line per tie: 统一社会信用代码|说明
	Errors     map[string]string
	Error      string
	Kinds      []domain.TalentKind
	Fields     []domain.ExpertField
	Districts  []string
	Levels     []domain.AreaLevel
}

// HasField tells the form which fields are ticked.
func (p talentPage) HasField(f domain.ExpertField) bool {
	for _, x := range p.Form.Fields {
		if x == f {
			return true
		}
	}
	return false
}

func (s *Server) talentForm(r *http.Request, id int64, t domain.TalentEntry) talentPage {
	title := "添加人才"
	if id != 0 {
		title = t.Name
	}
	p := s.page(r, title)
	p.Nav = "talents"
	var emp, rel []string
	for _, e := range t.Employment {
		to := ""
		if !e.To.IsZero() {
			to = e.To.Format("2006-01")
		}
		emp = append(emp, strings.Join([]string{e.Employer, e.USCC, e.From.Format("2006-01"), to}, "|"))
	}
	for _, x := range t.Relations {
		rel = append(rel, x.USCC+"|"+x.Note)
	}
	return talentPage{pageData: p, ID: id, Form: t, Employment: strings.Join(emp, "\n"), Relations: strings.Join(rel, "\n"),
		Kinds: domain.TalentKinds, Fields: domain.ExpertFields, Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...),
		Levels: []domain.AreaLevel{domain.LevelCity, domain.LevelDistrict, domain.LevelStreet, domain.LevelCommunity}}
}

func (s *Server) newTalentPage(w http.ResponseWriter, r *http.Request) {
	if err := auth.Authorize(userOf(r), auth.ActionManageTalents, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "talent", s.talentForm(r, 0, domain.TalentEntry{Kind: domain.TalentExpert, Level: domain.LevelCity,
		District: domain.CityLevel, Available: true}))
}

func (s *Server) talentPage(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	t, err := s.Talents.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t.TalentEntry.Phone = t.Phone
	s.show(w, r, http.StatusOK, "talent", s.talentForm(r, id, t.TalentEntry))
}

// parseLines reads the employment and relation text areas, naming the line
// of every mistake.
func parseLines(empText, relText string) ([]domain.Employment, []domain.Relation, map[string]string) {
	errs := map[string]string{}
	var emp []domain.Employment
	for i, line := range strings.Split(strings.TrimSpace(empText), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		from, err1 := time.ParseInLocation("2006-01", strings.TrimSpace(parts[2]), domain.ChinaTime)
		var to time.Time
		var err2 error
		if strings.TrimSpace(parts[3]) != "" {
			to, err2 = time.ParseInLocation("2006-01", strings.TrimSpace(parts[3]), domain.ChinaTime)
		}
		if err1 != nil || err2 != nil {
			errs["employment"] = fmt.Sprintf("第 %d 行的年月格式应为 2024-06（“至今”留空）。", i+1)
			continue
		}
		emp = append(emp, domain.Employment{Employer: strings.TrimSpace(parts[0]), USCC: strings.TrimSpace(parts[1]), From: from, To: to})
	}
	var rel []domain.Relation
	for _, line := range strings.Split(strings.TrimSpace(relText), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		uscc, note, _ := strings.Cut(line, "|")
		rel = append(rel, domain.Relation{USCC: strings.TrimSpace(uscc), Note: strings.TrimSpace(note)})
	}
	return emp, rel, errs
}

func (s *Server) saveTalent(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	f := r.PostForm
	t := domain.TalentEntry{Kind: domain.TalentKind(f.Get("kind")), Name: f.Get("name"), Level: domain.AreaLevel(f.Get("level")),
		District: f.Get("district"), Title: f.Get("title"), Employer: f.Get("employer"), Phone: f.Get("phone"),
		Available: f.Get("available") == "yes", Username: strings.TrimSpace(f.Get("username"))}
	for _, x := range f["fields"] {
		t.Fields = append(t.Fields, domain.ExpertField(x))
	}
	emp, rel, lineErrs := parseLines(f.Get("employment"), f.Get("relations"))
	t.Employment, t.Relations = emp, rel
	var err error
	var saved domain.Talent
	if len(lineErrs) > 0 {
		err = (domain.FieldErrors(lineErrs)).Err()
	} else {
		saved, err = s.Talents.Save(r.Context(), actorOf(r), id, t)
	}
	if err != nil {
		if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeNotFound {
			s.fail(w, r, err)
			return
		}
		data := s.talentForm(r, id, t)
		data.Employment, data.Relations = f.Get("employment"), f.Get("relations")
		data.Error = domain.ErrorMessage(err)
		data.Errors = fieldsOf(err)
		s.show(w, r, status(err), "talent", data)
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("/talents/%d", saved.ID), "已保存。")
}

// API

func (s *Server) apiTalents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	f := store.TalentFilter{Kind: domain.TalentKind(q.Get("kind")), Field: domain.ExpertField(q.Get("field")),
		District: q.Get("district"), Search: q.Get("q"), Page: page, PerPage: perPage}
	if v := q.Get("available"); v != "" {
		b := v == "true" || v == "yes"
		f.Available = &b
	}
	res, err := s.Talents.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	items := res.Talents
	if items == nil {
		items = []domain.Talent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": res.Total, "page": res.Page, "per_page": res.PerPage})
}

func (s *Server) apiSaveTalent(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var t domain.TalentEntry
	if err := decodeJSON(r, &t); err != nil {
		s.apiFail(w, r, err)
		return
	}
	saved, err := s.Talents.Save(r.Context(), actorOf(r), id, t)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	st := http.StatusOK
	if id == 0 {
		st = http.StatusCreated
	}
	writeJSON(w, st, saved)
}

func (s *Server) apiTalent(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	t, err := s.Talents.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// talentRoutes mounts the routes this file serves (see mounts).
func (s *Server) talentRoutes(m mounts) {
	m.pages.Get("/talents", s.talentsPage)
	m.pages.Get("/talents/new", s.newTalentPage)
	m.pages.Post("/talents", s.saveTalent)
	m.pages.Get("/talents/{id}", s.talentPage)
	m.pages.Post("/talents/{id}", s.saveTalent)
	m.api.Get("/talents", s.apiTalents)
	m.api.Post("/talents", s.apiSaveTalent)
	m.api.Get("/talents/{id}", s.apiTalent)
	m.api.Put("/talents/{id}", s.apiSaveTalent)
}
