package workflows

// Updates of a call's draft and its publication review.

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateAttachDocument refuses an attachment outside the draft or
// without its stored file.
func (r *callRun) validateAttachDocument(_ workflow.Context, req AttachDocumentRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionAttachDocument, r.district()); err != nil {
		return err
	}
	if err := r.stageIs(domain.StageDraft); err != nil {
		return err
	}
	att := req.Attachment
	if att.ID == "" || att.ObjectKey == "" || len(att.SHA256) != 64 || strings.TrimSpace(att.FileName) == "" {
		return domain.Errorf(domain.CodeInvalid, "附件信息不完整，请重新上传。")
	}
	return nil
}

// attachDocument attaches an uploaded document to the draft; the notice
// follows it.
func (r *callRun) attachDocument(ctx workflow.Context, req AttachDocumentRequest) (domain.Attachment, error) {
	att := req.Attachment
	att.CallID = r.in.CallID
	att.UploadedBy = req.Actor.UserID
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordAttachment,
		activities.RecordAttachmentInput{Attachment: att, By: req.Actor}).Get(ctx, nil); err != nil {
		return domain.Attachment{}, err
	}
	r.noticeDirty = true
	return att, nil
}

// validateSubmit refuses a submission outside the draft, decided or being
// decided, or whose notice is not rendered.
func (r *callRun) validateSubmit(ctx workflow.Context, req SubmitRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionSubmitCall, r.district()); err != nil {
		return err
	}
	if err := r.decidingOther(ctx, "submit"); err != nil {
		return err
	}
	if r.st.Stage != domain.StageDraft {
		if err := r.alreadyDecided("submit"); err != nil {
			return err
		}
	}
	if err := r.stageIs(domain.StageDraft); err != nil {
		return err
	}
	return r.noticeRendered()
}

// submit submits the draft for publication review.
func (r *callRun) submit(ctx workflow.Context, req SubmitRequest) (Ack, error) {
	defer r.startDeciding(ctx, "submit", "发布审核申请", req.Actor)()
	if err := r.recordDecision(ctx, "submit", DecisionRequest{Actor: req.Actor, Approve: true}); err != nil {
		return Ack{}, err
	}
	r.st.SubmittedBy = req.Actor.UserID
	return r.acked(r.setStage(ctx, domain.StagePublishReview, "", req.Actor))
}

// validateReviewPublish refuses a publication review by the submitter (or,
// when the mode changed, without finance), outside the review, or decided
// already.
func (r *callRun) validateReviewPublish(ctx workflow.Context, req DecisionRequest) error {
	action := auth.ActionPublishCall
	if r.plan.ModeChanged {
		action = auth.ActionApproveReissue // 政府采购法 §36–37: a change of mode needs finance
	}
	if err := auth.Authorize(req.Actor.User(), action, r.district()); err != nil {
		return err
	}
	if err := r.decidingOther(ctx, "publish"); err != nil {
		return err
	}
	if r.st.Stage != domain.StagePublishReview {
		if err := r.alreadyDecided("publish"); err != nil {
			return err
		}
	}
	if err := r.stageIs(domain.StagePublishReview); err != nil {
		return err
	}
	if err := auth.SeparationOfDuties(req.Actor, auth.Decision{Earlier: []int64{r.st.SubmittedBy}}); err != nil {
		return err
	}
	if req.Approve {
		if err := r.noticeRendered(); err != nil {
			return err
		}
	}
	return rejectionReason(req)
}

// reviewPublish publishes the call (bidding opens) or returns it to the
// draft.
func (r *callRun) reviewPublish(ctx workflow.Context, req DecisionRequest) (Ack, error) {
	defer r.startDeciding(ctx, "publish", "发布审核意见", req.Actor)()
	if err := r.recordDecision(ctx, "publish", req); err != nil {
		return Ack{}, err
	}
	if !req.Approve {
		return r.acked(r.setStage(ctx, domain.StageDraft, "发布审核退回："+strings.TrimSpace(req.Reason), req.Actor))
	}
	var pub activities.PublishResult
	if err := workflow.ExecuteActivity(opts(ctx), a.PublishCall, r.in.CallID).Get(ctx, &pub); err != nil {
		return Ack{}, err
	}
	r.st.Deadline = pub.Deadline
	r.noticeDirty = true
	return r.acked(r.setStage(ctx, domain.StageBidding, pub.CalendarNote, req.Actor))
}
