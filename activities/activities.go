// Package activities holds every side effect GrantFlow's workflows need:
// database writes, PDFs, object storage. Activities are methods on Activities
// (which holds their dependencies); workflows call them through a nil
// *Activities. Each one is idempotent, because Temporal retries it: inserts
// are keyed by IDs the workflow chose, objects by workflow ID and step.
package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/report"
	"grantflow/internal/store"
)

// Activities holds the dependencies of every activity.
type Activities struct {
	Store *store.Store
	Blob  *blob.Store
	Keys  *pii.Keyring
	Rules domain.Rules
	// Archive is the object-locked bucket archive packages go to.
	Archive  *blob.Store
	LockMode blob.LockMode
	// SweepGrace is how old an unreferenced upload must be before the
	// sweep removes it (see SweepUnreferenced).
	SweepGrace time.Duration
}

// ErrTypeRenderFailed is the error type of a document that cannot be
// rendered (report.ErrRender): retrying would fail the same way.
const ErrTypeRenderFailed = "render_failed"

// nonRetryable marks errors a retry cannot fix (invalid input, missing
// records) so the workflow sees them at once.
func nonRetryable(err error) error {
	if err == nil {
		return nil
	}
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid, domain.CodeNotFound, domain.CodeForbidden, domain.CodeConflict:
		var de *domain.Error
		errors.As(err, &de)
		return temporal.NewNonRetryableApplicationError(de.Message, string(de.Code), err)
	}
	return err
}

// CreateDraftCallInput is a new call as the workflow received it.
type CreateDraftCallInput struct {
	CallID string
	Draft  domain.CallDraft
	By     domain.Actor
}

// CreateDraftCall writes the call's row (stage draft). Idempotent on CallID.
func (a *Activities) CreateDraftCall(ctx context.Context, in CreateDraftCallInput) (domain.Call, error) {
	if err := in.Draft.Validate(a.Rules); err != nil {
		return domain.Call{}, nonRetryable(err)
	}
	c, err := a.Store.InsertDraftCall(ctx, in.CallID, in.Draft, in.By)
	return c, nonRetryable(err)
}

// SetCallStageInput is a stage the workflow moved a call to.
type SetCallStageInput struct {
	CallID string
	Stage  domain.CallStage
	Reason string
	By     domain.Actor
}

// SetCallStage records the call's stage for pages and lists.
func (a *Activities) SetCallStage(ctx context.Context, in SetCallStageInput) error {
	return nonRetryable(a.Store.SetCallStage(ctx, in.CallID, in.Stage, in.Reason, in.By))
}

// RecordAttachmentInput is a document already stored in object storage and
// who attached it.
type RecordAttachmentInput struct {
	Attachment domain.Attachment
	By         domain.Actor
}

// RecordAttachment records a document already stored in object storage.
func (a *Activities) RecordAttachment(ctx context.Context, in RecordAttachmentInput) error {
	return nonRetryable(a.Store.InsertAttachment(ctx, in.Attachment, in.By))
}

// RenderCallNoticeInput names the call and the notice's revision (the
// workflow counts them, so a retry writes the same object key).
type RenderCallNoticeInput struct {
	CallID   string
	Revision int
}

// NoticeRef is where a rendered notice is stored.
type NoticeRef struct {
	Key    string
	SHA256 string
}

// RenderCallNotice renders the call notice (征集公告) PDF from the call's
// current record and attachments, stores it, and records it on the call.
func (a *Activities) RenderCallNotice(ctx context.Context, in RenderCallNoticeInput) (NoticeRef, error) {
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return NoticeRef{}, nonRetryable(err)
	}
	atts, err := a.Store.Attachments(ctx, in.CallID)
	if err != nil {
		return NoticeRef{}, err
	}
	names := make([]string, len(atts))
	for i, att := range atts {
		names[i] = att.FileName
	}
	pdf, err := report.RenderCallNotice(report.CallNotice{
		Number:      c.Number,
		Title:       c.Title,
		Brand:       c.Brand,
		District:    c.District,
		Budget:      c.Budget,
		Issuer:      report.IssuerFor(c.District),
		IssuedOn:    c.CreatedAt.In(domain.ChinaTime),
		Attachments: names,
		Mode:        c.Plan.Mode,
		Projects:    c.Plan.Projects,
		Eligibility: c.Plan.Eligibility,
		Deadline:    c.BidDeadline,
		Criteria:    c.Plan.Criteria,
		Publicity:   c.Plan.PublicityDays,
		BidBond:     c.Plan.BidBond,
	})
	if errors.Is(err, report.ErrRender) {
		// The same call renders the same way: say so instead of retrying.
		reason := fmt.Sprintf("征集公告 PDF 无法生成（%v）。请撤销本征集后重新起草，或联系系统管理员。", err)
		if err := a.Store.SetCallNoticeError(ctx, c.ID, reason); err != nil {
			return NoticeRef{}, err
		}
		return NoticeRef{}, temporal.NewNonRetryableApplicationError(reason, ErrTypeRenderFailed, err)
	}
	if err != nil {
		return NoticeRef{}, fmt.Errorf("render call notice %s: %w", c.Number, err)
	}
	key := fmt.Sprintf("calls/%s/notice/r%03d-%s.pdf", c.ID, in.Revision, c.Number)
	obj, err := a.Blob.Put(ctx, key, pdf, "application/pdf")
	if err != nil {
		return NoticeRef{}, err
	}
	if err := a.Store.SetCallNotice(ctx, c.ID, obj.Key, obj.SHA256); err != nil {
		return NoticeRef{}, err
	}
	return NoticeRef{Key: obj.Key, SHA256: obj.SHA256}, nil
}

// beat records a heartbeat of a long activity (longOpts in the workflows):
// a worker that died or stopped mid-attempt is noticed within the heartbeat
// timeout, not the whole start-to-close timeout. Outside an activity (a
// direct call) it does nothing.
func beat(ctx context.Context, details ...any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details...)
	}
}
