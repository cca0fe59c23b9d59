package itest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/app"
	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// A stopping worker (SIGTERM, a deploy) lets a running activity finish
// within GRANTFLOW_WORKER_STOP_TIMEOUT; the activity sees the stop at once
// and the workflow completes on the next worker. With no stop timeout the
// activity's context is cancelled the moment the worker stops.
func TestWorkerStopLetsRunningActivitiesFinish(t *testing.T) {
	ctx := context.Background()
	tc, err := client.Dial(client.Options{HostPort: shared.Config.TemporalAddress, Namespace: shared.Config.TemporalNamespace})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	queue := fmt.Sprintf("stop-%d", time.Now().UnixNano())
	started := make(chan struct{})
	var sawStop, finished atomic.Bool
	long := func(ctx context.Context) (string, error) {
		close(started)
		deadline := time.After(3 * time.Second)
		for {
			select {
			case <-activity.GetWorkerStopChannel(ctx):
				sawStop.Store(true)
			case <-deadline:
				finished.Store(true)
				return "done", nil
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(200 * time.Millisecond):
				activity.RecordHeartbeat(ctx)
			}
		}
	}
	wf := func(ctx workflow.Context) (string, error) {
		var out string
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute}),
			"long-activity").Get(ctx, &out)
		return out, err
	}
	newWorker := func() worker.Worker {
		w := worker.New(tc, queue, app.WorkerOptions(shared.Config))
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "stop-test"})
		w.RegisterActivityWithOptions(long, activity.RegisterOptions{Name: "long-activity"})
		return w
	}
	w := newWorker()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, "stop-test")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the activity did not start")
	}
	w.Stop() // a deploy: returns when running activities are done (or the timeout ran out)
	if !finished.Load() {
		t.Fatalf("the worker's stop cancelled the running activity (stop timeout %v)", app.WorkerOptions(shared.Config).WorkerStopTimeout)
	}
	if !sawStop.Load() {
		t.Error("the activity was not told the worker is stopping")
	}
	w2 := newWorker()
	if err := w2.Start(); err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	gctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var out string
	if err := run.Get(gctx, &out); err != nil || out != "done" {
		t.Fatalf("workflow after the stop: %q, %v", out, err)
	}
}

// seededBid is the demo seed's live bid (the call is bidding).
func seededBid(t *testing.T, h *harness) domain.Bid {
	t.Helper()
	var b domain.Bid
	var parts []byte
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT id::text, call_id::text, org_id, parts FROM bids WHERE status = 'submitted' LIMIT 1`).
		Scan(&b.ID, &b.CallID, &b.OrgID, &parts); err != nil {
		t.Fatalf("the demo seed's bid: %v", err)
	}
	if err := json.Unmarshal(parts, &b.Parts); err != nil {
		t.Fatal(err)
	}
	return b
}

// A bid whose transaction began before the deadline but reached the call
// after the opening was recorded used to be accepted (the check used the
// transaction's start time and ignored opened_at) — and never opened. Then
// bids race an opening: every accepted bid is one the opening read.
func TestBidRacingTheOpeningIsRefusedOrOpened(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	db := h.app.Store.Pool()
	seed := seededBid(t, h)
	by := domain.Actor{UserID: 1, Name: "投标人"}
	if err := db.QueryRow(ctx, `SELECT submitted_by FROM bids WHERE id = $1`, seed.ID).Scan(&by.UserID); err != nil {
		t.Fatal(err)
	}
	var deadline time.Time
	if err := db.QueryRow(ctx, `UPDATE calls SET bid_deadline = now() + interval '2 seconds' WHERE id = $1 RETURNING bid_deadline`, seed.CallID).Scan(&deadline); err != nil {
		t.Fatal(err)
	}
	// The bid's transaction starts before the deadline and is held (here by
	// a lock on bids) until the opening is recorded.
	hold, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(ctx, `LOCK TABLE bids IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	late := make(chan error, 1)
	go func() {
		b := seed
		b.ID = uuid.NewString()
		_, err := h.app.Store.InsertBid(ctx, b, by)
		late <- err
	}()
	time.Sleep(time.Until(deadline) + 300*time.Millisecond)
	if _, err := h.app.Store.OpenCall(ctx, seed.CallID); err != nil {
		t.Fatalf("opening: %v", err)
	}
	_ = hold.Rollback(ctx)
	if err := <-late; domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "截止") {
		t.Fatalf("a bid reaching the call after its opening: %v, want refused as late", err)
	}

	// Below the store, the database itself refuses a live bid after the opening.
	if _, err := db.Exec(ctx, `INSERT INTO bids (id, call_id, org_id, version, status, parts, submitted_by)
		VALUES ($1, $2, $3, 99, 'submitted', '[]', $4)`, uuid.NewString(), seed.CallID, seed.OrgID, by.UserID); err == nil || !strings.Contains(err.Error(), "after its opening") {
		t.Fatalf("a bid written straight into the database after the opening: %v", err)
	}

	// Bids from several organisations race a second opening.
	if _, err := db.Exec(ctx, `UPDATE calls SET opened_at = NULL, bid_deadline = now() + interval '1500 milliseconds' WHERE id = $1`, seed.CallID); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT bid_deadline FROM calls WHERE id = $1`, seed.CallID).Scan(&deadline); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, `SELECT id FROM organisations ORDER BY id LIMIT 6`)
	if err != nil {
		t.Fatal(err)
	}
	var orgs []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		orgs = append(orgs, id)
	}
	rows.Close()
	var mu sync.Mutex
	last := map[int64]string{} // each organisation's last accepted bid
	var wg sync.WaitGroup
	for _, org := range orgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline.Add(time.Second)) {
				b := seed
				b.ID, b.OrgID = uuid.NewString(), org
				_, err := h.app.Store.InsertBid(ctx, b, by)
				if err == nil {
					mu.Lock()
					last[org] = b.ID
					mu.Unlock()
					continue
				}
				if domain.ErrorCode(err) != domain.CodeConflict {
					t.Errorf("bid of organisation %d: %v", org, err)
				}
				return
			}
			t.Errorf("organisation %d could still bid a second after the deadline", org)
		}()
	}
	time.Sleep(time.Until(deadline))
	for {
		if _, err := h.app.Store.OpenCall(ctx, seed.CallID); err == nil {
			break
		} else if !errors.Is(err, store.ErrSealed) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	live, err := h.app.Store.LiveBids(ctx, seed.CallID) // what the opening reads
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	opened := map[string]bool{}
	for _, b := range live {
		opened[b.ID] = true
	}
	if len(last) == 0 {
		t.Fatal("no bid was accepted before the deadline")
	}
	for org, id := range last {
		if !opened[id] {
			t.Errorf("organisation %d's accepted bid %s is not among the bids the opening read", org, id)
		}
	}
	var after int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM bids b JOIN calls c ON c.id = b.call_id
		WHERE b.call_id = $1 AND b.status = 'submitted' AND b.submitted_at >= c.opened_at`, seed.CallID).Scan(&after); err != nil || after != 0 {
		t.Errorf("%d bids recorded after the opening (%v)", after, err)
	}
}

// activityEnv runs GrantFlow's activities against the harness's real
// PostgreSQL and MinIO, outside a workflow (to call one twice).
func activityEnv(h *harness) (*testsuite.TestActivityEnvironment, *activities.Activities) {
	acts := &activities.Activities{Store: h.app.Store, Blob: h.app.Blob, Keys: h.app.Calls.Keys, Rules: h.app.Config.Rules(),
		Archive: h.app.Archive, LockMode: blob.LockMode(h.app.Config.ArchiveLockMode)}
	env := (&testsuite.WorkflowTestSuite{}).NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return env, acts
}

// A retried DrawPanel used to draw again: the panel grew by a second draw
// whose experts were told they were drawn, while the workflow kept only
// one. Keyed by its workflow run and step, a retry returns the same draw.
func TestDrawPanelRetryReturnsItsDraw(t *testing.T) {
	h := newHarness(t)
	addExperts(t, h, usccWith("91120000MA0000007"))
	env, acts := activityEnv(h)
	seed := seededBid(t, h)
	draw := func(key string, need int) []activities.Drawn {
		t.Helper()
		v, err := env.ExecuteActivity(acts.DrawPanel, activities.DrawPanelInput{CallID: seed.CallID, Need: need, Key: key})
		if err != nil {
			t.Fatalf("draw %s: %v", key, err)
		}
		var out []activities.Drawn
		if err := v.Get(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := draw("call-x/run-1/panel/1", 3)
	again := draw("call-x/run-1/panel/1", 3)
	if len(first) != 3 || fmt.Sprint(first) != fmt.Sprint(again) {
		t.Fatalf("the retried draw drew %v, the first %v", again, first)
	}
	members, err := h.app.Store.PanelMembers(context.Background(), seed.CallID)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 3 {
		t.Fatalf("%d experts recorded for one draw of 3: %+v", len(members), members)
	}
	// The next step of the workflow is a new draw.
	if next := draw("call-x/run-1/panel/2", 1); len(next) != 1 || next[0].TalentID == first[0].TalentID {
		t.Fatalf("the next draw: %v", next)
	}
}

// fakeProject makes a funded project of the demo seed's bid in the
// database (terms set, its award notice stored only when noticeNow).
func fakeProject(t *testing.T, h *harness) (id string, putNotice func()) {
	t.Helper()
	ctx := context.Background()
	db := h.app.Store.Pool()
	seed := seededBid(t, h)
	eventually(t, "the call notice", func() bool {
		var key *string
		return db.QueryRow(ctx, `SELECT notice_key FROM calls WHERE id = $1`, seed.CallID).Scan(&key) == nil && key != nil
	})
	id = uuid.NewString()
	noticeKey := "projects/" + id + "/award-notice.pdf"
	notice := []byte("%PDF-1.4 中标通知书 " + id)
	sum := blobSHA(notice)
	terms, _ := json.Marshal(domain.ContractTerms{Deliverables: domain.Deliverables{Trainees: 300, HoursPerTrainee: 16, Sessions: 12, Modules: domain.DefaultModules},
		StartsOn: time.Date(2027, 1, 1, 0, 0, 0, 0, domain.ChinaTime), TermMonths: 12})
	tranches, _ := json.Marshal(domain.DefaultTranches())
	if _, err := db.Exec(ctx, `INSERT INTO awards (id, call_id, bid_id, org_id, amount_fen, rank, notice_key, notice_sha256)
		SELECT $1::uuid, call_id, id, org_id, 26000000, 1, $3, $4 FROM bids WHERE id = $2::uuid`, id, seed.ID, noticeKey, sum); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO projects (id, call_id, number, org_id, amount_fen, tranches, stage, terms, contract_due, signed_at)
		SELECT id, call_id, 'XM-RACE-' || left($1::text, 8), org_id, amount_fen, $2, 'closing', $3, now() + interval '30 days', now()
		FROM awards WHERE id = $1::uuid`, id, tranches, terms); err != nil {
		t.Fatal(err)
	}
	return id, func() {
		if _, err := h.app.Blob.Put(ctx, noticeKey, notice, "application/pdf"); err != nil {
			t.Fatal(err)
		}
	}
}

// A retried archive used to write every object again as a new locked
// version (undeletable for 15 to 30 years). Here the first attempt fails
// half-way (a source is missing); the retry writes only what is missing:
// one version of every object, and the manifest names those versions.
func TestArchiveRetryWritesOnlyWhatIsMissing(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	env, acts := activityEnv(h)
	id, putNotice := fakeProject(t, h)
	if _, err := env.ExecuteActivity(acts.ArchiveProject, id); err == nil {
		t.Fatal("the archive succeeded without the award notice")
	}
	prefix := "projects/" + id + "/"
	before, err := h.app.Archive.Versions(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 {
		t.Fatal("the failed attempt wrote nothing: the test does not retry a half-written archive")
	}
	putNotice()
	v, err := env.ExecuteActivity(acts.ArchiveProject, id)
	if err != nil {
		t.Fatalf("the retried archive: %v", err)
	}
	var res activities.ArchiveResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	versions, err := h.app.Archive.Versions(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	for key, n := range versions {
		if n != 1 {
			t.Errorf("%s: %d locked versions", key, n)
		}
	}
	objs, err := h.app.Store.ArchivedObjects(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) < len(before)+1 || len(versions) != len(objs)+1 { // + the manifest
		t.Fatalf("%d objects archived, %d keys in the bucket (%d before the retry)", len(objs), len(versions), len(before))
	}
	for _, o := range objs {
		sha, _, version, err := h.app.Archive.ReadCurrent(ctx, o.Key)
		if err != nil || sha != o.SHA256 || version != o.VersionID {
			t.Errorf("%s: recorded %s@%s, stored %s@%s (%v)", o.Key, o.SHA256, o.VersionID, sha, version, err)
		}
	}

	// The tranches of the same project: a second confirmation or payment
	// by anyone else is a conflict naming the first; a retry is nothing.
	s := h.app.Store
	hexi, minzheng, caizheng := h.actor("hexi"), h.actor("minzheng"), h.actor("caizheng")
	amount := domain.TrancheAmounts(26000000, domain.DefaultTranches())[0]
	if err := s.ConfirmTranche(ctx, id, 0, amount, hexi); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmTranche(ctx, id, 0, amount, hexi); err != nil {
		t.Fatalf("a retried confirmation: %v", err)
	}
	if err := s.ConfirmTranche(ctx, id, 0, amount, minzheng); domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), hexi.Name) {
		t.Fatalf("a second confirmation by someone else: %v", err)
	}
	sha := strings.Repeat("c", 64)
	if err := s.RecordPayment(ctx, id, 0, "HX-0001", "projects/"+id+"/vouchers/1-a", sha, caizheng); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPayment(ctx, id, 0, "HX-0001", "projects/"+id+"/vouchers/1-a", sha, caizheng); err != nil {
		t.Fatalf("a retried payment: %v", err)
	}
	err = s.RecordPayment(ctx, id, 0, "HX-0002", "projects/"+id+"/vouchers/1-b", sha, caizheng)
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "凭证号 HX-0001") || !strings.Contains(domain.ErrorMessage(err), caizheng.Name) {
		t.Fatalf("a second payment with another voucher: %v", err)
	}
	ts, err := s.Tranches(ctx, domain.Project{ID: id, Amount: 26000000, Tranches: domain.DefaultTranches()})
	if err != nil || ts[0].VoucherNo != "HX-0001" {
		t.Fatalf("tranche 1: %+v %v", ts, err)
	}
}

func blobSHA(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Two confirmations, then two payments, of the same tranche sent at once
// through the services and the real ProjectWorkflow: one succeeds, the
// other gets a conflict naming the first one's sender; the loser's voucher
// is not kept; the winner's request sent again (its idempotency key) gets
// the winner's result, and nothing is recorded twice.
func TestTrancheRequestsAtOnceThroughTheWorkflow(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	if err := h.app.SeedFundedProject(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	var pid string
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT id::text FROM projects WHERE stage = 'delivery' LIMIT 1`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	type attempt struct {
		by  domain.Actor
		key string
		err error
	}
	race := func(do func(a *attempt) error, as ...*attempt) (won, lost *attempt) {
		t.Helper()
		var wg sync.WaitGroup
		for _, a := range as {
			wg.Add(1)
			go func() { defer wg.Done(); a.err = do(a) }()
		}
		wg.Wait()
		for _, a := range as {
			switch {
			case a.err == nil && won == nil:
				won = a
			case domain.ErrorCode(a.err) == domain.CodeConflict && lost == nil:
				lost = a
			}
		}
		if won == nil || lost == nil {
			t.Fatalf("requests at once: %v and %v, want one success and one conflict", as[0].err, as[1].err)
		}
		return won, lost
	}
	confirm := func(a *attempt) error { return h.app.Contracts.ConfirmTranche(ctx, a.by, pid, a.key, 0) }
	won, lost := race(confirm, &attempt{by: h.actor("hexi"), key: uuid.NewString()}, &attempt{by: h.actor("minzheng"), key: uuid.NewString()})
	if !strings.Contains(domain.ErrorMessage(lost.err), won.by.Name) {
		t.Errorf("the second confirmation's conflict does not name %s: %v", won.by.Name, lost.err)
	}
	if err := confirm(won); err != nil {
		t.Fatalf("the first confirmation sent again: %v", err)
	}

	finance := h.actor("caizheng")
	vouchers := map[string]string{}
	pay := func(a *attempt) error {
		no := vouchers[a.key]
		return h.app.Contracts.RecordPayment(ctx, a.by, pid, a.key, 0, no, service.File{Name: "付款凭证.pdf", Data: append(append([]byte{}, pdfDoc...), a.key...)})
	}
	k1, k2 := uuid.NewString(), uuid.NewString()
	vouchers[k1], vouchers[k2] = "HX-"+k1[:8], "HX-"+k2[:8]
	won, lost = race(pay, &attempt{by: finance, key: k1}, &attempt{by: finance, key: k2})
	if msg := domain.ErrorMessage(lost.err); !strings.Contains(msg, finance.Name) {
		t.Errorf("the second payment's conflict does not name %s: %v", finance.Name, lost.err)
	}
	if err := pay(won); err != nil {
		t.Fatalf("the first payment sent again: %v", err)
	}
	p, err := h.app.Store.Project(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := h.app.Store.Tranches(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].VoucherNo != vouchers[won.key] || ts[0].PaidAt.IsZero() {
		t.Fatalf("tranche 1 paid with %q, want the winner's %q", ts[0].VoucherNo, vouchers[won.key])
	}
	var pays int
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'tranche.pay' AND object_id = $1`, pid).Scan(&pays); err != nil || pays != 1 {
		t.Errorf("%d payments in the audit log (%v)", pays, err)
	}
}

// A draw that came up short recorded and told the experts it found, but
// Temporal drops a failed activity's result, so the workflow never seated
// them; the redraw after the pool was topped up held them as already
// considered and came up short again, for good. Now the redraw seats them.
func TestShortDrawIsSeatedByTheRedraw(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	addExperts(t, h, usccWith("91120000MA0000007"))
	env, acts := activityEnv(h)
	seed := seededBid(t, h)
	pool, err := h.app.Store.ExpertPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	need := len(pool) + 1
	if _, err := env.ExecuteActivity(acts.DrawPanel, activities.DrawPanelInput{CallID: seed.CallID, Need: need, Key: "call-x/run-1/panel/1", Adopt: true}); err == nil {
		t.Fatalf("a pool of %d filled a panel of %d", len(pool), need)
	}
	// civil affairs adds one expert to the talent library
	hash, err := auth.HashPassword(app.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	by := h.actor("minzheng")
	if _, err := h.app.Store.UpsertUser(ctx, domain.User{Username: "expert-late", DisplayName: "评审专家（补充）",
		Roles: []domain.Role{domain.RoleExpert}, District: domain.CityLevel}, hash, by); err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.Store.SaveTalent(ctx, 0, domain.TalentEntry{Kind: domain.TalentExpert, Name: "专家补充", Level: domain.LevelCity,
		District: domain.CityLevel, Fields: []domain.ExpertField{"elderly_care"}, Available: true, Username: "expert-late"}, by); err != nil {
		t.Fatal(err)
	}
	v, err := env.ExecuteActivity(acts.DrawPanel, activities.DrawPanelInput{CallID: seed.CallID, Need: need, Key: "call-x/run-1/panel/2", Adopt: true})
	if err != nil {
		t.Fatalf("the redraw after the pool was topped up: %v", err)
	}
	var drawn []activities.Drawn
	if err := v.Get(&drawn); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, d := range drawn {
		seen[d.TalentID] = true
	}
	if len(drawn) != need || len(seen) != need {
		t.Fatalf("the redraw seated %d experts (%d distinct), want %d: %+v", len(drawn), len(seen), need, drawn)
	}
	// A workflow that already seats them is not given them twice.
	var seated []int64
	for id := range seen {
		seated = append(seated, id)
	}
	v, err = env.ExecuteActivity(acts.DrawPanel, activities.DrawPanelInput{CallID: seed.CallID, Need: 0, Key: "call-x/run-1/panel/3", Adopt: true, Seated: seated})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Get(&drawn); err != nil || len(drawn) != 0 {
		t.Fatalf("seated experts drawn again: %v %+v", err, drawn)
	}
}
