package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestKPIsAndReports: a project's indicators count held and planned
// sessions, trainees who reached the contracted hours, credited hours,
// satisfaction and spot-check discrepancies — of that project only; module
// hours per module; a month's report filed twice is replaced; reports
// newest month first; spot-checks newest first, ties by id.
func TestKPIsAndReports(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	p, by := deliveryProject(t, s)
	other := seedGrant(t, s, 2, seedOrg(t, s, "另一家", "52120103MJ0000009Z", "河西区"), "另一个项目", "河西区", 1000)
	past := time.Now().Add(-48 * time.Hour)
	s1, err := s.InsertSession(ctx, session(p.ID, past, "照护技能"), by)
	must(t, err)
	s2, err := s.InsertSession(ctx, session(p.ID, past.Add(24*time.Hour), "应急救护"), by)
	must(t, err)
	_, err = s.InsertSession(ctx, session(p.ID, time.Now().Add(48*time.Hour), "照护技能"), by) // planned, not held
	must(t, err)
	_, err = s.InsertSession(ctx, session(other.ID, past, "照护技能"), by)
	must(t, err)
	tr := enrol(t, s, p.ID, by, 3)
	must(t, s.RecordAttendance(ctx, p.ID, []store.AttendanceRow{
		{SessionID: s1, TraineeID: tr[0], Hours: 2}, {SessionID: s2, TraineeID: tr[0], Hours: 2}, // 4 hours: completed
		{SessionID: s1, TraineeID: tr[1], Hours: 2}, {SessionID: s2, TraineeID: tr[1], Hours: 1.5}, // 3.5: not
	}, domain.AttendWeb, by))
	must(t, s.SetTraineeResults(ctx, p.ID, tr[0], domain.TraineeResults{Pre: 50, Post: 80, Practical: 90, Satisfaction: 5}, by))
	must(t, s.SetTraineeResults(ctx, p.ID, tr[1], domain.TraineeResults{Pre: 50, Post: 70, Practical: 80, Satisfaction: 4}, by))
	if err := s.SetTraineeResults(ctx, other.ID, tr[2], domain.TraineeResults{Satisfaction: 1}, by); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("results for a trainee of another project: %v", err)
	}
	for _, o := range []domain.SpotCheckOutcome{domain.SpotConfirmed, domain.SpotDiscrepancy, domain.SpotDiscrepancy} {
		must(t, s.InsertSpotCheck(ctx, p.ID, tr[0], o, "电话回访", by))
	}
	if err := s.InsertSpotCheck(ctx, other.ID, tr[0], domain.SpotConfirmed, "", by); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("a spot-check of another project's trainee: %v", err)
	}
	k, err := s.KPIs(ctx, p.ID, 4)
	must(t, err)
	want := store.DeliveryKPIs{Sessions: 2, Planned: 3, Enrolled: 3, Completed: 1, HoursCredited: 7.5, Satisfaction: 4.5, Surveyed: 2, SpotChecks: 3, Discrepancies: 2}
	if k != want {
		t.Errorf("KPIs %+v, want %+v", k, want)
	}
	mh, err := s.ModuleHours(ctx, p.ID)
	must(t, err)
	if len(mh) != 2 || mh[0].Module != "应急救护" || mh[0].Sessions != 1 || mh[0].Hours != 3.5 || mh[1].Module != "照护技能" || mh[1].Sessions != 2 || mh[1].Hours != 4 {
		t.Errorf("module hours: %+v", mh)
	}

	exec(t, s, `UPDATE spot_checks SET checked_at = $1`, at(1)) // all at once
	checks, err := s.SpotChecks(ctx, p.ID)
	must(t, err)
	wantKeys(t, "spot-checks, ties newest id first", keys(checks, func(c domain.SpotCheck) int64 { return c.ID }), []int64{3, 2, 1})

	for _, r := range []domain.ProgressReport{{Month: "2026-03", Summary: "三月"}, {Month: "2026-05", Summary: "五月"}, {Month: "2026-04", Summary: "四月"},
		{Month: "2026-03", Summary: "三月（更正）"}} {
		must(t, s.FileProgressReport(ctx, p.ID, r, k, by))
	}
	reports, err := s.ProgressReports(ctx, p.ID)
	must(t, err)
	wantKeys(t, "reports newest month first", keys(reports, func(r domain.ProgressReport) string { return r.Summary }), []string{"五月", "四月", "三月（更正）"})
	if other, _ := s.ProgressReports(ctx, other.ID); len(other) != 0 {
		t.Errorf("another project's reports: %+v", other)
	}
}

// TestCountProjectWork: pending work counted per organisation, per
// district (the call's) or everywhere.
func TestCountProjectWork(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "南开区")
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	p1 := seedGrant(t, s, 1, sun, "一", "河西区", 1000)  // contracting, overdue
	p2 := seedGrant(t, s, 2, sun, "二", "南开区", 1000)  // delivery, a tranche to pay, a report due soon
	p3 := seedGrant(t, s, 3, star, "三", "河西区", 1000) // rectifying
	_ = seedGrant(t, s, 4, star, "四", "南开区", 1000)   // contracting, not overdue
	exec(t, s, `UPDATE projects SET contract_due = now() - interval '1 day' WHERE id = $1`, p1.ID)
	must(t, s.SetProjectStage(ctx, p2.ID, domain.ProjectDelivery))
	must(t, s.SetProjectStage(ctx, p2.ID, domain.ProjectDelivery)) // once
	must(t, s.SetProjectStage(ctx, p3.ID, domain.ProjectRectifying))
	must(t, s.ConfirmTranche(ctx, p2.ID, 0, 400, ca))
	must(t, s.OpenEvaluation(ctx, p2.ID, domain.EvalMidterm, 1, time.Now().Add(3*24*time.Hour)))
	must(t, s.OpenEvaluation(ctx, p3.ID, domain.EvalMidterm, 1, time.Now().Add(30*24*time.Hour)))
	for _, c := range []struct {
		name     string
		org      int64
		district string
		want     store.ProjectCounts
	}{
		{"everywhere", 0, "", store.ProjectCounts{Contracting: 2, OverdueSign: 1, ToPay: 1, ReportsDue: 2, ReportsSoon: 1, Rectifying: 1}},
		{"an organisation", sun, "", store.ProjectCounts{Contracting: 1, OverdueSign: 1, ToPay: 1, ReportsDue: 1, ReportsSoon: 1}},
		{"a district", 0, "河西区", store.ProjectCounts{Contracting: 1, OverdueSign: 1, ReportsDue: 1, Rectifying: 1}},
		{"an organisation and a district: both apply", star, "河西区", store.ProjectCounts{ReportsDue: 1, Rectifying: 1}},
	} {
		got, err := s.CountProjectWork(ctx, c.org, c.district)
		must(t, err)
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	var stages int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'project.stage'`).Scan(&stages))
	if stages != 2 {
		t.Errorf("%d stage changes audited, want 2", stages)
	}
}
