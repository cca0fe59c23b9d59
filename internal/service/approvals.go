package service

import (
	"context"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// Approve gives or refuses the current approval step (civil affairs, then
// finance).
func (s *Calls) Approve(ctx context.Context, by domain.Actor, callID, key string, approve bool, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := anyOf(by, c.District, auth.ActionApproveAward, auth.ActionFinanceApprove); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateApprove, key, workflows.DecisionRequest{Actor: by, Approve: approve, Reason: reason}, nil)
}
