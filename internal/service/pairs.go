package service

import (
	"context"

	"grantflow/internal/domain"
)

// Pair pairs a volunteer with a person on the register, both in scope.
func (s *Volunteers) Pair(ctx context.Context, by domain.Actor, volunteerID, elderID int64) (int64, error) {
	if _, err := s.Get(ctx, by, volunteerID); err != nil {
		return 0, err
	}
	e, err := s.Store.Elder(ctx, elderID)
	if err != nil {
		return 0, &domain.Error{Code: domain.CodeInvalid, Message: "名册中没有这位老人。", Fields: map[string]string{"elder_id": "请填写老年人名册中的编号。"}}
	}
	if err := s.authorize(by, e.District, e.CommunityCode); err != nil {
		return 0, err
	}
	return s.Store.InsertPair(ctx, volunteerID, elderID, by)
}

// PairTeam pairs a team with an institution, both in the person's scope.
func (s *Volunteers) PairTeam(ctx context.Context, by domain.Actor, teamID, institutionID int64) error {
	if _, err := s.Team(ctx, by, teamID); err != nil {
		return err
	}
	inst, err := s.Store.Institution(ctx, institutionID)
	if err != nil {
		return domain.FieldErrors{"institution_id": "请选择已登记的养老机构。"}.Err()
	}
	if err := s.authorize(by, inst.District, inst.CommunityCode); err != nil {
		return err
	}
	return s.Store.PairTeam(ctx, teamID, institutionID, by)
}
