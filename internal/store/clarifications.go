package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// ---- clarifications ----

// InsertClarification records a clarification; idempotent on its ID.
func (s *Store) InsertClarification(ctx context.Context, c domain.Clarification, by domain.Actor) error {
	return mapErr("insert clarification", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO clarifications (id, call_id, title, body, material, deadline_from, deadline_to, published_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.CallID, c.Title, c.Body, c.Material, c.DeadlineFrom, c.DeadlineTo, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if c.Moved() {
			// A deadline is never moved once the opening is recorded or due.
			if err := biddingOpen(ctx, tx, c.CallID); errors.Is(err, ErrLate) {
				return domain.Errorf(domain.CodeConflict, "投标已截止，不能再发布变更截止时间的澄清。")
			} else if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE calls SET bid_deadline = $2, updated_at = now() WHERE id = $1`, c.CallID, c.DeadlineTo); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "call.clarify", ObjectType: "call", ObjectID: c.CallID,
			Summary: map[string]any{"clarification": c.ID, "title": c.Title, "material": c.Material, "deadline": c.DeadlineTo}})
	}))
}

// Clarifications lists a call's clarifications, oldest first.
func (s *Store) Clarifications(ctx context.Context, callID string) ([]domain.Clarification, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, call_id, title, body, material, deadline_from, deadline_to, published_at
		FROM clarifications WHERE call_id = $1 ORDER BY published_at, id`, callID)
	if err != nil {
		return nil, mapErr("clarifications", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Clarification, error) {
		var c domain.Clarification
		return c, r.Scan(&c.ID, &c.CallID, &c.Title, &c.Body, &c.Material, &c.DeadlineFrom, &c.DeadlineTo, &c.PublishedAt)
	})
	return out, mapErr("clarifications", err)
}
