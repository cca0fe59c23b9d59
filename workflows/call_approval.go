package workflows

// The approval of a call's award by civil affairs, then finance.

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateApprove refuses an approval by the wrong side, outside its
// stage, by someone who acted earlier on the call, or decided already.
func (r *callRun) validateApprove(ctx workflow.Context, req DecisionRequest) error {
	// A decision this approver's side already made (or is
	// making) is a conflict naming who made it and when.
	may := map[string]bool{
		"civil":   auth.Authorize(req.Actor.User(), auth.ActionApproveAward, r.district()) == nil,
		"finance": auth.Authorize(req.Actor.User(), auth.ActionFinanceApprove, r.district()) == nil,
	}
	mine := func() error {
		for _, step := range []string{"finance", "civil"} {
			if may[step] && stepOfStage[r.st.Stage] != step {
				if err := r.alreadyDecided(step); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if may["civil"] || may["finance"] {
		if err := r.decidingOther(ctx, "award"); err != nil {
			return err
		}
	}
	if err := r.stageIs(domain.StageCivilApproval, domain.StageFinanceApproval); err != nil {
		if e := mine(); e != nil {
			return e
		}
		return err
	}
	action, earlier := auth.ActionApproveAward, []int64{}
	if r.st.Stage == domain.StageFinanceApproval {
		action, earlier = auth.ActionFinanceApprove, []int64{r.st.CivilApprover}
	}
	if err := auth.Authorize(req.Actor.User(), action, r.district()); err != nil {
		if e := mine(); e != nil {
			return e
		}
		return err
	}
	if err := auth.SeparationOfDuties(req.Actor, auth.Decision{Earlier: earlier, Orgs: r.recommendedOrgs()}); err != nil {
		return err
	}
	return rejectionReason(req)
}

// approve records the civil affairs or finance approval of the award and
// moves the stage on or back.
func (r *callRun) approve(ctx workflow.Context, req DecisionRequest) (Ack, error) {
	civil := r.st.Stage == domain.StageCivilApproval
	step := map[bool]string{true: "civil", false: "finance"}[civil]
	defer r.startDeciding(ctx, "award", stepLabels[step]+"意见", req.Actor)()
	if err := r.recordDecision(ctx, step, req); err != nil {
		return Ack{}, err
	}
	reason := strings.TrimSpace(req.Reason)
	switch {
	case civil && req.Approve:
		r.st.CivilApprover = req.Actor.UserID
		return r.acked(r.setStage(ctx, domain.StageFinanceApproval, "", req.Actor))
	case civil:
		// Back to the panel, which reviews and re-submits its scores.
		r.st.Scores = map[string]domain.ScoreSheet{}
		return r.acked(r.setStage(ctx, domain.StageScoring, "民政审批退回，请评审小组复核评分："+reason, req.Actor))
	case req.Approve:
		return r.acked(r.setStage(ctx, domain.StagePublicity, "", req.Actor))
	default:
		r.st.CivilApprover = 0
		return r.acked(r.setStage(ctx, domain.StageCivilApproval, "财政审批退回："+reason, req.Actor))
	}
}

func (r *callRun) recommendedOrgs() []int64 {
	var out []int64
	for _, b := range r.st.Results {
		if b.Recommended {
			out = append(out, b.OrgID)
		}
	}
	return out
}

// approval waits for the approval step of the current stage (five working
// days, with reminders); the approve handler moves the stage.
func (r *callRun) approval(ctx workflow.Context, resumed bool) error {
	e := r.epoch
	due := r.stageDue
	if !resumed {
		var err error
		if due, err = r.workingDays(ctx, workflow.Now(ctx), domain.ApprovalWorkingDays); err != nil {
			return err
		}
		r.stageDue = due
	}
	role, label := domain.RoleCivilAffairs, "民政审批"
	if r.st.Stage == domain.StageFinanceApproval {
		role, label = domain.RoleFinance, "财政审批"
	}
	_, err := r.awaitDue(ctx, due, string(r.st.Stage), []domain.NoticeTo{{Role: role, District: r.district()}}, label,
		func() bool { return r.epoch != e })
	return err
}
