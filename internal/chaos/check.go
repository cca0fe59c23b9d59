package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"

	"grantflow/internal/app"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// maxActivityAttempts bounds a pending activity's attempts: more means it
// keeps failing, not a fault it rode out.
const maxActivityAttempts = 8

// check reads PostgreSQL, the object store and Temporal after the round:
// duplicates counts records done twice; problems names everything else
// wrong (a lifecycle short of its end is counted by Run).
func (r *round) check(ctx context.Context, lcs []*lifecycle) (duplicates int, problems []string, err error) {
	a, err := r.openApp(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer a.Close()
	k := &checker{r: r, ctx: ctx, a: a, db: a.Store.Pool()}
	var calls, projects []string
	for _, l := range lcs {
		if l.callID != "" {
			calls = append(calls, l.callID)
		}
		if l.award != "" {
			projects = append(projects, l.award)
		}
	}
	k.once()
	k.reissued(lcs)
	for _, id := range calls {
		if e := k.call(id); e != nil {
			return 0, nil, e
		}
	}
	versions, e := a.Archive.Versions(ctx, "")
	if e != nil {
		return 0, nil, e
	}
	for _, id := range projects {
		if e := k.project(id, versions); e != nil {
			return 0, nil, e
		}
	}
	if out, code := r.grantflow(ctx, "audit", "verify"); code != 0 {
		k.bad(false, "grantflow audit verify exited %d: %s", code, out)
	}

	// Temporal: nothing stuck, no workflow task failing, nothing left open
	for _, l := range lcs {
		for _, wid := range []string{workflows.CallWorkflowID(l.callID), workflows.ProjectWorkflowID(l.award)} {
			if strings.HasSuffix(wid, "-") {
				continue
			}
			k.problems = append(k.problems, r.checkWorkflow(ctx, a, wid, l.step == "done")...)
		}
	}
	return k.duplicates, k.problems, k.err
}

// checker gathers what check finds: records done twice, other problems, and
// the first error of a count.
type checker struct {
	r          *round
	ctx        context.Context
	a          *app.App
	db         *pgxpool.Pool
	duplicates int
	problems   []string
	err        error
}

// bad records a problem; dup counts it as a record done twice.
func (k *checker) bad(dup bool, format string, args ...any) {
	if dup {
		k.duplicates++
	}
	k.problems = append(k.problems, fmt.Sprintf(format, args...))
}

// count runs a count query; its first failure is check's error.
func (k *checker) count(q string, args ...any) int {
	var n int
	if e := k.db.QueryRow(k.ctx, q, args...).Scan(&n); e != nil && k.err == nil {
		k.err = fmt.Errorf("%s: %w", q, e)
	}
	return n
}

// once checks, across the whole database, the things that exist once.
func (k *checker) once() {
	for _, q := range []struct{ what, sql string }{
		{"certificate numbers issued twice", `SELECT count(*) FROM (SELECT certificate_no FROM trainees WHERE certificate_no IS NOT NULL GROUP BY certificate_no HAVING count(*) > 1) x`},
		{"notices repeated to the same recipient", `SELECT count(*) FROM (SELECT 1 FROM notices GROUP BY call_id, org_id, user_id, role, district, kind, text HAVING count(*) > 1) x`},
		{"projects over their award", `SELECT count(*) FROM projects p WHERE (SELECT coalesce(sum(amount_fen), 0) FROM project_tranches t WHERE t.project_id = p.id AND t.paid_at IS NOT NULL) > p.amount_fen`},
		{"vouchers recorded twice", `SELECT count(*) FROM (SELECT voucher_key FROM project_tranches WHERE voucher_key <> '' GROUP BY voucher_key HAVING count(*) > 1) x`},
	} {
		if n := k.count(q.sql); n > 0 {
			k.bad(true, "%s: %d", q.what, n)
		}
	}
}

// reissued checks that the calls given up as late (their window closed
// under the faults) failed.
func (k *checker) reissued(lcs []*lifecycle) {
	for _, l := range lcs {
		for _, id := range l.reissued {
			var stage string
			if e := k.db.QueryRow(k.ctx, `SELECT stage FROM calls WHERE id = $1`, id).Scan(&stage); e != nil || stage != string(domain.StageFailed) {
				k.bad(false, "call %s, given up as late: stage %q (%v), want failed", id, stage, e)
			}
			if n := k.count(`SELECT count(*) FROM awards WHERE call_id = $1`, id); n != 0 {
				k.bad(true, "call %s, given up as late: %d awards", id, n)
			}
		}
	}
}

// call checks a call: one bid per bidder (never replaced), every one opened
// with its digests verified, the scores, panel, decisions and award once,
// and every sealed part it references exists and reads back whole.
func (k *checker) call(id string) error {
	if n := k.count(`SELECT count(*) FROM bids WHERE call_id = $1`, id); n != len(bidders) {
		k.bad(n > len(bidders), "call %s: %d bids stored, want %d", id, n, len(bidders))
	}
	if n := k.count(`SELECT count(*) FROM bids WHERE call_id = $1 AND status = 'opened' AND digests_ok`, id); n != len(bidders) {
		k.bad(false, "call %s: %d bids opened with verified digests, want %d", id, n, len(bidders))
	}
	if n := k.count(`SELECT count(*) FROM scores WHERE call_id = $1`, id); n != 5*len(bidders) {
		k.bad(n > 5*len(bidders), "call %s: %d scores, want %d", id, n, 5*len(bidders))
	}
	if n := k.count(`SELECT count(*) FROM panel_members WHERE call_id = $1 AND status IN ('drawn', 'confirmed')`, id); n != 5 {
		k.bad(n > 5, "call %s: %d panel seats, want 5 (a redrawn panel?)", id, n)
	}
	for _, step := range []string{"submit", "publish", "civil", "finance"} {
		if n := k.count(`SELECT count(*) FROM call_decisions WHERE call_id = $1 AND step = $2`, id, step); n != 1 {
			k.bad(n > 1, "call %s: %d %s decisions, want 1", id, n, step)
		}
	}
	if n := k.count(`SELECT count(*) FROM awards WHERE call_id = $1`, id); n != 1 {
		k.bad(n > 1, "call %s: %d awards, want 1", id, n)
	}
	partSets, err := queryColumn[[]byte](k, `SELECT parts FROM bids WHERE call_id = $1`, id)
	if err != nil {
		return err
	}
	for _, raw := range partSets {
		var parts []domain.SealedPart
		if e := json.Unmarshal(raw, &parts); e != nil {
			return e
		}
		for _, p := range parts {
			if _, _, e := k.a.Blob.Get(k.ctx, p.ObjectKey, ""); e != nil {
				k.bad(false, "call %s: sealed part %s: %v", id, p.ObjectKey, e)
			}
		}
	}
	return nil
}

// queryColumn reads a one-column query's rows.
func queryColumn[T any](k *checker, q string, args ...any) ([]T, error) {
	rows, err := k.db.Query(k.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// project checks a funded project: archived, its tranches paid in full and
// once, its delivery and evaluation records once each, every stored
// document it references there and matching its digest, and its archive
// written once and verifying.
func (k *checker) project(id string, versions map[string]int) error {
	ctx, db := k.ctx, k.db
	var stage, number string
	var amount int64
	if e := db.QueryRow(ctx, `SELECT stage, number, amount_fen FROM projects WHERE id = $1`, id).Scan(&stage, &number, &amount); e != nil {
		k.bad(false, "project %s: %v", id, e)
		return nil
	}
	if stage != string(domain.ProjectArchived) {
		k.bad(false, "project %s: stage %s, want archived", number, stage)
	}
	var paid int64
	var n int
	if e := db.QueryRow(ctx, `SELECT coalesce(sum(amount_fen), 0), count(*) FROM project_tranches WHERE project_id = $1 AND paid_at IS NOT NULL`, id).Scan(&paid, &n); e != nil {
		return e
	}
	if n != 3 || paid != amount {
		k.bad(paid > amount, "project %s: %d tranches paid, %d of %d fen", number, n, paid, amount)
	}
	for _, q := range []struct {
		what string
		sql  string
		want int
	}{
		{"trainees", `SELECT count(*) FROM trainees WHERE project_id = $1`, 2},
		{"certificates", `SELECT count(*) FROM trainees WHERE project_id = $1 AND certificate_no IS NOT NULL`, 1},
		{"sessions", `SELECT count(*) FROM training_sessions WHERE project_id = $1`, 2},
		{"attendance rows", `SELECT count(*) FROM attendance WHERE project_id = $1`, 3},
		{"check-ins in and out", `SELECT count(*) FROM attendance WHERE project_id = $1 AND source = 'checkin' AND signed_in IS NOT NULL AND signed_out IS NOT NULL`, 1},
		{"evaluation rounds", `SELECT count(*) FROM evaluations WHERE project_id = $1`, 2},
		{"evaluators drawn", `SELECT count(*) FROM evaluators WHERE project_id = $1 AND excluded = ''`, 2 * domain.EvaluatorsPerRound},
		{"evaluators' sheets", `SELECT count(*) FROM evaluators WHERE project_id = $1 AND sheet IS NOT NULL`, 2 * domain.EvaluatorsPerRound},
		{"progress of the contract (signed once)", `SELECT count(*) FROM projects WHERE id = $1 AND contract_revision = 1 AND signed_at IS NOT NULL`, 1},
	} {
		if got := k.count(q.sql, id); got != q.want {
			k.bad(got > q.want, "project %s: %d %s, want %d", number, got, q.what, q.want)
		}
	}
	if err := k.projectDocuments(id, number); err != nil {
		return err
	}
	return k.projectArchive(id, number, stage, versions)
}

// projectDocuments checks that the stored documents a project references
// exist and match their digests.
func (k *checker) projectDocuments(id, number string) error {
	docs, e := k.db.Query(k.ctx, `SELECT contract_key, contract_sha256 FROM projects WHERE id = $1 AND contract_key IS NOT NULL
		UNION ALL SELECT voucher_key, voucher_sha256 FROM project_tranches WHERE project_id = $1 AND voucher_key <> ''
		UNION ALL SELECT report_key, report_sha256 FROM evaluations WHERE project_id = $1 AND report_key <> ''
		UNION ALL SELECT notice_key, notice_sha256 FROM awards WHERE id = $1`, id)
	if e != nil {
		return e
	}
	type doc struct{ key, sha string }
	var ds []doc
	for docs.Next() {
		var d doc
		if e := docs.Scan(&d.key, &d.sha); e != nil {
			docs.Close()
			return e
		}
		ds = append(ds, d)
	}
	docs.Close()
	for _, d := range ds {
		if _, _, e := k.a.Blob.Get(k.ctx, d.key, d.sha); e != nil {
			k.bad(false, "project %s: document %s: %v", number, d.key, e)
		}
	}
	return nil
}

// projectArchive checks a project's archive: every object written once, and
// an archived project's archive verifies.
func (k *checker) projectArchive(id, number, stage string, versions map[string]int) error {
	keys, e := k.db.Query(k.ctx, `SELECT key FROM archive_objects WHERE project_id = $1`, id)
	if e != nil {
		return e
	}
	var archived []string
	for keys.Next() {
		var key string
		_ = keys.Scan(&key)
		archived = append(archived, key)
	}
	keys.Close()
	if len(archived) == 0 {
		k.bad(false, "project %s: nothing archived", number)
	}
	for _, key := range archived {
		if v := versions[key]; v != 1 {
			k.bad(v > 1, "project %s: archive object %s has %d versions, want 1", number, key, v)
		}
	}
	if stage == string(domain.ProjectArchived) {
		if out, code := k.r.grantflow(k.ctx, "archive", "verify", number); code != 0 || !strings.Contains(out, "intact") {
			k.bad(false, "project %s: grantflow archive verify exited %d: %s", number, code, out)
		}
	}
	return nil
}

// checkWorkflow inspects one workflow's runs.
func (r *round) checkWorkflow(ctx context.Context, a *app.App, wid string, finished bool) []string {
	var out []string
	d, err := a.Temporal.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		return []string{fmt.Sprintf("%s: describe: %v", wid, err)}
	}
	st := d.GetWorkflowExecutionInfo().GetStatus()
	if st == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		if finished && strings.HasPrefix(wid, "project-") {
			out = append(out, fmt.Sprintf("%s: still open after its lifecycle finished", wid))
		}
	} else if st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		out = append(out, fmt.Sprintf("%s: ended %s", wid, st))
	}
	for _, p := range d.GetPendingActivities() {
		if p.GetAttempt() > maxActivityAttempts {
			out = append(out, fmt.Sprintf("%s: activity %s at attempt %d: %s", wid, p.GetActivityType().GetName(), p.GetAttempt(), p.GetLastFailure().GetMessage()))
		}
	}
	// every run's history: no workflow task failed
	runID := ""
	for runs := 0; runs < 100; runs++ {
		it := a.Temporal.GetWorkflowHistory(ctx, wid, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		prev := ""
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return append(out, fmt.Sprintf("%s: history: %v", wid, err))
			}
			if s := ev.GetWorkflowExecutionStartedEventAttributes(); s != nil {
				prev = s.GetContinuedExecutionRunId()
			}
			if f := ev.GetWorkflowTaskFailedEventAttributes(); f != nil {
				out = append(out, fmt.Sprintf("%s: workflow task failed (%s): %s", wid, f.GetCause(), f.GetFailure().GetMessage()))
			}
		}
		if prev == "" {
			break
		}
		runID = prev
	}
	return out
}

// grantflow runs a command of the production binary against the stack.
func (r *round) grantflow(ctx context.Context, args ...string) (string, int) {
	cmd := exec.CommandContext(ctx, r.o.Binary, args...)
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		return err.Error(), -1
	}
	return string(out), 0
}
