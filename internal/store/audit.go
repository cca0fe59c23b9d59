package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// Audit says who did what to which object, for the audit log.
type Audit struct {
	By         domain.Actor
	Action     string
	ObjectType string
	ObjectID   string
	Summary    any // marshalled as JSON; a string is kept as it is
}

// tx runs fn in a transaction: the public method begins, helpers take the
// pgx.Tx, and commit comes last.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// appendAudit appends one entry to the hash chain, inside tx. It locks the
// chain's head, so concurrent writers queue instead of forking the chain.
func appendAudit(ctx context.Context, tx pgx.Tx, a Audit) error {
	var summary string
	switch v := a.Summary.(type) {
	case nil:
	case string:
		summary = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("audit summary: %w", err)
		}
		summary = string(b)
	}
	e := domain.AuditEntry{
		At: time.Now().UTC().Truncate(time.Microsecond), ActorID: a.By.UserID, ActorName: a.By.Name,
		Action: a.Action, ObjectType: a.ObjectType, ObjectID: a.ObjectID, IP: a.By.IP, Summary: summary,
	}
	if e.ActorName == "" {
		e.ActorName = domain.System.Name
	}
	var headSeq int64
	var headHash []byte
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id FOR UPDATE`).Scan(&headSeq, &headHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e.Seq = headSeq + 1
	e.PrevHash = headHash
	e.Hash = e.ComputeHash(headHash)
	if _, err := tx.Exec(ctx, `
		INSERT INTO audit_log (seq, at, actor_id, actor_name, action, object_type, object_id, ip, summary, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.Seq, e.At, e.ActorID, e.ActorName, e.Action, e.ObjectType, e.ObjectID, e.IP, e.Summary, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// Record writes an audit entry on its own (for events that change nothing
// else, such as a refused sign-in).
func (s *Store) Record(ctx context.Context, a Audit) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return appendAudit(ctx, tx, a) })
}

// AuditProblem is the first entry at which the chain does not hold.
type AuditProblem struct {
	Seq    int64  // the entry (or the missing sequence number)
	Reason string // what is wrong with it
}

// VerifyAudit walks the whole chain in order, recomputing every hash, and
// returns the first entry that was altered, removed or inserted (nil when
// the chain holds), and how many entries it checked.
func (s *Store) VerifyAudit(ctx context.Context) (*AuditProblem, int64, error) {
	// one snapshot for the head and the entries: writers that append while
	// we read must not look like insertions
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, fmt.Errorf("audit verify: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	var headSeq int64
	var headHash []byte
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id`).Scan(&headSeq, &headHash); err != nil {
		return nil, 0, fmt.Errorf("audit head: %w", err)
	}
	rows, err := tx.Query(ctx, `
		SELECT seq, at, actor_id, actor_name, action, object_type, object_id, ip, summary, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return nil, 0, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	prev := domain.AuditGenesis
	var want, n int64 = 1, 0
	for rows.Next() {
		var e domain.AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.IP, &e.Summary, &e.PrevHash, &e.Hash); err != nil {
			return nil, n, fmt.Errorf("audit verify: %w", err)
		}
		n++
		switch {
		case e.Seq > headSeq:
			return &AuditProblem{Seq: e.Seq, Reason: "entry inserted: the chain's head never recorded it"}, n, nil
		case e.Seq > want:
			return &AuditProblem{Seq: want, Reason: fmt.Sprintf("entry %d is missing (removed); the next entry is %d", want, e.Seq)}, n, nil
		case e.Seq < want:
			return &AuditProblem{Seq: e.Seq, Reason: "entry inserted out of order"}, n, nil
		case !bytes.Equal(e.PrevHash, prev):
			if e.Seq > 1 && bytes.Equal(e.Hash, e.ComputeHash(e.PrevHash)) {
				// this entry is intact and still names the original hash of
				// the one before: that one was altered and its hash rewritten
				return &AuditProblem{Seq: e.Seq - 1, Reason: "entry altered: its hash was rewritten, the next entry still holds the original"}, n, nil
			}
			return &AuditProblem{Seq: e.Seq, Reason: "entry altered: its link to the entry before it was changed"}, n, nil
		case !bytes.Equal(e.Hash, e.ComputeHash(prev)):
			return &AuditProblem{Seq: e.Seq, Reason: "entry altered: its content does not match its hash"}, n, nil
		}
		prev = e.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return nil, n, fmt.Errorf("audit verify: %w", err)
	}
	if last := want - 1; last != headSeq || !bytes.Equal(prev, headHash) {
		if last < headSeq {
			return &AuditProblem{Seq: last + 1, Reason: fmt.Sprintf("entries %d to %d are missing (removed from the end)", last+1, headSeq)}, n, nil
		}
		return &AuditProblem{Seq: last, Reason: "entry inserted after the last recorded one"}, n, nil
	}
	return nil, n, nil
}

// AuditFilter narrows the audit log listing.
type AuditFilter struct {
	Action     string // prefix, e.g. "call."
	ObjectType string
	ObjectID   string
	ActorID    int64
	BeforeSeq  int64 // page backwards from here (0: newest)
	Limit      int
}

// ListAudit lists entries newest first (keyset pagination on seq).
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]domain.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Action != "" {
		add("action LIKE $%d || '%%'", f.Action)
	}
	if f.ObjectType != "" {
		add("object_type = $%d", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = $%d", f.ObjectID)
	}
	if f.ActorID != 0 {
		add("actor_id = $%d", f.ActorID)
	}
	if f.BeforeSeq > 0 {
		add("seq < $%d", f.BeforeSeq)
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`
		SELECT seq, at, actor_id, actor_name, action, object_type, object_id, ip, summary, prev_hash, hash
		FROM audit_log %s ORDER BY seq DESC LIMIT $%d`, cond, len(args)), args...)
	if err != nil {
		return nil, mapErr("list audit", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.AuditEntry, error) {
		var e domain.AuditEntry
		err := r.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.IP, &e.Summary, &e.PrevHash, &e.Hash)
		return e, err
	})
	return out, mapErr("list audit", err)
}
