package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"grantflow/internal/domain"
)

// ---- bids ----

const bidColumns = `b.id, b.call_id, b.org_id, o.name, o.uscc, b.version, b.status, b.parts, b.submitted_by, b.submitted_at,
	coalesce(b.price_fen, 0), b.digests_ok, b.qualified, b.qualify_reason`

const bidFrom = ` FROM bids b JOIN organisations o ON o.id = b.org_id `

func scanBid(r pgx.Row) (domain.Bid, error) {
	var b domain.Bid
	err := r.Scan(&b.ID, &b.CallID, &b.OrgID, &b.OrgName, &b.OrgUSCC, &b.Version, &b.Status, &b.Parts, &b.SubmittedBy,
		&b.SubmittedAt, &b.Price, &b.DigestsOK, &b.Qualified, &b.QualifyReason)
	return b, err
}

func collectBids(rows pgx.Rows, err error) ([]domain.Bid, error) {
	if err != nil {
		return nil, mapErr("bids", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Bid, error) { return scanBid(r) })
	return out, mapErr("bids", err)
}

// ErrLate refuses a bid or a withdrawal after the deadline.
var ErrLate = domain.Errorf(domain.CodeConflict, "投标截止时间已过，不再接受递交、替换或撤回投标文件（招标投标法 §28）。")

// InsertBid records a sealed bid: the organisation's previous live bid, if
// any, becomes replaced. Refused at or after the deadline (database clock).
// Idempotent on the bid's ID.
func (s *Store) InsertBid(ctx context.Context, b domain.Bid, by domain.Actor) (domain.Bid, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// The same bid again (a retry, even after the deadline) is the bid;
		// asked again once the call's lock is held, because the same bid
		// sent twice at once waits there for the first to commit.
		exists := func() (bool, error) {
			var ok bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bids WHERE id = $1)`, b.ID).Scan(&ok)
			return ok, err
		}
		if ok, err := exists(); err != nil || ok {
			return err
		}
		if err := biddingOpen(ctx, tx, b.CallID); err != nil {
			return err
		}
		if ok, err := exists(); err != nil || ok {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bids SET status = 'replaced' WHERE call_id = $1 AND org_id = $2 AND status = 'submitted'`, b.CallID, b.OrgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO bids (id, call_id, org_id, version, status, parts, submitted_by)
			VALUES ($1, $2, $3, (SELECT coalesce(max(version), 0) + 1 FROM bids WHERE call_id = $2 AND org_id = $3), 'submitted', $4, $5)`,
			b.ID, b.CallID, b.OrgID, b.Parts, by.UserID); err != nil {
			return err
		}
		// who bid, and the parts' names, sizes and digests, stay sealed
		// until opening (招标投标法 §22, §34); the chain binds them
		parts := make([]domain.PartDigest, len(b.Parts))
		for i, p := range b.Parts {
			parts[i] = p.PartDigest
		}
		// nor which call it is for: entries per call would count its
		// bidders, which only the officials may know before opening
		return appendAudit(ctx, tx, Audit{By: by, Action: "bid.submit", ObjectType: "bid", ObjectID: b.ID,
			Secret: s.secret(map[string]any{"call": b.CallID, "org": b.OrgID, "parts": parts}, hiddenBidder)})
	})
	if err != nil {
		if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == lateBidCode {
			return domain.Bid{}, ErrLate
		}
		return domain.Bid{}, mapErr("insert bid", err)
	}
	return s.Bid(ctx, b.ID)
}

// lateBidCode is the SQLSTATE of the bids trigger (migration 00030) that
// refuses a bid once the call's opening is recorded or its deadline passed.
const lateBidCode = "GF001"

// biddingOpen locks the call's row and refuses unless it takes bids now:
// in bidding, its opening not recorded, its deadline not reached by the
// database's clock at this moment (clock_timestamp, not the transaction's
// start: a transaction begun before the deadline may get the lock after
// the opening). The opening (OpenCall) takes the same lock, so a bid is
// either in before the opening reads the bids or refused.
func biddingOpen(ctx context.Context, tx pgx.Tx, callID string) error {
	var open bool
	if err := tx.QueryRow(ctx, `SELECT stage = 'bidding' AND opened_at IS NULL AND bid_deadline > clock_timestamp()
		FROM calls WHERE id = $1 FOR UPDATE`, callID).Scan(&open); err != nil {
		return err
	}
	if !open {
		return ErrLate
	}
	return nil
}

// WithdrawBid withdraws an organisation's live bid before the deadline.
// When the organisation's bid is already withdrawn and it has no live one,
// the withdrawal is done, whatever the time: the activity retried after
// its first attempt committed (and the worker died before reporting it)
// succeeds, so the workflow drops the bid as the database did. Before, a
// retry after the deadline failed and the workflow kept the bid.
func (s *Store) WithdrawBid(ctx context.Context, callID string, orgID int64, by domain.Actor) error {
	return mapErr("withdraw bid", s.tx(ctx, func(tx pgx.Tx) error {
		if err := biddingOpen(ctx, tx, callID); errors.Is(err, ErrLate) {
			var live, withdrawn int
			if qerr := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status IN ('submitted', 'opened')), count(*) FILTER (WHERE status = 'withdrawn')
				FROM bids WHERE call_id = $1 AND org_id = $2`, callID, orgID).Scan(&live, &withdrawn); qerr != nil {
				return qerr
			}
			if live == 0 && withdrawn > 0 {
				return nil
			}
			return err
		} else if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE bids SET status = 'withdrawn' WHERE call_id = $1 AND org_id = $2 AND status = 'submitted'`, callID, orgID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "bid.withdraw", ObjectType: "bid",
			Secret: s.secret(map[string]any{"call": callID, "org": orgID}, hiddenBidder)})
	}))
}

// Bid returns one bid's envelope.
func (s *Store) Bid(ctx context.Context, id string) (domain.Bid, error) {
	b, err := scanBid(s.pool.QueryRow(ctx, `SELECT `+bidColumns+bidFrom+`WHERE b.id = $1`, id))
	return b, mapErr("bid", err)
}

// OrgBids lists an organisation's bids on a call, newest first (its
// receipts).
func (s *Store) OrgBids(ctx context.Context, callID string, orgID int64) ([]domain.Bid, error) {
	return collectBids(s.pool.Query(ctx, `SELECT `+bidColumns+bidFrom+`WHERE b.call_id = $1 AND b.org_id = $2 ORDER BY b.version DESC`, callID, orgID))
}

// LiveBids lists a call's live bids (submitted or opened), in order of
// submission.
func (s *Store) LiveBids(ctx context.Context, callID string) ([]domain.Bid, error) {
	return collectBids(s.pool.Query(ctx, `SELECT `+bidColumns+bidFrom+`
		WHERE b.call_id = $1 AND b.status IN ('submitted', 'opened') ORDER BY b.submitted_at, b.id`, callID))
}

// CountLiveBids counts a call's live bids (what may be said before opening).
func (s *Store) CountLiveBids(ctx context.Context, callID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM bids WHERE call_id = $1 AND status IN ('submitted', 'opened')`, callID).Scan(&n)
	return n, mapErr("count bids", err)
}

// ReturnBidToLibrary adds an unfunded bid to the project library as a
// returned proposal (status returned_unfunded); idempotent on the bid.
func (s *Store) ReturnBidToLibrary(ctx context.Context, callID, bidID, title, summary string) error {
	return mapErr("return bid", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO proposals (title, summary, brand, district, institution, need_ids, status, created_by, bid_id)
			SELECT $3, $4, c.brand, c.district, o.name,
			       coalesce((SELECT array_agg(x::bigint) FROM jsonb_array_elements_text(c.plan->'need_ids') x), '{}'),
			       'returned_unfunded', c.created_by, b.id
			FROM bids b JOIN calls c ON c.id = b.call_id JOIN organisations o ON o.id = b.org_id
			WHERE b.id = $2 AND c.id = $1
			ON CONFLICT (bid_id) WHERE bid_id IS NOT NULL DO NOTHING`, callID, bidID, title, summary)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "proposal.return", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bid": bidID}})
	}))
}
