package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Names of the evaluation messages ProjectWorkflow accepts.
const (
	UpdateEvalReport = "submit-evaluation-report"
	UpdateEvalScore  = "score-evaluation"
)

// minReportWindow: a round opened late (a contract signed after the term's
// middle) still gives the organisation this long to report.
const minReportWindow = 14 * 24 * time.Hour

// EvalRound is where an evaluation round stands in the workflow.
type EvalRound struct {
	Phase      domain.EvalPhase
	Attempt    int
	Due        time.Time
	Reported   bool
	Filing     bool    // the report is being recorded
	Drawing    bool    // the evaluators are being drawn (the database may list them already)
	Evaluators []int64 // user IDs of the drawn evaluators
	Scored     []int64 // sheets recorded
	Scoring    []int64 // sheets being recorded
	ScoreDue   time.Time
	Outcome    *domain.EvalOutcome
}

// EvalReportRequest is the organisation's report for the current round,
// its attachment (if any) already stored.
type EvalReportRequest struct {
	Actor   Actor
	Phase   domain.EvalPhase
	Summary string
	Key     string
	Name    string
	SHA256  string
}

// EvalScoreRequest is a drawn evaluator's sheet for the current round.
type EvalScoreRequest struct {
	Actor   Actor
	Phase   domain.EvalPhase
	Attempt int
	Sheet   domain.EvalSheet
}

// validateEvalReport refuses a report when no round awaits one, for
// another phase, a second one, after its due date, or not valid.
func (pr *projectRun) validateEvalReport(ctx workflow.Context, req EvalReportRequest) error {
	in, st := pr.in, pr.st
	if err := auth.AuthorizeTarget(req.Actor.User(), auth.ActionEvalReport, auth.Target{OrgID: in.OrgID}); err != nil {
		return err
	}
	r := st.Eval
	switch {
	case r == nil || r.Outcome != nil:
		return domain.Errorf(domain.CodeConflict, "目前没有需要提交的评估报告。")
	case r.Phase != req.Phase:
		return domain.Errorf(domain.CodeConflict, "目前进行的是%s，请提交%s报告。", r.Phase.Label(), r.Phase.Label())
	case r.Reported || r.Filing:
		return domain.Errorf(domain.CodeConflict, "本轮%s报告已经提交。", r.Phase.Label())
	case workflow.Now(ctx).After(r.Due):
		return domain.Errorf(domain.CodeConflict, "报告提交截止时间（%s）已过，逾期按不合格处理。", cstTime(r.Due))
	}
	return domain.ValidateEvalReport(req.Summary)
}

// submitEvalReport records the organisation's report for the round in
// progress (st.Eval), checked again first.
func (pr *projectRun) submitEvalReport(ctx workflow.Context, req EvalReportRequest) (ProjectAck, error) {
	in, st := pr.in, pr.st
	if err := pr.validateEvalReport(ctx, req); err != nil {
		return ProjectAck{}, toApplicationError(err)
	}
	r := st.Eval
	// Filing is set before the activity: the round waits for it
	// rather than call the report late meanwhile.
	r.Filing = true
	err := workflow.ExecuteActivity(opts(ctx), a.SubmitEvalReport, activities.EvalReportInput{
		ProjectID: in.AwardID, Phase: r.Phase, Attempt: r.Attempt, Summary: req.Summary,
		Key: req.Key, Name: req.Name, SHA256: req.SHA256, At: workflow.Now(ctx), By: req.Actor,
	}).Get(ctx, nil)
	r.Filing, r.Reported = false, err == nil
	if err != nil {
		return ProjectAck{}, err
	}
	return st.ack(), nil
}

// validateEvalScore refuses a sheet for a round not in scoring, by
// someone not drawn for it, a second one, or not valid.
func (pr *projectRun) validateEvalScore(_ workflow.Context, req EvalScoreRequest) error {
	st := pr.st
	if err := auth.Authorize(req.Actor.User(), auth.ActionEvaluate, ""); err != nil {
		return err
	}
	r := st.Eval
	switch {
	case r == nil || r.Phase != req.Phase || r.Attempt != req.Attempt || r.Outcome != nil:
		return domain.Errorf(domain.CodeConflict, "这一轮评估不在评分阶段。")
	case !slices.Contains(r.Evaluators, req.Actor.UserID) && !r.Drawing:
		// (while the draw is being recorded, the handler waits for it)
		return domain.Errorf(domain.CodeForbidden, "您不是本轮抽取的评估专家，不能评分。")
	case slices.Contains(r.Scored, req.Actor.UserID) || slices.Contains(r.Scoring, req.Actor.UserID):
		return domain.Errorf(domain.CodeConflict, "您已提交本轮评分。")
	}
	return domain.ValidateEvalSheet(req.Phase, req.Sheet)
}

// scoreEvaluation records a drawn evaluator's sheet for the round in
// progress, checked again first.
func (pr *projectRun) scoreEvaluation(ctx workflow.Context, req EvalScoreRequest) (ProjectAck, error) {
	in, st := pr.in, pr.st
	// A sheet accepted while the evaluators were being drawn (they
	// see their seat as soon as the draw commits, before the
	// workflow hears of it) waits for the draw. Validators refused
	// such sheets before, so no earlier history reaches this wait.
	if r := st.Eval; r != nil && r.Drawing {
		if err := workflow.Await(ctx, func() bool { return !r.Drawing }); err != nil {
			return ProjectAck{}, err
		}
	}
	if err := pr.validateEvalScore(ctx, req); err != nil {
		return ProjectAck{}, toApplicationError(err)
	}
	r := st.Eval
	// The round is decided once every sheet is recorded: a sheet
	// counts when its activity is done, not when it arrives.
	r.Scoring = append(r.Scoring, req.Actor.UserID)
	err := workflow.ExecuteActivity(opts(ctx), a.RecordEvalSheet, activities.EvalSheetInput{
		ProjectID: in.AwardID, Phase: r.Phase, Attempt: r.Attempt, UserID: req.Actor.UserID, Sheet: req.Sheet, By: req.Actor,
	}).Get(ctx, nil)
	r.Scoring = slices.DeleteFunc(r.Scoring, func(u int64) bool { return u == req.Actor.UserID })
	if err != nil {
		return ProjectAck{}, err
	}
	r.Scored = append(r.Scored, req.Actor.UserID)
	return st.ack(), nil
}

// evaluate runs the project from delivery to its archive: the mid-term
// (rectification and re-evaluation after a fail; a second fail
// terminates), the final evaluation and grade, the last tranches and the
// archive package. A run that continued as new picks up from its state:
// finished rounds are in st.Rounds, the round in progress in st.Eval.
func (pr *projectRun) evaluate(ctx workflow.Context) error {
	in, st := pr.in, pr.st
	notify := func(to store.NoticeTo, kind, text, dedup string) error {
		return workflow.ExecuteActivity(opts(ctx), a.Notify, activities.NotifyInput{CallID: in.CallID, To: to, Kind: kind, Text: text,
			Dedup: in.AwardID + "/" + dedup}).Get(ctx, nil)
	}
	civil := store.NoticeTo{Role: domain.RoleCivilAffairs, District: in.District}
	workflow.Go(ctx, func(ctx workflow.Context) { pr.monthlyReports(ctx) })

	done := func(phase domain.EvalPhase) (n int) {
		for _, r := range st.Rounds {
			if r.Phase == phase {
				n++
			}
		}
		return n
	}
	passed := st.MidtermPassed
	for attempt := done(domain.EvalMidterm) + 1; attempt <= domain.MaxEvalAttempts && !passed; attempt++ {
		due := domain.EvalDue(domain.EvalMidterm, *st.Terms)
		if attempt > 1 && !pr.inRound(domain.EvalMidterm, attempt) {
			due = endOfDay(workflow.Now(ctx).AddDate(0, 0, domain.RectifyDays))
			if err := setProjectStage(ctx, in, st, domain.ProjectRectifying); err != nil {
				return err
			}
		}
		out, err := pr.evalRound(ctx, domain.EvalMidterm, attempt, due, notify)
		if err != nil {
			return err
		}
		passed = out.Passed
	}
	if !passed {
		if st.Stage != domain.ProjectTerminated {
			st.Stage = domain.ProjectTerminated // before the record: no tranche slips through meanwhile
			var res activities.TerminateResult
			if err := workflow.ExecuteActivity(opts(ctx), a.TerminateProject, in.AwardID).Get(ctx, &res); err != nil {
				return err
			}
			st.ClawBack = res.ClawBack
			if err := workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Stage))); err != nil {
				return err
			}
		}
		return archive(ctx, in, st)
	}
	if st.Stage == domain.ProjectRectifying {
		if err := setProjectStage(ctx, in, st, domain.ProjectDelivery); err != nil {
			return err
		}
	}
	if done(domain.EvalFinal) == 0 {
		if _, err := pr.evalRound(ctx, domain.EvalFinal, 1, domain.EvalDue(domain.EvalFinal, *st.Terms), notify); err != nil {
			return err
		}
	}
	if st.Stage != domain.ProjectClosing {
		if err := setProjectStage(ctx, in, st, domain.ProjectClosing); err != nil {
			return err
		}
		// Settlement: every tranche whose condition holds is confirmed and
		// paid; the rest (a 差 final withholds the last) are not.
		if !settled(st) {
			text := fmt.Sprintf("结项评估已完成（等级“%s”），请确认剩余资金的拨付条件并办理拨付，全部结清后项目自动归档。", st.Grade.Label())
			if err := notify(civil, "project.settle", text, "settle/civil"); err != nil {
				return err
			}
			if err := notify(store.NoticeTo{Role: domain.RoleFinance, District: in.District}, "project.settle", text, "settle/finance"); err != nil {
				return err
			}
		}
	}
	if _, err := pr.await(ctx, -1, func() bool { return settled(st) }); err != nil {
		return err
	}
	return archive(ctx, in, st)
}

// inRound reports whether the round in progress (carried over from an
// earlier run) is this one.
func (pr *projectRun) inRound(phase domain.EvalPhase, attempt int) bool {
	r := pr.st.Eval
	return r != nil && r.Outcome == nil && r.Phase == phase && r.Attempt == attempt
}

// monthlyReports reminds the organisation, on the 5th of each month of the
// term while training is delivered, of a missing progress report for the
// month before. It stops when delivery does, and when the run drains to
// continue as new (the next run goes on after st.RemindedMonth).
func (pr *projectRun) monthlyReports(ctx workflow.Context) {
	in, st := pr.in, pr.st
	start := st.Terms.StartsOn.In(domain.ChinaTime)
	last := st.Terms.EndsOn().In(domain.ChinaTime)
	month := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, domain.ChinaTime)
	if m, err := time.ParseInLocation("2006-01", st.RemindedMonth, domain.ChinaTime); err == nil && !m.Before(month) {
		month = m.AddDate(0, 1, 0)
	}
	stop := func() bool { return !st.Stage.Delivering() || pr.draining }
	for !month.After(last) {
		remind := month.AddDate(0, 1, 4).Add(9 * time.Hour) // the 5th of the next month, 09:00
		if d := remind.Sub(workflow.Now(ctx)); d > 0 {
			if stopped, err := workflow.AwaitWithTimeout(ctx, d, stop); err != nil || stopped {
				return
			}
		}
		if stop() {
			return
		}
		pr.reminding = true
		err := workflow.ExecuteActivity(opts(ctx), a.RemindMonthlyReport, activities.MonthlyReportInput{
			ProjectID: in.AwardID, Month: month.Format("2006-01"),
		}).Get(ctx, nil)
		pr.reminding = false
		if err != nil {
			workflow.GetLogger(ctx).Warn("monthly report reminder failed", "month", month.Format("2006-01"), "error", err)
		}
		st.RemindedMonth = month.Format("2006-01")
		month = month.AddDate(0, 1, 0)
	}
}

// settled reports whether every tranche whose condition holds is paid.
func settled(st *ProjectState) bool {
	for _, t := range st.Money {
		if conditionHolds(st, t.Condition) && !t.Paid {
			return false
		}
	}
	return true
}

func conditionHolds(st *ProjectState, c domain.TrancheCondition) bool {
	switch c {
	case domain.TrancheOnMidterm:
		return st.MidtermPassed
	case domain.TrancheOnFinal:
		return st.FinalPassed
	}
	return true
}

// evalRound runs one round: the report by its due date (reminded a week and
// a day before; none by then is a fail), evaluators drawn from the expert
// pool (conflicts excluded), their sheets (reminded when overdue), and the
// result. A round carried over from an earlier run goes on where it stood.
func (pr *projectRun) evalRound(ctx workflow.Context, phase domain.EvalPhase, attempt int, due time.Time,
	notify func(store.NoticeTo, string, string, string) error) (domain.EvalOutcome, error) {
	in, st := pr.in, pr.st
	r := st.Eval
	if !pr.inRound(phase, attempt) {
		if min := workflow.Now(ctx).Add(minReportWindow); due.Before(min) {
			due = endOfDay(min)
		}
		r = &EvalRound{Phase: phase, Attempt: attempt, Due: due}
		st.Eval = r
		if err := workflow.ExecuteActivity(opts(ctx), a.OpenEvaluation, activities.EvalRoundInput{ProjectID: in.AwardID, Phase: phase,
			Attempt: attempt, Due: due}).Get(ctx, nil); err != nil {
			return domain.EvalOutcome{}, err
		}
	}
	due = r.Due
	round := activities.EvalRoundInput{ProjectID: in.AwardID, Phase: phase, Attempt: attempt, Due: due}
	tag := fmt.Sprintf("%s/%d", phase, attempt)
	reported := func() bool { return r.Reported }
	for _, before := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour} {
		if d := due.Add(-before).Sub(workflow.Now(ctx)); d > 0 {
			if ok, err := pr.await(ctx, d, reported); err != nil || ok {
				if err != nil {
					return domain.EvalOutcome{}, err
				}
				break
			}
			text := fmt.Sprintf("%s报告应于 %s 前提交，逾期按不合格处理。", r.Round(), cstTime(due))
			if err := notify(store.NoticeTo{OrgID: in.OrgID}, "evaluation.remind", text, fmt.Sprintf("eval/%s/remind/%d", tag, before/time.Hour)); err != nil {
				return domain.EvalOutcome{}, err
			}
		}
	}
	if d := due.Sub(workflow.Now(ctx)); d > 0 {
		if _, err := pr.await(ctx, d, reported); err != nil {
			return domain.EvalOutcome{}, err
		}
	}
	// A report accepted just before the due date is still being recorded.
	if err := workflow.Await(ctx, func() bool { return !r.Filing }); err != nil {
		return domain.EvalOutcome{}, err
	}
	late := !r.Reported
	if !late {
		drew := len(r.Evaluators) == 0 // not drawn in an earlier run
		if drew {
			var drawn []activities.Drawn
			r.Drawing = true
			err := workflow.ExecuteActivity(opts(ctx), a.DrawEvaluators, round).Get(ctx, &drawn)
			r.Drawing = false
			if err != nil {
				return domain.EvalOutcome{}, err
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
				return domain.EvalOutcome{}, err
			}
		}
		if !ok {
			for _, u := range r.Evaluators {
				if !slices.Contains(r.Scored, u) {
					if err := notify(store.NoticeTo{UserID: u}, "evaluation.overdue", fmt.Sprintf("项目%s的评分已超过期限（%s），请尽快提交。",
						r.Round(), cstTime(r.ScoreDue)), fmt.Sprintf("eval/%s/overdue/%d", tag, u)); err != nil {
						return domain.EvalOutcome{}, err
					}
				}
			}
			if _, err := pr.await(ctx, -1, all); err != nil {
				return domain.EvalOutcome{}, err
			}
		}
	}
	var out domain.EvalOutcome
	decide := activities.DecideEvalInput{EvalRoundInput: round, Late: late, Final: attempt >= domain.MaxEvalAttempts}
	if err := workflow.ExecuteActivity(opts(ctx), a.ScoreRound, decide).Get(ctx, &out); err != nil {
		return domain.EvalOutcome{}, err
	}
	// The workflow acts on the result before it is recorded: whoever reads
	// "passed" can then confirm the tranche it unlocks.
	r.Outcome = &out
	st.Rounds = append(st.Rounds, *r)
	switch {
	case phase == domain.EvalMidterm && out.Passed:
		st.MidtermPassed = true
	case phase == domain.EvalFinal:
		st.FinalPassed, st.Grade = out.Passed, out.Grade
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordEvalOutcome, activities.OutcomeInput{DecideEvalInput: decide, Outcome: out}).Get(ctx, nil); err != nil {
		return domain.EvalOutcome{}, err
	}
	return out, nil
}

// Round names the round for people.
func (r EvalRound) Round() string {
	return domain.Evaluation{Phase: r.Phase, Attempt: r.Attempt}.Round()
}

func endOfDay(t time.Time) time.Time {
	t = t.In(domain.ChinaTime)
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, domain.ChinaTime)
}

func setProjectStage(ctx workflow.Context, in ProjectInput, st *ProjectState, stage domain.ProjectStage) error {
	st.Stage = stage
	if err := workflow.ExecuteActivity(opts(ctx), a.SetProjectStage, activities.ProjectStageInput{ProjectID: in.AwardID, Stage: stage}).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(stage)))
}

// archive writes the archive package; the project is read-only after it
// and the workflow ends.
func archive(ctx workflow.Context, in ProjectInput, st *ProjectState) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute}})
	var res activities.ArchiveResult
	if err := workflow.ExecuteActivity(actx, a.ArchiveProject, in.AwardID).Get(ctx, &res); err != nil {
		return err
	}
	st.Archived, st.ManifestSHA = true, res.ManifestSHA256
	if st.Stage != domain.ProjectTerminated {
		st.Stage = domain.ProjectArchived
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Stage))); err != nil {
		return err
	}
	// Updates still running (refused by now) finish before the workflow does.
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
