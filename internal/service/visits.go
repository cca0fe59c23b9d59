package service

import (
	"context"
	"strings"
	"time"

	"grantflow/internal/domain"
)

// LogVisit records a visit on a pair in scope.
func (s *Volunteers) LogVisit(ctx context.Context, by domain.Actor, v domain.VisitEntry) (int64, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return 0, err
	}
	owner, err := s.Store.PairOwner(ctx, v.PairID)
	if err != nil {
		return 0, &domain.Error{Code: domain.CodeInvalid, Message: "没有这个结对。", Fields: map[string]string{"pair_id": "请选择结对。"}}
	}
	if err := s.authorize(by, owner.District, owner.CommunityCode); err != nil {
		return 0, err
	}
	v.Note = strings.TrimSpace(v.Note)
	if err := v.Validate(time.Now()); err != nil {
		return 0, err
	}
	return s.Store.InsertVisit(ctx, v, by)
}

// LogTeamVisit records a paired team's visit to its institution, crediting
// every participant.
func (s *Volunteers) LogTeamVisit(ctx context.Context, by domain.Actor, v domain.TeamVisitEntry) (int64, error) {
	d, err := s.Team(ctx, by, v.TeamID)
	if err != nil {
		return 0, err
	}
	if d.Team.InstitutionID == 0 {
		return 0, domain.Errorf(domain.CodeConflict, "服务队尚未与养老机构结对，请先结对再记录服务。")
	}
	v.Note = strings.TrimSpace(v.Note)
	if err := v.Validate(time.Now()); err != nil {
		return 0, err
	}
	return s.Store.InsertTeamVisit(ctx, v, d.Team.InstitutionID, by)
}
