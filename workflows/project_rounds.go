package workflows

// An evaluation round of a project: the report, the evaluators and their
// sheets, the result.

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// inRound reports whether the round in progress (carried over from an
// earlier run) is this one.
func (pr *projectRun) inRound(phase domain.EvalPhase, attempt int) bool {
	r := pr.st.Eval
	return r != nil && r.Outcome == nil && r.Phase == phase && r.Attempt == attempt
}

// Round names the round for people.
func (r EvalRound) Round() string {
	return domain.Evaluation{Phase: r.Phase, Attempt: r.Attempt}.Round()
}

func endOfDay(t time.Time) time.Time {
	t = t.In(domain.ChinaTime)
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, domain.ChinaTime)
}

// evalRound runs one round: the report by its due date (reminded a week and
// a day before; none by then is a fail), evaluators drawn from the expert
// pool (conflicts excluded), their sheets (reminded when overdue), and the
// result. A round carried over from an earlier run goes on where it stood.
func (pr *projectRun) evalRound(ctx workflow.Context, phase domain.EvalPhase, attempt int, due time.Time,
	notify func(domain.NoticeTo, string, string, string) error) (domain.EvalOutcome, error) {
	r, err := pr.openRound(ctx, phase, attempt, due)
	if err != nil {
		return domain.EvalOutcome{}, err
	}
	round := activities.EvalRoundInput{ProjectID: pr.in.AwardID, Phase: phase, Attempt: attempt, Due: r.Due}
	tag := fmt.Sprintf("%s/%d", phase, attempt)
	if err := pr.awaitReport(ctx, r, tag, notify); err != nil {
		return domain.EvalOutcome{}, err
	}
	late := !r.Reported
	if !late {
		if err := pr.awaitSheets(ctx, r, round, tag, notify); err != nil {
			return domain.EvalOutcome{}, err
		}
	}
	return pr.decideRound(ctx, r, round, late)
}

// openRound opens the round (its report due no sooner than
// minReportWindow from now), unless it is the round in progress.
func (pr *projectRun) openRound(ctx workflow.Context, phase domain.EvalPhase, attempt int, due time.Time) (*EvalRound, error) {
	in, st := pr.in, pr.st
	if pr.inRound(phase, attempt) {
		return st.Eval, nil
	}
	if min := workflow.Now(ctx).Add(minReportWindow); due.Before(min) {
		due = endOfDay(min)
	}
	r := &EvalRound{Phase: phase, Attempt: attempt, Due: due}
	st.Eval = r
	if err := workflow.ExecuteActivity(opts(ctx), a.OpenEvaluation, activities.EvalRoundInput{ProjectID: in.AwardID, Phase: phase,
		Attempt: attempt, Due: due}).Get(ctx, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// awaitReport waits for the organisation's report until its due date,
// reminding a week and a day before, and for a report being recorded.
func (pr *projectRun) awaitReport(ctx workflow.Context, r *EvalRound, tag string, notify func(domain.NoticeTo, string, string, string) error) error {
	due := r.Due
	reported := func() bool { return r.Reported }
	for _, before := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour} {
		if d := due.Add(-before).Sub(workflow.Now(ctx)); d > 0 {
			if ok, err := pr.await(ctx, d, reported); err != nil || ok {
				if err != nil {
					return err
				}
				break
			}
			text := fmt.Sprintf("%s报告应于 %s 前提交，逾期按不合格处理。", r.Round(), cstTime(due))
			if err := notify(domain.NoticeTo{OrgID: pr.in.OrgID}, "evaluation.remind", text, fmt.Sprintf("eval/%s/remind/%d", tag, before/time.Hour)); err != nil {
				return err
			}
		}
	}
	if d := due.Sub(workflow.Now(ctx)); d > 0 {
		if _, err := pr.await(ctx, d, reported); err != nil {
			return err
		}
	}
	// A report accepted just before the due date is still being recorded.
	return workflow.Await(ctx, func() bool { return !r.Filing })
}

// awaitSheets draws the evaluators (unless an earlier run did) and waits
// for their sheets, reminding those overdue.
func (pr *projectRun) awaitSheets(ctx workflow.Context, r *EvalRound, round activities.EvalRoundInput, tag string,
	notify func(domain.NoticeTo, string, string, string) error) error {
	drew := len(r.Evaluators) == 0 // not drawn in an earlier run
	if drew {
		var drawn []activities.Drawn
		r.Drawing = true
		err := workflow.ExecuteActivity(opts(ctx), a.DrawEvaluators, round).Get(ctx, &drawn)
		r.Drawing = false
		if err != nil {
			return err
		}
		for _, d := range drawn {
			r.Evaluators = append(r.Evaluators, d.UserID)
		}
		r.ScoreDue = workflow.Now(ctx).AddDate(0, 0, domain.EvalScoreDays)
	}
	all := func() bool { return len(r.Scored) >= len(r.Evaluators) }
	ok := all()
	if d := r.ScoreDue.Sub(workflow.Now(ctx)); drew || !ok && d > 0 {
		var err error
		if ok, err = pr.await(ctx, d, all); err != nil {
			return err
		}
	}
	if ok {
		return nil
	}
	for _, u := range r.Evaluators {
		if !slices.Contains(r.Scored, u) {
			if err := notify(domain.NoticeTo{UserID: u}, "evaluation.overdue", fmt.Sprintf("项目%s的评分已超过期限（%s），请尽快提交。",
				r.Round(), cstTime(r.ScoreDue)), fmt.Sprintf("eval/%s/overdue/%d", tag, u)); err != nil {
				return err
			}
		}
	}
	_, err := pr.await(ctx, -1, all)
	return err
}

// decideRound scores the round and records its result.
func (pr *projectRun) decideRound(ctx workflow.Context, r *EvalRound, round activities.EvalRoundInput, late bool) (domain.EvalOutcome, error) {
	st := pr.st
	var out domain.EvalOutcome
	decide := activities.DecideEvalInput{EvalRoundInput: round, Late: late, Final: round.Attempt >= domain.MaxEvalAttempts}
	if err := workflow.ExecuteActivity(opts(ctx), a.ScoreRound, decide).Get(ctx, &out); err != nil {
		return domain.EvalOutcome{}, err
	}
	// The workflow acts on the result before it is recorded: whoever reads
	// "passed" can then confirm the tranche it unlocks.
	r.Outcome = &out
	st.Rounds = append(st.Rounds, *r)
	switch {
	case round.Phase == domain.EvalMidterm && out.Passed:
		st.MidtermPassed = true
	case round.Phase == domain.EvalFinal:
		st.FinalPassed, st.Grade = out.Passed, out.Grade
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordEvalOutcome, activities.OutcomeInput{DecideEvalInput: decide, Outcome: out}).Get(ctx, nil); err != nil {
		return domain.EvalOutcome{}, err
	}
	return out, nil
}
