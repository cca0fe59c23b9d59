package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// ---- award ----

// InsertAward records a winning bid; idempotent on the bid. The bid's
// proposal status and the audit entry go in the same transaction.
func (s *Store) InsertAward(ctx context.Context, a domain.Award) error {
	return mapErr("insert award", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO awards (id, call_id, bid_id, org_id, amount_fen, rank, notice_key, notice_sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (bid_id) DO NOTHING`,
			a.ID, a.CallID, a.BidID, a.OrgID, a.Amount, a.Rank, a.NoticeKey, a.NoticeSHA256)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE proposals SET status = 'funded' WHERE id = ANY (SELECT jsonb_array_elements_text(plan->'proposal_ids')::bigint FROM calls WHERE id = $1)`,
			a.CallID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "call.award", ObjectType: "call", ObjectID: a.CallID,
			Summary: map[string]any{"award": a.ID, "bid": a.BidID, "org": a.OrgID, "amount_fen": a.Amount}})
	}))
}

// Awards lists a call's awards by rank.
func (s *Store) Awards(ctx context.Context, callID string) ([]domain.Award, error) {
	rows, err := s.pool.Query(ctx, `SELECT a.id, a.call_id, a.bid_id, a.org_id, o.name, a.amount_fen, a.rank, a.notice_sha256, a.notice_key, a.created_at
		FROM awards a JOIN organisations o ON o.id = a.org_id WHERE a.call_id = $1 ORDER BY a.rank`, callID)
	if err != nil {
		return nil, mapErr("awards", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Award, error) {
		var a domain.Award
		return a, r.Scan(&a.ID, &a.CallID, &a.BidID, &a.OrgID, &a.OrgName, &a.Amount, &a.Rank, &a.NoticeSHA256, &a.NoticeKey, &a.CreatedAt)
	})
	return out, mapErr("awards", err)
}
