package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

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

func (s *Server) loadTalentsPage(r *http.Request) (talentsPage, error) {
	q := r.URL.Query()
	f := talentFilter(r)
	res, err := s.Talents.List(r.Context(), actorOf(r), f)
	if err != nil {
		return talentsPage{}, err
	}
	p := s.page(r, "人才库")
	p.Nav = "talents"
	return talentsPage{pageData: p, Page: res, Filter: f,
		Query: keepQuery(q, "kind", "field", "district", "q", "available", "sort"), Filters: keepQuery(q, "kind", "field", "district", "q", "available"),
		Kinds: domain.TalentKinds, Fields: domain.ExpertFields, Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...)}, nil
}

type talentPage struct {
	pageData
	ID         int64
	Form       domain.TalentEntry
	Employment string // one line per job: 单位|统一社会信用代码|起 YYYY-MM|止 YYYY-MM
	Relations  string // one line per tie: 统一社会信用代码|说明
	refusal
	Kinds     []domain.TalentKind
	Fields    []domain.ExpertField
	Districts []string
	Levels    []domain.AreaLevel
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

func (s *Server) loadNewTalentPage(r *http.Request) (talentPage, error) {
	if err := auth.Authorize(userOf(r), auth.ActionManageTalents, ""); err != nil {
		return talentPage{}, err
	}
	return s.talentForm(r, 0, domain.TalentEntry{Kind: domain.TalentExpert, Level: domain.LevelCity,
		District: domain.CityLevel, Available: true}), nil
}

func (s *Server) loadTalentPage(r *http.Request) (talentPage, error) {
	id := idParam(r, "id")
	t, err := s.Talents.Get(r.Context(), actorOf(r), id)
	return s.talentForm(r, id, t.TalentEntry), err
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

// talentInput is a talent as the form and the API send them; the form
// has the employment and ties as lines of text.
type talentInput struct {
	domain.TalentEntry
	employment, relations string // as typed, to show again
}

func (in *talentInput) readForm(r *http.Request) error {
	f := r.PostForm
	in.TalentEntry = domain.TalentEntry{Kind: domain.TalentKind(f.Get("kind")), Name: f.Get("name"), Level: domain.AreaLevel(f.Get("level")),
		District: f.Get("district"), Title: f.Get("title"), Employer: f.Get("employer"), Phone: f.Get("phone"),
		Available: f.Get("available") == "yes", Username: strings.TrimSpace(f.Get("username"))}
	for _, x := range f["fields"] {
		in.Fields = append(in.Fields, domain.ExpertField(x))
	}
	in.employment, in.relations = f.Get("employment"), f.Get("relations")
	var lineErrs map[string]string
	in.Employment, in.Relations, lineErrs = parseLines(in.employment, in.relations)
	return domain.FieldErrors(lineErrs).Err()
}

// saveTalent adds a talent, or saves the one the path names ({id}).
func (s *Server) saveTalent(r *http.Request, in *talentInput) (domain.Talent, error) {
	return s.Talents.Save(r.Context(), actorOf(r), idParam(r, "id"), in.TalentEntry)
}

// talentAgain shows the talent form again with what was typed and why it
// was refused.
func (s *Server) talentAgain(w http.ResponseWriter, r *http.Request, in *talentInput, err error) {
	data := s.talentForm(r, idParam(r, "id"), in.TalentEntry)
	data.Employment, data.Relations = in.employment, in.relations
	data.refuse(err)
	s.show(w, r, status(err), "talent", data)
}

// apiTalentFilter reads the API's talent filters (available: true or
// false; no sort).
func apiTalentFilter(r *http.Request) store.TalentFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	f := store.TalentFilter{Kind: domain.TalentKind(q.Get("kind")), Field: domain.ExpertField(q.Get("field")),
		District: q.Get("district"), Search: q.Get("q"), Page: page, PerPage: perPage}
	if v := q.Get("available"); v != "" {
		b := v == "true" || v == "yes"
		f.Available = &b
	}
	return f
}

func (s *Server) listTalents(r *http.Request) (list[domain.Talent], error) {
	res, err := s.Talents.List(r.Context(), actorOf(r), apiTalentFilter(r))
	return pageOf(res.Talents, res.Total, res.Page, res.PerPage), err
}

func (s *Server) talent(r *http.Request) (domain.Talent, error) {
	return s.Talents.Get(r.Context(), actorOf(r), idParam(r, "id"))
}

// talentsSheet exports the talent library with the list's filters (phones
// masked, as on the page).
func (s *Server) talentsSheet(r *http.Request) (sheet, error) {
	f := talentFilter(r)
	return sheet{"人才库.xlsx", []any{"编号", "姓名", "类型", "层级", "区", "职称/职务", "现工作单位", "专业领域", "手机号（遮蔽）", "可参加评审"},
		paged(func(page, per int) ([]domain.Talent, int, error) {
			f.Page, f.PerPage = page, per
			res, err := s.Talents.List(r.Context(), actorOf(r), f)
			return res.Talents, res.Total, err
		}, func(t domain.Talent) []any {
			fields := make([]string, len(t.Fields))
			for j, x := range t.Fields {
				fields[j] = x.Label()
			}
			yes := "否"
			if t.Available {
				yes = "是"
			}
			return []any{t.ID, t.Name, t.Kind.Label(), t.Level.Label(), t.District, t.Title, t.Employer, strings.Join(fields, "、"), t.Phone, yes}
		})}, nil
}

// talentRoutes mounts the routes this file serves (see mounts).
func (s *Server) talentRoutes(m mounts) {
	saved := func(_ *talentInput, t domain.Talent) done {
		return done{To: fmt.Sprintf("/talents/%d", t.ID), Flash: "已保存。"}
	}
	m.pages.Get("/talents", view(s, "talents", s.loadTalentsPage))
	m.pages.Get("/talents.xlsx", xlsx(s, s.talentsSheet))
	m.pages.Get("/talents/new", view(s, "talent", s.loadNewTalentPage))
	m.pages.Post("/talents", form(s, s.saveTalent, saved, s.talentAgain))
	m.pages.Get("/talents/{id}", view(s, "talent", s.loadTalentPage))
	m.pages.Post("/talents/{id}", form(s, s.saveTalent, saved, s.talentAgain))
	m.api.Get("/talents", apiRead(s, s.listTalents))
	m.api.Post("/talents", apiWrite(s, http.StatusCreated, s.saveTalent))
	m.api.Get("/talents/{id}", apiRead(s, s.talent))
	m.api.Put("/talents/{id}", apiWrite(s, http.StatusOK, s.saveTalent))
}
