package service

import (
	"context"

	"grantflow/internal/domain"
)

// Notices lists the newest notices for by.
func (s *Calls) Notices(ctx context.Context, by domain.Actor, limit int) ([]domain.Notice, error) {
	return s.Store.NoticesFor(ctx, by.User(), limit)
}
