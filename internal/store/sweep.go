package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

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
