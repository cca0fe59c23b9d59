package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// checkNeeds makes sure every need exists (inside tx).
func checkNeeds(ctx context.Context, tx pgx.Tx, ids []int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM needs WHERE id = ANY($1)`, ids).Scan(&n); err != nil {
		return err
	}
	if n != len(ids) {
		return &domain.Error{Code: domain.CodeInvalid, Message: "关联的需求不存在。", Fields: map[string]string{"need_ids": "有的需求编号不在需求库中。"}}
	}
	return nil
}

// InsertIdea records a submitted idea.
func (s *Store) InsertIdea(ctx context.Context, p domain.ProposalDraft, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := checkNeeds(ctx, tx, p.NeedIDs); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO ideas (title, summary, brand, district, institution, need_ids, status, submitted_by)
			VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7) RETURNING id`,
			p.Title, p.Summary, p.Brand, p.District, p.Institution, p.NeedIDs, by.UserID).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "idea.submit", ObjectType: "idea", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]any{"title": p.Title, "needs": p.NeedIDs}})
	})
	return id, mapErr("insert idea", err)
}

const ideaColumns = `id, title, summary, brand, district, institution, need_ids, status, reason, submitted_by, coalesce(proposal_id, 0), created_at`

func scanIdea(r pgx.Row) (domain.Idea, error) {
	var i domain.Idea
	err := r.Scan(&i.ID, &i.Title, &i.Summary, &i.Brand, &i.District, &i.Institution, &i.NeedIDs, &i.Status, &i.Reason,
		&i.SubmittedBy, &i.ProposalID, &i.CreatedAt)
	return i, err
}

// Idea returns one idea.
func (s *Store) Idea(ctx context.Context, id int64) (domain.Idea, error) {
	i, err := scanIdea(s.pool.QueryRow(ctx, `SELECT `+ideaColumns+` FROM ideas WHERE id = $1`, id))
	return i, mapErr("idea", err)
}

// IdeaFilter narrows the ideas list.
type IdeaFilter struct {
	SubmittedBy int64 // a submitter's own when not 0
	Status      domain.IdeaStatus
	Search      string // in the title or the institution
	Sort        string // a key of ProposalSorts
	Page        int
	PerPage     int
}

// Ideas lists ideas (newest first unless sorted), paged.
func (s *Store) Ideas(ctx context.Context, f IdeaFilter) ([]domain.Idea, int, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 200)
	var w filter
	if f.SubmittedBy != 0 {
		w.add("submitted_by = $%d", f.SubmittedBy)
	}
	if f.Status != "" {
		w.add("status = $%d", string(f.Status))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		w.add("(title ILIKE '%' || $%d || '%' OR institution ILIKE '%' || $%d || '%')", likeEscape(q))
	}
	return listPage(ctx, s.pool, "ideas", ideaColumns, "ideas", w, sortOrder(f.Sort, ProposalSorts, "created_at DESC, id"), f.Page, f.PerPage,
		func(r pgx.CollectableRow) (domain.Idea, error) { return scanIdea(r) })
}

// insertProposal adds a candidate to the project library (inside tx).
func insertProposal(ctx context.Context, tx pgx.Tx, p domain.ProposalDraft, ideaID int64, by domain.Actor) (int64, error) {
	var id int64
	var idea *int64
	if ideaID != 0 {
		idea = &ideaID
	}
	if err := tx.QueryRow(ctx, `
		INSERT INTO proposals (title, summary, brand, district, institution, need_ids, status, idea_id, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, 'candidate', $7, $8) RETURNING id`,
		p.Title, p.Summary, p.Brand, p.District, p.Institution, p.NeedIDs, idea, by.UserID).Scan(&id); err != nil {
		return 0, err
	}
	return id, appendAudit(ctx, tx, Audit{By: by, Action: "proposal.create", ObjectType: "proposal", ObjectID: strconv.FormatInt(id, 10),
		Summary: map[string]any{"title": p.Title, "idea": ideaID, "needs": p.NeedIDs}})
}

// DecideIdea adopts an idea into the project library (as a candidate
// proposal) or declines it with a reason. Only a submitted idea is decided.
func (s *Store) DecideIdea(ctx context.Context, id int64, adopt bool, reason string, by domain.Actor) (int64, error) {
	var proposalID int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		i, err := scanIdea(tx.QueryRow(ctx, `SELECT `+ideaColumns+` FROM ideas WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if i.Status != domain.IdeaSubmitted {
			return domain.Errorf(domain.CodeConflict, "该创意已处理（%s），不能重复处理。", i.Status.Label())
		}
		status := domain.IdeaDeclined
		if adopt {
			status = domain.IdeaAdopted
			if proposalID, err = insertProposal(ctx, tx, i.ProposalDraft, id, by); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE ideas SET status = $2, reason = $3, proposal_id = nullif($4, 0) WHERE id = $1`,
			id, status, reason, proposalID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "idea." + string(status), ObjectType: "idea", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]any{"reason": reason, "proposal": proposalID}})
	})
	return proposalID, mapErr("decide idea", err)
}

// InsertProposal adds a proposal written by civil affairs from needs.
func (s *Store) InsertProposal(ctx context.Context, p domain.ProposalDraft, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := checkNeeds(ctx, tx, p.NeedIDs); err != nil {
			return err
		}
		var err error
		id, err = insertProposal(ctx, tx, p, 0, by)
		return err
	})
	return id, mapErr("insert proposal", err)
}

// ProposalFilter narrows the project library.
type ProposalFilter struct {
	Status   domain.ProposalStatus
	District string
	Search   string // in the title or the institution
	Sort     string // a key of ProposalSorts
	Page     int
	PerPage  int
}

// Proposals lists the project library (newest first unless sorted), paged.
func (s *Store) Proposals(ctx context.Context, f ProposalFilter) ([]domain.Proposal, int, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 200)
	var w filter
	if f.Status != "" {
		w.add("status = $%d", string(f.Status))
	}
	if f.District != "" {
		w.add("district = $%d", f.District)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		w.add("(title ILIKE '%' || $%d || '%' OR institution ILIKE '%' || $%d || '%')", likeEscape(q))
	}
	return listPage(ctx, s.pool, "proposals", "id, title, summary, brand, district, institution, need_ids, status, coalesce(idea_id, 0), created_by, created_at",
		"proposals", w, sortOrder(f.Sort, ProposalSorts, "created_at DESC, id"), f.Page, f.PerPage,
		func(r pgx.CollectableRow) (domain.Proposal, error) {
			var p domain.Proposal
			err := r.Scan(&p.ID, &p.Title, &p.Summary, &p.Brand, &p.District, &p.Institution, &p.NeedIDs, &p.Status, &p.IdeaID, &p.CreatedBy, &p.CreatedAt)
			return p, err
		})
}
