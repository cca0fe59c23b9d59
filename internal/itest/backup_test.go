package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/workflowservice/v1"

	"grantflow/internal/backup"
	"grantflow/internal/blob"
	"grantflow/internal/config"
	"grantflow/internal/devstack"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// TestBackupAndRestore builds a small world through the API — three calls
// (one still open for bids, two awarded), one project signed with sessions,
// attendance and a paid tranche, another evaluated, paid in full and
// archived under object lock — backs it up with the production binary while
// the system runs, loses it (the worker stops), restores it into a fresh
// database and fresh buckets and serves it with the production binary on
// the same Temporal server. Then: the audit chain and the archive verify on
// the restored system; every open workflow's stage (Temporal's query)
// equals the restored rows; people's tokens still work and a project's next
// step goes through the restored system; a restored archive object altered
// is named by verify; a damaged backup and a non-empty target are refused;
// a delete marker later than the snapshot is left out.
// It also shows what happens to a workflow whose history is ahead of the
// backup: a call cancelled after the backup is closed in Temporal while the
// restored row still says bidding, and a bid on it is refused. It logs how
// long backup and restore took, for the test world and a larger one.
func TestBackupAndRestore(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	ctx := context.Background()
	demo, err := h.app.Store.Organisation(ctx, h.actor("zuzhi").OrgID)
	if err != nil {
		t.Fatal(err)
	}
	experts := addExperts(t, h, demo.USCC)
	pool := append([]string{"zhuanjia"}, experts...)
	verifyBidders(t, h)
	deadline := time.Now().Add(25 * time.Second).Truncate(time.Second)
	signedCall := biddingCall(t, h, "河西区失能老年人家庭照护者培训（实施中）", 0, deadline)
	archivedCall := biddingCall(t, h, "河西区失能老年人家庭照护者培训（已归档）", 0, deadline)
	waitingCall := biddingCall(t, h, "河西区失能老年人家庭照护者培训（投标中）", 0, time.Now().Add(30*24*time.Hour).Truncate(time.Second))
	approveAfterOpening(t, h, signedCall, experts)
	approveAfterOpening(t, h, archivedCall, experts)
	award := func(callID string) string {
		eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", callID).Stage == "awarded" })
		id := h.bidCall("hexi", callID).Awards[0].ID
		eventually(t, "the project", func() bool { return h.api("zuzhi", "GET", "/api/v1/awards/"+id, nil, nil).status == 200 })
		signContract(t, h, id)
		return id
	}
	signed, archived := award(signedCall), award(archivedCall)

	// The archived project: training delivered, evaluated twice, paid in
	// full, archived.
	deliverTraining(t, h, archived)
	payFirstTranche(t, h, archived)
	evaluateThroughAPI(t, h, archived, pool)
	// The signed project: a session, a trainee present, the first tranche paid.
	base := "/api/v1/awards/" + signed
	now := time.Now().Truncate(time.Minute)
	r := h.api("zuzhi", "POST", base+"/sessions", map[string]any{"module": "压疮预防", "starts_at": now.Add(-3 * time.Hour), "ends_at": now.Add(-time.Hour),
		"place": "友谊路社区活动室", "trainer": "韩雪", "hours": 2}, nil)
	mustStatus(t, r, http.StatusCreated, "a session")
	var sess struct{ ID int64 }
	r.json(t, &sess)
	r = h.api("zuzhi", "POST", base+"/trainees", map[string]any{"name": "王桂兰", "id_number": idWithCheck("12010319500101002"), "relation": "配偶", "community": "友谊路社区", "consent": true}, nil)
	mustStatus(t, r, http.StatusCreated, "a trainee")
	var tr struct{ ID int64 }
	r.json(t, &tr)
	mustStatus(t, h.api("zuzhi", "POST", fmt.Sprintf("%s/sessions/%d/attendance", base, sess.ID), map[string]any{"trainee_ids": []int64{tr.ID}}, nil), 200, "attendance")
	payTranche(t, h, signed, 1)
	eventually(t, "the signed project's mid-term round", func() bool {
		rs := h.rounds(t, "hexi", signed)
		return len(rs) == 1 && rs[0].Phase == domain.EvalMidterm
	})
	var archivedNumber string
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT number FROM projects WHERE id = $1`, archived).Scan(&archivedNumber); err != nil {
		t.Fatal(err)
	}

	// The backup, with the production binary, while the system runs.
	bin := grantflowBinary(t)
	grantflow := func(cfg config.Config, args ...string) (string, int) {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Env = append([]string{"PATH=" + os.Getenv("PATH")}, cfg.Env()...)
		var out bytes.Buffer
		c.Stdout = &out
		var stderr bytes.Buffer
		c.Stderr = &stderr
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != 0 {
			t.Logf("grantflow %s exited %d; stderr:\n%s", strings.Join(args, " "), code, lastLines(stderr.String(), 5))
		}
		return out.String(), code
	}
	dir := filepath.Join(t.TempDir(), "backup-1")
	start := time.Now()
	out, code := grantflow(h.app.Config, "backup", dir)
	backupTook := time.Since(start)
	if code != 0 || !strings.Contains(out, "backup written to") {
		t.Fatalf("backup: %d\n%s", code, out)
	}
	m, err := backup.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	locked := 0
	for _, b := range m.Buckets {
		for _, v := range b.Versions {
			if v.RetentionMode == "COMPLIANCE" && v.RetainUntil != nil && v.RetainUntil.After(time.Now().AddDate(9, 0, 0)) {
				locked++
			}
			if !v.DeleteMarker && (len(v.SHA256) != 64 || v.Damaged()) {
				t.Errorf("backed-up version %s/%s: sha256 %q, recorded %q", b.Name, v.Key, v.SHA256, v.RecordedSHA256)
			}
		}
	}
	if len(m.Buckets) != 2 || locked < 10 || m.Database.SchemaVersion == 0 || m.Database.SnapshotAt.Before(start.Add(-time.Second)) {
		t.Fatalf("manifest: %d buckets, %d locked versions, schema %d, snapshot %s", len(m.Buckets), locked, m.Database.SchemaVersion, m.Database.SnapshotAt)
	}
	if out, code := grantflow(h.app.Config, "backup", "check", dir); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("backup check: %d\n%s", code, out)
	}

	// After the backup, before the loss: the open call is cancelled (its
	// workflow ends). The backup does not know.
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+waitingCall+"/cancel", map[string]any{"reason": "区财政预算调整，本年度暂停"}, nil), 200, "cancel after the backup")
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	if err := h.app.Temporal.GetWorkflow(wctx, workflows.CallWorkflowID(waitingCall), "").Get(wctx, nil); err != nil {
		t.Fatalf("the cancelled call's workflow: %v", err)
	}
	cancel()
	// The loss: the worker stops; the database and buckets are gone for
	// GrantFlow. Temporal (the cluster's own) lives on.
	h.stopWorker()

	// A fresh database and fresh buckets on the same services.
	fresh := func(suffix string) config.Config {
		n := counter.Add(1)
		db := fmt.Sprintf("restored%d_%d", os.Getpid(), n)
		if err := shared.Postgres.CreateDatabase(ctx, db, ""); err != nil {
			t.Fatal(err)
		}
		port, err := devstack.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		cfg := h.app.Config // the same Temporal namespace and task queue
		cfg.DatabaseURL = shared.Postgres.URL(db)
		cfg.S3Bucket = fmt.Sprintf("restored%d-%d%s", os.Getpid(), n, suffix)
		cfg.ArchiveBucket = cfg.S3Bucket + "-archive"
		cfg.HTTPAddr = fmt.Sprintf("127.0.0.1:%d", port)
		cfg.WebURL = "http://" + cfg.HTTPAddr
		return cfg
	}
	target := fresh("")

	// Refused: a restore into a database that holds data, and a damaged backup.
	if out, code := grantflow(h.app.Config, "restore", dir); code == 0 || strings.Contains(out, "restored") {
		t.Fatalf("a restore over the live database: %d\n%s", code, out)
	}
	damaged := filepath.Join(t.TempDir(), "backup-damaged")
	if err := exec.Command("cp", "-a", dir, damaged).Run(); err != nil {
		t.Fatal(err)
	}
	var victim backup.Version
	for _, v := range m.Buckets[1].Versions {
		if !v.DeleteMarker {
			victim = v
			break
		}
	}
	objFile := filepath.Join(damaged, "objects", victim.SHA256[:2], victim.SHA256)
	raw, err := os.ReadFile(objFile)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x20
	if err := os.WriteFile(objFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := grantflow(target, "backup", "check", damaged); code != 2 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, victim.Key) {
		t.Fatalf("backup check of a damaged backup: %d\n%s", code, out)
	}
	if out, code := grantflow(target, "restore", damaged); code != 2 || strings.Contains(out, "restored") {
		t.Fatalf("a restore of a damaged backup: %d\n%s", code, out)
	}

	// The restore, into the fresh database and buckets (untouched by the refusal).
	start = time.Now()
	out, code = grantflow(target, "restore", dir)
	restoreTook := time.Since(start)
	if code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %d\n%s", code, out)
	}
	t.Logf("restore: %s", lastLines(out, 2))
	if out, code := grantflow(target, "restore", dir); code == 0 || strings.Contains(out, "restored") {
		t.Fatalf("a second restore into the restored target: %d\n%s", code, out)
	}
	start = time.Now()
	if out, code := grantflow(target, "migrate"); code != 0 {
		t.Fatalf("migrate after restore: %d\n%s", code, out)
	}
	migrateTook := time.Since(start)
	if out, code := grantflow(target, "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify on the restored database: %d\n%s", code, out)
	}
	if out, code := grantflow(target, "archive", "verify", archivedNumber); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("archive verify on the restored store: %d\n%s", code, out)
	}
	restored, err := pgxpool.New(ctx, target.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	// the rows name the versions the restored store holds
	var stale int
	if err := restored.QueryRow(ctx, `SELECT count(*) FROM archive_objects a WHERE a.version_id = ANY($1)`, oldVersions(m, backup.RoleArchive)).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("%d archived objects still name the old store's version IDs (%v)", stale, err)
	}
	rarchive, err := blob.Open(blob.Config{Endpoint: target.S3Endpoint, AccessKey: target.S3AccessKey, SecretKey: target.S3SecretKey, Bucket: target.ArchiveBucket, Region: target.S3Region})
	if err != nil {
		t.Fatal(err)
	}
	var akey, aversion string
	if err := restored.QueryRow(ctx, `SELECT key, version_id FROM archive_objects WHERE project_id = $1 ORDER BY key LIMIT 1`, archived).Scan(&akey, &aversion); err != nil {
		t.Fatal(err)
	}
	if err := rarchive.RemoveVersion(ctx, akey, aversion); err == nil {
		t.Fatal("a restored archive version could be deleted: its lock was not applied again")
	}

	// Both buckets show the same current objects as when they were backed up.
	for _, b := range m.Buckets {
		want := map[string]bool{}
		for _, v := range b.Versions {
			want[v.Key] = !v.DeleteMarker // each key's last version decides
		}
		name := target.S3Bucket
		if b.Role == backup.RoleArchive {
			name = target.ArchiveBucket
		}
		st, err := blob.Open(blob.Config{Endpoint: target.S3Endpoint, AccessKey: target.S3AccessKey, SecretKey: target.S3SecretKey, Bucket: name, Region: target.S3Region})
		if err != nil {
			t.Fatal(err)
		}
		listed, err := st.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		current := 0
		for _, ok := range want {
			if ok {
				current++
			}
		}
		for _, o := range listed {
			if !want[o.Key] {
				t.Errorf("restored bucket %s shows %s, deleted or absent when backed up", name, o.Key)
			}
		}
		if len(listed) != current {
			t.Errorf("restored bucket %s shows %d objects, the backup had %d current", name, len(listed), current)
		}
	}

	// The restored system, served by the production binary on the same
	// Temporal server and task queue.
	serve := exec.Command(bin, "serve")
	serve.Env = append([]string{"PATH=" + os.Getenv("PATH")}, target.Env()...)
	var logs bytes.Buffer
	serve.Stdout, serve.Stderr = &logs, &logs
	start = time.Now()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = serve.Process.Kill()
		_ = serve.Wait()
		if t.Failed() {
			t.Logf("restored grantflow serve:\n%s", lastLines(logs.String(), 30))
		}
	})
	eventually(t, "the restored system to be ready", func() bool {
		r, err := httpGet(target.WebURL + "/readyz")
		return err == nil && r == 200
	})
	readyTook := time.Since(start)
	at := func(user, method, path string, body any) response {
		var b string
		if body != nil {
			raw, _ := json.Marshal(body)
			b = string(raw)
		}
		return doHTTP(t, target.WebURL, method, path, h.token(user), "application/json", b, key())
	}

	// Every open workflow's view of the database agrees with the restored rows.
	resp, err := h.app.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: target.TemporalNamespace,
		Query: fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = 'Running'", target.TaskQueue)})
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]bool{}
	for _, e := range resp.Executions {
		id := e.Execution.WorkflowId
		open[id] = true
		switch {
		case strings.HasPrefix(id, "call-"):
			var st workflows.CallState
			q, err := h.app.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryState)
			if err != nil || q.Get(&st) != nil {
				t.Fatalf("query %s: %v", id, err)
			}
			var stage string
			if err := restored.QueryRow(ctx, `SELECT stage FROM calls WHERE id = $1`, strings.TrimPrefix(id, "call-")).Scan(&stage); err != nil || stage != string(st.Stage) {
				t.Errorf("%s: Temporal says %s, the restored row %q (%v)", id, st.Stage, stage, err)
			}
		case strings.HasPrefix(id, "project-"):
			var st workflows.ProjectState
			q, err := h.app.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryProject)
			if err != nil || q.Get(&st) != nil {
				t.Fatalf("query %s: %v", id, err)
			}
			var stage string
			var paid, confirmed int
			if err := restored.QueryRow(ctx, `SELECT p.stage, (SELECT count(*) FILTER (WHERE paid_at IS NOT NULL) FROM project_tranches t WHERE t.project_id = p.id),
				(SELECT count(*) FILTER (WHERE confirmed_at IS NOT NULL) FROM project_tranches t WHERE t.project_id = p.id)
				FROM projects p WHERE p.id = $1`, strings.TrimPrefix(id, "project-")).Scan(&stage, &paid, &confirmed); err != nil {
				t.Fatal(err)
			}
			wantPaid, wantConfirmed := 0, 0
			for _, f := range st.Money {
				if f.Paid {
					wantPaid++
				}
				if f.Confirmed {
					wantConfirmed++
				}
			}
			if stage != string(st.Stage) || paid != wantPaid || confirmed != wantConfirmed {
				t.Errorf("%s: Temporal says %s, %d confirmed, %d paid; the restored rows %s, %d, %d", id, st.Stage, wantConfirmed, wantPaid, stage, confirmed, paid)
			}
		}
	}
	if !open[workflows.ProjectWorkflowID(signed)] || open[workflows.ProjectWorkflowID(archived)] || open[workflows.CallWorkflowID(waitingCall)] {
		t.Fatalf("open workflows: %v", open)
	}
	// What Temporal is ahead on: the call cancelled after the backup is
	// closed there, while its restored row says bidding; a bid is refused.
	var stage string
	if err := restored.QueryRow(ctx, `SELECT stage FROM calls WHERE id = $1`, waitingCall).Scan(&stage); err != nil || stage != "bidding" {
		t.Fatalf("the call cancelled after the backup: restored as %q (%v)", stage, err)
	}
	// `grantflow reconcile` names it, and it alone.
	rec, code := grantflow(target, "reconcile")
	if code != 2 || !strings.Contains(rec, "CALL     "+waitingCall+`: the database says "bidding"`) || !strings.Contains(rec, "cancelled (completed)") || !strings.Contains(rec, "1 of ") {
		t.Fatalf("reconcile on the restored system: %d\n%s", code, rec)
	}
	t.Logf("reconcile: %s", lastLines(rec, 2))
	late := at("zuzhi", "POST", "/api/v1/calls/"+waitingCall+"/bids", bidJSON(lifecycleProposal, 250000_00))
	// Refused as ended (409), not "unclear, try again" (503): both the
	// send and the look-up by the update's ID say the workflow holds none.
	if late.status != http.StatusConflict || !strings.Contains(string(late.body), "流程已经结束") {
		t.Fatalf("a bid on a call whose workflow ended after the backup: %d %s", late.status, late.body)
	}
	t.Logf("a call cancelled after the backup: restored row %q, workflow closed; a bid answers %d %s", stage, late.status, firstLine(string(late.body)))

	// The restored system works: the tokens issued before the backup, the
	// documents, and the signed project's next step (the mid-term report,
	// through its workflow, into the restored database and bucket).
	if r := at("zuzhi", "GET", "/api/v1/awards/"+signed+"/contract.pdf", nil); r.status != 200 || !bytes.HasPrefix(r.body, []byte("%PDF")) {
		t.Fatalf("the signed contract from the restored store: %d", r.status)
	}
	var evs struct{ Items []domain.Evidence }
	at("hexi", "GET", "/api/v1/awards/"+archived+"/evidence", nil).json(t, &evs)
	if len(evs.Items) != 1 || at("hexi", "GET", "/api/v1/awards/"+archived+"/evidence/"+evs.Items[0].ID, nil).status != 200 {
		t.Fatalf("the archived project's evidence from the restored store: %+v", evs.Items)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("summary", evalReportText)
	fw, _ := mw.CreateFormFile("file", "中期自评报告.pdf")
	_, _ = fw.Write(pdfDoc)
	_ = mw.Close()
	rep := doHTTP(t, target.WebURL, "POST", base+"/evaluations/midterm/report", h.token("zuzhi"), mw.FormDataContentType(), buf.String(), key())
	mustStatus(t, rep, 200, "the mid-term report on the restored system")
	var reports, original int
	if err := restored.QueryRow(ctx, `SELECT count(*) FROM evaluations WHERE project_id = $1 AND submitted_at IS NOT NULL`, signed).Scan(&reports); err != nil {
		t.Fatal(err)
	}
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM evaluations WHERE project_id = $1 AND submitted_at IS NOT NULL`, signed).Scan(&original); err != nil {
		t.Fatal(err)
	}
	if reports != 1 || original != 0 {
		t.Fatalf("the mid-term report: %d in the restored database, %d in the lost one", reports, original)
	}
	drawn := func(p *pgxpool.Pool) (n int) {
		if err := p.QueryRow(ctx, `SELECT count(*) FROM evaluators WHERE project_id = $1 AND phase = 'midterm'`, signed).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	eventually(t, "the evaluators drawn by the restored system", func() bool { return drawn(restored) >= domain.EvaluatorsPerRound })
	if n := drawn(h.app.Store.Pool()); n != 0 {
		t.Errorf("the lost system drew %d evaluators", n)
	}

	// Altering one restored archive object (a new version over it) is named.
	if _, err := rarchive.Put(ctx, akey, []byte("%PDF-1.4 伪造"), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if out, code := grantflow(target, "archive", "verify", archivedNumber); code != 2 || !strings.Contains(out, "ALTERED  "+akey) {
		t.Fatalf("archive verify after altering a restored object: %d\n%s", code, out)
	}
	var dbBytes, objBytes int64
	versions := 0
	dbBytes = m.Database.Bytes
	for _, b := range m.Buckets {
		objBytes += b.Bytes
		versions += len(b.Versions)
	}
	t.Logf("test world: backup %s, restore %s, migrate %s, serve ready %s (database dump %d bytes; %d object versions, %d bytes)",
		backupTook.Round(time.Millisecond), restoreTook.Round(time.Millisecond), migrateTook.Round(time.Millisecond), readyTook.Round(time.Millisecond), dbBytes, versions, objBytes)

	// A delete marker written after the database's snapshot is left out: the
	// restored rows may still name the object it hid. (The backup's own
	// markers are older than its snapshot; one is moved past it here.)
	lateDir := filepath.Join(t.TempDir(), "backup-late-delete")
	if err := exec.Command("cp", "-a", dir, lateDir).Run(); err != nil {
		t.Fatal(err)
	}
	var hidden string
	lm := m
	lm.Buckets = append([]backup.BucketDump(nil), m.Buckets...)
	for bi, b := range lm.Buckets {
		vs := append([]backup.Version(nil), b.Versions...)
		for i, v := range vs {
			if v.DeleteMarker && hidden == "" && b.Role == backup.RoleDocuments {
				vs[i].LastModified, hidden = m.Database.SnapshotAt.Add(time.Second), v.Key
			}
		}
		lm.Buckets[bi].Versions = vs
	}
	if hidden == "" {
		t.Fatal("the backup holds no delete marker in the documents bucket")
	}
	raw, _ = json.Marshal(lm)
	if err := os.WriteFile(filepath.Join(lateDir, backup.ManifestName), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	target3 := fresh("-3")
	if out, code := grantflow(target3, "restore", lateDir); code != 0 || !strings.Contains(out, "1 later delete markers left out") {
		t.Fatalf("restore with a delete marker after the snapshot: %d\n%s", code, out)
	}
	docs3, err := blob.Open(blob.Config{Endpoint: target3.S3Endpoint, AccessKey: target3.S3AccessKey, SecretKey: target3.S3SecretKey, Bucket: target3.S3Bucket, Region: target3.S3Region})
	if err != nil {
		t.Fatal(err)
	}
	if listed, err := docs3.List(ctx, hidden); err != nil || len(listed) != 1 {
		t.Fatalf("the object hidden after the snapshot (%s) is not readable in the restore: %v %v", hidden, listed, err)
	}

	// A larger world: the restored system grows by 100,000 attendance rows
	// (1,000 trainees × 100 sessions) and 1,000 documents of 32 KiB; it is
	// backed up and restored again.
	hexi := h.actor("hexi")
	sealed, err := h.app.Delivery.Keys.Seal("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO training_sessions (project_id, module, starts_at, ends_at, place, trainer, hours, code, created_by)
			SELECT $1, '压疮预防', now() - make_interval(days => g), now() - make_interval(days => g) + interval '2 hours', '社区', '韩雪', 2, '000000', $2
			FROM generate_series(1, 100) g`, []any{signed, hexi.UserID}},
		{`INSERT INTO trainees (project_id, name, id_sealed, relation, community, consent_at, created_by)
			SELECT $1, '学员' || g, $2, '子女', '平江里社区', now(), $3 FROM generate_series(1, 1000) g`, []any{signed, sealed, hexi.UserID}},
		{`INSERT INTO attendance (session_id, trainee_id, project_id, signed_in, signed_out, hours, source)
			SELECT s.id, tr.id, $1, s.starts_at, s.ends_at, 2, 'import' FROM training_sessions s, trainees tr
			WHERE s.project_id = $1 AND s.code = '000000' AND tr.project_id = $1 AND tr.name LIKE '学员%'`, []any{signed}},
	} {
		if _, err := restored.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	rdocs, err := blob.Open(blob.Config{Endpoint: target.S3Endpoint, AccessKey: target.S3AccessKey, SecretKey: target.S3SecretKey, Bucket: target.S3Bucket, Region: target.S3Region})
	if err != nil {
		t.Fatal(err)
	}
	doc := bytes.Repeat([]byte("照护培训档案 "), 32<<10/19)
	pool4(1000, func(i int) {
		if _, err := rdocs.Put(ctx, fmt.Sprintf("bulk/%04d.txt", i), append(doc, fmt.Sprint(i)...), "text/plain"); err != nil {
			t.Error(err)
		}
	})
	dir2 := filepath.Join(t.TempDir(), "backup-2")
	start = time.Now()
	if out, code := grantflow(target, "backup", dir2); code != 0 {
		t.Fatalf("backup of the larger world: %d\n%s", code, out)
	}
	backup2 := time.Since(start)
	target2 := fresh("-2")
	start = time.Now()
	if out, code := grantflow(target2, "restore", dir2); code != 0 {
		t.Fatalf("restore of the larger world: %d\n%s", code, out)
	}
	restore2 := time.Since(start)
	if out, code := grantflow(target2, "audit", "verify"); code != 0 {
		t.Fatalf("audit verify of the larger world: %d\n%s", code, out)
	}
	m2, err := backup.ReadManifest(dir2)
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	r2, err := pgxpool.New(ctx, target2.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if err := r2.QueryRow(ctx, `SELECT count(*) FROM attendance`).Scan(&rows); err != nil || rows < 100_000 {
		t.Fatalf("the larger world restored %d attendance rows (%v)", rows, err)
	}
	versions, objBytes = 0, 0
	for _, b := range m2.Buckets {
		objBytes += b.Bytes
		versions += len(b.Versions)
	}
	t.Logf("larger world: backup %s, restore %s (database dump %d bytes, %d attendance rows; %d object versions, %d bytes)",
		backup2.Round(time.Millisecond), restore2.Round(time.Millisecond), m2.Database.Bytes, rows, versions, objBytes)
}

// signContract has civil affairs set a project's terms and both sides
// confirm them.
func signContract(t *testing.T, h *harness, projectID string) {
	t.Helper()
	base := "/api/v1/awards/" + projectID
	eventually(t, "contracting", func() bool {
		var p struct{ Stage string }
		return json.Unmarshal(h.api("hexi", "GET", base, nil, nil).body, &p) == nil && p.Stage == "contracting"
	})
	mustStatus(t, h.api("hexi", "POST", base+"/terms", map[string]any{"trainees": 300, "hours_per_trainee": 16, "sessions": 12, "modules": domain.DefaultModules,
		"starts_on": time.Now().AddDate(0, 0, -2), "term_months": 12, "performance_bond_fen": 26000_00}, key()), 200, "set terms")
	mustStatus(t, h.api("zuzhi", "POST", base+"/confirmation", map[string]any{"revision": 1}, key()), 200, "the organisation confirms")
	mustStatus(t, h.api("hexi", "POST", base+"/confirmation", map[string]any{"revision": 1}, key()), 200, "civil affairs confirms")
	eventually(t, "the signed contract", func() bool {
		var p struct{ Stage string }
		return json.Unmarshal(h.api("hexi", "GET", base, nil, nil).body, &p) == nil && p.Stage == "delivery"
	})
}

// evaluateThroughAPI carries a signed project (its first tranche paid)
// through both evaluations and the remaining tranches to its archive, all
// through the JSON API (evaluateAndArchive walks the same with the pages
// and checks each step).
func evaluateThroughAPI(t *testing.T, h *harness, projectID string, pool []string) {
	t.Helper()
	base := "/api/v1/awards/" + projectID
	sheet := func(pts ...float64) map[string]any {
		return map[string]any{"points": pts, "comment": "培训组织规范，签到与学时记录完整，建议补充实操考核影像。", "site_visit": "现场查看社区培训一场。"}
	}
	eventually(t, "the mid-term round", func() bool { return len(h.rounds(t, "hexi", projectID)) == 1 })
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("summary", evalReportText)
	fw, _ := mw.CreateFormFile("file", "中期自评报告.pdf")
	_, _ = fw.Write(pdfDoc)
	_ = mw.Close()
	mustStatus(t, h.do("POST", base+"/evaluations/midterm/report", h.token("zuzhi"), mw.FormDataContentType(), buf.String(), key()), 200, "the mid-term report")
	eventually(t, "the mid-term evaluators", func() bool { return len(h.drawnFor(t, pool, projectID, "midterm")) == domain.EvaluatorsPerRound })
	for _, u := range h.drawnFor(t, pool, projectID, "midterm") {
		mustStatus(t, h.api(u, "POST", base+"/evaluations/midterm/1/scores", sheet(24, 16, 16, 24), key()), 200, "mid-term score by "+u)
	}
	eventually(t, "the mid-term result", func() bool { return h.rounds(t, "hexi", projectID)[0].Outcome != nil })
	payTranche(t, h, projectID, 2)
	eventually(t, "the final round", func() bool { return len(h.rounds(t, "zuzhi", projectID)) == 2 })
	mustStatus(t, h.api("zuzhi", "POST", base+"/evaluations/final/report", map[string]any{"summary": evalReportText}, key()), 200, "the final report")
	eventually(t, "the final evaluators", func() bool { return len(h.drawnFor(t, pool, projectID, "final")) == domain.EvaluatorsPerRound })
	for _, u := range h.drawnFor(t, pool, projectID, "final") {
		mustStatus(t, h.api(u, "POST", base+"/evaluations/final/1/scores", sheet(46, 27, 0, 9), key()), 200, "final score by "+u)
	}
	eventually(t, "the final result", func() bool { return h.rounds(t, "hexi", projectID)[1].Outcome != nil })
	payTranche(t, h, projectID, 3)
	eventuallyWithin(t, 2*time.Minute, "the archive", func() bool {
		var p domain.Project
		return json.Unmarshal(h.api("hexi", "GET", base, nil, nil).body, &p) == nil && p.Stage == domain.ProjectArchived
	})
}

// oldVersions lists the version IDs the backed-up store had in a bucket.
func oldVersions(m backup.Manifest, role string) []string {
	var out []string
	for _, b := range m.Buckets {
		if b.Role == role {
			for _, v := range b.Versions {
				if v.VersionID != "" && v.VersionID != "null" {
					out = append(out, v.VersionID)
				}
			}
		}
	}
	return out
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// pool4 runs job(0…n-1) four at a time.
func pool4(n int, job func(i int)) { pool(n, 4, job) }
