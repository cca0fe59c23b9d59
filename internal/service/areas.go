package service

import (
	"context"
	"strings"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Areas is the application service of the area tree.
type Areas struct {
	Store *store.Store
}

// List returns the whole tree (anyone signed in may read it).
func (s *Areas) List(ctx context.Context) ([]domain.Area, error) {
	return s.Store.Areas(ctx)
}

// Add adds a street under a district or a community under a street.
func (s *Areas) Add(ctx context.Context, by domain.Actor, a domain.Area) (domain.Area, error) {
	if err := auth.Authorize(by.User(), auth.ActionManageAreas, ""); err != nil {
		return domain.Area{}, err
	}
	a.Code, a.Name, a.ParentCode = strings.TrimSpace(a.Code), strings.TrimSpace(a.Name), strings.TrimSpace(a.ParentCode)
	parent, err := s.Store.Area(ctx, a.ParentCode)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return domain.Area{}, &domain.Error{Code: domain.CodeInvalid, Message: "上级区划不存在。", Fields: map[string]string{"parent_code": "请选择上级区划。"}}
		}
		return domain.Area{}, err
	}
	a.Level = parent.Level.Child()
	if err := domain.ValidateNewArea(a, parent); err != nil {
		return domain.Area{}, err
	}
	return a, s.Store.AddArea(ctx, a, by)
}
