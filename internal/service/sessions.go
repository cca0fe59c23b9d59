package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

func sessionCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// PlanSession plans a training session within the contract's modules and term.
func (s *Delivery) PlanSession(ctx context.Context, by domain.Actor, projectID string, ts domain.TrainingSession) (int64, error) {
	return s.PlanSessionKeyed(ctx, by, projectID, "", ts)
}

// PlanSessionKeyed plans a session once per idempotency key (key, when
// set, a UUID): the same key with the same session returns the session
// planned first; with another session it is refused and plans nothing.
func (s *Delivery) PlanSessionKeyed(ctx context.Context, by domain.Actor, projectID, key string, ts domain.TrainingSession) (int64, error) {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return 0, err
	}
	ts.Module, ts.Place, ts.Trainer = strings.TrimSpace(ts.Module), strings.TrimSpace(ts.Place), strings.TrimSpace(ts.Trainer)
	if err := domain.ValidateSession(ts, *p.Terms); err != nil {
		return 0, err
	}
	ts.ProjectID = p.ID
	k, err := storeKey(by, "session", key, ts)
	if err != nil {
		return 0, err
	}
	if ts.Code, err = sessionCode(); err != nil {
		return 0, err
	}
	return s.Store.InsertSessionKeyed(ctx, ts, by, k)
}

// Sessions lists a project's sessions for those who may see the project.
func (s *Delivery) Sessions(ctx context.Context, by domain.Actor, projectID string) ([]domain.TrainingSession, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	ss, err := s.Store.TrainingSessions(ctx, p.ID)
	return s.hideCodes(by, p, ss), err
}

// SessionsPage is one page of a project's sessions, newest first, and how
// many there are (the project page; a project may run hundreds).
func (s *Delivery) SessionsPage(ctx context.Context, by domain.Actor, p domain.Project, page int) ([]domain.TrainingSession, int, error) {
	ss, total, err := s.Store.TrainingSessionsPage(ctx, p.ID, page, ProjectPageRows)
	return s.hideCodes(by, p, ss), total, err
}

// ProjectPageRows is how many sessions or trainees a project's page lists.
const ProjectPageRows = 50

func (s *Delivery) hideCodes(by domain.Actor, p domain.Project, ss []domain.TrainingSession) []domain.TrainingSession {
	if auth.AuthorizeTarget(by.User(), auth.ActionDeliver, auth.Target{District: p.District, OrgID: p.OrgID}) != nil {
		for i := range ss {
			ss[i].Code = "" // the check-in code is for the session's staff to show
		}
	}
	return ss
}
