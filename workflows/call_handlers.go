package workflows

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// HandledCallUpdate is an update a call's run completed, with its answer
// (one of the answer types the call's updates give).
type HandledCallUpdate struct {
	ID         string
	Ack        *Ack               `json:",omitempty"`
	Objection  *ObjectionAck      `json:",omitempty"`
	Receipt    *domain.Receipt    `json:",omitempty"`
	Attachment *domain.Attachment `json:",omitempty"`
}

func (h HandledCallUpdate) key() string { return h.ID }

func (h HandledCallUpdate) answer() any {
	switch {
	case h.Ack != nil:
		return *h.Ack
	case h.Objection != nil:
		return *h.Objection
	case h.Receipt != nil:
		return *h.Receipt
	case h.Attachment != nil:
		return *h.Attachment
	}
	return nil
}

// maxHandledCall bounds the handled updates a call's run carries on to the
// next: the most recent ones (a person's retry comes within minutes).
const maxHandledCall = 128

// remember keeps an update's answer for a request sent again.
func (r *callRun) remember(id string, res any) {
	h := HandledCallUpdate{ID: id}
	switch v := res.(type) {
	case Ack:
		h.Ack = &v
	case ObjectionAck:
		h.Objection = &v
	case domain.Receipt:
		h.Receipt = &v
	case domain.Attachment:
		h.Attachment = &v
	}
	if id == "" || h.answer() == nil {
		return
	}
	r.handled = keepHandled(r.handled, h, maxHandledCall)
}

func (r *callRun) ready() bool { return r.created }

func (r *callRun) refusal() error {
	if r.draining {
		return errDraining
	}
	return nil
}

// handledAnswer finds the answer to an update already handled.
func (r *callRun) handledAnswer(id string) (any, bool) { return findHandled(r.handled, id) }

// recheck: a call's stage may have moved while an update waited its turn.
func (r *callRun) recheck() bool { return true }

func (r *callRun) settle(id string, res any, err error) error {
	if err == nil {
		r.remember(id, res)
	}
	return toApplicationError(DomainError(err))
}

// acked is an update's small result, read after err's step (a stage move)
// is done.
func (r *callRun) acked(err error) (Ack, error) {
	return Ack{Stage: r.st.Stage}, err
}

func (r *callRun) stageIs(want ...domain.CallStage) error {
	if slices.Contains(want, r.st.Stage) {
		return nil
	}
	labels := make([]string, len(want))
	for i, s := range want {
		labels[i] = "“" + s.Label() + "”"
	}
	return domain.Errorf(domain.CodeConflict, "征集现处于“%s”阶段，此操作只能在%s阶段办理。请刷新页面查看最新状态。",
		r.st.Stage.Label(), strings.Join(labels, "或"))
}

// register registers the call's query and updates, each update a
// validator and a handler (methods of callRun) registered by updateOf.
func (r *callRun) register(ctx workflow.Context) error {
	st := r.st
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CallState, error) { return *st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateAwaitDraft, r.awaitDraft); err != nil {
		return err
	}
	return registerUpdates(ctx, r,
		updateOf(UpdateAttachDocument, r.validateAttachDocument, r.attachDocument),
		updateOf(UpdateCancel, r.validateCancel, r.cancel),
		updateOf(UpdateSubmit, r.validateSubmit, r.submit),
		updateOf(UpdateReviewPublish, r.validateReviewPublish, r.reviewPublish),
		updateOf(UpdateClarify, r.validateClarify, r.clarify),
		updateOf(UpdateSubmitBid, r.validateSubmitBid, r.submitBid),
		updateOf(UpdateWithdrawBid, r.validateWithdrawBid, r.withdrawBid),
		updateOf(UpdateQualify, r.validateQualify, r.qualify),
		updateOf(UpdateRedrawPanel, r.validateRedrawPanel, r.redrawPanel),
		updateOf(UpdateDeclare, r.validateDeclare, r.declare),
		updateOf(UpdateScore, r.validateScore, r.score),
		updateOf(UpdateApprove, r.validateApprove, r.approve),
		updateOf(UpdateObject, r.validateObjection, r.fileObjection),
		updateOf(UpdateAnswerObjection, r.validateAnswerObjection, r.answerObjection),
		updateOf(UpdateRequestRecusal, r.validateRecusalRequest, r.requestRecusal),
		updateOf(UpdateDecideRecusal, r.validateRecusalDecision, r.decideRecusal),
	)
}

// awaitDraft waits until the call's draft is recorded (it refuses nothing:
// it answers the call's creation).
func (r *callRun) awaitDraft(ctx workflow.Context) (Ack, error) {
	if err := workflow.Await(ctx, func() bool { return r.created || r.createErr != nil }); err != nil {
		return Ack{}, err
	}
	if r.createErr != nil {
		return Ack{}, toApplicationError(r.createErr)
	}
	return r.acked(nil)
}

// validateCancel refuses to cancel a call already final, or without a reason.
func (r *callRun) validateCancel(_ workflow.Context, req CancelRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionCancelCall, r.district()); err != nil {
		return err
	}
	if r.st.Stage.Final() {
		return domain.Errorf(domain.CodeConflict, "征集已处于“%s”阶段，不能撤销。", r.st.Stage.Label())
	}
	return domain.ValidateReason(req.Reason)
}

// cancel cancels the call and its bids.
func (r *callRun) cancel(ctx workflow.Context, req CancelRequest) (Ack, error) {
	reason := strings.TrimSpace(req.Reason)
	if err := r.setStage(ctx, domain.StageCancelled, reason, req.Actor); err != nil {
		return Ack{}, err
	}
	if err := workflow.ExecuteActivity(longOpts(ctx), a.CancelBids, activities.CancelCallInput{
		CallID: r.in.CallID, Reason: reason,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	return r.acked(nil)
}

// errDraining refuses an update while the run drains before continuing as
// new; the service sends it again, to the next run.
var errDraining = temporal.NewNonRetryableApplicationError("征集流程正在转入新的记录段，请稍后重试。", ErrTypeDraining, nil)

// ErrTypeDraining is the error type of an update refused while its
// workflow continues as new.
const ErrTypeDraining = "draining"
