package activities

import (
	"context"
	"fmt"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/report"
)

// ClarifyInput is a clarification to publish.
type ClarifyInput struct {
	Clarification domain.Clarification // ID, CallID, Title, Body, Material, DeadlineFrom
	By            domain.Actor
}

// Clarify publishes a clarification: a material one less than 15 days
// before the deadline moves it (实施条例 §31). It returns the (new) deadline
// and tells every bidder.
func (a *Activities) Clarify(ctx context.Context, in ClarifyInput) (time.Time, error) {
	cl := in.Clarification
	existing, err := a.Store.Clarifications(ctx, cl.CallID)
	if err != nil {
		return time.Time{}, err
	}
	for _, e := range existing {
		if e.ID == cl.ID {
			return e.DeadlineTo, nil
		}
	}
	cal, err := a.Store.Calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	cl.DeadlineTo = cl.DeadlineFrom
	if cl.Material {
		cl.DeadlineTo = cal.MovedDeadline(time.Now(), cl.DeadlineFrom)
	}
	if err := a.Store.InsertClarification(ctx, cl, in.By); err != nil {
		return time.Time{}, nonRetryable(err)
	}
	text := fmt.Sprintf("征集发布了澄清：%s。", cl.Title)
	if cl.Moved() {
		text += "投标截止时间顺延至 " + report.ChineseDateTime(cl.DeadlineTo) + "。"
	}
	return cl.DeadlineTo, a.notifyBidders(ctx, cl.CallID, "clarification", text, "clarify/"+cl.ID)
}
