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
	Form        domain.NeedEntry
	Errors      map[string]string
	Error       string
	Quarter     domain.Quarter
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

func (s *Server) needsPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadNeedsPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "needs", data)
}

func needFromForm(r *http.Request) domain.NeedEntry {
	n := domain.NeedEntry{CommunityCode: r.PostFormValue("community_code"), Category: domain.NeedCategory(r.PostFormValue("category")),
		Urgency: domain.Urgency(r.PostFormValue("urgency")), Description: r.PostFormValue("description"), Affected: map[domain.ElderCategory]int{}}
	for _, c := range domain.ElderCategories {
		if v := strings.TrimSpace(r.PostFormValue("affected_" + string(c))); v != "" {
			k, err := strconv.Atoi(v)
			if err != nil {
				k = -1 // refused by Validate with a message
			}
			n.Affected[c] = k
		}
	}
	return n
}

func (s *Server) recordNeed(w http.ResponseWriter, r *http.Request) {
	n := needFromForm(r)
	if _, err := s.Needs.Record(r.Context(), actorOf(r), n); err != nil {
		if c := domain.ErrorCode(err); c != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		data, lerr := s.loadNeedsPage(r)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		data.Form, data.Error = n, domain.ErrorMessage(err)
		data.Errors = fieldsOf(err)
		s.show(w, r, status(err), "needs", data)
		return
	}
	s.redirectFlash(w, r, "/needs", "需求已登记，将汇入本季度街道汇总。")
}

type reportsPage struct {
	pageData
	Cycles   []store.ReportCycle
	Period   string // 2026Q4 or 2026H2
	Label    string
	Opens    time.Time
	Deadline time.Time
	Error    string
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

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadReportsPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "reports", data)
}

func (s *Server) submitReport(w http.ResponseWriter, r *http.Request) {
	quarter := chi.URLParam(r, "quarter")
	if _, err := s.Needs.Submit(r.Context(), actorOf(r), chi.URLParam(r, "street"), quarter); err != nil {
		if c := domain.ErrorCode(err); c == domain.CodeInternal || c == domain.CodeUnavailable {
			s.fail(w, r, err)
			return
		}
		data, lerr := s.loadReportsPage(r)
		if lerr != nil {
			s.fail(w, r, err)
			return
		}
		data.Error = domain.ErrorMessage(err)
		s.show(w, r, status(err), "reports", data)
		return
	}
	s.redirectFlash(w, r, "/reports?quarter="+url.QueryEscape(quarter), "季度需求汇总已报送区民政局。")
}

// API

func (s *Server) apiNeeds(w http.ResponseWriter, r *http.Request) {
	res, err := s.Needs.List(r.Context(), actorOf(r), needFilter(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	items := res.Needs
	if items == nil {
		items = []domain.Need{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": res.Total, "page": res.Page, "per_page": res.PerPage})
}

func (s *Server) apiRecordNeed(w http.ResponseWriter, r *http.Request) {
	var n domain.NeedEntry
	if err := decodeJSON(r, &n); err != nil {
		s.apiFail(w, r, err)
		return
	}
	need, err := s.Needs.Record(r.Context(), actorOf(r), n)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, need)
}

func (s *Server) apiReportCycles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("quarter")
	if q == "" {
		q = domain.QuarterOf(time.Now()).String()
	}
	cycles, err := s.Needs.Cycles(r.Context(), actorOf(r), q)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if cycles == nil {
		cycles = []store.ReportCycle{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cycles, "quarter": q})
}

func (s *Server) apiSubmitReport(w http.ResponseWriter, r *http.Request) {
	rollup, err := s.Needs.Submit(r.Context(), actorOf(r), chi.URLParam(r, "street"), chi.URLParam(r, "quarter"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rollup)
}

// needRoutes mounts the routes this file serves (see mounts).
func (s *Server) needRoutes(m mounts) {
	m.pages.Get("/needs", s.needsPage)
	m.pages.Post("/needs", s.recordNeed)
	m.pages.Get("/reports", s.reportsPage)
	m.pages.Post("/reports/{street}/{quarter}/submit", s.submitReport)
	m.api.Get("/needs", s.apiNeeds)
	m.api.Post("/needs", s.apiRecordNeed)
	m.api.Get("/report-cycles", s.apiReportCycles)
	m.api.Post("/report-cycles/{street}/{quarter}/submit", s.apiSubmitReport)
}
