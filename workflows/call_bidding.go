package workflows

// Updates of a call while it takes bids.

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateClarify refuses a clarification after the deadline or without
// its title and text.
func (r *callRun) validateClarify(ctx workflow.Context, req ClarifyRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionClarify, r.district()); err != nil {
		return err
	}
	if err := r.stageIs(domain.StageBidding); err != nil {
		return err
	}
	if r.opening || !workflow.Now(ctx).Before(r.st.Deadline) {
		return domain.Errorf(domain.CodeConflict, "投标已截止，不能再发布澄清。")
	}
	fe := domain.FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Title)); n < 2 || n > 100 {
		fe.Add("title", "请填写澄清标题（2 至 100 字）。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Body)); n < 10 || n > 10000 {
		fe.Add("body", "请写明澄清或修改的内容（10 至 10000 字）。")
	}
	if req.ID == "" {
		fe.Add("title", "请求缺少编号，请刷新页面后重试。")
	}
	return fe.Err()
}

// clarify publishes a clarification; a material one may move the deadline.
func (r *callRun) clarify(ctx workflow.Context, req ClarifyRequest) (Ack, error) {
	var deadline = r.st.Deadline
	if err := workflow.ExecuteActivity(opts(ctx), a.Clarify, activities.ClarifyInput{
		Clarification: domain.Clarification{ID: req.ID, CallID: r.in.CallID, Title: strings.TrimSpace(req.Title),
			Body: strings.TrimSpace(req.Body), Material: req.Material, DeadlineFrom: r.st.Deadline},
		By: req.Actor,
	}).Get(ctx, &deadline); err != nil {
		return Ack{}, err
	}
	if !deadline.Equal(r.st.Deadline) && !r.opening {
		r.st.Deadline = deadline
		r.deadlineMoved = true
		r.noticeDirty = true
	}
	return r.acked(nil)
}

// validateSubmitBid refuses a bid after the deadline, for another
// organisation, or incomplete.
func (r *callRun) validateSubmitBid(ctx workflow.Context, req BidRequest) error {
	if err := r.bidderMayAct(ctx, req.Actor); err != nil {
		return err
	}
	if req.Bid.OrgID != req.Actor.OrgID || req.Bid.ID == "" || len(req.Bid.Parts) < 4 {
		return domain.Errorf(domain.CodeInvalid, "投标文件不完整，请重新提交。")
	}
	return nil
}

// submitBid records a sealed bid (replacing the organisation's earlier
// one) and returns its receipt.
func (r *callRun) submitBid(ctx workflow.Context, req BidRequest) (domain.Receipt, error) {
	b := req.Bid
	b.CallID = r.in.CallID
	var rc domain.Receipt
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordBid, activities.RecordBidInput{Bid: b, By: req.Actor}).Get(ctx, &rc); err != nil {
		return domain.Receipt{}, err
	}
	r.st.Bids[b.OrgID] = b.ID
	return rc, nil
}

// validateWithdrawBid refuses a withdrawal after the deadline or without a
// bid.
func (r *callRun) validateWithdrawBid(ctx workflow.Context, req WithdrawRequest) error {
	if err := r.bidderMayAct(ctx, req.Actor); err != nil {
		return err
	}
	if _, ok := r.st.Bids[req.Actor.OrgID]; !ok {
		return domain.Errorf(domain.CodeNotFound, "您单位在本次征集中没有可撤回的投标。")
	}
	return nil
}

// withdrawBid withdraws the organisation's bid.
func (r *callRun) withdrawBid(ctx workflow.Context, req WithdrawRequest) (Ack, error) {
	if err := workflow.ExecuteActivity(opts(ctx), a.WithdrawBid, activities.WithdrawBidInput{
		CallID: r.in.CallID, OrgID: req.Actor.OrgID, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	delete(r.st.Bids, req.Actor.OrgID)
	return r.acked(nil)
}

// bidderMayAct checks a bid action: an organisation member of its own
// organisation, during bidding, strictly before the deadline.
func (r *callRun) bidderMayAct(ctx workflow.Context, actor Actor) error {
	if err := auth.AuthorizeTarget(actor.User(), auth.ActionBid, auth.Target{OrgID: actor.OrgID}); err != nil {
		return err
	}
	if actor.OrgID == 0 {
		return domain.Errorf(domain.CodeForbidden, "您的账号未关联社会组织，不能投标。")
	}
	if r.opening || r.st.Stage == domain.StageBidding && !workflow.Now(ctx).Before(r.st.Deadline) || r.st.Stage.Opened() {
		return domain.Errorf(domain.CodeConflict, "投标截止时间（%s）已过，不再接受递交、替换或撤回投标文件。", cstTime(r.st.Deadline))
	}
	return r.stageIs(domain.StageBidding)
}

// bidding waits for the deadline (moved by material clarifications), then
// opens the bids exactly then.
func (r *callRun) bidding(ctx workflow.Context) error {
	e := r.epoch
	for {
		r.deadlineMoved = false
		wait := r.st.Deadline.Sub(workflow.Now(ctx))
		if wait <= 0 {
			break
		}
		if _, err := r.await(ctx, wait, func() bool { return r.deadlineMoved || r.epoch != e }); err != nil {
			return err
		}
		if r.epoch != e {
			return nil // cancelled
		}
	}
	// No more bids from here: the validator refuses them at the same instant.
	if workflow.GetVersion(ctx, "refuse-bids-at-opening", workflow.DefaultVersion, 1) == 1 {
		r.opening = true
	}
	var opened []activities.OpenedBid
	if err := workflow.ExecuteActivity(longOpts(ctx), a.OpenBids, r.in.CallID).Get(ctx, &opened); err != nil {
		return err
	}
	if r.epoch != e {
		return nil
	}
	r.st.Opened = opened
	if len(opened) < r.plan.MinBidders {
		return r.setStage(ctx, domain.StageFailed,
			fmt.Sprintf("截止时共收到 %d 份投标，少于最少有效投标人数 %d，流标（政府采购法 §36）。可重新组织征集。", len(opened), r.plan.MinBidders), domain.System)
	}
	return r.setStage(ctx, domain.StageQualification, "", domain.System)
}
