package service

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"grantflow/internal/domain"
)

// settleTimeout bounds how long a request waits, after its own context
// ended, to learn what became of an update it sent.
const settleTimeout = 20 * time.Second

// refused reports an update the workflow is known to have refused: its
// validator or handler answered with a domain error (a wrong stage or role,
// an invalid request, a late bid). Anything else — a cancelled request, a
// deadline, a broken connection, a workflow that ended meanwhile — leaves
// the outcome unknown: the workflow may hold what the request sent.
func refused(err error) bool {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		return false
	}
	switch domain.Code(ae.Type()) {
	case domain.CodeInvalid, domain.CodeNotFound, domain.CodeForbidden, domain.CodeConflict, domain.CodeUnauthorized:
		return true
	}
	return false
}

// settleUpdate learns the outcome of an update whose call failed with err:
// a known refusal is returned as it is; otherwise the update is polled by
// its ID with a context that outlives the request (its own timeout), so a
// cancelled request or a lost answer still finds out whether the workflow
// accepted it. It returns nil (result filled) when the update completed, the
// workflow's refusal when it refused, and err when the outcome stays
// unknown (then nothing the update refers to may be deleted).
func settleUpdate(ctx context.Context, tc client.Client, workflowID, updateID string, err error, result any) error {
	if err == nil || refused(err) || unclear(err) {
		return err
	}
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	h := tc.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: workflowID, UpdateID: updateID})
	perr := h.Get(octx, result)
	switch {
	case perr == nil:
		return nil
	case refused(perr):
		return temporalErr("update", perr)
	case isNotFound(perr) && domain.ErrorCode(err) == domain.CodeConflict:
		// The service found the lifecycle ended, and the workflow holds no
		// update of that ID: the conflict is the answer.
		return err
	case isNotFound(err) && isNotFound(perr):
		// The workflow had ended when the update was sent, and holds no
		// update of that ID: it never took effect (a lifecycle that ended,
		// or a database restored to a point before it did).
		return domain.Wrap(err, domain.CodeConflict, msgEnded)
	}
	return domain.Wrap(err, domain.CodeUnavailable, msgUnclear)
}

// answeredBefore learns, by its update ID, the answer a request already
// got, when the call or project has since reached a stage that takes no
// more requests: a request sent again after its answer was lost may be the
// one that brought it there (the last approval awarding a call, the last
// payment archiving a project), and its first answer is the answer. False
// when the workflow holds no such update (never sent, or sent to an earlier
// run) or does not say within a few seconds.
func answeredBefore(ctx context.Context, tc client.Client, workflowID, updateID string, result any) bool {
	octx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h := tc.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: workflowID, UpdateID: updateID})
	return h.Get(octx, result) == nil
}

// msgUnclear tells a person their request's outcome could not be learned
// (never that it did not take effect: the workflow may hold it).
const msgUnclear = "暂时无法确认此次提交是否已生效，请稍后刷新页面查看（如投标回执）；确认未生效后再重新提交。"

// msgEnded tells a person their request did not take effect because the
// lifecycle it belongs to has ended.
const msgEnded = "该事项的流程已经结束，此次提交未生效。请刷新页面查看最新状态。"

// unclear reports an error settleUpdate already gave up on (asking again
// would only wait as long once more).
func unclear(err error) bool {
	return domain.ErrorCode(err) == domain.CodeUnavailable && domain.ErrorMessage(err) == msgUnclear
}

// removeIfRefused removes objects a failed update referred to, but only
// when the workflow is known to have refused it (see refused): after an
// unknown outcome they stay, and the sweep removes them later if no record
// refers to them.
func removeIfRefused(ctx context.Context, remove func(context.Context, string) error, err error, keys ...string) {
	if !refused(err) {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	for _, k := range keys {
		if k != "" {
			_ = remove(rctx, k)
		}
	}
}
