package workflows

// Bidders' requests that an expert of a call's panel recuse.

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateRecusalRequest refuses a recusal request by someone not bidding
// in review, or without its facts.
func (r *callRun) validateRecusalRequest(_ workflow.Context, req RecusalRequest) error {
	if err := auth.AuthorizeTarget(req.Actor.User(), auth.ActionRequestRecusal, auth.Target{OrgID: req.Actor.OrgID}); err != nil {
		return err
	}
	if err := r.stageIs(domain.StagePanel, domain.StageScoring); err != nil {
		return err
	}
	if !slices.ContainsFunc(r.validBids(), func(b activities.OpenedBid) bool { return b.OrgID == req.Actor.OrgID }) {
		return domain.Errorf(domain.CodeForbidden, "只有参加评审的投标人可以申请专家回避。")
	}
	if req.ID == "" {
		return domain.Errorf(domain.CodeInvalid, "请求缺少编号，请刷新页面后重试。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Reason)); n < 10 || n > 2000 {
		return domain.FieldErrors{"reason": "请写明申请回避的专家（可描述其身份）及利害关系的事实（10 至 2000 字）。"}.Err()
	}
	return nil
}

// requestRecusal records a bidder's request that an expert recuse.
func (r *callRun) requestRecusal(ctx workflow.Context, req RecusalRequest) (Ack, error) {
	q := domain.RecusalRequest{ID: req.ID, CallID: r.in.CallID, OrgID: req.Actor.OrgID, Reason: strings.TrimSpace(req.Reason)}
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordRecusalRequest, activities.RecusalRequestInput{Request: q, By: req.Actor}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	r.st.Recusals = append(r.st.Recusals, OpenRecusal{ID: q.ID, OrgID: q.OrgID})
	return r.acked(nil)
}

// validateRecusalDecision refuses a decision on an unknown request, for a
// seat not on the panel, or without its text.
func (r *callRun) validateRecusalDecision(_ workflow.Context, req RecusalDecision) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionManagePanel, r.district()); err != nil {
		return err
	}
	if err := r.stageIs(domain.StagePanel, domain.StageScoring); err != nil {
		return err
	}
	if !slices.ContainsFunc(r.st.Recusals, func(q OpenRecusal) bool { return q.ID == req.RequestID }) {
		return domain.Errorf(domain.CodeNotFound, "找不到该回避申请，或它已经处理。")
	}
	fe := domain.FieldErrors{}
	if req.Upheld && !slices.ContainsFunc(r.st.Panel, func(s Seat) bool { return s.Seq == req.Seat }) {
		fe.Add("seat", "请选择评审小组中应当回避的专家（专家编号）。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Answer)); n < 4 || n > 1000 {
		fe.Add("answer", "请写明审查意见（4 至 1000 字），将告知申请人。")
	}
	return fe.Err()
}

// decideRecusal decides a recusal request; upheld, the expert leaves and
// their scores no longer count.
func (r *callRun) decideRecusal(ctx workflow.Context, req RecusalDecision) (Ack, error) {
	i := slices.IndexFunc(r.st.Recusals, func(q OpenRecusal) bool { return q.ID == req.RequestID })
	q := r.st.Recusals[i]
	if err := workflow.ExecuteActivity(opts(ctx), a.DecideRecusal, activities.DecideRecusalInput{
		CallID: r.in.CallID, RequestID: q.ID, OrgID: q.OrgID, Upheld: req.Upheld, Seat: req.Seat,
		Answer: strings.TrimSpace(req.Answer), By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	r.st.Recusals = slices.Delete(r.st.Recusals, i, i+1)
	if !req.Upheld {
		return r.acked(nil)
	}
	// The expert leaves; their scores no longer count; a replacement
	// is drawn, declares and scores.
	j := slices.IndexFunc(r.st.Panel, func(s Seat) bool { return s.Seq == req.Seat })
	gone := r.st.Panel[j]
	r.st.Panel = slices.Delete(r.st.Panel, j, j+1)
	for _, b := range r.st.Opened {
		delete(r.st.Scores, scoreKey(gone.UserID, b.BidID))
	}
	if r.st.Stage == domain.StageScoring {
		return r.acked(r.setStage(ctx, domain.StagePanel, "投标人申请专家回避成立，另行抽取专家。", req.Actor))
	}
	return r.acked(nil)
}
