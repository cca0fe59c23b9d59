package service

import (
	"context"

	"github.com/google/uuid"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Grades is an organisation's record of final grades (public: results are
// published).
func (s *Evaluations) Grades(ctx context.Context, orgID int64) ([]store.OrgGrade, error) {
	return s.Store.OrgGrades(ctx, orgID)
}

// PublicResults are the newest published final results, for everyone.
func (s *Evaluations) PublicResults(ctx context.Context) ([]store.OrgGrade, error) {
	return s.Store.PublicResults(ctx, 50)
}

// PublishedContracts are the newest signed contracts, for everyone.
func (s *Evaluations) PublishedContracts(ctx context.Context) ([]store.PublishedContract, error) {
	return s.Store.PublishedContracts(ctx, 50)
}

// PublicContract is a signed contract's PDF, for everyone (a contract is
// published once signed); an unsigned one is not found.
func (s *Evaluations) PublicContract(ctx context.Context, id string) (Document, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该合同。")
	}
	p, err := s.Store.Project(ctx, id)
	if err != nil {
		return Document{}, err
	}
	if p.PublishedAt.IsZero() || p.ContractKey == "" {
		return Document{}, domain.Errorf(domain.CodeNotFound, "该合同尚未签订公开。")
	}
	data, _, err := s.Blob.Get(ctx, p.ContractKey, p.ContractSHA256)
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "合同-" + p.Number + ".pdf", ContentType: "application/pdf", Data: data}, nil
}
