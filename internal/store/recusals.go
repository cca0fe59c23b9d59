package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// ---- recusal requests ----

// InsertRecusalRequest records a bidder's recusal request; idempotent on ID.
func (s *Store) InsertRecusalRequest(ctx context.Context, q domain.RecusalRequest, by domain.Actor) error {
	return mapErr("insert recusal request", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO recusal_requests (id, call_id, org_id, reason, filed_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, q.ID, q.CallID, q.OrgID, q.Reason, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "recusal.request", ObjectType: "call", ObjectID: q.CallID,
			Summary: map[string]any{"request": q.ID}, Secret: s.secret(map[string]any{"org": q.OrgID}, hiddenBidder)})
	}))
}

// DecideRecusalRequest records civil affairs' decision; an upheld request
// marks the expert in seat (the panel's draw number) recused. Idempotent.
func (s *Store) DecideRecusalRequest(ctx context.Context, callID, id string, upheld bool, seat int, answer string, by domain.Actor) error {
	return mapErr("decide recusal request", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE recusal_requests SET upheld = $3, seat = nullif($4, 0), answer = $5, decided_by = $6, decided_at = now()
			WHERE id = $1 AND call_id = $2 AND upheld IS NULL`, id, callID, upheld, seat, answer, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if upheld {
			if _, err := tx.Exec(ctx, `UPDATE panel_members SET status = 'recused', reason = $3, declared_at = coalesce(declared_at, now())
				WHERE call_id = $1 AND seq = $2 AND status IN ('drawn', 'confirmed')`, callID, seat, "投标人申请回避，经审查成立："+answer); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "recusal.decide", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"request": id, "upheld": upheld, "seat": seat}})
	}))
}

// RecusalRequests lists a call's recusal requests (orgID > 0: one bidder's).
func (s *Store) RecusalRequests(ctx context.Context, callID string, orgID int64) ([]domain.RecusalRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT q.id, q.call_id, q.org_id, o.name, q.reason, q.filed_at, q.upheld, coalesce(q.seat, 0), q.answer, q.decided_at
		FROM recusal_requests q JOIN organisations o ON o.id = q.org_id
		WHERE q.call_id = $1 AND ($2 = 0 OR q.org_id = $2) ORDER BY q.filed_at, q.id`, callID, orgID)
	if err != nil {
		return nil, mapErr("recusal requests", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.RecusalRequest, error) {
		var q domain.RecusalRequest
		var decided *time.Time
		err := r.Scan(&q.ID, &q.CallID, &q.OrgID, &q.OrgName, &q.Reason, &q.FiledAt, &q.Upheld, &q.Seat, &q.Answer, &decided)
		if decided != nil {
			q.DecidedAt = *decided
		}
		return q, err
	})
	return out, mapErr("recusal requests", err)
}
