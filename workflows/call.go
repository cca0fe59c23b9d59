// Package workflows is GrantFlow's lifecycle as code. CallWorkflow carries a
// call (征集/招标) from draft to award; it owns the call's stage, decides, and
// calls activities for every side effect. People reach it through Updates
// whose validators refuse a wrong role or stage before anything is written.
package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// TaskQueue is the default task queue of GrantFlow's workers.
const TaskQueue = "grantflow"

// Names of the messages CallWorkflow accepts.
const (
	UpdateAwaitDraft     = "await-draft"
	UpdateAttachDocument = "attach-document"
	UpdateCancel         = "cancel"
	QueryState           = "state"
)

// CallWorkflowID is the workflow ID of a call: derived from its business key,
// so a double submit cannot start two workflows.
func CallWorkflowID(callID string) string { return "call-" + callID }

// Actor is who sends a message, as the web layer authenticated them. The
// validators check the actor against the same policy (auth.Authorize) the web
// layer used: the workflow never takes the web's word for it.
type Actor = domain.Actor

// CallInput starts a CallWorkflow.
type CallInput struct {
	CallID    string
	Draft     domain.CallDraft
	CreatedBy Actor
	// Year is the programme year (search attribute GrantFlowYear).
	Year int
}

// CallState is what the workflow tells about itself (query "state").
type CallState struct {
	CallID         string
	Number         string
	Stage          domain.CallStage
	NoticeRevision int
	NoticeSHA256   string
}

// AttachDocumentRequest records a document the web layer already stored in
// object storage (payloads carry references, not documents).
type AttachDocumentRequest struct {
	Actor      Actor
	Attachment domain.Attachment
}

// CancelRequest cancels a call with a reason.
type CancelRequest struct {
	Actor  Actor
	Reason string
}

// CallWorkflow runs one call.
func CallWorkflow(ctx workflow.Context, in CallInput) error {
	logger := workflow.GetLogger(ctx)
	st := &CallState{CallID: in.CallID, Stage: domain.StageDraft}
	var a *activities.Activities
	created := false
	noticeDirty := true
	var createErr error

	// Handlers run in coroutines of their own: every blocking call uses the
	// context it was given, never the workflow's.
	setStage := func(ctx workflow.Context, stage domain.CallStage, reason string, by Actor) error {
		if err := workflow.ExecuteActivity(withActivityOptions(ctx), a.SetCallStage, activities.SetCallStageInput{
			CallID: in.CallID, Stage: stage, Reason: reason, By: by,
		}).Get(ctx, nil); err != nil {
			return err
		}
		st.Stage = stage
		return workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(stage)))
	}

	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CallState, error) { return *st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateAwaitDraft, func(ctx workflow.Context) (CallState, error) {
		if err := workflow.Await(ctx, func() bool { return created || createErr != nil }); err != nil {
			return CallState{}, err
		}
		if createErr != nil {
			return CallState{}, toApplicationError(createErr)
		}
		return *st, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAttachDocument,
		func(ctx workflow.Context, req AttachDocumentRequest) (domain.Attachment, error) {
			if err := workflow.Await(ctx, func() bool { return created }); err != nil {
				return domain.Attachment{}, err
			}
			att := req.Attachment
			att.CallID = in.CallID
			att.UploadedBy = req.Actor.UserID
			if err := workflow.ExecuteActivity(withActivityOptions(ctx), a.RecordAttachment,
				activities.RecordAttachmentInput{Attachment: att, By: req.Actor}).Get(ctx, nil); err != nil {
				return domain.Attachment{}, err
			}
			noticeDirty = true // the notice lists the attachments
			return att, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req AttachDocumentRequest) error {
			return toApplicationError(validateAttach(in, st, req))
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel,
		func(ctx workflow.Context, req CancelRequest) (CallState, error) {
			if err := workflow.Await(ctx, func() bool { return created }); err != nil {
				return CallState{}, err
			}
			if err := setStage(ctx, domain.StageCancelled, strings.TrimSpace(req.Reason), req.Actor); err != nil {
				return CallState{}, err
			}
			logger.Info("call cancelled", "call", in.CallID)
			return *st, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req CancelRequest) error {
			return toApplicationError(validateCancel(in, st, req))
		}}); err != nil {
		return err
	}

	// Create the call's record. An invalid draft fails the workflow (and the
	// await-draft update tells the web why).
	var call domain.Call
	if err := workflow.ExecuteActivity(withActivityOptions(ctx), a.CreateDraftCall, activities.CreateDraftCallInput{
		CallID: in.CallID, Draft: in.Draft, By: in.CreatedBy,
	}).Get(ctx, &call); err != nil {
		createErr = err
		_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
		return fmt.Errorf("create draft call: %w", err)
	}
	st.Number = call.Number
	created = true

	// Keep the call notice current until the call reaches a final stage.
	for {
		if err := workflow.Await(ctx, func() bool { return noticeDirty || st.Stage.Final() }); err != nil {
			return err
		}
		if st.Stage.Final() {
			break
		}
		noticeDirty = false
		st.NoticeRevision++
		var ref activities.NoticeRef
		if err := workflow.ExecuteActivity(withActivityOptions(ctx), a.RenderCallNotice, activities.RenderCallNoticeInput{
			CallID: in.CallID, Revision: st.NoticeRevision,
		}).Get(ctx, &ref); err != nil {
			return fmt.Errorf("render call notice: %w", err)
		}
		st.NoticeSHA256 = ref.SHA256
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func validateAttach(in CallInput, st *CallState, req AttachDocumentRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionAttachDocument, in.Draft.District); err != nil {
		return err
	}
	if st.Stage != domain.StageDraft {
		return domain.Errorf(domain.CodeConflict, "征集处于“%s”阶段，只有草稿阶段可以添加附件。", st.Stage.Label())
	}
	att := req.Attachment
	if att.ID == "" || att.ObjectKey == "" || len(att.SHA256) != 64 || strings.TrimSpace(att.FileName) == "" {
		return domain.Errorf(domain.CodeInvalid, "附件信息不完整，请重新上传。")
	}
	return nil
}

func validateCancel(in CallInput, st *CallState, req CancelRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionCancelCall, in.Draft.District); err != nil {
		return err
	}
	if st.Stage.Final() {
		return domain.Errorf(domain.CodeConflict, "征集已处于“%s”阶段，不能撤销。", st.Stage.Label())
	}
	return domain.ValidateReason(req.Reason)
}

// withActivityOptions gives every activity a 30-second attempt and retries
// with backoff until it succeeds or fails for good (non-retryable errors).
// The activities here take well under a second; the timeout is also how soon
// an attempt lost with a crashed worker is tried again.
func withActivityOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}
