package activities

import (
	"context"
	"fmt"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/seal"
)

// RecordDecisionInput is an approval, rejection or submission to record.
type RecordDecisionInput struct {
	CallID    string
	RequestID string // the Temporal update ID: a retry records nothing twice
	Decision  domain.CallDecision
	By        domain.Actor
}

// RecordDecision records a decision on a call.
func (a *Activities) RecordDecision(ctx context.Context, in RecordDecisionInput) error {
	return nonRetryable(a.Store.RecordCallDecision(ctx, in.CallID, in.RequestID, in.Decision, in.By))
}

// PublishResult is what publication fixed.
type PublishResult struct {
	Deadline time.Time
	// CalendarNote is set when the deadline's year has no loaded holiday
	// schedule (Monday–Friday was used).
	CalendarNote string
}

// PublishCall publishes a call: computes its bidding deadline with the
// working-day calendar (the requested one, or the earliest lawful one), and
// makes the call's key pair. Idempotent: a published call keeps its key and
// deadline.
func (a *Activities) PublishCall(ctx context.Context, callID string) (PublishResult, error) {
	c, err := a.Store.Call(ctx, callID)
	if err != nil {
		return PublishResult{}, nonRetryable(err)
	}
	cal, err := a.Store.Calendar(ctx)
	if err != nil {
		return PublishResult{}, err
	}
	if !c.PublishedAt.IsZero() {
		return PublishResult{Deadline: c.BidDeadline, CalendarNote: cal.FallbackNote(c.BidDeadline)}, nil
	}
	now := time.Now()
	deadline := cal.BidDeadline(c.Plan.Mode, a.Rules, now, c.Plan.BidDeadline).Truncate(time.Second)
	pub, priv, err := seal.NewCallKey()
	if err != nil {
		return PublishResult{}, err
	}
	sealed, err := seal.WrapPrivate(a.Keys, priv)
	if err != nil {
		return PublishResult{}, err
	}
	if err := a.Store.PublishCall(ctx, callID, deadline, pub, sealed); err != nil {
		return PublishResult{}, nonRetryable(err)
	}
	c, err = a.Store.Call(ctx, callID)
	if err != nil {
		return PublishResult{}, err
	}
	return PublishResult{Deadline: c.BidDeadline, CalendarNote: cal.FallbackNote(c.BidDeadline)}, nil
}

// SetCallTimesInput records dates the workflow set.
type SetCallTimesInput struct {
	CallID string
	Times  domain.CallTimes
}

// SetCallTimes records dates the workflow set.
func (a *Activities) SetCallTimes(ctx context.Context, in SetCallTimesInput) error {
	return nonRetryable(a.Store.SetCallTimes(ctx, in.CallID, in.Times))
}

// WorkingDaysInput asks for the close of the N-th working day after From.
type WorkingDaysInput struct {
	From time.Time
	N    int
}

// AddWorkingDays does working-day arithmetic with the calendar (data, so an
// activity, never workflow code).
func (a *Activities) AddWorkingDays(ctx context.Context, in WorkingDaysInput) (time.Time, error) {
	cal, err := a.Store.Calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.AddWorkingDays(in.From, in.N), nil
}

// CancelCallInput cancels a call's bids.
type CancelCallInput struct {
	CallID string
	Reason string
}

// CancelBids handles a cancelled call's bids: before opening, the call's
// private key is destroyed and every sealed bid discarded unread; after
// opening, bids stay on file (15 years). Every bidder is told.
func (a *Activities) CancelBids(ctx context.Context, in CancelCallInput) error {
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return nonRetryable(err)
	}
	beat(ctx)
	text := fmt.Sprintf("征集 %s 已撤销，原因：%s。", c.Number, in.Reason)
	if c.OpenedAt.IsZero() {
		// Tell bidders before discarding (discarded bids are no longer live).
		if err := a.notifyBidders(ctx, c.ID, "call.cancelled", text+"您递交的投标文件未被开启，其解密密钥已销毁，任何人都无法读取。", "cancel/"+c.ID); err != nil {
			return err
		}
		_, err := a.Store.DiscardSealedBids(ctx, c.ID)
		return err
	}
	return a.notifyBidders(ctx, c.ID, "call.cancelled", text+"已开启的投标文件依法存档。", "cancel/"+c.ID)
}
