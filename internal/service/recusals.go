package service

import (
	"context"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// RequestRecusal files the caller's organisation's written request that an
// expert step aside.
func (s *Calls) RequestRecusal(ctx context.Context, by domain.Actor, callID, key, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionRequestRecusal, auth.Target{OrgID: by.OrgID}); err != nil {
		return err
	}
	id, err := requestID(key)
	if err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateRequestRecusal, id, workflows.RecusalRequest{Actor: by, ID: id, Reason: reason}, nil)
}

// DecideRecusal decides a recusal request; upheld, the expert in seat steps
// aside and a replacement is drawn.
func (s *Calls) DecideRecusal(ctx context.Context, by domain.Actor, callID, key, requestID string, upheld bool, seat int, answer string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionManagePanel, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateDecideRecusal, key, workflows.RecusalDecision{Actor: by, RequestID: requestID,
		Upheld: upheld, Seat: seat, Answer: answer}, nil)
}
