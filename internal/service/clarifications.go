package service

import (
	"context"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// Clarify publishes a clarification to every bidder.
func (s *Calls) Clarify(ctx context.Context, by domain.Actor, callID, key, title, body string, material bool) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionClarify, c.District); err != nil {
		return err
	}
	id, err := requestID(key)
	if err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateClarify, id, workflows.ClarifyRequest{Actor: by, ID: id, Title: title, Body: body, Material: material}, nil)
}
