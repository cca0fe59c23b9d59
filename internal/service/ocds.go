package service

import (
	"context"

	"grantflow/internal/domain"
	"grantflow/internal/report"
)

// PublicOCDS is a published call as an OCDS 1.1 release package (docs/domain.md
// §8) published at path: its tender and the material clarifications that
// amended it, awards, contracts and payments, public data only. The bidders
// are read only once the call is awarded, and only who they are goes on
// (domain.OCDSOrg: never a price).
func (s *Calls) PublicOCDS(ctx context.Context, callID, path string) (domain.OCDSPackage, error) {
	c, err := s.Public(ctx, callID)
	if err != nil {
		return domain.OCDSPackage{}, err
	}
	// Clarifications are public from their publication (the portal shows
	// them); the material ones are tender amendments.
	clars, err := s.Store.Clarifications(ctx, callID)
	if err != nil {
		return domain.OCDSPackage{}, err
	}
	var tenderers []domain.OCDSOrg
	var projects []domain.OCDSProject
	if c.Stage == domain.StageAwarded {
		bids, err := s.Store.LiveBids(ctx, callID)
		if err != nil {
			return domain.OCDSPackage{}, err
		}
		for _, b := range bids {
			if b.Status == domain.BidOpened {
				tenderers = append(tenderers, domain.OCDSOrg{OrgID: b.OrgID, Name: b.OrgName, USCC: b.OrgUSCC})
			}
		}
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
	pub := s.OCDS
	if pub.Prefix == "" {
		pub.Prefix = domain.OCDSDefaultPrefix
	}
	return domain.OCDSPackageFor(pub, path, c, clars, report.IssuerFor(c.District), tenderers, projects), nil
}
