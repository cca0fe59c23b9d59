package workflows

// Objections (质疑) and complaints (投诉) against a call's published result.

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateObjection refuses an objection outside the objection window, by
// someone without standing, or a second one.
func (r *callRun) validateObjection(ctx workflow.Context, req ObjectionRequest) error {
	if err := r.stageIs(domain.StagePublicity); err != nil {
		return err
	}
	if r.st.ObjectionUntil.IsZero() || !workflow.Now(ctx).Before(r.st.ObjectionUntil) {
		return domain.Errorf(domain.CodeConflict, "质疑期已结束（%s），不再受理质疑。", cstTime(r.st.ObjectionUntil))
	}
	if req.ID == "" {
		return domain.Errorf(domain.CodeInvalid, "请求缺少编号，请刷新页面后重试。")
	}
	if req.ComplaintOf != "" {
		i := slices.IndexFunc(r.st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf })
		switch {
		case i < 0:
			return domain.Errorf(domain.CodeConflict, "只能对已答复且未被支持的质疑提出投诉。")
		case !workflow.Now(ctx).Before(r.st.Answered[i].ComplaintUntil):
			return domain.Errorf(domain.CodeConflict, "投诉期限（质疑答复后 15 个工作日，%s）已过。", cstTime(r.st.Answered[i].ComplaintUntil))
		case r.st.Answered[i].Complained:
			return domain.Errorf(domain.CodeConflict, "已就该质疑答复提出过投诉。")
		}
	}
	if legacyObjection(req) {
		// Recorded before suppliers alone could object; replayed only.
		return req.Input.Validate()
	}
	route, err := domain.RouteObjection(r.objectionStanding(req), req.ComplaintOf != "")
	if err != nil {
		return err
	}
	if !route.HoldsAward() {
		return domain.Errorf(domain.CodeForbidden, "只有参加本次投标的供应商可以提出质疑（政府采购法 §52）；其他单位和个人的意见请通过公众意见提交。")
	}
	return nil
}

// fileObjection files a supplier's objection (or complaint): it holds the
// award until answered.
func (r *callRun) fileObjection(ctx workflow.Context, req ObjectionRequest) (ObjectionAck, error) {
	now := workflow.Now(ctx)
	org := req.Actor.OrgID
	if legacyObjection(req) {
		o := domain.Objection{ID: req.ID, CallID: r.in.CallID, Name: strings.TrimSpace(req.Input.Name), ComplaintOf: req.ComplaintOf,
			Reason: strings.TrimSpace(req.Input.Reason), Attachment: req.Attachment, FiledAt: now}
		if err := workflow.ExecuteActivity(opts(ctx), a.RecordObjection, activities.RecordObjectionInput{
			Objection: o, Contact: strings.TrimSpace(req.Input.Contact), By: req.Actor,
		}).Get(ctx, nil); err != nil {
			return ObjectionAck{}, err
		}
		r.st.Objections = append(r.st.Objections, OpenObjection{ID: req.ID, FiledAt: now, Complaint: req.ComplaintOf != ""})
		return ObjectionAck{ID: req.ID, FiledAt: now}, nil
	}
	// The objection holds the award, and the objector's one
	// challenge (or one complaint) is taken, before the activity:
	// the award waits for it, and a second one arriving meanwhile
	// is refused by the handler's own check.
	r.st.Objections = append(r.st.Objections, OpenObjection{ID: req.ID, FiledAt: now, Complaint: req.ComplaintOf != "", OrgID: org})
	answered := slices.IndexFunc(r.st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf })
	if req.ComplaintOf == "" {
		r.st.Objected = append(r.st.Objected, org)
	} else if answered >= 0 {
		r.st.Answered[answered].Complained = true
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.FileObjection, activities.FileObjectionInput{
		CallID: r.in.CallID, ID: req.ID, OrgID: org, ComplaintOf: req.ComplaintOf, FiledAt: now, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		r.st.Objections = slices.DeleteFunc(r.st.Objections, func(o OpenObjection) bool { return o.ID == req.ID })
		if req.ComplaintOf == "" {
			r.st.Objected = slices.DeleteFunc(r.st.Objected, func(o int64) bool { return o == org })
		} else if i := slices.IndexFunc(r.st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf }); i >= 0 {
			r.st.Answered[i].Complained = false
		}
		return ObjectionAck{}, err
	}
	return ObjectionAck{ID: req.ID, FiledAt: now}, nil
}

// validateAnswerObjection refuses an answer by the wrong side, to an
// unknown objection, or without its text.
func (r *callRun) validateAnswerObjection(_ workflow.Context, req AnswerRequest) error {
	i := r.objection(req.ObjectionID)
	// Objections are answered by civil affairs, complaints decided by finance.
	action := auth.ActionAnswerObjection
	if i >= 0 && r.st.Objections[i].Complaint {
		action = auth.ActionFinanceApprove
	}
	if err := auth.Authorize(req.Actor.User(), action, r.district()); err != nil {
		return err
	}
	if err := r.stageIs(domain.StagePublicity); err != nil {
		return err
	}
	if i < 0 {
		return domain.Errorf(domain.CodeNotFound, "找不到该质疑，或它已经答复。")
	}
	fe := domain.FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Answer)); n < 10 || n > 5000 {
		fe.Add("answer", "请写明答复意见及依据（10 至 5000 字），答复将公开。")
	}
	if req.Upheld && req.ReturnTo != domain.StageQualification && req.ReturnTo != domain.StageScoring {
		fe.Add("return_to", "质疑成立时，请选择退回资格审查或专家评审。")
	}
	return fe.Err()
}

// answerObjection answers an objection (a complaint: finance decides);
// upheld, the call goes back to qualification or scoring.
func (r *callRun) answerObjection(ctx workflow.Context, req AnswerRequest) (Ack, error) {
	returnTo := domain.CallStage("")
	if req.Upheld {
		returnTo = req.ReturnTo
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.AnswerObjection, activities.AnswerObjectionInput{
		CallID: r.in.CallID, ObjectionID: req.ObjectionID, Upheld: req.Upheld, Answer: strings.TrimSpace(req.Answer),
		ReturnTo: returnTo, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	i := r.objection(req.ObjectionID)
	complaint, org := r.st.Objections[i].Complaint, r.st.Objections[i].OrgID
	r.st.Objections = slices.Delete(r.st.Objections, i, i+1)
	if !req.Upheld {
		if !complaint {
			until, err := r.workingDays(ctx, workflow.Now(ctx), domain.ComplaintWorkingDays)
			if err != nil {
				return Ack{}, err
			}
			r.st.Answered = append(r.st.Answered, AnsweredObjection{ID: req.ObjectionID, ComplaintUntil: until, OrgID: org})
		}
		return r.acked(nil)
	}
	// Upheld: every other open objection is moot (the result will be
	// published again), the approvals start over.
	r.st.Objections = nil
	r.st.CivilApprover = 0
	delete(r.st.Decided, "civil")
	delete(r.st.Decided, "finance")
	r.st.Scores = map[string]domain.ScoreSheet{}
	if returnTo == domain.StageQualification {
		r.st.Qualified = map[string]bool{}
	}
	return r.acked(r.setStage(ctx, returnTo, "质疑成立，退回重新"+returnTo.Label()+"。", req.Actor))
}

// legacyObjection is an objection update recorded before the service wrote
// objections itself: it carries the text.
func legacyObjection(req ObjectionRequest) bool { return req.Input.Reason != "" }

// objectionStanding is what the law asks of the objector, from the
// workflow's own memory: whether they act for an organisation whose bid
// was opened, whether it challenged this result already, whether it filed
// the objection a complaint is about.
func (r *callRun) objectionStanding(req ObjectionRequest) domain.ObjectionStanding {
	org := req.Actor.OrgID
	s := domain.ObjectionStanding{
		Supplier: org != 0 && auth.AuthorizeTarget(req.Actor.User(), auth.ActionBid, auth.Target{OrgID: org}) == nil,
	}
	if org == 0 {
		return s
	}
	s.TookPart = slices.ContainsFunc(r.st.Opened, func(b activities.OpenedBid) bool { return b.OrgID == org })
	s.Objected = slices.Contains(r.st.Objected, org)
	if req.ComplaintOf != "" {
		s.ObjectorOf = slices.ContainsFunc(r.st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf && a.OrgID == org })
	}
	return s
}

func (r *callRun) objection(id string) int {
	return slices.IndexFunc(r.st.Objections, func(o OpenObjection) bool { return o.ID == id })
}
