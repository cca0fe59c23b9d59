package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// DistrictStats is one district's quarterly roll-up: needs, the elderly
// register, volunteers, pairs and hours.
type DistrictStats struct {
	District         string                       `json:"district"`
	Needs            int                          `json:"needs"`
	UrgentNeeds      int                          `json:"urgent_needs"`
	NeedsByCat       map[domain.NeedCategory]int  `json:"needs_by_category"`
	Elderly          int                          `json:"elderly"`
	ElderlyByCat     map[domain.ElderCategory]int `json:"elderly_by_category"`
	Volunteers       int                          `json:"volunteers"`
	Pairs            int                          `json:"pairs"`
	VisitMinutes     int                          `json:"visit_minutes"`
	Hours            float64                      `json:"hours"`
	ReportsLate      int                          `json:"reports_late"`
	ReportsSubmitted int                          `json:"reports_submitted"`
}

// QuarterStats rolls a quarter up by district (one district, or all when
// district is empty).
func (s *Store) QuarterStats(ctx context.Context, quarter domain.Quarter, district string) ([]DistrictStats, error) {
	by := map[string]*DistrictStats{}
	get := func(d string) *DistrictStats {
		if by[d] == nil {
			by[d] = &DistrictStats{District: d, NeedsByCat: map[domain.NeedCategory]int{}, ElderlyByCat: map[domain.ElderCategory]int{}}
		}
		return by[d]
	}
	for _, d := range domain.TianjinDistricts {
		if district == "" || district == d {
			get(d)
		}
	}
	type q struct {
		sql  string
		args []any
		scan func(d string, k string, n int)
	}
	queries := []q{
		{`SELECT district, category, count(*) FROM needs WHERE quarter = $1 AND ($2 = '' OR district = $2) GROUP BY 1, 2`,
			[]any{quarter.String(), district}, func(d, k string, n int) { x := get(d); x.Needs += n; x.NeedsByCat[domain.NeedCategory(k)] = n }},
		{`SELECT district, 'urgent', count(*) FROM needs WHERE quarter = $1 AND ($2 = '' OR district = $2) AND urgency = 'high' GROUP BY 1`,
			[]any{quarter.String(), district}, func(d, _ string, n int) { get(d).UrgentNeeds = n }},
		{`SELECT district, c, count(*) FROM elderly, unnest(categories) c WHERE ($1 = '' OR district = $1) GROUP BY 1, 2`,
			[]any{district}, func(d, k string, n int) { get(d).ElderlyByCat[domain.ElderCategory(k)] = n }},
		{`SELECT district, 'all', count(*) FROM elderly WHERE ($1 = '' OR district = $1) GROUP BY 1`,
			[]any{district}, func(d, _ string, n int) { get(d).Elderly = n }},
		{`SELECT district, 'all', count(*) FROM volunteers WHERE ($1 = '' OR district = $1) GROUP BY 1`,
			[]any{district}, func(d, _ string, n int) { get(d).Volunteers = n }},
		{`SELECT v.district, 'all', count(*) FROM pairs p JOIN volunteers v ON v.id = p.volunteer_id WHERE p.ended_on IS NULL AND ($1 = '' OR v.district = $1) GROUP BY 1`,
			[]any{district}, func(d, _ string, n int) { get(d).Pairs = n }},
		{`SELECT v.district, 'all', sum(c.minutes)::int FROM volunteer_credits c JOIN volunteers v ON v.id = c.volunteer_id
		  WHERE c.visited_at >= $1 AND c.visited_at < $2 AND ($3 = '' OR v.district = $3) GROUP BY 1`,
			[]any{quarter.Start(), quarter.End(), district}, func(d, _ string, n int) { x := get(d); x.VisitMinutes = n; x.Hours = domain.Hours(n) }},
		{`SELECT district, status, count(*) FROM report_cycles WHERE quarter = $1 AND ($2 = '' OR district = $2) GROUP BY 1, 2`,
			[]any{quarter.String(), district}, func(d, k string, n int) {
				if k == string(domain.CycleLate) {
					get(d).ReportsLate = n
				} else if k == string(domain.CycleSubmitted) {
					get(d).ReportsSubmitted = n
				}
			}},
	}
	for _, qq := range queries {
		rows, err := s.pool.Query(ctx, qq.sql, qq.args...)
		if err != nil {
			return nil, mapErr("quarter stats", err)
		}
		for rows.Next() {
			var d, k string
			var n int
			if err := rows.Scan(&d, &k, &n); err != nil {
				rows.Close()
				return nil, mapErr("quarter stats", err)
			}
			qq.scan(d, k, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapErr("quarter stats", err)
		}
	}
	var out []DistrictStats
	for _, d := range domain.TianjinDistricts {
		if x := by[d]; x != nil {
			out = append(out, *x)
		}
	}
	return out, nil
}

// ProgrammeRow is one district and brand's funded projects in a year: the
// money awarded and paid, the training delivered and the final grades.
type ProgrammeRow struct {
	District string               `json:"district"`
	Brand    domain.Brand         `json:"brand"`
	Projects int                  `json:"projects"`
	Awarded  domain.Fen           `json:"awarded_fen"`
	Paid     domain.Fen           `json:"paid_fen"`
	Trainees int                  `json:"trainees"`
	Hours    float64              `json:"hours"`
	Grades   map[domain.Grade]int `json:"grades"`
}

// Graded is how many of the row's projects got grade g.
func (x ProgrammeRow) Graded(g domain.Grade) int { return x.Grades[g] }

// ProgrammeStats totals the projects awarded in year (China time) by
// district and brand (district empty: every district).
func (s *Store) ProgrammeStats(ctx context.Context, year int, district string) ([]ProgrammeRow, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.district, c.brand, count(*), coalesce(sum(p.amount_fen), 0)::bigint,
		       coalesce(sum((SELECT sum(t.amount_fen) FROM project_tranches t WHERE t.project_id = p.id AND t.paid_at IS NOT NULL)), 0)::bigint,
		       coalesce(sum((SELECT count(*) FROM trainees e WHERE e.project_id = p.id)), 0)::int,
		       coalesce(sum((SELECT sum(a.hours) FROM attendance a WHERE a.project_id = p.id)), 0)::float8,
		       count(*) FILTER (WHERE p.grade = 'excellent'), count(*) FILTER (WHERE p.grade = 'good'),
		       count(*) FILTER (WHERE p.grade = 'fair'), count(*) FILTER (WHERE p.grade = 'poor')
		FROM projects p JOIN calls c ON c.id = p.call_id
		WHERE p.created_at >= $1 AND p.created_at < $2 AND ($3 = '' OR c.district = $3)
		GROUP BY 1, 2 ORDER BY 1, 2`,
		time.Date(year, 1, 1, 0, 0, 0, 0, domain.ChinaTime), time.Date(year+1, 1, 1, 0, 0, 0, 0, domain.ChinaTime), district)
	if err != nil {
		return nil, mapErr("programme stats", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProgrammeRow, error) {
		var x ProgrammeRow
		var ex, good, fair, poor int
		err := r.Scan(&x.District, &x.Brand, &x.Projects, &x.Awarded, &x.Paid, &x.Trainees, &x.Hours, &ex, &good, &fair, &poor)
		x.Grades = map[domain.Grade]int{domain.GradeExcellent: ex, domain.GradeGood: good, domain.GradeFair: fair, domain.GradePoor: poor}
		return x, err
	})
	return out, mapErr("programme stats", err)
}
