package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/service"
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
	Quarter   domain.Quarter
	Scope     string
	Rows      []store.DistrictStats
	Programme []store.ProgrammeRow
	Totals    store.ProgrammeRow
	Charts    template.JS // JSON for static/charts.js (in a non-executed script block)
}

// chartSeries is one named row of values of a chart.
type chartSeries struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// chart is what static/charts.js draws: labels on the x axis and one or
// more series (bars side by side).
type chart struct {
	Name   string        `json:"name"`
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
	Count  bool          `json:"count,omitempty"` // whole numbers on the axis
}

// in is the chart in the request's language (titles, categories, series).
func (c chart) in(s *Server, r *http.Request) chart {
	c.Name = s.tr(r, c.Name)
	c.Labels = slices.Clone(c.Labels)
	for i, l := range c.Labels {
		c.Labels[i] = s.tr(r, l)
	}
	c.Series = slices.Clone(c.Series)
	for i := range c.Series {
		c.Series[i].Name = s.tr(r, c.Series[i].Name)
	}
	return c
}

func (s *Server) loadStatsPage(r *http.Request) (statsPage, error) {
	q, err := quarterParam(r)
	if err != nil {
		return statsPage{}, err
	}
	rows, scope, err := s.Stats.Quarter(r.Context(), actorOf(r), q)
	if err != nil {
		return statsPage{}, err
	}
	prog, err := s.Stats.Programme(r.Context(), actorOf(r), q.Year)
	if err != nil {
		return statsPage{}, err
	}
	charts, totals := registerCharts(rows), programmeCharts(q.Year, prog)
	totals.in(s, r, charts)
	b, _ := json.Marshal(charts)
	p := s.page(r, "统计报表")
	p.Nav = "stats"
	return statsPage{pageData: p, Quarter: q, Scope: scope, Rows: rows, Programme: prog, Totals: totals.ProgrammeRow, Charts: template.JS(b)}, nil
}

// registerCharts are the quarter's needs and the register, by category.
func registerCharts(rows []store.DistrictStats) map[string]chart {
	needs := chart{Name: "本季度需求（按类别）", Count: true, Series: []chartSeries{{Name: "需求"}}}
	for _, c := range domain.NeedCategories {
		n := 0
		for _, row := range rows {
			n += row.NeedsByCat[c]
		}
		needs.Labels, needs.Series[0].Values = append(needs.Labels, c.Label()), append(needs.Series[0].Values, float64(n))
	}
	elderly := chart{Name: "老年人名册（按类别）", Count: true, Series: []chartSeries{{Name: "人数"}}}
	for _, c := range domain.ElderCategories {
		n := 0
		for _, row := range rows {
			n += row.ElderlyByCat[c]
		}
		elderly.Labels, elderly.Series[0].Values = append(elderly.Labels, c.Label()), append(elderly.Series[0].Values, float64(n))
	}
	return map[string]chart{"needs": needs, "elderly": elderly}
}

// programme is the year's programme charts and totals.
type programme struct {
	store.ProgrammeRow
	funds, training, grades chart
}

// in adds the programme's charts to charts, in the request's language
// (every chart is translated here).
func (p programme) in(s *Server, r *http.Request, charts map[string]chart) {
	charts["funds"], charts["training"], charts["grades"] = p.funds, p.training, p.grades
	for k, c := range charts {
		charts[k] = c.in(s, r)
	}
}

// programmeCharts are the year's programme: money by district, training
// by brand, grades.
func programmeCharts(year int, prog []store.ProgrammeRow) programme {
	funds := chart{Name: fmt.Sprintf("%d 年资助与拨付（按区，万元）", year), Series: []chartSeries{{Name: "资助金额"}, {Name: "已拨付"}}}
	byDistrict := map[string]int{}
	training := chart{Name: "培训学员与学时（按品牌）", Series: []chartSeries{{Name: "学员（人）"}, {Name: "学时（百学时）"}}}
	byBrand := map[domain.Brand]int{}
	grades := chart{Name: "结项等级", Count: true, Labels: []string{"优", "良", "中", "差"}, Series: []chartSeries{{Name: "项目", Values: make([]float64, 4)}}}
	var totals store.ProgrammeRow
	for _, x := range prog {
		i, ok := byDistrict[x.District]
		if !ok {
			i = len(funds.Labels)
			byDistrict[x.District] = i
			funds.Labels = append(funds.Labels, x.District)
			funds.Series[0].Values, funds.Series[1].Values = append(funds.Series[0].Values, 0), append(funds.Series[1].Values, 0)
		}
		funds.Series[0].Values[i] += float64(x.Awarded) / 1e6
		funds.Series[1].Values[i] += float64(x.Paid) / 1e6
		j, ok := byBrand[x.Brand]
		if !ok {
			j = len(training.Labels)
			byBrand[x.Brand] = j
			training.Labels = append(training.Labels, x.Brand.Label())
			training.Series[0].Values, training.Series[1].Values = append(training.Series[0].Values, 0), append(training.Series[1].Values, 0)
		}
		training.Series[0].Values[j] += float64(x.Trainees)
		training.Series[1].Values[j] += x.Hours / 100
		for k, g := range []domain.Grade{domain.GradeExcellent, domain.GradeGood, domain.GradeFair, domain.GradePoor} {
			grades.Series[0].Values[k] += float64(x.Grades[g])
		}
		totals.Projects += x.Projects
		totals.Awarded += x.Awarded
		totals.Paid += x.Paid
		totals.Trainees += x.Trainees
		totals.Hours += x.Hours
	}
	return programme{totals, funds, training, grades}
}

func (s *Server) statsPDF(r *http.Request) (service.Document, error) {
	q, err := quarterParam(r)
	if err != nil {
		return service.Document{}, err
	}
	return s.Stats.PDF(r.Context(), actorOf(r), q)
}

func (s *Server) statsExcel(r *http.Request) (service.Document, error) {
	q, err := quarterParam(r)
	if err != nil {
		return service.Document{}, err
	}
	return s.Stats.Excel(r.Context(), actorOf(r), q)
}

// statsView is a quarter's statistics as the API shows them.
type statsView struct {
	Quarter   string                `json:"quarter"`
	Scope     string                `json:"scope"`
	Districts []store.DistrictStats `json:"districts"`
	Programme []store.ProgrammeRow  `json:"programme"`
}

func (s *Server) stats(r *http.Request) (statsView, error) {
	q, err := quarterParam(r)
	if err != nil {
		return statsView{}, err
	}
	rows, scope, err := s.Stats.Quarter(r.Context(), actorOf(r), q)
	if err != nil {
		return statsView{}, err
	}
	prog, err := s.Stats.Programme(r.Context(), actorOf(r), q.Year)
	return statsView{q.String(), scope, rows, listOf(prog).Items}, err
}

// statsRoutes mounts the routes this file serves (see mounts).
func (s *Server) statsRoutes(m mounts) {
	m.pages.Get("/stats", view(s, "stats", s.loadStatsPage))
	m.pages.Get("/stats.pdf", download(s, true, s.statsPDF))
	m.pages.Get("/stats.xlsx", download(s, false, s.statsExcel))
	m.api.Get("/stats", apiRead(s, s.stats))
	m.api.Get("/stats.pdf", download(s, true, s.statsPDF))
	m.api.Get("/stats.xlsx", download(s, false, s.statsExcel))
}
