package activities

import (
	"context"
	"fmt"
	"time"

	"grantflow/internal/domain"
)

// RecordObjectionInput is a 质疑 whose attachment, if any, is stored.
type RecordObjectionInput struct {
	Objection domain.Objection
	Contact   string
	By        domain.Actor
}

// RecordObjection records a 质疑 (contact sealed) and tells civil affairs.
func (a *Activities) RecordObjection(ctx context.Context, in RecordObjectionInput) error {
	sealed, err := a.Keys.Seal(in.Contact)
	if err != nil {
		return err
	}
	if err := a.Store.InsertObjection(ctx, in.Objection, sealed, in.By); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.Objection.CallID)
	if err != nil {
		return err
	}
	if in.Objection.Complaint() {
		return a.Store.AddNotice(ctx, c.ID, domain.NoticeTo{Role: domain.RoleFinance, District: c.District}, "complaint",
			fmt.Sprintf("征集 %s 收到对质疑答复的投诉，请在 %d 个工作日内作出处理决定；决定前暂停定标（政府采购法 §57）。", c.Number, domain.ComplaintDecisionWorkingDays),
			"complaint/"+in.Objection.ID)
	}
	return a.Store.AddNotice(ctx, c.ID, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: c.District}, "objection",
		fmt.Sprintf("征集 %s 收到质疑，请在 %d 个工作日内答复；答复前暂停定标。", c.Number, domain.ObjectionReplyWorkingDays), "objection/"+in.Objection.ID)
}

// FileObjectionInput files a supplier's objection whose row the service
// wrote (pending): the workflow accepted it.
type FileObjectionInput struct {
	CallID      string
	ID          string
	OrgID       int64
	ComplaintOf string
	FiledAt     time.Time
	By          domain.Actor
}

// FileObjection marks the pending objection filed (by that organisation, at
// the workflow's time; audited) and tells civil affairs, or finance for a
// complaint. A row that is missing is refused for good.
func (a *Activities) FileObjection(ctx context.Context, in FileObjectionInput) error {
	if err := a.Store.FileObjection(ctx, in.CallID, in.ID, in.OrgID, in.ComplaintOf, in.FiledAt, in.By); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return err
	}
	if in.ComplaintOf != "" {
		return a.Store.AddNotice(ctx, c.ID, domain.NoticeTo{Role: domain.RoleFinance, District: c.District}, "complaint",
			fmt.Sprintf("征集 %s 收到对质疑答复的投诉，请在 %d 个工作日内作出处理决定；决定前暂停定标（政府采购法 §57）。", c.Number, domain.ComplaintDecisionWorkingDays),
			"complaint/"+in.ID)
	}
	return a.Store.AddNotice(ctx, c.ID, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: c.District}, "objection",
		fmt.Sprintf("征集 %s 收到质疑，请在 %d 个工作日内答复；答复前暂停定标。", c.Number, domain.ObjectionReplyWorkingDays), "objection/"+in.ID)
}

// AnswerObjectionInput is civil affairs' answer.
type AnswerObjectionInput struct {
	CallID      string
	ObjectionID string
	Upheld      bool
	Answer      string
	ReturnTo    domain.CallStage
	By          domain.Actor
}

// AnswerObjection records the answer (public on the call's page).
func (a *Activities) AnswerObjection(ctx context.Context, in AnswerObjectionInput) error {
	return nonRetryable(a.Store.AnswerObjection(ctx, in.CallID, in.ObjectionID, in.Upheld, in.Answer, in.ReturnTo, in.By))
}
