package workflows

// Due dates and reminders of a call's steps.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// awaitDue waits for cond until due, reminding one day before and again at
// the due time (overdue), then keeps waiting. done is false only when the
// workflow context ended.
func (r *callRun) awaitDue(ctx workflow.Context, due time.Time, kind string, to []domain.NoticeTo, label string, cond func() bool) (bool, error) {
	remind := func(suffix, text string) error {
		for i, t := range to {
			if err := r.notify(ctx, t, kind+"."+suffix, text, fmt.Sprintf("%s/%s/%d/%d", kind, suffix, due.Unix(), i)); err != nil {
				return err
			}
		}
		return nil
	}
	if wait := due.Add(-24 * time.Hour).Sub(workflow.Now(ctx)); wait > 0 {
		if ok, err := r.await(ctx, wait, cond); err != nil || ok {
			return ok, err
		}
		if err := remind("soon", fmt.Sprintf("征集 %s 的%s将于 %s 到期，请及时办理。", r.st.Number, label, cstTime(due))); err != nil {
			return false, err
		}
	}
	if wait := due.Sub(workflow.Now(ctx)); wait > 0 {
		if ok, err := r.await(ctx, wait, cond); err != nil || ok {
			return ok, err
		}
	}
	if !cond() {
		if err := remind("overdue", fmt.Sprintf("征集 %s 的%s已超过法定时限（%s），请尽快办理。", r.st.Number, label, cstTime(due))); err != nil {
			return false, err
		}
	}
	_, err := r.await(ctx, -1, cond)
	return err == nil, err
}

func (r *callRun) notify(ctx workflow.Context, to domain.NoticeTo, kind, text, dedup string) error {
	return workflow.ExecuteActivity(opts(ctx), a.Notify, activities.NotifyInput{
		CallID: r.in.CallID, To: to, Kind: kind, Text: text, Dedup: r.in.CallID + "/" + dedup,
	}).Get(ctx, nil)
}

func (r *callRun) workingDays(ctx workflow.Context, from time.Time, n int) (time.Time, error) {
	var t time.Time
	err := workflow.ExecuteActivity(opts(ctx), a.AddWorkingDays, activities.WorkingDaysInput{From: from, N: n}).Get(ctx, &t)
	return t, err
}
