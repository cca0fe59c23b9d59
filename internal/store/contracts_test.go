package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
)

// TestContractLifecycle: the two sides confirm the current revision once
// each, even at once; a stale revision's confirmation does nothing; new
// terms clear both confirmations; an older rendering never replaces a
// newer one; signing twice at once signs once, and terms after signing
// change nothing.
func TestContractLifecycle(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	p, member := deliveryProject(t, s)
	exec(t, s, `UPDATE projects SET stage = 'contracting' WHERE id = $1`, p.ID)
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	terms := domain.ContractTerms{StartsOn: time.Date(2026, 5, 1, 0, 0, 0, 0, domain.ChinaTime), TermMonths: 12}
	must(t, s.SetProjectTerms(ctx, p.ID, terms, ca))
	must(t, s.SetProjectTerms(ctx, p.ID, terms, ca)) // a retry: not audited again
	must(t, s.SetProjectContract(ctx, p.ID, 2, "contracts/2", "sha2"))
	must(t, s.SetProjectContract(ctx, p.ID, 1, "contracts/1", "sha1")) // older: ignored
	got, _ := s.Project(ctx, p.ID)
	if got.ContractRevision != 2 || got.ContractKey != "contracts/2" {
		t.Errorf("contract revision %d %s, want 2 contracts/2", got.ContractRevision, got.ContractKey)
	}
	must(t, s.ConfirmContract(ctx, p.ID, false, 1, member)) // a stale revision
	if got, _ := s.Project(ctx, p.ID); !got.OrgConfirmedAt.IsZero() {
		t.Errorf("a stale revision was confirmed")
	}
	errs := race(4, func(i int) error { return s.ConfirmContract(ctx, p.ID, i%2 == 0, 2, []domain.Actor{ca, member}[i%2]) })
	mustAll(t, errs)
	got, _ = s.Project(ctx, p.ID)
	if got.OrgConfirmedAt.IsZero() || got.CivilConfirmedAt.IsZero() {
		t.Errorf("confirmations: org %v civil %v", got.OrgConfirmedAt, got.CivilConfirmedAt)
	}
	terms.TermMonths = 24
	must(t, s.SetProjectTerms(ctx, p.ID, terms, ca))
	if got, _ := s.Project(ctx, p.ID); !got.OrgConfirmedAt.IsZero() || !got.CivilConfirmedAt.IsZero() {
		t.Errorf("new terms kept the confirmations")
	}
	errs = race(2, func(int) error { return s.SignProject(ctx, p.ID) })
	mustAll(t, errs)
	terms.TermMonths = 36
	must(t, s.SetProjectTerms(ctx, p.ID, terms, ca))
	got, _ = s.Project(ctx, p.ID)
	if got.Stage != domain.ProjectDelivery || got.SignedAt.IsZero() || got.Terms == nil || got.Terms.TermMonths != 24 {
		t.Errorf("after signing: stage %s signed %v terms %+v", got.Stage, got.SignedAt, got.Terms)
	}
	var n [4]int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'project.terms'), count(*) FILTER (WHERE action LIKE 'project.confirm.%'),
		count(*) FILTER (WHERE action = 'project.signed'), count(*) FILTER (WHERE action = 'project.contract') FROM audit_log`).Scan(&n[0], &n[1], &n[2], &n[3]))
	if n != [4]int{2, 2, 1, 1} {
		t.Errorf("audited terms, confirmations, signings, renderings: %v, want [2 2 1 1]", n)
	}
}

// TestEvaluationRounds: rounds listed midterm first, attempts in order, each
// with its evaluators in seat order; a sheet is recorded once; a round is
// decided once and a final's grade goes on the project; a report after the
// due date is refused; a termination is recorded once.
func TestEvaluationRounds(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	p, member := deliveryProject(t, s)
	e1 := mkUser(t, s, "e1", "", domain.RoleExpert)
	e2 := mkUser(t, s, "e2", "", domain.RoleExpert)
	exec(t, s, `INSERT INTO talents (kind, name, level, district, user_id) VALUES ('expert', '张伟', 'city', '市本级', $1), ('expert', '李娜', 'city', '市本级', $2)`,
		e1.UserID, e2.UserID)
	due := time.Now().Add(7 * 24 * time.Hour)
	for _, r := range []struct {
		phase   domain.EvalPhase
		attempt int
	}{{domain.EvalFinal, 1}, {domain.EvalMidterm, 2}, {domain.EvalMidterm, 1}} {
		must(t, s.OpenEvaluation(ctx, p.ID, r.phase, r.attempt, due))
		must(t, s.AddEvaluator(ctx, p.ID, r.phase, r.attempt, domain.Evaluator{TalentID: 2, UserID: e2.UserID, Seq: 2}))
		must(t, s.AddEvaluator(ctx, p.ID, r.phase, r.attempt, domain.Evaluator{TalentID: 1, UserID: e1.UserID, Seq: 1}))
	}
	must(t, s.OpenEvaluation(ctx, p.ID, domain.EvalMidterm, 1, due.Add(time.Hour))) // again: kept
	evs, err := s.Evaluations(ctx, p.ID)
	must(t, err)
	wantKeys(t, "rounds", keys(evs, func(e domain.Evaluation) string { return string(e.Phase) + string(rune('0'+e.Attempt)) }), []string{"midterm1", "midterm2", "final1"})
	for _, e := range evs {
		wantKeys(t, "seats of "+string(e.Phase), keys(e.Evaluators, func(v domain.Evaluator) string { return v.Name }), []string{"张伟", "李娜"})
	}
	if !evs[0].Due.Equal(due.Truncate(time.Microsecond)) {
		t.Errorf("due %v, want %v", evs[0].Due, due)
	}
	errs := race(2, func(i int) error {
		return s.RecordEvalSheet(ctx, p.ID, domain.EvalMidterm, 1, e1.UserID, domain.EvalSheet{Points: []float64{float64(10 + i)}}, e1)
	})
	mustAll(t, errs)
	errs = race(2, func(i int) error {
		return s.DecideEvaluation(ctx, p.ID, domain.EvalFinal, 1, domain.EvalOutcome{Total: float64(80 + i), Passed: true, Grade: []domain.Grade{domain.GradeGood, domain.GradeExcellent}[i]})
	})
	mustAll(t, errs)
	evs, _ = s.Evaluations(ctx, p.ID)
	final := evs[2]
	got, _ := s.Project(ctx, p.ID)
	if final.Outcome == nil || final.DecidedAt.IsZero() || got.Grade != final.Outcome.Grade {
		t.Errorf("final outcome %+v, project grade %q", final.Outcome, got.Grade)
	}
	if err := s.SubmitEvalReport(ctx, p.ID, domain.EvalMidterm, 2, "报告", "r/2", "报告.pdf", "sha", due.Add(time.Hour), member); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a report after the due date: %v", err)
	}
	must(t, s.SubmitEvalReport(ctx, p.ID, domain.EvalMidterm, 1, "报告", "r/1", "报告.pdf", "sha", time.Now(), member))
	errs = race(2, func(i int) error { return s.TerminateProject(ctx, p.ID, domain.Fen(100*(i+1)), 50) })
	mustAll(t, errs)
	var n [3]int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'evaluation.score'), count(*) FILTER (WHERE action = 'evaluation.decide'),
		count(*) FILTER (WHERE action = 'project.terminate') FROM audit_log`).Scan(&n[0], &n[1], &n[2]))
	if n != [3]int{1, 1, 1} {
		t.Errorf("audited sheets, decisions, terminations: %v, want one each", n)
	}
}
