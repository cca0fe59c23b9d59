package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestQuarterStats: a quarter's roll-up counts the needs of that quarter
// only, urgent ones apart; the registers as they stand (ended pairs left
// out); visit minutes inside the quarter's window (China time) only; the
// report cycles by status; one district, or every district in order.
func TestQuarterStats(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	by := mkUser(t, s, "rep", "河西区", domain.RoleReporter)
	for _, n := range []struct{ community, street, district, quarter, category, urgency string }{
		{"120103001001", "120103001", "河西区", "2026Q1", "meal_help", "high"},
		{"120103001002", "120103001", "河西区", "2026Q1", "home_visits", "low"},
		{"120103001001", "120103001", "河西区", "2026Q2", "meal_help", "high"},
		{"120101001001", "120101001", "和平区", "2026Q1", "meal_help", "high"},
	} {
		exec(t, s, `INSERT INTO needs (community_code, street_code, district, quarter, category, urgency, affected, description, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, '{}', '描述', $7)`, n.community, n.street, n.district, n.quarter, n.category, n.urgency, by.UserID)
	}
	exec(t, s, `INSERT INTO elderly (name, id_sealed, community_code, district, categories, birth_year, imported_by) VALUES
		('王大爷', 'k', '120103001001', '河西区', '{very_old,living_alone}', 1940, $1),
		('李奶奶', 'k', '120103001002', '河西区', '{very_old}', 1945, $1),
		('赵奶奶', 'k', '120101001001', '和平区', '{poor}', 1950, $1)`, by.UserID)
	exec(t, s, `INSERT INTO volunteers (name, phone_sealed, birth_year, community_code, district, brand, created_by) VALUES
		('刘洋', 'k', 2008, '120103001001', '河西区', 'cuncaoxin', $1), ('陈静', 'k', 2008, '120103001002', '河西区', 'cuncaoxin', $1)`, by.UserID)
	exec(t, s, `INSERT INTO pairs (volunteer_id, elder_id, created_by, ended_on) VALUES (1, 1, $1, NULL), (2, 2, $1, '2026-02-01')`, by.UserID)
	q1 := domain.Quarter{Year: 2026, Q: 1}
	for _, v := range []struct {
		at      time.Time
		minutes int
	}{
		{time.Date(2026, 1, 1, 0, 30, 0, 0, domain.ChinaTime), 30},    // inside (the UTC day before)
		{time.Date(2026, 3, 31, 23, 30, 0, 0, domain.ChinaTime), 40},  // inside
		{time.Date(2026, 4, 1, 0, 10, 0, 0, domain.ChinaTime), 50},    // next quarter
		{time.Date(2025, 12, 31, 23, 50, 0, 0, domain.ChinaTime), 60}, // last quarter
	} {
		exec(t, s, `INSERT INTO visits (pair_id, kind, visited_at, minutes, recorded_by) VALUES (1, 'home', $1, $2, $3)`, v.at, v.minutes, by.UserID)
	}
	exec(t, s, `INSERT INTO report_cycles (street_code, quarter, district, status, opens_at, deadline) VALUES
		('120103001', '2026Q1', '河西区', 'late', now(), now()), ('120103002', '2026Q1', '河西区', 'submitted', now(), now()),
		('120101001', '2026Q1', '和平区', 'open', now(), now())`)

	got, err := s.QuarterStats(ctx, q1, "河西区")
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("one district asked, %d answered", len(got))
	}
	x := got[0]
	if x.District != "河西区" || x.Needs != 2 || x.UrgentNeeds != 1 || x.NeedsByCat[domain.NeedMealHelp] != 1 || x.NeedsByCat[domain.NeedHomeVisits] != 1 ||
		x.Elderly != 2 || x.ElderlyByCat[domain.ElderVeryOld] != 2 || x.Volunteers != 2 || x.Pairs != 1 || x.VisitMinutes != 70 ||
		x.ReportsLate != 1 || x.ReportsSubmitted != 1 {
		t.Errorf("河西区 2026Q1: %+v", x)
	}
	all, err := s.QuarterStats(ctx, q1, "")
	must(t, err)
	if len(all) != len(domain.TianjinDistricts) {
		t.Fatalf("%d districts, want %d", len(all), len(domain.TianjinDistricts))
	}
	for i, d := range all {
		if d.District != domain.TianjinDistricts[i] {
			t.Errorf("district %d is %s, want %s", i, d.District, domain.TianjinDistricts[i])
		}
		if d.District == "和平区" && (d.Needs != 1 || d.Elderly != 1 || d.Volunteers != 0 || d.ReportsLate+d.ReportsSubmitted != 0) {
			t.Errorf("和平区: %+v", d)
		}
	}
}

// TestProgrammeStats: projects totalled by the call's district and brand
// for the year in China time (a project at 00:30 on 1 January in Beijing
// belongs to the new year), with payments, trainees, hours and grades.
func TestProgrammeStats(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	fin := mkUser(t, s, "fin", "", domain.RoleFinance)
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	for i, g := range []struct {
		district string
		created  time.Time
		grade    string
	}{
		{"河西区", time.Date(2026, 1, 1, 0, 30, 0, 0, domain.ChinaTime), "good"},
		{"河西区", time.Date(2026, 6, 1, 9, 0, 0, 0, domain.ChinaTime), ""},
		{"河西区", time.Date(2025, 12, 31, 23, 30, 0, 0, domain.ChinaTime), "poor"}, // 2025
		{"南开区", time.Date(2026, 12, 31, 23, 59, 0, 0, domain.ChinaTime), "excellent"},
	} {
		p := seedGrant(t, s, i+1, org, "项目", g.district, 10000)
		exec(t, s, `UPDATE projects SET created_at = $2, grade = nullif($3, '') WHERE id = $1`, p.ID, g.created, g.grade)
	}
	must(t, s.ConfirmTranche(ctx, uuidN(301), 0, 4000, ca))
	must(t, s.RecordPayment(ctx, uuidN(301), 0, "PZ-1", "v/1", "sha", fin))
	must(t, s.ConfirmTranche(ctx, uuidN(302), 0, 4000, ca)) // confirmed, not paid
	_, err := s.InsertTrainee(ctx, uuidN(301), domain.TraineeEntry{Name: "学员", Relation: "子女", Community: "新兴社区"}, "k", "ix", "", ca)
	must(t, err)
	rows, err := s.ProgrammeStats(ctx, 2026, "")
	must(t, err)
	wantKeys(t, "2026 by district (code point order)", keys(rows, func(r store.ProgrammeRow) string { return r.District }), []string{"南开区", "河西区"})
	if hx := rows[1]; hx.Brand != domain.BrandCunCaoXin || hx.Projects != 2 || hx.Awarded != 20000 || hx.Paid != 4000 || hx.Trainees != 1 ||
		hx.Graded(domain.GradeGood) != 1 || hx.Graded(domain.GradePoor) != 0 {
		t.Errorf("河西区 2026: %+v", hx)
	}
	if nk := rows[0]; nk.Projects != 1 || nk.Graded(domain.GradeExcellent) != 1 || nk.Paid != 0 {
		t.Errorf("南开区 2026: %+v", nk)
	}
	rows, err = s.ProgrammeStats(ctx, 2025, "")
	must(t, err)
	if len(rows) != 1 || rows[0].District != "河西区" || rows[0].Projects != 1 || rows[0].Graded(domain.GradePoor) != 1 {
		t.Errorf("2025: %+v", rows)
	}
	rows, err = s.ProgrammeStats(ctx, 2026, "河西区")
	must(t, err)
	if len(rows) != 1 || rows[0].Projects != 2 {
		t.Errorf("2026 in 河西区: %+v", rows)
	}
}
