package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// Names of the needs-reporting messages.
const (
	UpdateSubmitReport = "submit-report"
	QueryReportState   = "report-state"
	// ReminderBefore is how long before the deadline a street is reminded.
	ReminderBefore = 3 * 24 * time.Hour
	// GiveUpAfter is how long after the deadline a missing report stays
	// open before the cycle ends as missing (it stays visible as late).
	GiveUpAfter = 90 * 24 * time.Hour
)

// QuarterlyNeedsInput starts a quarter's reporting (from the schedule, or by
// hand for a given quarter).
type QuarterlyNeedsInput struct {
	Quarter string // empty: the quarter the workflow starts in
}

// StreetReportWorkflowID is the ID of a street's cycle for a quarter. The
// task queue names the deployment, so deployments (or test runs) sharing a
// namespace never collide.
func StreetReportWorkflowID(taskQueue, street, quarter string) string {
	return fmt.Sprintf("needs-report-%s-%s-%s", taskQueue, street, quarter)
}

// QuarterlyNeedsWorkflow starts one StreetReportWorkflow per street for the
// quarter. A Temporal Schedule runs it at the start of every quarter.
func QuarterlyNeedsWorkflow(ctx workflow.Context, in QuarterlyNeedsInput) error {
	quarter := in.Quarter
	if quarter == "" {
		quarter = domain.QuarterOf(workflow.Now(ctx)).String()
	}
	q, err := domain.ParseQuarter(quarter)
	if err != nil {
		return err
	}
	var a *activities.Activities
	var streets []activities.StreetRef
	if err := workflow.ExecuteActivity(opts(ctx), a.ListStreets).Get(ctx, &streets); err != nil {
		return err
	}
	opens, deadline := q.ReportWindow()
	var futures []workflow.ChildWorkflowFuture
	for _, st := range streets {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            StreetReportWorkflowID(workflow.GetInfo(ctx).TaskQueueName, st.Code, quarter),
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		})
		futures = append(futures, workflow.ExecuteChildWorkflow(cctx, StreetReportWorkflow, StreetReportInput{
			Street: st, Quarter: quarter, Opens: opens, Deadline: deadline,
		}))
	}
	// at the end of a half year (Q2, Q4) each district also reports to the city
	if half, ok := q.Half(); ok {
		var districts []activities.StreetRef
		if err := workflow.ExecuteActivity(opts(ctx), a.ListDistricts).Get(ctx, &districts); err != nil {
			return err
		}
		opens, deadline := domain.HalfWindow(q)
		for _, d := range districts {
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID:            StreetReportWorkflowID(workflow.GetInfo(ctx).TaskQueueName, d.Code, half),
				ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
				WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			})
			futures = append(futures, workflow.ExecuteChildWorkflow(cctx, StreetReportWorkflow, StreetReportInput{
				Street: d, Quarter: half, Opens: opens, Deadline: deadline,
			}))
		}
	}
	// wait until every child has started (they then run on their own)
	for _, f := range futures {
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("street report not started", "err", err)
		}
	}
	return nil
}

// StreetReportInput is one street's cycle.
type StreetReportInput struct {
	Street   activities.StreetRef
	Quarter  string
	Opens    time.Time
	Deadline time.Time
}

// SubmitReportRequest is a street submitting its quarter's report.
type SubmitReportRequest struct {
	Actor Actor
}

// ReportState is what the workflow tells (query report-state).
type ReportState struct {
	Status    domain.CycleStatus
	Opened    bool
	Reminded  bool
	Late      bool
	Submitted bool
	RollUp    domain.RollUp
}

// StreetReportWorkflow runs one street's quarterly report (or, with a
// district as its street and a half year as its period, a district's
// half-yearly report to the city): the window opens,
// the street is reminded before the deadline, the report is late after it,
// and the street's submission rolls its communities' needs up to the
// district.
func StreetReportWorkflow(ctx workflow.Context, in StreetReportInput) error {
	var a *activities.Activities
	st := &ReportState{}
	cycle := activities.ReportCycleInput{Street: in.Street, Quarter: in.Quarter, Opens: in.Opens, Deadline: in.Deadline}

	if err := workflow.SetQueryHandler(ctx, QueryReportState, func() (ReportState, error) { return *st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubmitReport,
		func(ctx workflow.Context, req SubmitReportRequest) (domain.RollUp, error) {
			// The window's time has come (the validator said so); its
			// opening may still be being recorded.
			if err := workflow.Await(ctx, func() bool { return st.Opened }); err != nil {
				return domain.RollUp{}, err
			}
			c := cycle
			c.By = req.Actor
			var r domain.RollUp
			if err := workflow.ExecuteActivity(opts(ctx), a.SubmitReportCycle, c).Get(ctx, &r); err != nil {
				return domain.RollUp{}, toApplicationError(err)
			}
			st.RollUp, st.Submitted, st.Status = r, true, domain.CycleSubmitted
			_ = workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Status)))
			return r, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req SubmitReportRequest) error {
			return toApplicationError(validateSubmitReport(in, st, req, workflow.Now(ctx)))
		}}); err != nil {
		return err
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, SADistrict.ValueSet(in.Street.District))

	// wait for the window to open
	if d := in.Opens.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return err
		}
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.OpenReportCycle, cycle).Get(ctx, nil); err != nil {
		return err
	}
	st.Opened, st.Status = true, domain.CycleOpen
	_ = workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Status)))

	mark := func(event string) error {
		c := cycle
		c.Event = event
		return workflow.ExecuteActivity(opts(ctx), a.MarkReportCycle, c).Get(ctx, nil)
	}
	// remind before the deadline, unless already submitted
	submitted := func() bool { return st.Submitted }
	if ok, err := awaitUntil(ctx, in.Deadline.Add(-ReminderBefore), submitted); err != nil {
		return err
	} else if !ok {
		if err := mark("reminded"); err != nil {
			return err
		}
		st.Reminded = true
	}
	// the deadline
	if ok, err := awaitUntil(ctx, in.Deadline, submitted); err != nil {
		return err
	} else if !ok {
		if err := mark("late"); err != nil {
			return err
		}
		st.Late, st.Status = true, domain.CycleLate
		_ = workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Status)))
	}
	// a late report is still accepted for a while
	if _, err := awaitUntil(ctx, in.Deadline.Add(GiveUpAfter), submitted); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func validateSubmitReport(in StreetReportInput, st *ReportState, req SubmitReportRequest, now time.Time) error {
	action, target := auth.ActionSubmitReport, auth.Target{District: in.Street.District, AreaCode: in.Street.Code}
	if in.Street.Level == domain.LevelDistrict {
		// a district's half year is reported by its civil-affairs staff
		action, target = auth.ActionSubmitDistrictReport, auth.Target{District: in.Street.District}
	}
	if err := auth.AuthorizeTarget(req.Actor.User(), action, target); err != nil {
		return err
	}
	switch {
	case !st.Opened && now.Before(in.Opens):
		return domain.Errorf(domain.CodeConflict, "%s的需求填报窗口尚未开放（%s 开放）。", in.Street.Name, in.Opens.In(domain.ChinaTime).Format("1月2日"))
	case st.Submitted:
		return domain.Errorf(domain.CodeConflict, "%s本季度的需求汇总已经报送，不能重复报送。", in.Street.Name)
	}
	return nil
}

// awaitUntil waits until cond holds or the moment t passes (at once when t
// has passed), and reports whether cond holds.
func awaitUntil(ctx workflow.Context, t time.Time, cond func() bool) (bool, error) {
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 {
		return cond(), nil
	}
	return workflow.AwaitWithTimeout(ctx, d, cond)
}
