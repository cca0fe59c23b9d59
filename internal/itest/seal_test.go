package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"grantflow/activities"
	"grantflow/internal/app"
	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/workflows"
)

// assertAuditKeepsSecrets reads a call's audit log as the admin does
// (/api/v1/audit, the page and the export show the same entries) and checks
// that no readable field gives away what the law keeps secret for now: the
// parts' digests and sizes, who bid, who was drawn for the panel, who
// scored and how. The chain still binds those details: `audit verify` and
// the sealed details' check pass.
func assertAuditKeepsSecrets(t *testing.T, h *harness, callID string, receipts []domain.Receipt, people []string) {
	t.Helper()
	ctx := context.Background()
	r := h.api("admin", "GET", "/api/v1/audit?object_id="+callID+"&limit=500", nil, nil)
	mustStatus(t, r, http.StatusOK, "audit log")
	var page struct{ Items []domain.AuditEntry }
	r.json(t, &page)
	secretActions := map[string]bool{"bid.submit": true, "bid.withdraw": true, "panel.drawn": true, "panel.excluded": true,
		"panel.declare": true, "score.submit": true, "call.results": true}
	checked := 0
	for _, e := range page.Items {
		readable := fmt.Sprintf("%d|%s|%s|%s", e.ActorID, e.ActorName, e.IP, e.Summary)
		for _, rc := range receipts {
			for _, p := range rc.Parts {
				if strings.Contains(readable, p.SHA256) {
					t.Errorf("audit entry %d (%s) shows the digest of %s's %s", e.Seq, e.Action, rc.BidID, p.Part)
				}
			}
		}
		if !secretActions[e.Action] {
			continue
		}
		checked++
		for _, name := range people {
			if strings.Contains(readable, name) {
				t.Errorf("audit entry %d (%s) names %s: %s", e.Seq, e.Action, name, readable)
			}
		}
		var summary map[string]any
		if err := json.Unmarshal([]byte(e.Summary), &summary); err != nil {
			t.Fatalf("summary of %d: %v", e.Seq, err)
		}
		for _, k := range []string{"sha256", "size", "parts", "org", "talent", "user", "points", "reason", "recommended", "expert"} {
			if _, ok := summary[k]; ok {
				t.Errorf("audit entry %d (%s) shows %q: %s", e.Seq, e.Action, k, e.Summary)
			}
		}
		if s, _ := summary["detail_sha256"].(string); len(s) != 64 {
			t.Errorf("audit entry %d (%s) does not bind its sealed details: %s", e.Seq, e.Action, e.Summary)
		}
		if (e.Action == "bid.submit" || e.Action == "panel.declare" || e.Action == "score.submit") && (e.ActorID != 0 || e.IP != "") {
			t.Errorf("audit entry %d (%s) shows who acted: %s", e.Seq, e.Action, readable)
		}
	}
	if checked == 0 {
		t.Fatal("no bid, panel or score entries in the audit log")
	}
	// Nor does the log tell how many bids a call has: a bid's entries name
	// neither the call nor anything that leads to it.
	for _, e := range page.Items {
		if e.Action == "bid.submit" || e.Action == "bid.withdraw" {
			t.Errorf("audit entry %d (%s) is filed under the call: its bids can be counted", e.Seq, e.Action)
		}
	}
	all := h.api("admin", "GET", "/api/v1/audit?limit=500", nil, nil)
	mustStatus(t, all, http.StatusOK, "audit log")
	var everything struct{ Items []domain.AuditEntry }
	all.json(t, &everything)
	bids := 0
	for _, e := range everything.Items {
		if e.Action != "bid.submit" && e.Action != "bid.withdraw" && e.Action != "recusal.request" && e.Action != "objection.file" {
			continue
		}
		bids++
		readable := fmt.Sprintf("%d|%s|%s|%s|%s", e.ActorID, e.ActorName, e.IP, e.ObjectID, e.Summary)
		if e.Action != "objection.file" && e.Action != "recusal.request" && strings.Contains(readable, callID) {
			t.Errorf("audit entry %d (%s) names the call: %s", e.Seq, e.Action, readable)
		}
		if e.ActorID != 0 || e.IP != "" || strings.Contains(e.Summary, `"org"`) {
			t.Errorf("audit entry %d (%s) shows who acted: %s", e.Seq, e.Action, readable)
		}
	}
	if bids < len(receipts) {
		t.Errorf("%d bid entries in the audit log for %d receipts", bids, len(receipts))
	}
	if problem, _, err := h.app.Store.VerifyAudit(ctx); err != nil || problem != nil {
		t.Fatalf("audit chain: %+v, %v", problem, err)
	}
	problem, n, err := h.app.Store.VerifyAuditDetails(ctx, h.app.Calls.Keys.Open)
	if err != nil || problem != nil || n < int64(checked) {
		t.Fatalf("sealed audit details: %+v (%d checked of %d entries), %v", problem, n, checked, err)
	}
	// a sealed detail swapped for another entry's no longer matches
	var first int64
	var original string
	pool := h.app.Store.Pool()
	if err := pool.QueryRow(ctx, `SELECT seq, detail_sealed FROM audit_details ORDER BY seq LIMIT 1`).Scan(&first, &original); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_details SET detail_sealed = (SELECT detail_sealed FROM audit_details ORDER BY seq DESC LIMIT 1)
		WHERE seq = $1`, first); err != nil {
		t.Fatal(err)
	}
	if problem, _, _ := h.app.Store.VerifyAuditDetails(ctx, h.app.Calls.Keys.Open); problem == nil || problem.Seq != first {
		t.Errorf("a swapped sealed detail passed verification: %+v", problem)
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_details SET detail_sealed = $2 WHERE seq = $1`, first, original); err != nil {
		t.Fatal(err)
	}
}

// unclearClient is the real Temporal client, but an update's outcome is
// lost: with send, the update really goes out and completes, then the
// request's context is cancelled and the call answers context.Canceled (a
// browser closed, a proxy timed out); without send, it is cancelled before
// anything goes out.
type unclearClient struct {
	client.Client
	cancel context.CancelFunc
	send   bool
}

func (c *unclearClient) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	if c.send {
		h, err := c.Client.UpdateWorkflow(ctx, o)
		if err != nil {
			return nil, err
		}
		var ignored any
		_ = h.Get(ctx, &ignored)
	}
	c.cancel()
	return nil, context.Canceled
}

// TestUnclearOutcomeKeepsBidPartsAndOpeningSurvivesLostOnes: a bid whose
// update's answer is lost keeps its sealed parts and opens; a bid whose part
// object went missing before the deadline is recorded as failing its digest
// check while the others open and the call goes on; parts of an update that
// never arrived stay until the sweep removes them after the grace period.
func TestUnclearOutcomeKeepsBidPartsAndOpeningSurvivesLostOnes(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	ctx := context.Background()
	for _, u := range []string{"org2", "org3"} {
		uscc := map[string]string{"org2": usccWith("52120104MJ000002" + "2"), "org3": usccWith("52120105MJ000003" + "3")}[u]
		f := nankaiOrg(uscc, u)
		f["name"] = map[string]string{"org2": "南开区乐龄志愿服务协会", "org3": "红桥区康养照护服务中心"}[u]
		var reg struct{ Organisation apiOrgResp }
		r := h.registerOrg(f, pdfDoc)
		mustStatus(t, r, http.StatusCreated, "register "+u)
		r.json(t, &reg)
		mustStatus(t, h.api("minzheng", "POST", fmt.Sprintf("/api/v1/organisations/%d/review", reg.Organisation.ID), map[string]string{"decision": "approve"}, nil), 200, "verify "+u)
	}
	deadline := time.Now().Add(45 * time.Second).Truncate(time.Second)
	var c bidCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区失能老年人照护者培训（结果不明的递交）", "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00, "mode": "competition", "bid_deadline": deadline}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	id, path := c.ID, "/api/v1/calls/"+c.ID
	mustStatus(t, h.api("hexi", "POST", path+"/submit", nil, key()), 200, "submit")
	mustStatus(t, h.api("minzheng", "POST", path+"/publication", map[string]any{"approve": true}, key()), 200, "publish")

	content := domain.BidContent{
		TechnicalProposal: "面向友谊路街道失能老年人家庭照护者，开展失能照护基础、压疮预防、转移搬运、进食与用药照护、心肺复苏五个模块共 12 期培训。",
		Budget:            []domain.BudgetItem{{Item: "讲师劳务费", Amount: 130000_00}, {Item: "教材与场地", Amount: 130000_00}},
		Price:             260000_00,
		Team:              []domain.TeamMember{{Name: "王芳", Role: "项目负责人", Qualification: "中级社会工作师"}},
	}
	bidParts := func(bidID string) []string {
		prefix := "calls/" + id + "/bids/"
		if bidID != "" {
			prefix += bidID + "/"
		}
		objs, err := h.app.Blob.List(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range objs {
			keys = append(keys, o.Key)
		}
		return keys
	}

	// 1. The update goes through but its answer is lost with the request.
	rctx, cancel := context.WithCancel(ctx)
	calls := *h.app.Calls
	calls.Temporal = &unclearClient{Client: h.app.Temporal, cancel: cancel, send: true}
	rc, err := calls.SubmitBid(rctx, h.actor("zuzhi"), id, uuid.NewString(), content, []service.File{{Name: "资质证明.pdf", Data: pdfDoc}})
	if err != nil {
		t.Logf("the unclear submission answered %v", err) // allowed: what matters is what stays
	}
	recorded, err := h.app.Store.OrgBids(ctx, id, h.actor("zuzhi").OrgID)
	if err != nil || len(recorded) != 1 {
		t.Fatalf("the workflow did not record the bid: %v %v", recorded, err)
	}
	if rc.BidID != "" && rc.BidID != recorded[0].ID {
		t.Errorf("receipt %s for bid %s", rc.BidID, recorded[0].ID)
	}
	if got := bidParts(recorded[0].ID); len(got) != 5 {
		t.Fatalf("after an unclear outcome the recorded bid's parts were removed: %v", got)
	}

	// 1b. Any other update of a call whose answer is lost is learnt by its
	// ID: not reported as failed (the person would send it again).
	rctx3, cancel3 := context.WithCancel(ctx)
	calls.Temporal = &unclearClient{Client: h.app.Temporal, cancel: cancel3, send: true}
	if err := calls.Clarify(rctx3, h.actor("hexi"), id, uuid.NewString(), "关于培训场地的说明",
		"培训场地为友谊路街道社区服务中心二楼多功能厅，可容纳四十人。", false); err != nil {
		t.Errorf("a clarification that went through, its answer lost, answered %v", err)
	}

	// 2. An update that never went out: its parts stay (unsure) until swept.
	rctx2, cancel2 := context.WithCancel(ctx)
	calls.Temporal = &unclearClient{Client: h.app.Temporal, cancel: cancel2}
	if _, err := calls.SubmitBid(rctx2, h.actor("org3"), id, uuid.NewString(), content, nil); err == nil {
		t.Fatal("a submission that never reached the workflow succeeded")
	}
	if n, _ := h.app.Store.OrgBids(ctx, id, h.actor("org3").OrgID); len(n) != 0 {
		t.Fatalf("a bid that never reached the workflow was recorded: %+v", n)
	}
	orphans := bidParts("")
	if len(orphans) != 5+4 {
		t.Fatalf("after an unclear outcome the parts of the unsent bid should stay: %v", orphans)
	}

	// 3. Two more bids; one loses a part before the deadline.
	price := map[string]int64{"org2": 240000_00, "org3": 280000_00}
	receipts := map[string]domain.Receipt{}
	for _, u := range []string{"org2", "org3"} {
		r := h.api(u, "POST", path+"/bids", bidJSON("在南开区、河西区开展照护者培训 8 期，内容包括失能照护基础与应急救护，每名学员 12 学时（"+u+"）。", price[u]), key())
		mustStatus(t, r, http.StatusCreated, "bid by "+u)
		var rc domain.Receipt
		r.json(t, &rc)
		receipts[u] = rc
	}
	lost := ""
	for _, k := range bidParts(receipts["org2"].BidID) {
		if strings.Contains(k, "/technical.") {
			lost = k
		}
	}
	if lost == "" {
		t.Fatal("no technical part of org2's bid")
	}
	if err := h.app.Blob.Remove(ctx, lost); err != nil {
		t.Fatal(err)
	}

	// The sweep keeps young objects and every referenced one; after the grace
	// period it removes only the unsent bid's parts.
	if res, err := activities.SweepUnreferenced(ctx, h.app.Store, h.app.Blob, time.Hour, time.Now()); err != nil || len(res.Removed) != 0 {
		t.Fatalf("a sweep within the grace period removed %v (%v)", res.Removed, err)
	}
	res, err := activities.SweepUnreferenced(ctx, h.app.Store, h.app.Blob, time.Hour, time.Now().Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 4 {
		t.Errorf("the sweep removed %v, want the 4 parts of the unsent bid", res.Removed)
	}
	for _, k := range res.Removed {
		if !strings.Contains(k, "/bids/") || slices.ContainsFunc([]string{recorded[0].ID, receipts["org2"].BidID, receipts["org3"].BidID}, func(b string) bool { return strings.Contains(k, b) }) {
			t.Errorf("the sweep removed a referenced object %s", k)
		}
	}
	if got := bidParts(recorded[0].ID); len(got) != 5 {
		t.Fatalf("the sweep removed parts of a recorded bid: %v", got)
	}

	// The opening: the lost part fails its check, the rest open, the call goes on.
	eventuallyWithin(t, 120*time.Second, "opening", func() bool { return h.bidCall("hexi", id).Stage == "qualification" })
	bids, err := h.app.Store.LiveBids(ctx, id)
	if err != nil || len(bids) != 3 {
		t.Fatalf("live bids after opening: %v %v", bids, err)
	}
	for _, b := range bids {
		wantOK := b.ID != receipts["org2"].BidID
		if b.Status != domain.BidOpened || b.DigestsOK == nil || *b.DigestsOK != wantOK {
			t.Errorf("bid of %s: status %s, digests ok %v (want %v)", b.OrgName, b.Status, b.DigestsOK, wantOK)
		}
		if wantOK && b.Price == 0 {
			t.Errorf("bid of %s opened without its price", b.OrgName)
		}
	}
	var opened struct {
		Items []struct {
			ID      string
			Content domain.BidContent
		}
	}
	r = h.api("hexi", "GET", path+"/bids", nil, nil)
	mustStatus(t, r, 200, "read opened bids")
	r.json(t, &opened)
	for _, b := range opened.Items {
		if b.ID == recorded[0].ID && b.Content.Price != content.Price {
			t.Errorf("the bid whose answer was lost opened with price %d", b.Content.Price)
		}
	}
	mustStatus(t, h.api("zuzhi", "GET", path+"/opening.pdf", nil, nil), 200, "opening record")

	// The worker runs the sweep as a workflow, which a daily schedule starts.
	if _, err := h.app.Temporal.ScheduleClient().GetHandle(ctx, "blob-sweep-"+h.app.Config.TaskQueue).Describe(ctx); err != nil {
		t.Fatalf("no sweep schedule: %v", err)
	}
	run, err := h.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "blob-sweep-test-" + h.app.Config.TaskQueue,
		TaskQueue: h.app.Config.TaskQueue}, workflows.BlobSweepWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	var swept activities.SweepResult
	if err := run.Get(ctx, &swept); err != nil || swept.Checked < 14 || len(swept.Removed) != 0 {
		t.Fatalf("the sweep workflow (grace %s): %+v, %v", h.app.Config.BlobSweepGrace, swept, err)
	}
}

// TestUnclearPaymentAndReportKeepTheirFiles: finance records a payment, and
// the organisation files its mid-term report, each answer lost with its
// request; the voucher and the report's attachment the workflow recorded
// stay in storage.
func TestUnclearPaymentAndReportKeepTheirFiles(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	if err := h.app.SeedFundedProject(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	var projectID string
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT id::text FROM projects LIMIT 1`).Scan(&projectID); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, h.api("hexi", "POST", "/api/v1/awards/"+projectID+"/tranches/1/confirm", nil, key()), 200, "confirm tranche 1")
	rctx, cancel := context.WithCancel(ctx)
	contracts := *h.app.Contracts
	contracts.Temporal = &unclearClient{Client: h.app.Temporal, cancel: cancel, send: true}
	err := contracts.RecordPayment(rctx, h.actor("caizheng"), projectID, uuid.NewString(), 0, "HX-2026-0001", service.File{Name: "付款凭证.pdf", Data: pdfDoc})
	if err != nil {
		t.Logf("the unclear payment answered %v", err)
	}
	var voucher string
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT voucher_key FROM project_tranches WHERE project_id = $1 AND tranche = 0 AND paid_at IS NOT NULL`,
		projectID).Scan(&voucher); err != nil || voucher == "" {
		t.Fatalf("the workflow did not record the payment: %q %v", voucher, err)
	}
	if _, _, err := h.app.Blob.Get(ctx, voucher, ""); err != nil {
		t.Fatalf("after an unclear outcome the recorded payment's voucher is gone: %v", err)
	}

	eventually(t, "the mid-term round", func() bool { return len(h.rounds(t, "hexi", projectID)) == 1 })
	rctx2, cancel2 := context.WithCancel(ctx)
	unclear := *h.app.Contracts
	unclear.Temporal = &unclearClient{Client: h.app.Temporal, cancel: cancel2, send: true}
	evs := *h.app.Evaluations
	evs.Contracts = &unclear
	err = evs.SubmitReport(rctx2, h.actor("zuzhi"), projectID, uuid.NewString(), domain.EvalMidterm, evalReportText, &service.File{Name: "中期自评报告.pdf", Data: pdfDoc})
	if err != nil {
		t.Logf("the unclear report answered %v", err)
	}
	var report string
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT report_key FROM evaluations WHERE project_id = $1 AND phase = 'midterm' AND submitted_at IS NOT NULL`,
		projectID).Scan(&report); err != nil || report == "" {
		t.Fatalf("the workflow did not record the report: %q %v", report, err)
	}
	if _, _, err := h.app.Blob.Get(ctx, report, ""); err != nil {
		t.Fatalf("after an unclear outcome the recorded report's attachment is gone: %v", err)
	}
}
