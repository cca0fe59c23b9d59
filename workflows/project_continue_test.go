package workflows

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/internal/domain"
)

// runUntilContinued runs the project from in and returns the input it
// continued as new with.
func (f *projectFixture) runUntilContinued(t *testing.T, in ProjectInput) ProjectInput {
	t.Helper()
	f.env.ExecuteWorkflow(ProjectWorkflow, in)
	if !f.env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	var can *workflow.ContinueAsNewError
	if err := f.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	var next ProjectInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Resume == nil {
		t.Fatal("continued without its state")
	}
	return next
}

// next is a fresh test environment for the run that continues f's, at the
// time f's ended, in the same fake world, numbering updates on from f's.
func (f *projectFixture) next() *projectFixture {
	g := newProjectFixtureIn(0, 0, f.eval)
	g.env.SetStartTime(f.env.Now())
	g.updates = f.updates
	return g
}

// after is the delay from this run's start to t.
func (f *projectFixture) after(t time.Time) time.Duration { return t.Sub(f.env.Now()) }

// A project lives up to three years; each run continues as new when its
// history grows long (here: whenever the server suggests it), at whatever
// it waits for: the contract's confirmations, the mid-term report, a round's
// sheets (one still being recorded), the last payment. Each run goes on
// where the last stood: no round opened twice, no reminder or payment done
// twice, due dates kept; a request sent again with the same ID after a run
// ended gets its answer instead of being refused or done again; and an
// update arriving while a run drains is refused as draining (the service
// sends it again).
func TestProjectContinuesAsNewThroughItsLife(t *testing.T) {
	org := bidder(1)
	var money []string
	var months []string

	// Run 1: the terms are set; continued before either side confirms.
	f, w := newEvalFixture(t)
	termsID := "set-terms-first"
	setTerms := scheduleUpdateWithID(f.env, time.Hour, UpdateSetTerms, termsID, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.env.RegisterDelayedCallback(func() { f.env.SetContinueAsNewSuggested(true) }, 90*time.Minute)
	in := f.runUntilContinued(t, projectInput(evalStart))
	ok(t, setTerms)
	if st := in.Resume.State; st.Stage != domain.ProjectContracting || st.Revision != 1 || st.Terms == nil || in.Resume.Runs != 0 ||
		!st.ContractDue.Equal(evalStart.AddDate(0, 0, domain.ContractDays)) {
		t.Fatalf("run 1 continued with %+v", in.Resume)
	}
	money = append(money, f.money...)

	// Run 2: the terms sent again (same ID) are answered, not set again;
	// both confirm; the first tranche is paid; continued while the
	// mid-term report is awaited.
	g := f.next()
	termsAgain := scheduleUpdateWithID(g.env, time.Minute, UpdateSetTerms, termsID, TermsRequest{Actor: civilAffairs, Terms: terms()})
	confirmID := "confirm-contract-org"
	orgConfirms := scheduleUpdateWithID(g.env, time.Hour, UpdateConfirmContract, confirmID, ConfirmRequest{Actor: org, Revision: 1})
	g.update(2*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
	g.update(day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	payID := "record-payment-first"
	pay0 := scheduleUpdateWithID(g.env, 2*day, UpdateRecordPayment, payID, pay(0))
	g.env.RegisterDelayedCallback(func() { g.env.SetContinueAsNewSuggested(true) }, 3*day)
	in = g.runUntilContinued(t, in)
	ok(t, termsAgain, orgConfirms, pay0)
	if !slices.Equal(g.renders, nil) || len(g.confirms) != 2 {
		t.Errorf("run 2 rendered %v and confirmed %v: the repeated terms were set again", g.renders, g.confirms)
	}
	rs := in.Resume
	if st := rs.State; st.Stage != domain.ProjectDelivery || !st.Money[0].Paid || st.Eval == nil || st.Eval.Phase != domain.EvalMidterm ||
		st.Eval.Reported || rs.Runs != 1 {
		t.Fatalf("run 2 continued with %+v", rs)
	}
	due := rs.State.Eval.Due
	money = append(money, g.money...)

	// Run 3: the contract's confirmation and the payment sent again (same
	// IDs) are answered although the contract is signed and the tranche
	// paid; the report is filed; one sheet is being recorded when the run
	// is told to continue, and a second sheet meanwhile is refused as
	// draining.
	h := g.next()
	confirmAgain := scheduleUpdateWithID(h.env, time.Minute, UpdateConfirmContract, confirmID, ConfirmRequest{Actor: org, Revision: 1})
	payAgain := scheduleUpdateWithID(h.env, 2*time.Minute, UpdateRecordPayment, payID, pay(0))
	rep := due.Add(-10 * day)
	report := h.update(h.after(rep), UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: reportText})
	first := h.scores(h.after(rep.Add(2*day)), domain.EvalMidterm, 1, []int64{101}, sheet(80))
	h.env.RegisterDelayedCallback(func() { h.env.SetContinueAsNewSuggested(true) }, h.after(rep.Add(2*day+20*time.Second)))
	draining := h.scores(h.after(rep.Add(2*day+40*time.Second)), domain.EvalMidterm, 1, []int64{102}, sheet(82))
	in = h.runUntilContinued(t, in)
	ok(t, confirmAgain, payAgain, report)
	ok(t, first...)
	var ae *temporal.ApplicationError
	if !errors.As(draining[0].rejected, &ae) || ae.Type() != ErrTypeDraining {
		t.Errorf("a sheet sent while the run drained: %v, want refused as draining", draining[0].rejected)
	}
	if len(h.confirms) != 0 || len(h.money) != 0 {
		t.Errorf("run 3 confirmed %v and moved money %v again", h.confirms, h.money)
	}
	if r := in.Resume.State.Eval; r == nil || !r.Reported || !slices.Equal(r.Scored, []int64{101}) || len(r.Evaluators) != 3 || !r.Due.Equal(due) {
		t.Fatalf("run 3 continued with round %+v", r)
	}
	months = append(months, w.months...)

	// Run 4: the other sheets decide the mid-term; its tranche is paid;
	// the final report and sheets follow; continued in closing, before
	// the last payment.
	k := h.next()
	k.scores(time.Hour, domain.EvalMidterm, 1, []int64{102}, sheet(82))
	k.scores(2*time.Hour, domain.EvalMidterm, 1, []int64{103}, sheet(84))
	k.update(2*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 1})
	k.update(3*day, UpdateRecordPayment, pay(1))
	fin := finalDue.Add(-20 * day)
	k.update(k.after(fin), UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalFinal, Summary: reportText})
	k.scores(k.after(fin.Add(day)), domain.EvalFinal, 1, []int64{104, 105, 106}, finalSheet(45, 26, 9))
	k.env.RegisterDelayedCallback(func() { k.env.SetContinueAsNewSuggested(true) }, k.after(fin.Add(2*day)))
	in = k.runUntilContinued(t, in)
	if st := in.Resume.State; st.Stage != domain.ProjectClosing || st.Grade != domain.GradeGood || !st.MidtermPassed || len(st.Rounds) != 2 {
		t.Fatalf("run 4 continued with %+v", st)
	}
	money = append(money, k.money...)

	// Run 5: the last tranche, the payment of run 2 once more, the archive.
	l := k.next()
	payAgainLater := scheduleUpdateWithID(l.env, time.Minute, UpdateRecordPayment, payID, pay(0))
	l.update(day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 2})
	l.update(2*day, UpdateRecordPayment, pay(2))
	l.env.ExecuteWorkflow(ProjectWorkflow, in)
	if !l.env.IsWorkflowCompleted() || l.env.GetWorkflowError() != nil {
		t.Fatalf("the project did not end with its archive: %v", l.env.GetWorkflowError())
	}
	ok(t, payAgainLater)
	money = append(money, l.money...)

	if got := strings.Join(money, ","); got != "confirm:0:7800000,pay:0:7800000,confirm:1:10400000,pay:1:10400000,confirm:2:7800000,pay:2:7800000" {
		t.Errorf("money across the runs: %v", got)
	}
	if got := w.opened; len(got) != 2 || got[0] != "midterm/1:2027-07-02 23:59" || got[1] != "final/1:2028-01-30 23:59" {
		t.Errorf("rounds opened across the runs: %v", got)
	}
	if o := w.outcomes["midterm/1"]; !o.Passed || o.Total != 82 || len(w.sheets["midterm/1"]) != 3 {
		t.Errorf("mid-term across the runs: %+v from %d sheets", o, len(w.sheets["midterm/1"]))
	}
	if len(w.drawn) != 2 || w.archived != 1 || stageList(w.stages) != "closing" {
		t.Errorf("drawn %v, archived %d, stages %v", w.drawn, w.archived, w.stages)
	}
	// Every month of the term was checked once, whatever run it fell in.
	if len(w.months) != 12 || w.months[0] != "2027-01" || w.months[11] != "2027-12" || len(months) == 0 {
		t.Errorf("monthly report checks across the runs: %v", w.months)
	}
	for i := 1; i < len(w.months); i++ {
		if w.months[i] <= w.months[i-1] {
			t.Errorf("monthly report checks repeated or out of order: %v", w.months)
		}
	}
}

func stageList(s []domain.ProjectStage) string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return strings.Join(out, ",")
}

// The history limit, not only the server's suggestion, continues a
// project as new; runs started before continue-as-new existed never do
// (they replay as recorded: TestReplayRecordedHistories).
func TestProjectHistoryLimitContinuesAsNew(t *testing.T) {
	f, _ := newEvalFixture(t)
	in := projectInput(evalStart)
	in.HistoryLimit = 100
	f.sign()
	f.env.RegisterDelayedCallback(func() { f.env.SetCurrentHistoryLength(100) }, 3*day)
	next := f.runUntilContinued(t, in)
	if next.HistoryLimit != 100 || next.Resume.State.Stage != domain.ProjectDelivery || next.Resume.State.Eval == nil {
		t.Fatalf("continued with %+v", next)
	}
}
