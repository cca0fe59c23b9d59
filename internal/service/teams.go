package service

import (
	"context"
	"fmt"
	"strings"

	"grantflow/internal/domain"
)

// RegisterTeam registers a 寸草心 team of volunteers of the person's scope.
func (s *Volunteers) RegisterTeam(ctx context.Context, by domain.Actor, t domain.TeamEntry) (int64, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return 0, err
	}
	t.Name = strings.TrimSpace(t.Name)
	if err := t.Validate(); err != nil {
		return 0, err
	}
	place, err := s.communityInScope(ctx, by, t.CommunityCode)
	if err != nil {
		return 0, err
	}
	for _, id := range t.Members {
		v, err := s.Store.Volunteer(ctx, id)
		if err != nil || s.authorize(by, v.District, v.CommunityCode) != nil {
			return 0, domain.FieldErrors{"members": fmt.Sprintf("编号 %d 不是您辖区内登记的志愿者。", id)}.Err()
		}
		if v.Brand != domain.BrandCunCaoXin {
			return 0, domain.FieldErrors{"members": fmt.Sprintf("%s 是“手足情”志愿者；寸草心服务队的队员须登记为“寸草心”志愿者。", v.Name)}.Err()
		}
	}
	return s.Store.InsertTeam(ctx, t, place.District.Name, by)
}

// Teams lists the teams of the person's scope.
func (s *Volunteers) Teams(ctx context.Context, by domain.Actor) ([]domain.Team, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	return s.Store.Teams(ctx, district, area)
}

// TeamDetail is a team with its members (phones masked).
type TeamDetail struct {
	Team    domain.Team
	Members []domain.Volunteer
}

// Team returns a team of the person's scope with its members.
func (s *Volunteers) Team(ctx context.Context, by domain.Actor, id int64) (TeamDetail, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return TeamDetail{}, err
	}
	t, err := s.Store.Team(ctx, id)
	if err != nil {
		return TeamDetail{}, err
	}
	if err := s.authorize(by, t.District, t.CommunityCode); err != nil {
		return TeamDetail{}, err
	}
	ms, err := s.Store.TeamMembers(ctx, id)
	for i := range ms {
		ms[i] = s.masked(ms[i])
	}
	return TeamDetail{Team: t, Members: ms}, err
}
