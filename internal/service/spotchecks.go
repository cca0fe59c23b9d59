package service

import (
	"context"
	"crypto/rand"
	"math/big"
	"strings"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// SpotSampleSize is how many trainees a spot-check sample suggests.
const SpotSampleSize = 5

// SpotSample suggests trainees to call, drawn at random (crypto/rand) from
// those not yet checked.
func (s *Delivery) SpotSample(ctx context.Context, by domain.Actor, projectID string) ([]domain.Trainee, error) {
	p, err := s.spotCheckable(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	ts, err := s.Trainees(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	done, err := s.Store.SpotChecks(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	checked := map[int64]bool{}
	for _, c := range done {
		checked[c.TraineeID] = true
	}
	var pool []domain.Trainee
	for _, t := range ts {
		if !checked[t.ID] && t.Hours > 0 {
			pool = append(pool, t)
		}
	}
	var out []domain.Trainee
	for len(out) < SpotSampleSize && len(pool) > 0 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(pool))))
		if err != nil {
			return nil, err
		}
		i := int(n.Int64())
		out = append(out, pool[i])
		pool = append(pool[:i], pool[i+1:]...)
	}
	return out, nil
}

// SpotChecks lists a project's spot-checks (officials).
func (s *Delivery) SpotChecks(ctx context.Context, by domain.Actor, projectID string) ([]domain.SpotCheck, error) {
	p, err := s.spotCheckable(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	return s.Store.SpotChecks(ctx, p.ID)
}

// RecordSpotCheck records what a phone call to a trainee found.
func (s *Delivery) RecordSpotCheck(ctx context.Context, by domain.Actor, projectID string, traineeID int64, o domain.SpotCheckOutcome, note string) error {
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, ""); err != nil {
		return err
	}
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, p.District); err != nil {
		return err
	}
	if p.Stage.ReadOnly() {
		return domain.Errorf(domain.CodeConflict, "项目已%s，记录只读。", p.Stage.Label())
	}
	if err := domain.ValidateSpotCheck(o, note); err != nil {
		return err
	}
	return s.Store.InsertSpotCheck(ctx, p.ID, traineeID, o, strings.TrimSpace(note), by)
}

// spotCheckable is the project, when the caller may spot-check it (an
// official of its district).
func (s *Delivery) spotCheckable(ctx context.Context, by domain.Actor, projectID string) (domain.Project, error) {
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, ""); err != nil {
		return domain.Project{}, err
	}
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return domain.Project{}, err
	}
	return p, auth.Authorize(by.User(), auth.ActionSpotCheck, p.District)
}
