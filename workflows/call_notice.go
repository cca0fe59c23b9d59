package workflows

// The call's notice (招标公告), rendered again whenever the call changes
// until it is final.

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// followNotice renders the call's notice again whenever it changed
// (attachments, deadline) until the call is final, or until the run drains
// (the next run renders it).
func (r *callRun) followNotice(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return r.noticeDirty || r.st.Stage.Final() || r.draining }); err != nil || r.st.Stage.Final() {
			return
		}
		if r.draining {
			return // the next run renders it
		}
		r.noticeDirty = false
		r.st.NoticeRevision++
		var ref activities.NoticeRef
		r.rendering = true
		err := workflow.ExecuteActivity(opts(ctx), a.RenderCallNotice, activities.RenderCallNoticeInput{
			CallID: r.in.CallID, Revision: r.st.NoticeRevision,
		}).Get(ctx, &ref)
		r.rendering = false
		if err != nil {
			workflow.GetLogger(ctx).Error("render call notice", "error", err)
			// Runs from before the failure was kept stopped rendering.
			if workflow.GetVersion(ctx, "notice-failure", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
				return
			}
			// A notice that cannot be rendered (the activity says so
			// once, it does not retry) stops the call's submission and
			// publication until a later revision renders.
			r.st.NoticeFailed = noticeFailure(err)
			continue
		}
		r.st.NoticeSHA256, r.st.NoticeFailed = ref.SHA256, ""
	}
}

// noticeFailure is what a failed notice rendering tells people.
func noticeFailure(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Message() != "" {
		return ae.Message()
	}
	return "征集公告 PDF 未能生成，请联系系统管理员。"
}

// noticeRendered refuses to submit or publish a call whose notice could
// not be rendered: a call is never published without its notice.
func (r *callRun) noticeRendered() error {
	if r.st.NoticeFailed != "" {
		return domain.Errorf(domain.CodeConflict, "征集公告尚未生成，不能提交或发布：%s", r.st.NoticeFailed)
	}
	return nil
}
