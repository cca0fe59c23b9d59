package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// CallPublicKey returns the key bids are sealed to.
func (s *Store) CallPublicKey(ctx context.Context, callID string) ([]byte, error) {
	var k []byte
	err := s.pool.QueryRow(ctx, `SELECT public_key FROM call_keys WHERE call_id = $1 AND destroyed_at IS NULL`, callID).Scan(&k)
	return k, mapErr("call key", err)
}

// ErrSealed is returned for any attempt to read a call's private key before
// its opening is recorded.
var ErrSealed = domain.Errorf(domain.CodeForbidden, "投标文件在开标前密封，任何人（包括管理员）都无权查看。")

// OpenCall records the opening of a call's bids — only at or after its
// deadline, checked against the database clock — and returns the sealed
// private key. Repeating it returns the same key.
func (s *Store) OpenCall(ctx context.Context, callID string) (string, error) {
	var sealed *string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var due bool
		var opened *time.Time
		if err := tx.QueryRow(ctx, `SELECT bid_deadline <= now(), opened_at FROM calls WHERE id = $1 FOR UPDATE`, callID).Scan(&due, &opened); err != nil {
			return err
		}
		if !due {
			return ErrSealed
		}
		if opened == nil {
			if _, err := tx.Exec(ctx, `UPDATE calls SET opened_at = now(), updated_at = now() WHERE id = $1`, callID); err != nil {
				return err
			}
			if err := appendAudit(ctx, tx, Audit{By: domain.System, Action: "call.open", ObjectType: "call", ObjectID: callID}); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `SELECT private_sealed FROM call_keys WHERE call_id = $1`, callID).Scan(&sealed)
	})
	if err != nil {
		return "", mapErr("open call", err)
	}
	if sealed == nil {
		return "", domain.Errorf(domain.CodeConflict, "该征集的开标密钥已销毁（征集在开标前撤销），投标文件不可恢复。")
	}
	return *sealed, nil
}

// OpenedCallKey returns the sealed private key of a call whose opening is
// recorded; before that, ErrSealed.
func (s *Store) OpenedCallKey(ctx context.Context, callID string) (string, error) {
	var sealed *string
	var opened *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT k.private_sealed, c.opened_at FROM calls c JOIN call_keys k ON k.call_id = c.id WHERE c.id = $1`, callID).Scan(&sealed, &opened)
	if err != nil {
		return "", mapErr("call key", err)
	}
	if opened == nil {
		return "", ErrSealed
	}
	if sealed == nil {
		return "", domain.Errorf(domain.CodeConflict, "该征集的开标密钥已销毁，投标文件不可恢复。")
	}
	return *sealed, nil
}

// DiscardSealedBids destroys an unopened call's private key (crypto-shred)
// and marks its live bids discarded. Idempotent.
func (s *Store) DiscardSealedBids(ctx context.Context, callID string) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var opened *time.Time
		if err := tx.QueryRow(ctx, `SELECT opened_at FROM calls WHERE id = $1 FOR UPDATE`, callID).Scan(&opened); err != nil {
			return err
		}
		if opened != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE call_keys SET private_sealed = NULL, destroyed_at = coalesce(destroyed_at, now()) WHERE call_id = $1`, callID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE bids SET status = 'discarded' WHERE call_id = $1 AND status = 'submitted'`, callID)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		if n == 0 {
			return nil
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "bid.discard", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bids": n, "key": "destroyed"}})
	})
	return int(n), mapErr("discard bids", err)
}

// SetBidOpened records what opening found in a bid.
func (s *Store) SetBidOpened(ctx context.Context, bidID string, price domain.Fen, digestsOK bool) error {
	_, err := s.pool.Exec(ctx, `UPDATE bids SET status = 'opened', price_fen = $2, digests_ok = $3 WHERE id = $1 AND status IN ('submitted', 'opened')`,
		bidID, price, digestsOK)
	return mapErr("set bid opened", err)
}

// SetCallDocument records a generated document of a call (opening record,
// scoring report).
func (s *Store) SetCallDocument(ctx context.Context, callID, kind, key, sha string) error {
	col := map[string][2]string{"opening": {"opening_key", "opening_sha256"}, "report": {"report_key", "report_sha256"}}[kind]
	if col[0] == "" {
		return errors.New("set call document: unknown kind " + kind)
	}
	return mapErr("set call document", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calls SET `+col[0]+` = $2, `+col[1]+` = $3, updated_at = now() WHERE id = $1 AND (`+col[0]+` IS DISTINCT FROM $2 OR `+col[1]+` IS DISTINCT FROM $3)`,
			callID, key, sha)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "call." + kind, ObjectType: "call", ObjectID: callID,
			Summary: map[string]string{"object": key, "sha256": sha}})
	}))
}

// QualifyBid records civil affairs' qualification decision on a bid.
func (s *Store) QualifyBid(ctx context.Context, callID, bidID string, ok bool, reason string, by domain.Actor) error {
	return mapErr("qualify bid", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE bids SET qualified = $3, qualify_reason = $4 WHERE id = $1 AND call_id = $2 AND status = 'opened'
			AND (qualified IS DISTINCT FROM $3 OR qualify_reason <> $4)`, bidID, callID, ok, reason)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "bid.qualify", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bid": bidID, "qualified": ok, "reason": reason}})
	}))
}
