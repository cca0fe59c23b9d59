package workflows

// A project from delivery to its archive: the evaluations, the monthly
// reports' reminders, the settlement.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// evaluate runs the project from delivery to its archive: the mid-term
// (rectification and re-evaluation after a fail; a second fail
// terminates), the final evaluation and grade, the last tranches and the
// archive package. A run that continued as new picks up from its state:
// finished rounds are in st.Rounds, the round in progress in st.Eval.
func (pr *projectRun) evaluate(ctx workflow.Context) error {
	in, st := pr.in, pr.st
	notify := func(to domain.NoticeTo, kind, text, dedup string) error {
		return workflow.ExecuteActivity(opts(ctx), a.Notify, activities.NotifyInput{CallID: in.CallID, To: to, Kind: kind, Text: text,
			Dedup: in.AwardID + "/" + dedup}).Get(ctx, nil)
	}
	civil := domain.NoticeTo{Role: domain.RoleCivilAffairs, District: in.District}
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
			if err := notify(domain.NoticeTo{Role: domain.RoleFinance, District: in.District}, "project.settle", text, "settle/finance"); err != nil {
				return err
			}
		}
	}
	if _, err := pr.await(ctx, -1, func() bool { return settled(st) }); err != nil {
		return err
	}
	return archive(ctx, in, st)
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

func setProjectStage(ctx workflow.Context, in ProjectInput, st *ProjectState, stage domain.ProjectStage) error {
	st.Stage = stage
	if err := workflow.ExecuteActivity(opts(ctx), a.SetProjectStage, activities.ProjectStageInput{ProjectID: in.AwardID, Stage: stage}).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(stage)))
}
