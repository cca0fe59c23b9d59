package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
)

// TestReportCycles: opening a cycle twice opens it once; Cycles lists a
// quarter's cycles of a district (or all) by district and street; two
// submissions at once (the cycle's row is locked) roll up once — the
// street's needs of that quarter only — and both return that roll-up; a
// cycle marked late stays late in its roll-up's audit entry.
func TestReportCycles(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	rep := mkUser(t, s, "rep", "河西区", domain.RoleReporter)
	opens, deadline := at(0), at(24*14)
	dayingmen := domain.Area{Code: "120103001", Name: "大营门街道", Level: domain.LevelStreet, ParentCode: "120103"}
	youyi := domain.Area{Code: "120103002", Name: "友谊路街道", Level: domain.LevelStreet, ParentCode: "120103"}
	quanye := domain.Area{Code: "120101001", Name: "劝业场街道", Level: domain.LevelStreet, ParentCode: "120101"}
	for _, c := range []struct {
		a        domain.Area
		district string
		quarter  string
	}{{youyi, "河西区", "2026Q1"}, {dayingmen, "河西区", "2026Q1"}, {quanye, "和平区", "2026Q1"}, {dayingmen, "河西区", "2026Q2"}} {
		must(t, s.OpenCycle(ctx, c.a, c.district, c.quarter, opens, deadline))
	}
	must(t, s.OpenCycle(ctx, dayingmen, "河西区", "2026Q1", opens, deadline.Add(time.Hour))) // again: kept as it was
	cycles, err := s.Cycles(ctx, "河西区", "2026Q1")
	must(t, err)
	codes := func() []string {
		var out []string
		for _, c := range cycles {
			out = append(out, c.StreetCode)
		}
		return out
	}
	wantKeys(t, "河西区 2026Q1", codes(), []string{"120103001", "120103002"})
	if !cycles[0].Deadline.Equal(deadline) || cycles[0].StreetName != "大营门街道" {
		t.Errorf("cycle opened twice: %+v", cycles[0])
	}
	cycles, err = s.Cycles(ctx, "", "2026Q1")
	must(t, err)
	wantKeys(t, "every district, 2026Q1", codes(), []string{"120101001", "120103001", "120103002"}) // 和平区 < 河西区 by code point

	for _, n := range []struct{ community, street, quarter, urgency string }{
		{"120103001001", "120103001", "2026Q1", "high"},
		{"120103001002", "120103001", "2026Q1", "low"},
		{"120103001001", "120103001", "2026Q2", "high"}, // another quarter
		{"120103002001", "120103002", "2026Q1", "high"}, // another street
	} {
		exec(t, s, `INSERT INTO needs (community_code, street_code, district, quarter, category, urgency, affected, description, recorded_by)
			VALUES ($1, $2, '河西区', $3, 'meal_help', $4, '{}', '描述', $5)`, n.community, n.street, n.quarter, n.urgency, rep.UserID)
	}
	must(t, s.MarkCycle(ctx, "120103001", "2026Q1", "late"))
	must(t, s.MarkCycle(ctx, "120103001", "2026Q1", "late")) // once
	rollups := make([]domain.RollUp, 3)
	errs := race(3, func(i int) error {
		var err error
		rollups[i], err = s.SubmitCycle(ctx, "120103001", "2026Q1", rep)
		return err
	})
	for i, e := range errs {
		must(t, e)
		if rollups[i].Needs != 2 || rollups[i].Urgent != 1 || rollups[i].ByCategory[domain.NeedMealHelp] != 2 {
			t.Errorf("roll-up %d: %+v, want 2 needs, 1 urgent", i, rollups[i])
		}
	}
	var submits, lates int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'cycle.submit'), count(*) FILTER (WHERE action = 'cycle.late') FROM audit_log`).Scan(&submits, &lates))
	if submits != 1 || lates != 1 {
		t.Errorf("%d submissions and %d late marks audited, want 1 and 1", submits, lates)
	}
	cycles, _ = s.Cycles(ctx, "河西区", "2026Q1")
	if cycles[0].Status != domain.CycleSubmitted || !cycles[0].Late || cycles[0].RollUp == nil || cycles[0].RollUp.Needs != 2 {
		t.Errorf("submitted cycle: %+v", cycles[0])
	}
	if cycles[1].Status != domain.CycleOpen || cycles[1].RollUp != nil {
		t.Errorf("the other street's cycle: %+v", cycles[1])
	}
}
