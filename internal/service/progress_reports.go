package service

import (
	"context"
	"strings"
	"time"

	"grantflow/internal/domain"
)

// FileProgressReport files (or corrects) the organisation's report for a
// month, with the indicators as they stand.
func (s *Delivery) FileProgressReport(ctx context.Context, by domain.Actor, projectID string, r domain.ProgressReport) error {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return err
	}
	r.Month, r.Summary, r.Problems = strings.TrimSpace(r.Month), strings.TrimSpace(r.Summary), strings.TrimSpace(r.Problems)
	if err := domain.ValidateProgressReport(r, *p.Terms, time.Now()); err != nil {
		return err
	}
	k, err := s.Store.KPIs(ctx, p.ID, p.Terms.HoursPerTrainee)
	if err != nil {
		return err
	}
	return s.Store.FileProgressReport(ctx, p.ID, r, k, by)
}

// ProgressReports lists a project's monthly reports.
func (s *Delivery) ProgressReports(ctx context.Context, by domain.Actor, projectID string) ([]domain.ProgressReport, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	return s.Store.ProgressReports(ctx, p.ID)
}
