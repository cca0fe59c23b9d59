package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

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
