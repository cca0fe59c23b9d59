package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

type needsPage struct {
	pageData
	Page        store.NeedPage
	Filter      store.NeedFilter
	Query       template.URL // filters and sort, without the page
	Filters     template.URL // filters alone (for the sort links)
	Communities []domain.Area
	Categories  []domain.NeedCategory
	ElderCats   []domain.ElderCategory
	refusal
	Form    domain.NeedEntry
	Quarter domain.Quarter
}

func needFilter(r *http.Request) store.NeedFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	return store.NeedFilter{Quarter: q.Get("quarter"), Category: domain.NeedCategory(q.Get("category")),
		StreetCode: q.Get("street"), Sort: q.Get("sort"), Page: page, PerPage: perPage}
}

func (s *Server) loadNeedsPage(r *http.Request) (needsPage, error) {
	f := needFilter(r)
	res, err := s.Needs.List(r.Context(), actorOf(r), f)
	if err != nil {
		return needsPage{}, err
	}
	p := s.page(r, "需求库")
	p.Nav = "needs"
	data := needsPage{pageData: p, Page: res, Filter: f, Categories: domain.NeedCategories, ElderCats: domain.ElderCategories,
		Quarter: domain.QuarterOf(time.Now()), Form: domain.NeedEntry{Urgency: domain.UrgencyMedium}}
	data.Query = keepQuery(r.URL.Query(), "quarter", "category", "street", "sort")
	data.Filters = keepQuery(r.URL.Query(), "quarter", "category", "street")
	u := userOf(r)
	if auth.Authorize(u, auth.ActionRecordNeed, "") == nil || u.AreaCode != "" {
		areas, err := s.Areas.List(r.Context())
		if err != nil {
			return needsPage{}, err
		}
		for _, a := range areas {
			if a.Level == domain.LevelCommunity && u.AreaCode != "" && strings.HasPrefix(a.Code, u.AreaCode) {
				data.Communities = append(data.Communities, a)
			}
		}
	}
	return data, nil
}

// needInput is a need as the form and the API send it.
type needInput struct {
	domain.NeedEntry
}

func (in *needInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	n := domain.NeedEntry{CommunityCode: f("community_code"), Category: domain.NeedCategory(f("category")),
		Urgency: domain.Urgency(f("urgency")), Description: f("description"), Affected: map[domain.ElderCategory]int{}}
	for _, c := range domain.ElderCategories {
		if v := strings.TrimSpace(f("affected_" + string(c))); v != "" {
			k, err := strconv.Atoi(v)
			if err != nil {
				k = -1 // refused by Validate with a message
			}
			n.Affected[c] = k
		}
	}
	in.NeedEntry = n
	return nil
}

// recordNeed records a community's need.
func (s *Server) recordNeed(r *http.Request, in *needInput) (domain.Need, error) {
	return s.Needs.Record(r.Context(), actorOf(r), in.NeedEntry)
}

func (s *Server) listNeeds(r *http.Request) (list[domain.Need], error) {
	res, err := s.Needs.List(r.Context(), actorOf(r), needFilter(r))
	return pageOf(res.Needs, res.Total, res.Page, res.PerPage), err
}

type reportsPage struct {
	pageData
	Cycles   []store.ReportCycle
	Period   string // 2026Q4 or 2026H2
	Label    string
	Opens    time.Time
	Deadline time.Time
	refusal
}

func (s *Server) loadReportsPage(r *http.Request) (reportsPage, error) {
	q := domain.QuarterOf(time.Now())
	period, label := q.String(), q.Label()
	opens, deadline := q.ReportWindow()
	if v := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("quarter"))); v != "" {
		if quarters, err := domain.HalfQuarters(v); err == nil {
			last, _ := domain.ParseQuarter(quarters[1])
			period, label = v, v[:4]+"年"+map[byte]string{'1': "上半年", '2': "下半年"}[v[5]]+"（区向市报送）"
			opens, deadline = domain.HalfWindow(last)
		} else if q, err = domain.ParseQuarter(v); err == nil {
			period, label = q.String(), q.Label()
			opens, deadline = q.ReportWindow()
		} else {
			return reportsPage{}, domain.Errorf(domain.CodeInvalid, "填报期间应为季度（如 2026Q4）或半年度（如 2026H2）。")
		}
	}
	cycles, err := s.Needs.Cycles(r.Context(), actorOf(r), period)
	if err != nil {
		return reportsPage{}, err
	}
	p := s.page(r, "需求填报")
	p.Nav = "reports"
	return reportsPage{pageData: p, Cycles: cycles, Period: period, Label: label, Opens: opens, Deadline: deadline}, nil
}

// submitted is a street's quarterly summary sent on, and its period.
type submitted struct {
	domain.RollUp
	period string
}

// submitReport sends a street's ({street}) summary of a period ({quarter})
// on to the district.
func (s *Server) submitReport(r *http.Request, _ *none) (submitted, error) {
	quarter := chi.URLParam(r, "quarter")
	rollup, err := s.Needs.Submit(r.Context(), actorOf(r), chi.URLParam(r, "street"), quarter)
	return submitted{rollup, quarter}, err
}

// reportCycles is the report cycles of a period, as the API shows them.
type reportCycles struct {
	Items   []store.ReportCycle `json:"items"`
	Quarter string              `json:"quarter"`
}

func (s *Server) reportCycles(r *http.Request) (reportCycles, error) {
	q := r.URL.Query().Get("quarter")
	if q == "" {
		q = domain.QuarterOf(time.Now()).String()
	}
	cycles, err := s.Needs.Cycles(r.Context(), actorOf(r), q)
	return reportCycles{listOf(cycles).Items, q}, err
}

// needsSheet exports the needs the person may see, with the list's filters.
func (s *Server) needsSheet(r *http.Request) (sheet, error) {
	head := []any{"编号", "季度", "区", "街道代码", "社区", "类别", "紧急程度"}
	for _, c := range domain.ElderCategories {
		head = append(head, "涉及："+c.Label())
	}
	head = append(head, "描述", "登记时间")
	f := needFilter(r)
	return sheet{"需求库.xlsx", head, paged(func(page, per int) ([]domain.Need, int, error) {
		f.Page, f.PerPage = page, per
		res, err := s.Needs.List(r.Context(), actorOf(r), f)
		return res.Needs, res.Total, err
	}, func(n domain.Need) []any {
		row := []any{n.ID, n.Quarter, n.District, n.StreetCode, n.CommunityName, n.Category.Label(), n.Urgency.Label()}
		for _, c := range domain.ElderCategories {
			row = append(row, n.Affected[c])
		}
		return append(row, n.Description, cst(n.CreatedAt))
	})}, nil
}

// needRoutes mounts the routes this file serves (see mounts).
func (s *Server) needRoutes(m mounts) {
	m.pages.Get("/needs", view(s, "needs", s.loadNeedsPage))
	m.pages.Post("/needs", form(s, s.recordNeed, func(*needInput, domain.Need) done {
		return done{To: "/needs", Flash: "需求已登记，将汇入本季度街道汇总。"}
	}, showAgain(s, "needs", s.loadNeedsPage, func(p *needsPage, in *needInput) { p.Form = in.NeedEntry })))
	m.pages.Get("/needs.xlsx", xlsx(s, s.needsSheet))
	m.pages.Get("/reports", view(s, "reports", s.loadReportsPage))
	m.pages.Post("/reports/{street}/{quarter}/submit", form(s, s.submitReport, func(_ *none, x submitted) done {
		return done{To: "/reports?quarter=" + url.QueryEscape(x.period), Flash: "季度需求汇总已报送区民政局。"}
	}, showAgain[reportsPage, *reportsPage, none](s, "reports", s.loadReportsPage, nil)))
	m.api.Get("/needs", apiRead(s, s.listNeeds))
	m.api.Post("/needs", apiWrite(s, http.StatusCreated, s.recordNeed))
	m.api.Get("/needs.xlsx", xlsx(s, s.needsSheet))
	m.api.Get("/report-cycles", apiRead(s, s.reportCycles))
	m.api.Post("/report-cycles/{street}/{quarter}/submit", apiWrite(s, http.StatusOK, s.submitReport))
}
