package workflows

// The decisions of a call's steps (submission, publication review, the
// award's approvals): who made them, and one at a time.

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// stepOfStage is the decision step a stage waits for.
var stepOfStage = map[domain.CallStage]string{
	domain.StageDraft: "submit", domain.StagePublishReview: "publish",
	domain.StageCivilApproval: "civil", domain.StageFinanceApproval: "finance",
}

var stepLabels = map[string]string{"submit": "发布审核申请", "publish": "发布审核", "civil": "民政审批", "finance": "财政审批"}

// decidingOther refuses a decision request while another request of the
// same group (submit, publish, award) is being carried out.
func (r *callRun) decidingOther(ctx workflow.Context, group string) error {
	d, ok := r.deciding[group]
	if !ok || d.Req == updateID(ctx) {
		return nil
	}
	return domain.Errorf(domain.CodeConflict, "%s已由 %s 于 %s 提交，正在办理，不能重复提交；请稍后刷新页面查看结果。", d.Label, d.By, cstTime(d.At))
}

// alreadyDecided refuses a request for a step decided in this round,
// saying who decided it, when and which way.
func (r *callRun) alreadyDecided(step string) error {
	d, ok := r.st.Decided[step]
	if !ok {
		return nil
	}
	verdict := "同意"
	switch {
	case step == "submit":
		verdict = "已提交"
	case !d.Approve:
		verdict = "退回"
	}
	return domain.Errorf(domain.CodeConflict, "%s已由 %s 于 %s 办理（%s），无需重复办理。请刷新页面查看最新状态。", stepLabels[step], d.Name, cstTime(d.At), verdict)
}

// startDeciding marks a decision request as being carried out until the
// returned func runs; only in runs that recorded the "decision-in-flight"
// version, so that histories from before replay as they ran.
func (r *callRun) startDeciding(ctx workflow.Context, group, label string, by Actor) func() {
	if workflow.GetVersion(ctx, "decision-in-flight", workflow.DefaultVersion, 1) != 1 {
		return func() {}
	}
	if r.deciding == nil {
		r.deciding = map[string]inFlightDecision{}
	}
	r.deciding[group] = inFlightDecision{Label: label, By: by.Name, At: workflow.Now(ctx), Req: updateID(ctx)}
	return func() { delete(r.deciding, group) }
}

func rejectionReason(req DecisionRequest) error {
	if req.Approve {
		return nil
	}
	return domain.ValidateReason(req.Reason)
}

func (r *callRun) recordDecision(ctx workflow.Context, step string, req DecisionRequest) error {
	at := workflow.Now(ctx)
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordDecision, activities.RecordDecisionInput{
		CallID: r.in.CallID, RequestID: workflow.GetInfo(ctx).WorkflowExecution.ID + "/" + updateID(ctx),
		Decision: domain.CallDecision{Step: step, Approve: req.Approve, Reason: strings.TrimSpace(req.Reason)}, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return err
	}
	if r.st.Decided == nil {
		r.st.Decided = map[string]DecisionMark{}
	}
	r.st.Decided[step] = DecisionMark{UserID: req.Actor.UserID, Name: req.Actor.Name, At: at, Approve: req.Approve}
	return nil
}
