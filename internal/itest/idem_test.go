package itest

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"grantflow/activities"
	"grantflow/internal/app"
	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// atOnce sends the requests at the same moment (each with its own
// idempotency key) and returns their answers in order.
func atOnce(reqs ...func() response) []response {
	out := make([]response, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = r()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// oneWins checks that exactly one of two answers is 200 and the other a
// 409 whose message names says; it returns the loser's message.
func oneWins(t *testing.T, what string, rs []response, says string) string {
	t.Helper()
	var won, lost int
	var msg string
	for _, r := range rs {
		switch r.status {
		case http.StatusOK:
			won++
		case http.StatusConflict:
			lost++
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			r.json(t, &e)
			msg = e.Error.Message
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("%s sent twice at once: %d and %d, want one 200 and one 409 (%.300s)", what, rs[0].status, rs[1].status, rs[1].body)
	}
	if !strings.Contains(msg, says) {
		t.Errorf("%s: the conflict %q does not say %q", what, msg, says)
	}
	return msg
}

// Two identical decisions on a call sent at once through the API (each
// with its own Idempotency-Key): one is recorded, the other is a 409 that
// names who made the decision; the decision and its audit entry exist
// once. Before, both answered 200 and both were recorded.
func TestDecisionsAtOnceThroughAPI(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	experts := addExperts(t, h, usccWith("91120000MA0000009"))
	verifyBidders(t, h)
	var c bidCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区失能老年人家庭照护者培训（同时审批）", "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00, "mode": "competition",
		"bid_deadline": time.Now().Add(25 * time.Second).Truncate(time.Second), "publicity_working_days": 0}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	path := "/api/v1/calls/" + c.ID
	mustStatus(t, h.api("hexi", "POST", path+"/submit", nil, key()), 200, "submit")
	decide := func(user, what string, body map[string]any) func() response {
		return func() response { return h.api(user, "POST", path+"/"+what, body, key()) }
	}
	h.token("minzheng")
	h.token("caizheng")
	yes := map[string]any{"approve": true}
	oneWins(t, "the publication review", atOnce(decide("minzheng", "publication", yes), decide("minzheng", "publication", yes)), "发布审核")
	for u, price := range map[string]int64{"zuzhi": 260000_00, "org2": 240000_00, "org3": 280000_00} {
		mustStatus(t, h.api(u, "POST", path+"/bids", bidJSON(lifecycleProposal, price), key()), http.StatusCreated, "bid by "+u)
	}
	eventuallyWithin(t, 60*time.Second, "the opening", func() bool { return h.bidCall("hexi", c.ID).Stage == "qualification" })
	opened := h.openedBids(t, c.ID)
	var decisions []map[string]any
	for _, b := range opened {
		decisions = append(decisions, map[string]any{"bid_id": b.ID, "qualified": true})
	}
	mustStatus(t, h.api("hexi", "POST", path+"/qualification", map[string]any{"decisions": decisions}, key()), 200, "qualify")
	panel := h.seats(t, c.ID, experts, "drawn", 5)
	for _, u := range panel {
		mustStatus(t, h.api(u, "POST", path+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare "+u)
	}
	eventually(t, "scoring", func() bool { return h.bidCall("hexi", c.ID).Stage == "scoring" })
	h.scoreBids(t, c.ID, panel, opened)
	eventually(t, "the results", func() bool { return h.bidCall("hexi", c.ID).Stage == "ca_approval" })
	h.token("hexi")
	msg := oneWins(t, "the civil-affairs approval", atOnce(decide("hexi", "approval", yes), decide("minzheng", "approval", yes)), "民政审批")
	if !strings.Contains(msg, h.actor("hexi").Name) && !strings.Contains(msg, h.actor("minzheng").Name) {
		t.Errorf("the conflict does not name who approved: %q", msg)
	}
	oneWins(t, "the finance approval", atOnce(decide("caizheng", "approval", yes), decide("caizheng", "approval", yes)), h.actor("caizheng").Name)
	for step, action := range map[string]string{"publish": "call.decision.publish", "civil": "call.decision.civil", "finance": "call.decision.finance"} {
		var n, audits int
		if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM call_decisions WHERE call_id = $1 AND step = $2`, c.ID, step).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, c.ID).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if n != 1 || audits != 1 {
			t.Errorf("step %s: %d decisions and %d audit entries, want 1 and 1", step, n, audits)
		}
	}
}

// fundedProject seeds the demo project in delivery and returns its ID.
func fundedProject(t *testing.T, h *harness) string {
	t.Helper()
	ctx := context.Background()
	if err := h.app.SeedFundedProject(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	var pid string
	eventually(t, "the project in delivery", func() bool {
		return h.app.Store.Pool().QueryRow(ctx, `SELECT id::text FROM projects WHERE stage = 'delivery' LIMIT 1`).Scan(&pid) == nil
	})
	return pid
}

// Twenty trainees' certificates issued at once (and one of them twice):
// every request succeeds, the numbers are distinct and consecutive, and
// the trainee issued twice has one number. Before, numbers came from
// count(*)+1 without a lock, and concurrent issues collided on the unique
// number ("duplicate submission").
func TestCertificatesAtOnce(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	pid := fundedProject(t, h)
	pool := h.app.Store.Pool()
	hexi := h.actor("hexi")
	sealed, err := h.app.Delivery.Keys.Seal("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	var session int64
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	if err := pool.QueryRow(ctx, `INSERT INTO training_sessions (project_id, module, starts_at, ends_at, place, trainer, hours, code, created_by)
		VALUES ($1, '压疮预防', $2, $3, '社区', '韩雪', 2, '000000', $4) RETURNING id`, pid, start, start.Add(2*time.Hour), hexi.UserID).Scan(&session); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `INSERT INTO trainees (project_id, name, id_sealed, relation, community, consent_at, created_by)
		SELECT $1, '证书学员' || g, $2, '子女', '平江里社区', now(), $3 FROM generate_series(1, 20) g RETURNING id`, pid, sealed, hexi.UserID)
	if err != nil {
		t.Fatal(err)
	}
	var trainees []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		trainees = append(trainees, id)
	}
	rows.Close()
	if len(trainees) != 20 {
		t.Fatalf("%d trainees", len(trainees))
	}
	if _, err := pool.Exec(ctx, `INSERT INTO attendance (session_id, trainee_id, project_id, signed_in, signed_out, hours, source)
		SELECT $1, id, $2, $3, $4, 200, 'import' FROM trainees WHERE id = ANY($5)`, session, pid, start, start.Add(2*time.Hour), trainees); err != nil {
		t.Fatal(err)
	}
	h.token("zuzhi")
	var reqs []func() response
	for _, tid := range append(trainees, trainees[0]) {
		reqs = append(reqs, func() response {
			return h.api("zuzhi", "POST", fmt.Sprintf("/api/v1/awards/%s/trainees/%d/certificate", pid, tid), nil, nil)
		})
	}
	failed := 0
	for i, r := range atOnce(reqs...) {
		if r.status != http.StatusOK {
			failed++
			t.Errorf("certificate %d: %d %.200s", i+1, r.status, r.body)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d certificates issued at once failed", failed, len(reqs))
	}
	var number string
	if err := pool.QueryRow(ctx, `SELECT number FROM projects WHERE id = $1`, pid).Scan(&number); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	crows, err := pool.Query(ctx, `SELECT id, certificate_no FROM trainees WHERE project_id = $1 AND certificate_no IS NOT NULL`, pid)
	if err != nil {
		t.Fatal(err)
	}
	for crows.Next() {
		var id int64
		var no string
		_ = crows.Scan(&id, &no)
		got[no] = id
	}
	crows.Close()
	if len(got) != 20 {
		t.Fatalf("%d certificates numbered, want 20: %v", len(got), got)
	}
	for i := 1; i <= 20; i++ {
		if _, ok := got[fmt.Sprintf("%s-%04d", number, i)]; !ok {
			t.Errorf("no certificate %s-%04d: %v", number, i, got)
		}
	}
	var audits int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'trainee.certificate' AND object_id = $1`, pid).Scan(&audits); err != nil || audits != 20 {
		t.Errorf("%d certificate audit entries (%v), want 20", audits, err)
	}
}

// The same Idempotency-Key sent again with a different bid is refused
// (409, naming the key) and changes nothing: no sealed object is written
// or overwritten, the first bid still verifies against its receipt. The
// same key with the same bid gets the first receipt. Before, the second
// answered 201 with the old receipt.
func TestBidKeySentAgainWithOtherContent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	seed := seededBid(t, h)
	path := "/api/v1/calls/" + seed.CallID + "/bids"
	k := map[string]string{"Idempotency-Key": uuid.NewString()}
	first := h.api("zuzhi", "POST", path, bidJSON(lifecycleProposal, 150000_00), k)
	mustStatus(t, first, http.StatusCreated, "the bid")
	var rc domain.Receipt
	first.json(t, &rc)
	prefix := "calls/" + seed.CallID + "/bids/"
	before, err := h.app.Blob.Versions(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	other := bidJSON(lifecycleProposal+"（修改后）", 140000_00)
	r := h.api("zuzhi", "POST", path, other, k)
	mustStatus(t, r, http.StatusConflict, "the same key with another bid")
	var e struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &e)
	if !strings.Contains(e.Error.Message, "该请求编号") || !strings.Contains(e.Error.Message, k["Idempotency-Key"]) {
		t.Errorf("the refusal does not name the key: %q", e.Error.Message)
	}
	again := h.api("zuzhi", "POST", path, bidJSON(lifecycleProposal, 150000_00), k)
	mustStatus(t, again, http.StatusCreated, "the same key with the same bid")
	var rc2 domain.Receipt
	again.json(t, &rc2)
	if rc2.BidID != rc.BidID || rc2.Version != rc.Version || !rc2.SubmittedAt.Equal(rc.SubmittedAt) || len(rc2.Parts) != len(rc.Parts) {
		t.Fatalf("the same request sent again: %+v, want the first receipt %+v", rc2, rc)
	}
	after, err := h.app.Blob.Versions(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("sealed objects after the key was sent again: %d, before %d", len(after), len(before))
	}
	for key, n := range after {
		if before[key] != n {
			t.Errorf("%s: %d versions, before %d", key, n, before[key])
		}
	}
	b, err := h.app.Store.Bid(ctx, rc.BidID)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range b.Parts {
		if p.SHA256 != rc.Parts[i].SHA256 {
			t.Errorf("part %s: recorded %s, receipt %s", p.Part, p.SHA256, rc.Parts[i].SHA256)
		}
		if before[p.ObjectKey] != 1 {
			t.Errorf("part %s: %d versions of %s before the key was sent again", p.Part, before[p.ObjectKey], p.ObjectKey)
		}
	}
}

// Two payments of one tranche at once through the API, with different
// keys: one 200 and one 409 naming who paid; one voucher recorded, the
// loser's uploaded file removed from the object store. The same key sent
// again with another voucher is refused and stores nothing; with the same
// voucher it is answered 200 and leaves no second copy.
func TestPaymentsAtOnceThroughAPI(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	pid := fundedProject(t, h)
	base := "/api/v1/awards/" + pid
	mustStatus(t, h.api("hexi", "POST", base+"/tranches/1/confirm", nil, key()), 200, "confirm the first tranche")
	tok := h.token("caizheng")
	pay := func(key, no string, file []byte) func() response {
		return func() response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("voucher_no", no)
			fw, _ := mw.CreateFormFile("file", "付款凭证.pdf")
			_, _ = fw.Write(file)
			_ = mw.Close()
			return h.do("POST", base+"/tranches/1/payment", tok, mw.FormDataContentType(), buf.String(), map[string]string{"Idempotency-Key": key})
		}
	}
	voucher := func(s string) []byte { return append(append([]byte{}, pdfDoc...), s...) }
	k1, k2 := uuid.NewString(), uuid.NewString()
	oneWins(t, "the payment", atOnce(pay(k1, "HX-0001", voucher(k1)), pay(k2, "HX-0002", voucher(k2))), h.actor("caizheng").Name)
	p, err := h.app.Store.Project(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := h.app.Store.Tranches(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	won := k1
	if ts[0].VoucherNo == "HX-0002" {
		won = k2
	}
	vouchers := func() []string {
		t.Helper()
		l, err := h.app.Blob.List(ctx, "projects/"+pid+"/vouchers/")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range l {
			keys = append(keys, o.Key)
		}
		return keys
	}
	if v := vouchers(); len(v) != 1 || v[0] != ts[0].VoucherKey {
		t.Fatalf("vouchers stored: %v, want only the recorded one %s", v, ts[0].VoucherKey)
	}
	var pays int
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'tranche.pay' AND object_id = $1`, pid).Scan(&pays); err != nil || pays != 1 {
		t.Errorf("%d payments in the audit log (%v)", pays, err)
	}
	// The winner's key again with another voucher: refused, nothing stored.
	r := pay(won, "HX-0009", voucher("another"))()
	mustStatus(t, r, http.StatusConflict, "the same key with another voucher")
	if !strings.Contains(string(r.body), "该请求编号") {
		t.Errorf("the refusal does not say the key was used: %s", r.body)
	}
	// ... and with its own voucher: answered as before, no second copy.
	no := map[string]string{k1: "HX-0001", k2: "HX-0002"}[won]
	mustStatus(t, pay(won, no, voucher(won))(), 200, "the winning payment sent again")
	if v := vouchers(); len(v) != 1 || v[0] != ts[0].VoucherKey {
		t.Fatalf("vouchers stored after the requests were sent again: %v, want only %s", v, ts[0].VoucherKey)
	}
	if ts2, _ := h.app.Store.Tranches(ctx, p); ts2[0].VoucherKey != ts[0].VoucherKey || ts2[0].VoucherNo != ts[0].VoucherNo {
		t.Errorf("the payment changed: %+v, was %+v", ts2[0], ts[0])
	}
}

// SaveResults retried after it did its work (Temporal did not record it):
// the results are not audited twice, and the scoring report the call
// records is the one in the object store. Before, the retry re-rendered
// the report (its date is the call's last change) over the same key while
// the call kept the first attempt's digest, so the report failed its
// check on download.
func TestSaveResultsRetry(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	seed := seededBid(t, h)
	env, acts := activityEnv(h)
	rs := []domain.BidResult{{ScoredBid: domain.ScoredBid{BidID: seed.ID, OrgID: seed.OrgID}, Result: 85, Rank: 1, Recommended: true}}
	in := activities.SaveResultsInput{CallID: seed.CallID, Results: rs, Round: 1}
	for i := range 2 {
		if _, err := env.ExecuteActivity(acts.SaveResults, in); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		time.Sleep(1100 * time.Millisecond) // the retry comes later
	}
	var audits int
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'call.results' AND object_id = $1`, seed.CallID).Scan(&audits); err != nil || audits != 1 {
		t.Errorf("%d results audit entries (%v), want 1", audits, err)
	}
	c, err := h.app.Store.Call(ctx, seed.CallID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.app.Blob.Get(ctx, c.ReportKey, c.ReportSHA256); err != nil {
		t.Errorf("the scoring report after a retry: %v", err)
	}
}

// SetProjectTerms retried after it did its work writes one audit entry,
// and none once the contract is signed. Before, every attempt appended
// one, even when nothing changed.
func TestSetProjectTermsRetry(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id, _ := fakeProject(t, h)
	db := h.app.Store.Pool()
	if _, err := db.Exec(ctx, `UPDATE projects SET stage = 'contracting', signed_at = NULL, terms = NULL WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	env, acts := activityEnv(h)
	terms := domain.ContractTerms{Deliverables: domain.Deliverables{Trainees: 300, HoursPerTrainee: 16, Sessions: 12, Modules: domain.DefaultModules},
		StartsOn: time.Date(2027, 1, 1, 0, 0, 0, 0, domain.ChinaTime), TermMonths: 12}
	in := activities.SetTermsInput{ProjectID: id, Terms: terms, By: h.actor("hexi")}
	audits := func() int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'project.terms' AND object_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 2 {
		if _, err := env.ExecuteActivity(acts.SetProjectTerms, in); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if n := audits(); n != 1 {
		t.Errorf("%d terms audit entries after a retry, want 1", n)
	}
	if _, err := db.Exec(ctx, `UPDATE projects SET signed_at = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	in.Terms.TermMonths = 6
	if _, err := env.ExecuteActivity(acts.SetProjectTerms, in); err != nil {
		t.Fatal(err)
	}
	if n := audits(); n != 1 {
		t.Errorf("%d terms audit entries after terms sent for a signed contract, want 1", n)
	}
}

// Planning a session and enrolling a trainee with an Idempotency-Key: the
// request sent again (also twice at once) returns what the first created
// and creates nothing more; the key with other content is a 409 that
// creates nothing. Before, a session sent again was planned twice and a
// trainee sent again was refused as enrolled already.
func TestSessionAndTraineeKeys(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	pid := fundedProject(t, h)
	base := "/api/v1/awards/" + pid
	db := h.app.Store.Pool()
	count := func(table string) int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE project_id = $1`, pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Sessions planned ahead: the demo contract starts today (China
	// time), so a session hours ago would fall before it just after
	// midnight in Tianjin.
	now := time.Now().Truncate(time.Minute)
	session := map[string]any{"module": "压疮预防", "starts_at": now.Add(3 * time.Hour), "ends_at": now.Add(5 * time.Hour),
		"place": "平江里社区活动室", "trainer": "韩雪", "hours": 2}
	h.token("zuzhi")
	sessions := count("training_sessions")
	k := map[string]string{"Idempotency-Key": uuid.NewString()}
	var ids []int64
	for i, r := range atOnce(func() response { return h.api("zuzhi", "POST", base+"/sessions", session, k) },
		func() response { return h.api("zuzhi", "POST", base+"/sessions", session, k) }) {
		mustStatus(t, r, http.StatusCreated, fmt.Sprintf("session request %d", i+1))
		var s struct{ ID int64 }
		r.json(t, &s)
		ids = append(ids, s.ID)
	}
	r := h.api("zuzhi", "POST", base+"/sessions", session, k)
	mustStatus(t, r, http.StatusCreated, "the session sent again")
	var s struct{ ID int64 }
	r.json(t, &s)
	if ids[0] != ids[1] || s.ID != ids[0] {
		t.Errorf("the same session request answered with sessions %v and %d", ids, s.ID)
	}
	other := map[string]any{"module": "压疮预防", "starts_at": now.Add(6 * time.Hour), "ends_at": now.Add(8 * time.Hour),
		"place": "平江里社区活动室", "trainer": "韩雪", "hours": 2}
	r = h.api("zuzhi", "POST", base+"/sessions", other, k)
	mustStatus(t, r, http.StatusConflict, "the key with another session")
	if !strings.Contains(string(r.body), "该请求编号") {
		t.Errorf("the refusal does not say the key was used: %s", r.body)
	}
	if n := count("training_sessions"); n != sessions+1 {
		t.Errorf("%d sessions planned, want 1", n-sessions)
	}

	trainees := count("trainees")
	person := map[string]any{"name": "王淑兰", "id_number": "110105195001010012", "relation": "配偶", "community": "平江里社区", "consent": true}
	k = map[string]string{"Idempotency-Key": uuid.NewString()}
	first := h.api("zuzhi", "POST", base+"/trainees", person, k)
	mustStatus(t, first, http.StatusCreated, "enrol")
	again := h.api("zuzhi", "POST", base+"/trainees", person, k)
	mustStatus(t, again, http.StatusCreated, "the enrolment sent again")
	var a, b struct{ ID int64 }
	first.json(t, &a)
	again.json(t, &b)
	if a.ID != b.ID {
		t.Errorf("the same enrolment answered with trainees %d and %d", a.ID, b.ID)
	}
	someone := map[string]any{"name": "赵桂芝", "id_number": "110105195202020030", "relation": "配偶", "community": "平江里社区", "consent": true}
	mustStatus(t, h.api("zuzhi", "POST", base+"/trainees", someone, k), http.StatusConflict, "the key with another trainee")
	if n := count("trainees"); n != trainees+1 {
		t.Errorf("%d trainees enrolled, want 1", n-trainees)
	}
}

// The key binding every keyed write uses (payments, evaluation reports,
// objections and bids through the service; sessions and trainees in their
// transaction): the same content again is a repeat, other content or
// another user is a conflict naming the key, and a freed key takes new
// content.
func TestRequestKeys(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	st := h.app.Store
	k := uuid.NewString()
	if again, err := st.BindRequestKey(ctx, "eval-report", k, 7, "aaa"); err != nil || again {
		t.Fatalf("first binding: %v %v", again, err)
	}
	if again, err := st.BindRequestKey(ctx, "eval-report", k, 7, "aaa"); err != nil || !again {
		t.Fatalf("the same content again: %v %v", again, err)
	}
	for _, c := range []struct {
		user int64
		sha  string
	}{{7, "bbb"}, {8, "aaa"}} {
		_, err := st.BindRequestKey(ctx, "eval-report", k, c.user, c.sha)
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), k) {
			t.Errorf("user %d, content %s: %v, want a conflict naming the key", c.user, c.sha, err)
		}
	}
	if again, err := st.BindRequestKey(ctx, "objection", k, 7, "bbb"); err != nil || again {
		t.Errorf("the key in another scope: %v %v", again, err)
	}
	if err := st.FreeRequestKey(ctx, "eval-report", k, "aaa"); err != nil {
		t.Fatal(err)
	}
	if again, err := st.BindRequestKey(ctx, "eval-report", k, 7, "bbb"); err != nil || again {
		t.Errorf("a freed key with new content: %v %v", again, err)
	}
	// The daily sweep keeps keys for store.RequestKeyRetention.
	if _, err := activities.SweepUnreferenced(ctx, st, h.app.Blob, time.Hour, time.Now().Add(store.RequestKeyRetention-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, err := st.BindRequestKey(ctx, "eval-report", k, 7, "bbb"); err != nil || !again {
		t.Errorf("a key within its retention after the sweep: %v %v", again, err)
	}
	if _, err := activities.SweepUnreferenced(ctx, st, h.app.Blob, time.Hour, time.Now().Add(store.RequestKeyRetention+time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, err := st.BindRequestKey(ctx, "eval-report", k, 7, "ccc"); err != nil || again {
		t.Errorf("a key past its retention after the sweep: %v %v", again, err)
	}
}
