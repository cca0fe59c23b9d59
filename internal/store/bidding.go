package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"grantflow/internal/domain"
)

// ---- working-day calendar ----

// Calendar loads the working-day calendar.
func (s *Store) Calendar(ctx context.Context) (domain.Calendar, error) {
	days, err := s.CalendarDays(ctx, 0)
	if err != nil {
		return domain.Calendar{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT year FROM calendar_years`)
	if err != nil {
		return domain.Calendar{}, mapErr("calendar years", err)
	}
	years, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return domain.NewCalendar(days, years), mapErr("calendar years", err)
}

// CalendarYears lists the years whose schedule is loaded.
func (s *Store) CalendarYears(ctx context.Context) ([]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT year FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, mapErr("calendar years", err)
	}
	ys, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return ys, mapErr("calendar years", err)
}

// CalendarDays lists the schedule's entries of a year (0: every year).
func (s *Store) CalendarDays(ctx context.Context, year int) ([]domain.CalendarDay, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT to_char(day, 'YYYY-MM-DD'), kind, name FROM calendar_days
		WHERE $1 = 0 OR extract(year FROM day) = $1 ORDER BY day`, year)
	if err != nil {
		return nil, mapErr("calendar days", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CalendarDay, error) {
		var d domain.CalendarDay
		return d, r.Scan(&d.Date, &d.Kind, &d.Name)
	})
	return out, mapErr("calendar days", err)
}

// SetCalendarYear replaces a year's schedule and marks it loaded.
func (s *Store) SetCalendarYear(ctx context.Context, year int, days []domain.CalendarDay, by domain.Actor) error {
	return mapErr("set calendar", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE extract(year FROM day) = $1`, year); err != nil {
			return err
		}
		for _, d := range days {
			if _, err := tx.Exec(ctx, `INSERT INTO calendar_days (day, kind, name) VALUES ($1::date, $2, $3)`, d.Date, d.Kind, d.Name); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_years (year) VALUES ($1) ON CONFLICT (year) DO UPDATE SET loaded_at = now()`, year); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "calendar.set", ObjectType: "calendar", ObjectID: strconv.Itoa(year),
			Summary: map[string]any{"entries": len(days)}})
	}))
}

// ---- publication ----

// RecordCallDecision records an approval or rejection (or a submission for
// publication) once per request ID, with its audit entry.
func (s *Store) RecordCallDecision(ctx context.Context, callID, requestID string, d domain.CallDecision, by domain.Actor) error {
	return mapErr("record decision", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO call_decisions (call_id, step, approve, reason, by_user, by_name, request_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (request_id) DO NOTHING`,
			callID, d.Step, d.Approve, d.Reason, by.UserID, by.Name, requestID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "call.decision." + d.Step, ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"approve": d.Approve, "reason": d.Reason}})
	}))
}

// CallDecisions lists a call's decisions, oldest first.
func (s *Store) CallDecisions(ctx context.Context, callID string) ([]domain.CallDecision, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT step, approve, reason, by_user, by_name, created_at FROM call_decisions WHERE call_id = $1 ORDER BY id`, callID)
	if err != nil {
		return nil, mapErr("call decisions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CallDecision, error) {
		var d domain.CallDecision
		return d, r.Scan(&d.Step, &d.Approve, &d.Reason, &d.ByUser, &d.ByName, &d.CreatedAt)
	})
	return out, mapErr("call decisions", err)
}

// PublishCall records publication: the deadline and the call's key pair
// (the private key already sealed). Idempotent: a second call keeps the
// first key and deadline.
func (s *Store) PublishCall(ctx context.Context, callID string, deadline time.Time, public []byte, privateSealed string) error {
	return mapErr("publish call", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO call_keys (call_id, public_key, private_sealed) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			callID, public, privateSealed)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE calls SET published_at = now(), bid_deadline = $2, updated_at = now() WHERE id = $1`,
			callID, deadline); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "call.publish", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bid_deadline": deadline}})
	}))
}

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

// SetCallTimes records the dates the workflow set (zero values are kept).
type CallTimes struct {
	BidDeadline, ScoringDue, PublicityFrom, PublicityUntil, ObjectionUntil time.Time
}

// SetCallTimes stores the non-zero times.
func (s *Store) SetCallTimes(ctx context.Context, callID string, t CallTimes) error {
	nz := func(v time.Time) *time.Time {
		if v.IsZero() {
			return nil
		}
		return &v
	}
	_, err := s.pool.Exec(ctx, `
		UPDATE calls SET bid_deadline = coalesce($2, bid_deadline), scoring_due = coalesce($3, scoring_due),
		       publicity_from = coalesce($4, publicity_from), publicity_until = coalesce($5, publicity_until),
		       objection_until = coalesce($6, objection_until), updated_at = now()
		WHERE id = $1`, callID, nz(t.BidDeadline), nz(t.ScoringDue), nz(t.PublicityFrom), nz(t.PublicityUntil), nz(t.ObjectionUntil))
	return mapErr("set call times", err)
}

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
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bids WHERE id = $1)`, b.ID).Scan(&exists); err != nil || exists {
			return err
		}
		if err := biddingOpen(ctx, tx, b.CallID); err != nil {
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
func (s *Store) WithdrawBid(ctx context.Context, callID string, orgID int64, by domain.Actor) error {
	return mapErr("withdraw bid", s.tx(ctx, func(tx pgx.Tx) error {
		if err := biddingOpen(ctx, tx, callID); err != nil {
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

// ---- panel ----

// AddPanelMember records an expert considered for a panel; idempotent on
// (call, talent).
func (s *Store) AddPanelMember(ctx context.Context, m domain.PanelMember) error {
	return mapErr("add panel member", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO panel_members (call_id, talent_id, user_id, seq, status, reason, draw_key)
			VALUES ($1, $2, nullif($3, 0), $4, $5, $6, nullif($7, '')) ON CONFLICT DO NOTHING`,
			m.CallID, m.TalentID, m.UserID, m.Seq, m.Status, m.Reason, m.DrawKey)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// who was drawn (and why one was excluded) stays sealed until the
		// result (招标投标法 §37)
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "panel." + string(m.Status), ObjectType: "call", ObjectID: m.CallID,
			Summary: map[string]any{"seq": m.Seq}, Secret: s.secret(map[string]any{"talent": m.TalentID, "user": m.UserID, "reason": m.Reason}, "")})
	}))
}

// DeclarePanelMember records an expert's declaration: no conflict
// (confirmed) or a recusal with its reason.
func (s *Store) DeclarePanelMember(ctx context.Context, callID string, userID int64, conflict bool, reason string, by domain.Actor) error {
	status := domain.PanelConfirmed
	if conflict {
		status = domain.PanelRecused
	}
	return mapErr("declare", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE panel_members SET status = $3, reason = $4, declared_at = now()
			WHERE call_id = $1 AND user_id = $2 AND status = 'drawn'`, callID, userID, status, reason)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "panel.declare", ObjectType: "call", ObjectID: callID,
			Secret: s.secret(map[string]any{"conflict": conflict, "reason": reason}, hiddenExpert)})
	}))
}

// PanelMembers lists everyone considered for a call's panel, in draw order.
func (s *Store) PanelMembers(ctx context.Context, callID string) ([]domain.PanelMember, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.call_id, p.talent_id, coalesce(p.user_id, 0), t.name, p.seq, p.status, p.reason, p.created_at, p.declared_at, coalesce(p.draw_key, '')
		FROM panel_members p JOIN talents t ON t.id = p.talent_id WHERE p.call_id = $1 ORDER BY p.seq, p.talent_id`, callID)
	if err != nil {
		return nil, mapErr("panel", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.PanelMember, error) {
		var m domain.PanelMember
		var declared *time.Time
		err := r.Scan(&m.CallID, &m.TalentID, &m.UserID, &m.Name, &m.Seq, &m.Status, &m.Reason, &m.CreatedAt, &declared, &m.DrawKey)
		if declared != nil {
			m.DeclaredAt = *declared
		}
		return m, err
	})
	return out, mapErr("panel", err)
}

// ExpertPool lists the available experts who have an account (they score
// on the platform): the pool panels are drawn from.
func (s *Store) ExpertPool(ctx context.Context) ([]domain.Talent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+talentColumns+talentFrom+`
		WHERE t.kind = 'expert' AND t.available AND t.user_id IS NOT NULL ORDER BY t.id`)
	if err != nil {
		return nil, mapErr("expert pool", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Talent, error) { return scanTalent(r) })
	return out, mapErr("expert pool", err)
}

// ---- scores and results ----

// UpsertScore records (or revises) an expert's score sheet for a bid.
func (s *Store) UpsertScore(ctx context.Context, callID string, sh domain.ScoreSheet, by domain.Actor) error {
	return mapErr("score", s.tx(ctx, func(tx pgx.Tx) error {
		pts, _ := json.Marshal(sh.Points)
		tag, err := tx.Exec(ctx, `
			INSERT INTO scores (call_id, bid_id, expert, points, comment, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (bid_id, expert) DO UPDATE SET points = excluded.points, comment = excluded.comment, submitted_at = excluded.submitted_at
			WHERE scores.points <> excluded.points OR scores.comment <> excluded.comment`,
			callID, sh.BidID, sh.Expert, pts, sh.Comment, sh.At)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "score.submit", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bid": sh.BidID}, Secret: s.secret(map[string]any{"expert": sh.Expert, "points": sh.Points}, hiddenExpert)})
	}))
}

// Scores lists a call's score sheets (all experts, or one when expert > 0).
func (s *Store) Scores(ctx context.Context, callID string, expert int64) ([]domain.ScoreSheet, error) {
	rows, err := s.pool.Query(ctx, `SELECT expert, bid_id, points, comment, submitted_at FROM scores
		WHERE call_id = $1 AND ($2 = 0 OR expert = $2) ORDER BY bid_id, expert`, callID, expert)
	if err != nil {
		return nil, mapErr("scores", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.ScoreSheet, error) {
		var sh domain.ScoreSheet
		return sh, r.Scan(&sh.Expert, &sh.BidID, &sh.Points, &sh.Comment, &sh.At)
	})
	return out, mapErr("scores", err)
}

// SaveResults stores the scoring result of a call.
func (s *Store) SaveResults(ctx context.Context, callID string, rs []domain.BidResult) error {
	return mapErr("save results", s.tx(ctx, func(tx pgx.Tx) error {
		// A retry (the same results) changes nothing and is not audited again.
		tag, err := tx.Exec(ctx, `UPDATE calls SET results = $2, updated_at = now() WHERE id = $1 AND results IS DISTINCT FROM $2`, callID, rs)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		top := []string{}
		for _, r := range rs {
			if r.Recommended {
				top = append(top, r.BidID)
			}
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "call.results", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bids": len(rs)}, Secret: s.secret(map[string]any{"recommended": top}, "")})
	}))
}

// ---- objections ----

// InsertObjection records a 质疑 (contact already sealed); idempotent on ID.
func (s *Store) InsertObjection(ctx context.Context, o domain.Objection, contactSealed string, by domain.Actor) error {
	return mapErr("insert objection", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO objections (id, call_id, name, contact_sealed, reason, attachment_key, kind, complaint_of)
			VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, '')::uuid)
			ON CONFLICT (id) DO NOTHING`, o.ID, o.CallID, o.Name, contactSealed, o.Reason, o.Attachment,
			map[bool]string{true: "complaint", false: "objection"}[o.Complaint()], o.ComplaintOf)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		action := "objection.file"
		if o.Complaint() {
			action = "complaint.file"
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: action, ObjectType: "call", ObjectID: o.CallID,
			Summary: map[string]any{"objection": o.ID}, Secret: s.secret(map[string]any{"complaint_of": o.ComplaintOf}, hiddenObjector)})
	}))
}

// InsertPendingObjection writes a supplier's objection before the workflow
// decides on it (contact already sealed); it is not listed until filed.
// Idempotent on ID.
func (s *Store) InsertPendingObjection(ctx context.Context, o domain.Objection, contactSealed string) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO objections (id, call_id, name, contact_sealed, reason, attachment_key, kind, complaint_of, filed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, '')::uuid, false)
		ON CONFLICT (id) DO NOTHING`, o.ID, o.CallID, o.Name, contactSealed, o.Reason, o.Attachment,
		map[bool]string{true: "complaint", false: "objection"}[o.Complaint()], o.ComplaintOf)
	return mapErr("insert objection", err)
}

// FileObjection files a pending objection the workflow accepted, with its
// organisation and time, and audits it; idempotent (filed again: nothing).
func (s *Store) FileObjection(ctx context.Context, callID, id string, orgID int64, complaintOf string, at time.Time, by domain.Actor) error {
	return mapErr("file objection", s.tx(ctx, func(tx pgx.Tx) error {
		var filed bool
		err := tx.QueryRow(ctx, `SELECT filed FROM objections WHERE id = $1 AND call_id = $2
			AND coalesce(complaint_of::text, '') = $3 FOR UPDATE`, id, callID, complaintOf).Scan(&filed)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.CodeNotFound, "找不到该质疑的内容，请重新提交。")
		}
		if err != nil || filed {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE objections SET filed = true, org_id = nullif($2, 0), filed_at = $3 WHERE id = $1`,
			id, orgID, at); err != nil {
			return err
		}
		action := "objection.file"
		if complaintOf != "" {
			action = "complaint.file"
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: action, ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"objection": id}, Secret: s.secret(map[string]any{"org": orgID, "complaint_of": complaintOf}, hiddenObjector)})
	}))
}

// DeletePendingObjection removes an objection the workflow refused (never
// a filed one) and returns its attachment's key, to delete.
func (s *Store) DeletePendingObjection(ctx context.Context, callID, id string) (string, error) {
	var key string
	err := s.pool.QueryRow(ctx, `DELETE FROM objections WHERE id = $1 AND call_id = $2 AND NOT filed RETURNING attachment_key`,
		id, callID).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return key, mapErr("delete objection", err)
}

// AnswerObjection records civil affairs' answer; idempotent.
func (s *Store) AnswerObjection(ctx context.Context, callID, id string, upheld bool, answer string, returnTo domain.CallStage, by domain.Actor) error {
	return mapErr("answer objection", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE objections SET upheld = $3, answer = $4, return_to = $5, answered_by = $6, answered_at = now()
			WHERE id = $1 AND call_id = $2 AND upheld IS NULL AND filed`, id, callID, upheld, answer, returnTo, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "objection.answer", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"objection": id, "upheld": upheld, "return_to": returnTo}})
	}))
}

// Objections lists a call's objections (contacts stay sealed), oldest first.
func (s *Store) Objections(ctx context.Context, callID string) ([]domain.Objection, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, call_id, coalesce(complaint_of::text, ''), name, reason, attachment_key, filed_at, upheld, answer, return_to, answered_at
		FROM objections WHERE call_id = $1 AND filed ORDER BY filed_at, id`, callID)
	if err != nil {
		return nil, mapErr("objections", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Objection, error) {
		var o domain.Objection
		var answered *time.Time
		err := r.Scan(&o.ID, &o.CallID, &o.ComplaintOf, &o.Name, &o.Reason, &o.Attachment, &o.FiledAt, &o.Upheld, &o.Answer, &o.ReturnTo, &answered)
		if answered != nil {
			o.AnsweredAt = *answered
		}
		return o, err
	})
	return out, mapErr("objections", err)
}

// ---- public comments ----

// PublicComment is a member of the public's opinion on a result under
// publicity: answered by civil affairs, never holding the award.
type PublicComment struct {
	ID         string    `json:"id"`
	CallID     string    `json:"call_id"`
	Name       string    `json:"name"`
	Body       string    `json:"body"`
	Attachment string    `json:"attachment_key,omitempty"`
	FiledAt    time.Time `json:"filed_at"`
	Answer     string    `json:"answer,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
}

// InsertPublicComment records a public comment if the call is under
// publicity with its objection window open and the channel's bounds allow
// it (domain.PublicCommentLimit: counted here, under a lock on the call, so
// that every web replica counts the same rows).
func (s *Store) InsertPublicComment(ctx context.Context, c PublicComment, contactSealed, clientHash string, by domain.Actor) error {
	return mapErr("insert public comment", s.tx(ctx, func(tx pgx.Tx) error {
		var open bool
		err := tx.QueryRow(ctx, `SELECT stage = 'publicity' AND objection_until IS NOT NULL AND now() < objection_until
			FROM calls WHERE id = $1 FOR UPDATE`, c.CallID).Scan(&open)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.CodeNotFound, "找不到该征集，请检查链接是否完整。")
		}
		if err != nil {
			return err
		}
		if !open {
			return domain.Errorf(domain.CodeConflict, "只有处于结果公示期（质疑受理期内）的征集可以提交公众意见。")
		}
		var total, hour, addr int
		if err := tx.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE filed_at > now() - interval '1 hour'),
			count(*) FILTER (WHERE filed_at > now() - interval '1 hour' AND client_hash = $2)
			FROM public_comments WHERE call_id = $1`, c.CallID, clientHash).Scan(&total, &hour, &addr); err != nil {
			return err
		}
		if err := domain.PublicCommentLimit(total, hour, addr); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO public_comments (id, call_id, name, contact_sealed, body, attachment_key, client_hash, user_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, 0)) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.CallID, c.Name, contactSealed, c.Body, c.Attachment, clientHash, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "comment.file", ObjectType: "call", ObjectID: c.CallID,
			Summary: map[string]any{"comment": c.ID}})
	}))
}

// PublicComments lists a call's public comments, oldest first.
func (s *Store) PublicComments(ctx context.Context, callID string) ([]PublicComment, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, call_id, name, body, attachment_key, filed_at, answer, answered_at
		FROM public_comments WHERE call_id = $1 ORDER BY filed_at, id`, callID)
	if err != nil {
		return nil, mapErr("public comments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublicComment, error) {
		var c PublicComment
		var answered *time.Time
		err := r.Scan(&c.ID, &c.CallID, &c.Name, &c.Body, &c.Attachment, &c.FiledAt, &c.Answer, &answered)
		if answered != nil {
			c.AnsweredAt = *answered
		}
		return c, err
	})
	return out, mapErr("public comments", err)
}

// AnswerPublicComment records civil affairs' answer to a public comment.
func (s *Store) AnswerPublicComment(ctx context.Context, callID, id, answer string, by domain.Actor) error {
	return mapErr("answer public comment", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE public_comments SET answer = $3, answered_by = $4, answered_at = now()
			WHERE id = $1 AND call_id = $2 AND answered_at IS NULL`, id, callID, answer, by.UserID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeNotFound, "找不到该公众意见，或它已经答复。")
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "comment.answer", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"comment": id}})
	}))
}

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

// ---- notices ----

// NoticeTo addresses a notice: an organisation, a user, or a role in a
// district.
type NoticeTo struct {
	OrgID    int64
	UserID   int64
	Role     domain.Role
	District string
}

// AddNotice records a notice once per dedup key.
func (s *Store) AddNotice(ctx context.Context, callID string, to NoticeTo, kind, text, dedup string) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO notices (call_id, org_id, user_id, role, district, kind, text, dedup_key)
		VALUES (nullif($1, '')::uuid, nullif($2, 0), nullif($3, 0), nullif($4, ''), nullif($5, ''), $6, $7, $8)
		ON CONFLICT (dedup_key) DO NOTHING`, callID, to.OrgID, to.UserID, string(to.Role), to.District, kind, text, dedup)
	return mapErr("add notice", err)
}

// NoticesFor lists the newest notices addressed to a user: to them, to their
// organisation, or to one of their roles in their district (city staff see
// every district's).
func (s *Store) NoticesFor(ctx context.Context, u domain.User, limit int) ([]domain.Notice, error) {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, coalesce(call_id::text, ''), kind, text, created_at FROM notices
		WHERE user_id = $1 OR ($2 <> 0 AND org_id = $2)
		   OR (role = ANY ($3) AND (district = $4 OR $4 = '市本级' OR district IS NULL))
		ORDER BY created_at DESC, id DESC LIMIT $5`, u.ID, u.OrgID, roles, u.District, limit)
	if err != nil {
		return nil, mapErr("notices", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Notice, error) {
		var n domain.Notice
		return n, r.Scan(&n.ID, &n.CallID, &n.Kind, &n.Text, &n.CreatedAt)
	})
	return out, mapErr("notices", err)
}

// ExpertCalls lists the calls on whose panel a user sits (drawn or
// confirmed), newest first.
func (s *Store) ExpertCalls(ctx context.Context, userID int64) ([]domain.Call, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+callColumns+` FROM calls WHERE id IN (
		SELECT call_id FROM panel_members WHERE user_id = $1 AND status IN ('drawn', 'confirmed')) ORDER BY created_at DESC LIMIT 100`, userID)
	if err != nil {
		return nil, mapErr("expert calls", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Call, error) { return scanCall(r) })
	return out, mapErr("expert calls", err)
}

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

// ---- unreferenced objects ----

// ReferencedKeys returns which of keys a record refers to: a bid's part
// (any bid, whatever its status), a call's attachment, an objection's or
// public comment's attachment, a tranche's payment voucher, an evaluation
// round's report. (A daily batch job: the lookups scan these tables.)
func (s *Store) ReferencedKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT k FROM unnest($1::text[]) k WHERE
		   EXISTS (SELECT 1 FROM bids b, jsonb_array_elements(b.parts) p WHERE p->>'object_key' = k)
		OR EXISTS (SELECT 1 FROM call_attachments WHERE object_key = k)
		OR EXISTS (SELECT 1 FROM objections WHERE attachment_key = k)
		OR EXISTS (SELECT 1 FROM public_comments WHERE attachment_key = k)
		OR EXISTS (SELECT 1 FROM project_tranches WHERE voucher_key = k)
		OR EXISTS (SELECT 1 FROM evaluations WHERE report_key = k)`, keys)
	if err != nil {
		return nil, mapErr("referenced keys", err)
	}
	ks, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, mapErr("referenced keys", err)
	}
	out := make(map[string]bool, len(ks))
	for _, k := range ks {
		out[k] = true
	}
	return out, nil
}

// DeleteStalePendingObjections removes objections written before their
// update that were never filed and are older than before (see
// SweepUnreferenced); filed ones are never touched.
func (s *Store) DeleteStalePendingObjections(ctx context.Context, before time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM objections WHERE NOT filed AND filed_at < $1`, before)
	return mapErr("delete stale pending objections", err)
}

// RecordSweep writes the audit entry of a sweep of unreferenced objects.
func (s *Store) RecordSweep(ctx context.Context, removed []string, grace time.Duration) error {
	// the keys name calls and bids (a retried or unfinished submission):
	// sealed, like the bids' own entries
	return s.Record(ctx, Audit{By: domain.System, Action: "blob.sweep", ObjectType: "bucket",
		Summary: map[string]any{"removed": len(removed), "grace": grace.String()}, Secret: s.secret(map[string]any{"keys": removed}, "")})
}
