package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

func quarterParam(r *http.Request) (domain.Quarter, error) {
	if v := r.URL.Query().Get("quarter"); v != "" {
		return domain.ParseQuarter(v)
	}
	return domain.QuarterOf(time.Now()), nil
}

type statsPage struct {
	pageData
	Quarter domain.Quarter
	Scope   string
	Rows    []store.DistrictStats
	Charts  template.JS // JSON for static/charts.js (in a non-executed script block)
}

func (s *Server) statsPage(w http.ResponseWriter, r *http.Request) {
	q, err := quarterParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, scope, err := s.Stats.Quarter(r.Context(), actorOf(r), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type series struct {
		Name   string   `json:"name"`
		Labels []string `json:"labels"`
		Values []int    `json:"values"`
	}
	needs := series{Name: "本季度需求（按类别）"}
	for _, c := range domain.NeedCategories {
		n := 0
		for _, row := range rows {
			n += row.NeedsByCat[c]
		}
		needs.Labels, needs.Values = append(needs.Labels, c.Label()), append(needs.Values, n)
	}
	elderly := series{Name: "老年人名册（按类别）"}
	for _, c := range domain.ElderCategories {
		n := 0
		for _, row := range rows {
			n += row.ElderlyByCat[c]
		}
		elderly.Labels, elderly.Values = append(elderly.Labels, c.Label()), append(elderly.Values, n)
	}
	b, _ := json.Marshal(map[string]series{"needs": needs, "elderly": elderly})
	p := s.page(r, "统计报表")
	p.Nav = "stats"
	s.show(w, r, http.StatusOK, "stats", statsPage{pageData: p, Quarter: q, Scope: scope, Rows: rows, Charts: template.JS(b)})
}

func (s *Server) statsPDF(w http.ResponseWriter, r *http.Request) {
	q, err := quarterParam(r)
	if err == nil {
		doc, err := s.Stats.PDF(r.Context(), actorOf(r), q)
		if err == nil {
			sendDocument(w, doc, true)
			return
		}
		s.failAny(w, r, err)
		return
	}
	s.failAny(w, r, err)
}

func (s *Server) statsExcel(w http.ResponseWriter, r *http.Request) {
	q, err := quarterParam(r)
	if err == nil {
		doc, err := s.Stats.Excel(r.Context(), actorOf(r), q)
		if err == nil {
			sendDocument(w, doc, false)
			return
		}
		s.failAny(w, r, err)
		return
	}
	s.failAny(w, r, err)
}

// failAny answers with a JSON error under /api/v1 and an error page
// elsewhere.
func (s *Server) failAny(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiFail(w, r, err)
		return
	}
	s.fail(w, r, err)
}

func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) {
	q, err := quarterParam(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	rows, scope, err := s.Stats.Quarter(r.Context(), actorOf(r), q)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"quarter": q.String(), "scope": scope, "districts": rows})
}
