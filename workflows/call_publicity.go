package workflows

// A call's result under publicity, and its award.

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// publicity publishes the result for the set working days; objections are
// accepted until the objection window closes (procurement modes: seven
// working days after the notice period) and each holds the award until it
// is answered. Then the call is awarded.
func (r *callRun) publicity(ctx workflow.Context, resumed bool) error {
	e := r.epoch
	objUntil := r.st.ObjectionUntil
	if !resumed {
		var err error
		if objUntil, err = r.openPublicity(ctx); err != nil {
			return err
		}
	}
	if answered, err := r.awaitObjections(ctx, e, objUntil); err != nil || !answered {
		return err
	}
	return r.award(ctx)
}

// openPublicity sets the publicity window and the objection window after
// it, and returns the objection window's end.
func (r *callRun) openPublicity(ctx workflow.Context) (time.Time, error) {
	now := workflow.Now(ctx)
	until, err := r.workingDays(ctx, now, r.plan.PublicityDays)
	if err != nil {
		return time.Time{}, err
	}
	objUntil := until
	if r.plan.Mode.Procurement() {
		if objUntil, err = r.workingDays(ctx, until, domain.ObjectionWorkingDays); err != nil {
			return time.Time{}, err
		}
	}
	r.st.ObjectionUntil = objUntil
	r.st.Objected = nil // a new result: each supplier may challenge it once
	if err := workflow.ExecuteActivity(opts(ctx), a.SetCallTimes, activities.SetCallTimesInput{
		CallID: r.in.CallID, Times: domain.CallTimes{PublicityFrom: now, PublicityUntil: until, ObjectionUntil: objUntil},
	}).Get(ctx, nil); err != nil {
		return time.Time{}, err
	}
	return objUntil, nil
}

// awaitObjections waits until the objection window closes and every open
// objection is answered (true), or until the stage moves meanwhile (false:
// epoch e is over).
func (r *callRun) awaitObjections(ctx workflow.Context, e int, objUntil time.Time) (bool, error) {
	for {
		if wait := objUntil.Sub(workflow.Now(ctx)); wait > 0 {
			if _, err := r.await(ctx, wait, func() bool { return r.epoch != e }); err != nil {
				return false, err
			}
		}
		if r.epoch != e {
			return false, nil
		}
		if len(r.st.Objections) == 0 {
			return true, nil
		}
		// Open objections hold the award until answered: the reply is due
		// seven working days after the earliest was filed (a complaint:
		// finance decides within thirty), with reminders.
		first := r.st.Objections[0]
		days, kind, role, label := domain.ObjectionReplyWorkingDays, "objection", domain.RoleCivilAffairs, "质疑答复"
		if first.Complaint {
			days, kind, role, label = domain.ComplaintDecisionWorkingDays, "complaint", domain.RoleFinance, "投诉处理"
		}
		due, err := r.workingDays(ctx, first.FiledAt, days)
		if err != nil {
			return false, err
		}
		n := len(r.st.Objections)
		if _, err := r.awaitDue(ctx, due, kind, []domain.NoticeTo{{Role: role, District: r.district()}}, label,
			func() bool { return r.epoch != e || len(r.st.Objections) < n }); err != nil {
			return false, err
		}
		if r.epoch != e {
			return false, nil
		}
	}
}

// award records the call's awards and moves the call to awarded.
func (r *callRun) award(ctx workflow.Context) error {
	var awards []domain.Award
	if err := workflow.ExecuteActivity(longOpts(ctx), a.AwardCall, activities.AwardInput{
		CallID: r.in.CallID, Results: r.st.Results,
	}).Get(ctx, &awards); err != nil {
		return err
	}
	// Each award starts its project's workflow, which outlives the call.
	if workflow.GetVersion(ctx, "start-projects", workflow.DefaultVersion, 1) == 1 {
		awardedAt := workflow.Now(ctx)
		for _, aw := range awards {
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID:        ProjectWorkflowID(aw.ID),
				ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
				TypedSearchAttributes: temporal.NewSearchAttributes(
					SAStage.ValueSet(string(domain.ProjectContracting)), SADistrict.ValueSet(r.district()),
					SABrand.ValueSet(string(r.in.Draft.Brand)), SAYear.ValueSet(int64(r.in.Year))),
			})
			child := workflow.ExecuteChildWorkflow(cctx, ProjectWorkflow, ProjectInput{AwardID: aw.ID, CallID: r.in.CallID,
				OrgID: aw.OrgID, District: r.district(), Amount: aw.Amount, AwardedAt: awardedAt, Tranches: r.plan.Tranches,
				HistoryLimit: r.in.HistoryLimit})
			if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
				return fmt.Errorf("start project %s: %w", aw.ID, err)
			}
		}
	}
	return r.setStage(ctx, domain.StageAwarded, "", domain.System)
}
