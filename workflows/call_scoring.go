package workflows

// The panel's scoring of a call's valid bids.

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateScore refuses a sheet by someone not confirmed on the panel, on
// a bid out of review, or not matching the plan.
func (r *callRun) validateScore(_ workflow.Context, req ScoreRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionScore, ""); err != nil {
		return err
	}
	if err := r.stageIs(domain.StageScoring); err != nil {
		return err
	}
	if i := r.seat(req.Actor.UserID); i < 0 || !r.st.Panel[i].Confirmed {
		return domain.Errorf(domain.CodeForbidden, "您不在本次征集的评审小组中，或尚未声明无利害关系。")
	}
	if !r.st.Qualified[req.BidID] {
		return domain.Errorf(domain.CodeNotFound, "该投标不在评审范围内（未通过资格审查或不存在）。")
	}
	return r.plan.ValidateSheet(req.Points, req.Comment)
}

// score records an expert's score sheet on a bid.
func (r *callRun) score(ctx workflow.Context, req ScoreRequest) (Ack, error) {
	sh := domain.ScoreSheet{Expert: req.Actor.UserID, BidID: req.BidID, Points: req.Points,
		Comment: strings.TrimSpace(req.Comment), At: workflow.Now(ctx)}
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordScore, activities.RecordScoreInput{
		CallID: r.in.CallID, Sheet: sh, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	r.st.Scores[scoreKey(sh.Expert, sh.BidID)] = sh
	return r.acked(nil)
}
