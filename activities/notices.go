package activities

import (
	"context"
	"fmt"
	"grantflow/internal/domain"
)

// notifyBidders tells every organisation with a live bid.
func (a *Activities) notifyBidders(ctx context.Context, callID, kind, text, dedup string) error {
	bids, err := a.Store.LiveBids(ctx, callID)
	if err != nil {
		return err
	}
	for _, b := range bids {
		if err := a.Store.AddNotice(ctx, callID, domain.NoticeTo{OrgID: b.OrgID}, kind, text, fmt.Sprintf("%s/%d", dedup, b.OrgID)); err != nil {
			return err
		}
	}
	return nil
}

// NotifyInput is a notice to record once.
type NotifyInput struct {
	CallID string
	To     domain.NoticeTo
	Kind   string
	Text   string
	Dedup  string
}

// Notify records a notice (reminders of legal time limits, outcomes).
func (a *Activities) Notify(ctx context.Context, in NotifyInput) error {
	return a.Store.AddNotice(ctx, in.CallID, in.To, in.Kind, in.Text, in.Dedup)
}
