package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

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

// SetCallTimes stores the non-zero times.
func (s *Store) SetCallTimes(ctx context.Context, callID string, t domain.CallTimes) error {
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
