package itest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/client"

	"grantflow/activities"
	"grantflow/internal/domain"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// TestNeedsAndQuarterlyReport records needs through the API and runs a past
// quarter's reporting cycle on the real Temporal server: the window has
// closed, so the street is reminded and marked late at once, and its late
// submission rolls its needs up to the district.
func TestNeedsAndQuarterlyReport(t *testing.T) {
	h := newHarness(t)
	need := map[string]any{"community_code": "120103014001", "category": "caregiver_training", "urgency": "high",
		"affected": map[string]int{"disabled": 7, "very_old": 2}, "description": "7 户失能老人家属希望学习喂食和用药照护"}
	if r := h.api("shequ", "POST", "/api/v1/needs", need, nil); r.status != http.StatusCreated {
		t.Fatalf("record need: %d %s", r.status, r.body)
	}
	bad := map[string]any{"community_code": "120103014001", "category": "x", "urgency": "high", "affected": map[string]int{}, "description": ""}
	if r := h.api("shequ", "POST", "/api/v1/needs", bad, nil); r.status != 422 {
		t.Fatalf("bad need: %d %s", r.status, r.body)
	}
	if r := h.api("hexi", "POST", "/api/v1/needs", need, nil); r.status != http.StatusForbidden {
		t.Fatalf("civil affairs records a need: %d", r.status)
	}
	var list struct{ Total int }
	h.api("hexi", "GET", "/api/v1/needs", nil, nil).json(t, &list)
	if list.Total != 3 { // two seeded, one recorded
		t.Fatalf("河西区 sees %d needs", list.Total)
	}
	h.api("zuzhi", "GET", "/api/v1/needs", nil, nil) // (forbidden, covered by the role matrix)

	// a past quarter: put one need in it, then run its cycle for real
	ctx := context.Background()
	if _, err := h.app.Store.InsertNeed(ctx, domain.Need{NeedEntry: domain.NeedEntry{CommunityCode: "120103014002",
		Category: domain.NeedMealHelp, Urgency: domain.UrgencyHigh, Affected: map[domain.ElderCategory]int{domain.ElderLivingAlone: 4},
		Description: "4 位独居老人需要助餐"}, StreetCode: "120103014", District: "河西区", Quarter: "2026Q3"}, h.actor("shequ")); err != nil {
		t.Fatal(err)
	}
	if err := h.app.StartQuarterlyNeeds(ctx, "2026Q3"); err != nil {
		t.Fatal(err)
	}
	var cycles struct {
		Items []store.ReportCycle
	}
	eventually(t, "the street's cycle to be late", func() bool {
		h.api("hexi", "GET", "/api/v1/report-cycles?quarter=2026Q3", nil, nil).json(t, &cycles)
		return len(cycles.Items) == 1 && cycles.Items[0].Status == domain.CycleLate && cycles.Items[0].RemindedAt != nil
	})
	if r := h.api("hexi", "POST", "/api/v1/report-cycles/120103014/2026Q3/submit", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("district staff submit for the street: %d", r.status)
	}
	var rollup domain.RollUp
	r := h.api("shequ", "POST", "/api/v1/report-cycles/120103014/2026Q3/submit", nil, nil)
	r.json(t, &rollup)
	if r.status != 200 || rollup.Needs != 1 || rollup.Affected[domain.ElderLivingAlone] != 4 || rollup.Urgent != 1 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	// The two registers go up with it: the demo street's four people on the register.
	if g := rollup.Registers; g == nil || g.Elderly != 4 || g.ByCategory[domain.ElderDisabled] != 1 {
		t.Fatalf("the registers in the roll-up: %+v", rollup.Registers)
	}
	h.api("hexi", "GET", "/api/v1/report-cycles?quarter=2026Q3", nil, nil).json(t, &cycles)
	c := cycles.Items[0]
	if c.Status != domain.CycleSubmitted || !c.Late || c.RollUp == nil || c.RollUp.Needs != 1 || c.SubmittedAt == nil {
		t.Fatalf("after submit: %+v", c)
	}
	if r := h.api("shequ", "POST", "/api/v1/report-cycles/120103014/2026Q3/submit", nil, nil); r.status != http.StatusConflict {
		t.Fatalf("second submission: %d %s", r.status, r.body)
	}
	// a district's half year, run for real with a window open now: only the
	// district's civil affairs submit, and the roll-up counts the needs of
	// the half's quarters and the proposals the district made
	if r := h.api("minzheng", "POST", "/api/v1/proposals", map[string]any{"title": "河西区照护者培训（下半年）", "brand": "cuncaoxin",
		"district": "河西区", "summary": "面向失能老人家庭照护者的送学上门培训，覆盖友谊路街道两个社区。", "need_ids": []int64{1}}, nil); r.status != http.StatusCreated {
		t.Fatalf("proposal: %d %s", r.status, r.body)
	}
	now := time.Now()
	half, _ := domain.QuarterOf(now).Half()
	if half == "" { // Q1 or Q3: use the half that ends next quarter
		q := domain.QuarterOf(now)
		half = fmt.Sprintf("%dH%d", q.Year, (q.Q+1)/2)
	}
	// the demo seed started this half's real cycle (window in the future):
	// replace it with one whose window is open now
	wfID := workflows.StreetReportWorkflowID(h.app.Config.TaskQueue, "120103", half)
	_ = h.app.Temporal.TerminateWorkflow(ctx, wfID, "", "test: replaced by a cycle with an open window")
	run, err := h.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wfID, TaskQueue: h.app.Config.TaskQueue,
	}, workflows.StreetReportWorkflow, workflows.StreetReportInput{
		Street:  activities.StreetRef{Code: "120103", Name: "河西区", District: "河西区", Level: domain.LevelDistrict},
		Quarter: half, Opens: now.Add(-time.Hour), Deadline: now.Add(10 * 24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the district's half-year window", func() bool {
		var cs struct{ Items []store.ReportCycle }
		h.api("minzheng", "GET", "/api/v1/report-cycles?quarter="+half, nil, nil).json(t, &cs)
		return len(cs.Items) == 1 && cs.Items[0].Status == domain.CycleOpen
	})
	if r := h.api("shequ", "POST", "/api/v1/report-cycles/120103/"+half+"/submit", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("a street reporter submits the district's half year: %d %s", r.status, r.body)
	}
	var half2 domain.RollUp
	r = h.api("hexi", "POST", "/api/v1/report-cycles/120103/"+half+"/submit", nil, nil)
	r.json(t, &half2)
	if r.status != 200 || half2.Proposals != 1 || half2.Needs < 3 || half2.Registers == nil || half2.Registers.Elderly != 4 {
		t.Fatalf("district half-year: %d %s", r.status, r.body)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("the district's workflow: %v", err)
	}

	// the current quarter's window is not open yet (seeded by the demo)
	if time.Now().Before(domain.QuarterOf(time.Now()).End().AddDate(0, 0, -14)) {
		if r := h.api("shequ", "POST", "/api/v1/report-cycles/120103014/"+domain.QuarterOf(time.Now()).String()+"/submit", nil, nil); r.status != http.StatusConflict {
			t.Fatalf("submission before the window: %d %s", r.status, r.body)
		}
	}
}

// TestNeedsExport: the needs list exports to Excel with its filters, each
// row a need with its affected people by category.
func TestNeedsExport(t *testing.T) {
	h := newHarness(t)
	var list struct{ Total int }
	h.api("hexi", "GET", "/api/v1/needs", nil, nil).json(t, &list)
	x := h.api("hexi", "GET", "/api/v1/needs.xlsx", nil, nil)
	mustStatus(t, x, 200, "export")
	f, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	if list.Total == 0 || len(rows) != list.Total+1 || rows[0][5] != "类别" {
		t.Fatalf("export: %d rows for %d needs: %v", len(rows), list.Total, rows)
	}
	// Sorted on the server: the urgent first.
	if pg := h.webPage("hexi", "/needs?sort=urgency"); !strings.Contains(pg, `aria-sort="descending"`) {
		t.Error("the needs page does not say how it is sorted")
	}
	if pg := h.webPage("minzheng", "/orgs?sort=name"); !strings.Contains(pg, `aria-sort="ascending"`) {
		t.Error("the organisations page does not say how it is sorted")
	}
	x = h.api("hexi", "GET", "/api/v1/needs.xlsx?category=meal_help", nil, nil)
	f, _ = excelize.OpenReader(bytes.NewReader(x.body))
	if rows, _ := f.GetRows("Sheet1"); len(rows) != 1 {
		t.Fatalf("filtered export: %v", rows)
	}
}

// TestOrganisationsExport: the organisations list exports without personal data.
func TestOrganisationsExport(t *testing.T) {
	h := newHarness(t)
	x := h.api("minzheng", "GET", "/api/v1/organisations.xlsx?status=verified", nil, nil)
	mustStatus(t, x, 200, "export")
	f, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	demo, err := h.app.Store.Organisation(context.Background(), h.actor("zuzhi").OrgID)
	if err != nil {
		t.Fatal(err)
	}
	all := fmt.Sprint(rows)
	if len(rows) < 2 || !strings.Contains(all, demo.Name) || strings.Contains(all, "*") {
		t.Fatalf("export: %v", rows)
	}
	mustStatus(t, h.api("zuzhi", "GET", "/api/v1/organisations.xlsx", nil, nil), http.StatusForbidden, "an organisation exporting the directory")
}
