package workflows

// The qualification of a call's opened bids.

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateQualify refuses a qualification outside its stage or without a
// decision (and a reason for each refusal) on every opened bid.
func (r *callRun) validateQualify(_ workflow.Context, req QualifyRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionQualify, r.district()); err != nil {
		return err
	}
	if err := r.stageIs(domain.StageQualification); err != nil {
		return err
	}
	return r.validateQualification(req.Decisions)
}

// qualify records the qualification of every opened bid; too few valid
// bids fail the call.
func (r *callRun) qualify(ctx workflow.Context, req QualifyRequest) (Ack, error) {
	if err := workflow.ExecuteActivity(opts(ctx), a.QualifyBids, activities.QualifyInput{
		CallID: r.in.CallID, Decisions: req.Decisions, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	r.st.Qualified = map[string]bool{}
	for _, d := range req.Decisions {
		r.st.Qualified[d.BidID] = d.Qualified
	}
	if n := len(r.validBids()); n < r.plan.MinBidders {
		return r.acked(r.setStage(ctx, domain.StageFailed,
			fmt.Sprintf("资格审查后有效投标 %d 份，少于最少有效投标人数 %d，流标（政府采购法 §36）。可重新组织征集。", n, r.plan.MinBidders), req.Actor))
	}
	next := domain.StagePanel
	if r.panelConfirmed() {
		next = domain.StageScoring // re-qualification after an upheld objection keeps the panel
	}
	return r.acked(r.setStage(ctx, next, "", req.Actor))
}

func (r *callRun) validateQualification(ds []domain.Qualification) error {
	fe := domain.FieldErrors{}
	seen := map[string]bool{}
	for _, d := range ds {
		if !slices.ContainsFunc(r.st.Opened, func(b activities.OpenedBid) bool { return b.BidID == d.BidID }) {
			fe.Add("decisions", "审查结论中有不属于本次征集的投标。")
			continue
		}
		seen[d.BidID] = true
		if !d.Qualified && utf8.RuneCountInString(strings.TrimSpace(d.Reason)) < 4 {
			fe.Add("reason."+d.BidID, "不合格的投标须写明理由（至少 4 个字），理由将告知投标人。")
		}
	}
	for _, b := range r.st.Opened {
		if !seen[b.BidID] {
			fe.Add("decisions", fmt.Sprintf("请对每一份投标作出审查结论（%s 尚未审查）。", b.OrgName))
		}
	}
	return fe.Err()
}

func (r *callRun) validBids() []activities.OpenedBid {
	var out []activities.OpenedBid
	for _, b := range r.st.Opened {
		if r.st.Qualified[b.BidID] {
			out = append(out, b)
		}
	}
	return out
}
