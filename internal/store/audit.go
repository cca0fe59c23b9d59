package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	// Secret holds details the law keeps secret for now (see
	// Store.secret): they are sealed beside the entry, and its readable
	// summary (then a JSON object) gets their salted digest, detail_sha256.
	Secret *auditSecret
}

// Sealer seals a value under the PII keyring.
type Sealer interface {
	Seal(plaintext string) (string, error)
}

// SealAuditDetailsWith sets the keyring secret audit details are sealed
// under (see Audit.Secret). Without one, only their salted digest is kept.
func (s *Store) SealAuditDetailsWith(k Sealer) { s.details = k }

// auditSecret is what an entry keeps unreadable: details and, when
// actorAs is set, the actor (their ID, name and address), which the
// readable entry then names only as actorAs.
type auditSecret struct {
	details any
	actorAs string
	sealer  Sealer
}

// secret makes an entry's secret details; actorAs, when set, also hides who
// acted (a bidder before opening, an expert before the result).
func (s *Store) secret(details any, actorAs string) *auditSecret {
	return &auditSecret{details: details, actorAs: actorAs, sealer: s.details}
}

// Labels of hidden actors.
const (
	hiddenBidder = "投标人（开标前不公开）"
	hiddenExpert = "评审专家（结果公示前不公开）"
	// objectors are named only to the officials who answer them
	hiddenObjector = "质疑人（仅答复的民政部门可见）"
)

// seal commits to the details (and the actor) with a fresh random salt:
// it returns the commitment (hex SHA-256 of salt and details) and the
// sealed salt and details ("" without a sealer).
func (x *auditSecret) seal(by domain.Actor) (commit, sealed string, err error) {
	d := map[string]any{"details": x.details}
	if x.actorAs != "" {
		d["actor"] = map[string]any{"id": by.UserID, "name": by.Name, "ip": by.IP}
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return "", "", fmt.Errorf("audit details: %w", err)
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return "", "", fmt.Errorf("audit details: %w", err)
	}
	sum := sha256.Sum256(append(bytes.Clone(salt), raw...))
	commit = hex.EncodeToString(sum[:])
	if x.sealer != nil {
		payload, _ := json.Marshal(map[string]any{"salt": hex.EncodeToString(salt), "details": json.RawMessage(raw)})
		if sealed, err = x.sealer.Seal(string(payload)); err != nil {
			return "", "", fmt.Errorf("audit details: %w", err)
		}
	}
	return commit, sealed, nil
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
	var sealed string
	if a.Secret != nil {
		commit, sd, err := a.Secret.seal(a.By)
		if err != nil {
			return err
		}
		sealed = sd
		m := map[string]any{}
		if a.Summary != nil {
			m = a.Summary.(map[string]any)
		}
		m["detail_sha256"] = commit
		a.Summary = m
		if a.Secret.actorAs != "" {
			a.By = domain.Actor{Name: a.Secret.actorAs}
		}
	}
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
	if sealed != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_details (seq, detail_sealed) VALUES ($1, $2)`, e.Seq, sealed); err != nil {
			return fmt.Errorf("audit details: %w", err)
		}
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

// VerifyAuditDetails checks every sealed audit detail against the entry it
// belongs to: open unseals it (the PII keyring), and the SHA-256 of its salt
// and details must be the detail_sha256 the entry's summary (bound by the
// hash chain) holds. It returns the first entry whose details were altered
// or swapped (nil when all hold) and how many it checked.
func (s *Store) VerifyAuditDetails(ctx context.Context, open func(sealed string) (string, error)) (*AuditProblem, int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT d.seq, d.detail_sealed, l.summary FROM audit_details d JOIN audit_log l ON l.seq = d.seq ORDER BY d.seq`)
	if err != nil {
		return nil, 0, fmt.Errorf("audit details: %w", err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var seq int64
		var sealed, summary string
		if err := rows.Scan(&seq, &sealed, &summary); err != nil {
			return nil, n, fmt.Errorf("audit details: %w", err)
		}
		n++
		var sum struct {
			Commit string `json:"detail_sha256"`
		}
		_ = json.Unmarshal([]byte(summary), &sum)
		plain, err := open(sealed)
		if err != nil {
			return &AuditProblem{Seq: seq, Reason: "sealed details do not open: " + err.Error()}, n, nil
		}
		var payload struct {
			Salt    string          `json:"salt"`
			Details json.RawMessage `json:"details"`
		}
		salt, herr := []byte(nil), json.Unmarshal([]byte(plain), &payload)
		if herr == nil {
			salt, herr = hex.DecodeString(payload.Salt)
		}
		got := sha256.Sum256(append(salt, payload.Details...))
		if herr != nil || sum.Commit == "" || hex.EncodeToString(got[:]) != sum.Commit {
			return &AuditProblem{Seq: seq, Reason: "sealed details altered: they do not match the digest the entry holds"}, n, nil
		}
	}
	return nil, n, rows.Err()
}

// AuditDetails opens an entry's sealed details (for an audit after the law
// made them public, or for verification); "" when the entry has none.
func (s *Store) AuditDetails(ctx context.Context, seq int64, open func(sealed string) (string, error)) (string, error) {
	var sealed string
	err := s.pool.QueryRow(ctx, `SELECT detail_sealed FROM audit_details WHERE seq = $1`, seq).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("audit details: %w", err)
	}
	return open(sealed)
}
