package service

import (
	"context"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// RedrawPanel draws again after the pool was short.
func (s *Calls) RedrawPanel(ctx context.Context, by domain.Actor, callID, key string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionManagePanel, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateRedrawPanel, key, workflows.RedrawRequest{Actor: by}, nil)
}

// Declare records a drawn expert's declaration (no conflict, or recusal).
func (s *Calls) Declare(ctx context.Context, by domain.Actor, callID, key string, conflict bool, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionScore, ""); err != nil {
		return err
	}
	return whileDrawCatchesUp(ctx, func() error {
		return s.update(ctx, c, workflows.UpdateDeclare, key, workflows.DeclareRequest{Actor: by, Conflict: conflict, Reason: reason}, nil)
	}, func() (bool, error) {
		panel, err := s.Store.PanelMembers(ctx, callID)
		for _, m := range panel {
			if m.UserID == by.UserID && m.Status == domain.PanelDrawn {
				return true, err
			}
		}
		return false, err
	})
}

// Score records an expert's score sheet for a bid.
func (s *Calls) Score(ctx context.Context, by domain.Actor, callID, key, bidID string, points []float64, comment string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionScore, ""); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateScore, key, workflows.ScoreRequest{Actor: by, BidID: bidID, Points: points, Comment: comment}, nil)
}

// ExpertCalls lists the calls on whose panel by sits.
func (s *Calls) ExpertCalls(ctx context.Context, by domain.Actor) ([]CallView, error) {
	if !by.User().Has(domain.RoleExpert) {
		return nil, nil
	}
	calls, err := s.Store.ExpertCalls(ctx, by.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]CallView, 0, len(calls))
	for _, c := range calls {
		if v, _, err := viewCall(by, c, callFacts{Seat: domain.PanelDrawn}); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}
