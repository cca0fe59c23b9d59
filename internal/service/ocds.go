package service

import (
	"context"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/report"
)

// PublicOCDS is a published call as an OCDS 1.1 release package (DOMAIN.md
// §8): its tender, awards, contracts and payments, public data only.
func (s *Calls) PublicOCDS(ctx context.Context, callID, uri string) (domain.OCDSPackage, error) {
	c, err := s.Public(ctx, callID)
	if err != nil {
		return domain.OCDSPackage{}, err
	}
	n, err := s.Store.OpenedBids(ctx, callID)
	if err != nil {
		return domain.OCDSPackage{}, err
	}
	var projects []domain.OCDSProject
	if c.Stage == domain.StageAwarded {
		awards, err := s.Store.Awards(ctx, callID)
		if err != nil {
			return domain.OCDSPackage{}, err
		}
		for _, a := range awards {
			op := domain.OCDSProject{Award: a}
			if p, err := s.Store.Project(ctx, a.ID); err == nil {
				op.Project = &p
				if op.Tranches, err = s.Store.Tranches(ctx, p); err != nil {
					return domain.OCDSPackage{}, err
				}
			} else if domain.ErrorCode(err) != domain.CodeNotFound {
				return domain.OCDSPackage{}, err
			}
			projects = append(projects, op)
		}
	}
	issuer := report.IssuerFor(c.District)
	return domain.OCDSPackage{URI: uri, Version: "1.1", PublishedDate: time.Now().UTC().Truncate(time.Second),
		Publisher: domain.OCDSOrgRef{ID: "publisher", Name: issuer}, Releases: domain.OCDSReleases(c, issuer, n, projects)}, nil
}
