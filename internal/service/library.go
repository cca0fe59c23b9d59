package service

import (
	"context"
	"strings"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Library is the application service of the project library (项目库): venture
// ideas (创意) and the proposals (项目) they become.
type Library struct {
	Store *store.Store
}

func normalizeIdea(p domain.ProposalDraft) domain.ProposalDraft {
	p.Title = strings.Join(strings.Fields(p.Title), " ")
	p.Summary = strings.TrimSpace(p.Summary)
	p.Institution = strings.TrimSpace(p.Institution)
	return p
}

// SubmitIdea records a university's or institute's idea, linked to needs.
func (s *Library) SubmitIdea(ctx context.Context, by domain.Actor, p domain.ProposalDraft) (domain.Idea, error) {
	if err := auth.Authorize(by.User(), auth.ActionSubmitIdea, ""); err != nil {
		return domain.Idea{}, err
	}
	p = normalizeIdea(p)
	if p.Institution == "" {
		p.Institution = by.Name
	}
	if err := p.Validate(); err != nil {
		return domain.Idea{}, err
	}
	id, err := s.Store.InsertIdea(ctx, p, by)
	if err != nil {
		return domain.Idea{}, err
	}
	return s.Store.Idea(ctx, id)
}

// Ideas lists ideas: a submitter sees their own, civil affairs all.
func (s *Library) Ideas(ctx context.Context, by domain.Actor, f store.IdeaFilter) ([]domain.Idea, int, error) {
	u := by.User()
	if err := auth.Authorize(u, auth.ActionListIdeas, ""); err != nil {
		return nil, 0, err
	}
	f.SubmittedBy = 0
	if !u.Has(domain.RoleCivilAffairs) {
		f.SubmittedBy = u.ID
	}
	return s.Store.Ideas(ctx, f)
}

// DecideIdea adopts an idea into the project library or declines it (with a
// reason), for civil affairs of the idea's district.
func (s *Library) DecideIdea(ctx context.Context, by domain.Actor, id int64, adopt bool, reason string) (int64, error) {
	if err := auth.Authorize(by.User(), auth.ActionDecideIdea, ""); err != nil {
		return 0, err
	}
	i, err := s.Store.Idea(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := auth.Authorize(by.User(), auth.ActionDecideIdea, districtOrCity(i.District)); err != nil {
		return 0, err
	}
	reason = strings.TrimSpace(reason)
	if !adopt {
		if err := domain.ValidateReason(reason); err != nil {
			return 0, err
		}
	}
	return s.Store.DecideIdea(ctx, id, adopt, reason, by)
}

// AddProposal adds a proposal civil affairs wrote from common needs.
func (s *Library) AddProposal(ctx context.Context, by domain.Actor, p domain.ProposalDraft) (int64, error) {
	if err := auth.Authorize(by.User(), auth.ActionAddProposal, ""); err != nil {
		return 0, err
	}
	p = normalizeIdea(p)
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if err := auth.Authorize(by.User(), auth.ActionAddProposal, districtOrCity(p.District)); err != nil {
		return 0, err
	}
	return s.Store.InsertProposal(ctx, p, by)
}

// Proposals lists the project library.
func (s *Library) Proposals(ctx context.Context, by domain.Actor, f store.ProposalFilter) ([]domain.Proposal, int, error) {
	if err := auth.Authorize(by.User(), auth.ActionListProposals, ""); err != nil {
		return nil, 0, err
	}
	return s.Store.Proposals(ctx, f)
}
