package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"grantflow/internal/domain"
	"grantflow/workflows"
)

// temporalErr maps errors from Temporal to domain errors: domain codes the
// workflow decided on pass through; an unreachable server becomes
// "unavailable".
func temporalErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if de := workflows.DomainError(err); de != err {
		return de
	}
	return domain.Wrap(fmt.Errorf("%s: %w", op, err), domain.CodeUnavailable, "流程服务暂时不可用，您的操作没有生效，请稍后重试。")
}

// isNotFound reports a workflow that does not exist or has ended.
func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// requestID turns the caller's idempotency key into a Temporal update ID:
// the same key twice is the same update, applied once.
func requestID(key string) (string, error) {
	if key == "" {
		return uuid.NewString(), nil
	}
	id, err := uuid.Parse(key)
	if err != nil {
		return "", domain.Errorf(domain.CodeInvalid, "请求编号（Idempotency-Key）须为 UUID，请刷新页面后重新提交。")
	}
	return id.String(), nil
}

// update sends an update to a call's workflow and waits for its result.
func (s *Calls) update(ctx context.Context, c domain.Call, name, key string, arg, result any) error {
	id, err := requestID(key)
	if err != nil {
		return err
	}
	if c.Stage.Final() {
		if key != "" && answeredBefore(ctx, s.Temporal, workflows.CallWorkflowID(c.ID), name+"/"+id, result) {
			return nil // this request, sent again: its first answer
		}
		return domain.Errorf(domain.CodeConflict, "征集已处于“%s”阶段，不能再办理此事项。", c.Stage.Label())
	}
	err = whileDraining(ctx, func() error {
		h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   workflows.CallWorkflowID(c.ID),
			UpdateID:     name + "/" + id,
			UpdateName:   name,
			Args:         []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, result)
		}
		return err
	})
	if err != nil && workflows.DomainError(err) == err {
		// Not the workflow's refusal: it may have ended meanwhile.
		if now, e := s.Store.Call(context.WithoutCancel(ctx), c.ID); e == nil && now.Stage.Final() {
			return domain.Wrap(err, domain.CodeConflict, fmt.Sprintf("征集已处于“%s”阶段，不能再办理此事项。请刷新页面查看最新状态。", now.Stage.Label()))
		}
		// Or its answer was lost (a cancelled request, a timeout): learn
		// the outcome by the update's ID, never report "not taken effect".
		return settleUpdate(ctx, s.Temporal, workflows.CallWorkflowID(c.ID), name+"/"+id, err, result)
	}
	return temporalErr(name, err)
}

// whileDraining sends an update again while its workflow refuses it for
// continuing as new (a moment: the next run takes it), for up to a minute.
// A refused update is not recorded, so its ID is free to send again.
func whileDraining(ctx context.Context, send func() error) error {
	wait := 20 * time.Millisecond
	deadline := time.Now().Add(time.Minute)
	for {
		err := send()
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) || ae.Type() != workflows.ErrTypeDraining || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// whileDrawCatchesUp runs send, and again while it is refused as from
// someone not drawn although the record says drawn: a draw (of a panel, of
// evaluators) is recorded — and shown to the person — by its activity a
// moment before the workflow has it, so a refusal in that moment is only
// the workflow catching up. It tries for a few seconds (a rejected update
// leaves no trace: its key is free).
func whileDrawCatchesUp(ctx context.Context, send func() error, drawn func() (bool, error)) error {
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		err := send()
		if domain.ErrorCode(err) != domain.CodeForbidden || wait > 3*time.Second {
			return err
		}
		if ok, derr := drawn(); derr != nil || !ok {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}
