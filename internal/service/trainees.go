package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"grantflow/internal/domain"
)

// Enrol enrols a trainee, with consent (a guardian's under 14).
func (s *Delivery) Enrol(ctx context.Context, by domain.Actor, projectID string, e domain.TraineeEntry) (int64, error) {
	return s.EnrolKeyed(ctx, by, projectID, "", e)
}

// EnrolKeyed enrols a trainee once per idempotency key (see
// PlanSessionKeyed): the same key with the same entry returns the trainee
// enrolled first.
func (s *Delivery) EnrolKeyed(ctx context.Context, by domain.Actor, projectID, key string, e domain.TraineeEntry) (int64, error) {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return 0, err
	}
	e = e.Normalize()
	if err := e.Validate(time.Now()); err != nil {
		return 0, err
	}
	// The key is bound to the entry with its ID number and phone as keyed
	// digests (never a plain hash of an ID number).
	digest := e
	digest.IDNumber, digest.Phone = s.Keys.Index(e.IDNumber), s.Keys.Index(e.Phone)
	k, err := storeKey(by, "trainee/"+p.ID, key, digest)
	if err != nil {
		return 0, err
	}
	if before, err := s.Store.RequestKeyResult(ctx, k); err != nil || before != "" {
		id, _ := strconv.ParseInt(before, 10, 64)
		return id, err
	}
	// The same person enrolled twice would count twice in the indicators.
	dup, err := s.Store.TraineeByIndex(ctx, p.ID, s.Keys.Indexes(e.IDNumber))
	if err != nil {
		return 0, err
	}
	if dup != 0 {
		return 0, domain.FieldErrors{"id_number": fmt.Sprintf("该身份证号已在本项目登记为学员（编号 %d），同一人不能重复登记。", dup)}.Err()
	}
	idSealed, err := s.Keys.Seal(e.IDNumber)
	if err != nil {
		return 0, err
	}
	phoneSealed := ""
	if e.Phone != "" {
		if phoneSealed, err = s.Keys.Seal(e.Phone); err != nil {
			return 0, err
		}
	}
	return s.Store.InsertTraineeKeyed(ctx, p.ID, e, idSealed, s.Keys.Index(e.IDNumber), phoneSealed, by, k)
}

// Trainees lists a project's trainees, ID numbers and phones masked.
func (s *Delivery) Trainees(ctx context.Context, by domain.Actor, projectID string) ([]domain.Trainee, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	ts, err := s.Store.Trainees(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return ts, s.mask(ts)
}

// TraineesPage is one page of a project's trainees (masked) and how many
// there are; only the page is decrypted.
func (s *Delivery) TraineesPage(ctx context.Context, p domain.Project, page int) ([]domain.Trainee, int, error) {
	ts, total, err := s.Store.TraineesPage(ctx, p.ID, page, ProjectPageRows)
	if err != nil {
		return nil, 0, err
	}
	return ts, total, s.mask(ts)
}

func (s *Delivery) mask(ts []domain.Trainee) error {
	for i := range ts {
		for _, f := range []*string{&ts[i].IDNumber, &ts[i].Phone} {
			if *f == "" {
				continue
			}
			plain, err := s.Keys.Open(*f)
			if err != nil {
				return err
			}
			*f = domain.MaskMiddle(plain)
		}
	}
	return nil
}
