package service

import (
	"context"
	"strings"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// RegisterInstitution registers an elderly-care institution in a community
// of the person's scope.
func (s *Volunteers) RegisterInstitution(ctx context.Context, by domain.Actor, e domain.InstitutionEntry) (int64, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return 0, err
	}
	e.Name, e.Address = strings.TrimSpace(e.Name), strings.TrimSpace(e.Address)
	if err := e.Validate(); err != nil {
		return 0, err
	}
	place, err := s.communityInScope(ctx, by, e.CommunityCode)
	if err != nil {
		return 0, err
	}
	return s.Store.InsertInstitution(ctx, e, place.District.Name, by)
}

// communityInScope finds a community the person may write into.
func (s *Volunteers) communityInScope(ctx context.Context, by domain.Actor, code string) (store.CommunityPlace, error) {
	place, err := s.Store.PlaceOfCommunity(ctx, code)
	if err != nil {
		return store.CommunityPlace{}, domain.FieldErrors{"community_code": "该社区不在区划中，请选择社区。"}.Err()
	}
	return place, s.authorize(by, place.District.Name, code)
}

// Institutions lists the institutions of the person's scope.
func (s *Volunteers) Institutions(ctx context.Context, by domain.Actor) ([]domain.Institution, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	return s.Store.Institutions(ctx, district, area)
}
