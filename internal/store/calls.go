package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

const callColumns = `id, number, title, brand, district, budget_fen, stage, created_by,
	coalesce(notice_key, ''), coalesce(notice_sha256, ''), coalesce(cancel_reason, ''), created_at, updated_at,
	plan, coalesce(reissue_of::text, ''), stage_note, published_at, bid_deadline, opened_at, scoring_due,
	publicity_from, publicity_until, objection_until, awarded_at, coalesce(opening_key, ''), coalesce(opening_sha256, ''),
	coalesce(report_key, ''), coalesce(report_sha256, ''), results, notice_error`

func scanCall(row pgx.Row) (domain.Call, error) {
	var c domain.Call
	var times [8]*time.Time
	var results []domain.BidResult
	err := row.Scan(&c.ID, &c.Number, &c.Title, &c.Brand, &c.District, &c.Budget, &c.Stage, &c.CreatedBy,
		&c.NoticeKey, &c.NoticeSHA256, &c.CancelReason, &c.CreatedAt, &c.UpdatedAt,
		&c.Plan, &c.ReissueOf, &c.StageNote, &times[0], &times[1], &times[2], &times[3], &times[4], &times[5], &times[6], &times[7],
		&c.OpeningKey, &c.OpeningSHA256, &c.ReportKey, &c.ReportSHA256, &results, &c.NoticeError)
	for i, dst := range []*time.Time{&c.PublishedAt, &c.BidDeadline, &c.OpenedAt, &c.ScoringDue, &c.PublicityFrom,
		&c.PublicityUntil, &c.ObjectionUntil, &c.AwardedAt} {
		if times[i] != nil {
			*dst = *times[i]
		}
	}
	c.Results = results
	c.NoticeReady = c.NoticeKey != ""
	return c, err
}

// InsertDraftCall records a new draft call and its audit entry. It is
// idempotent: inserting the same id again returns the existing row unchanged
// and writes no second entry (activities are retried).
func (s *Store) InsertDraftCall(ctx context.Context, id string, d domain.CallDraft, by domain.Actor) (domain.Call, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO calls (id, number, title, brand, district, budget_fen, stage, created_by, mode, plan, reissue_of)
			VALUES ($1, 'ZJ' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(nextval('call_number_seq')::text, 6, '0'),
			        $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, '')::uuid)
			ON CONFLICT (id) DO NOTHING`,
			id, d.Title, d.Brand, d.District, d.Budget, domain.StageDraft, by.UserID, d.Mode, d.Plan, d.ReissueOf)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "call.create", ObjectType: "call", ObjectID: id, Summary: d})
	})
	if err != nil {
		return domain.Call{}, mapErr("insert draft call", err)
	}
	return s.Call(ctx, id)
}

// SetCallNoticeError records why the call's notice could not be rendered
// (cleared when a later revision renders), with its audit entry.
func (s *Store) SetCallNoticeError(ctx context.Context, id, reason string) error {
	return mapErr("set call notice error", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calls SET notice_error = $2, updated_at = now() WHERE id = $1 AND notice_error <> $2`, id, reason)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "call.notice_failed", ObjectType: "call", ObjectID: id,
			Summary: map[string]string{"reason": reason}})
	}))
}

// Call returns one call.
func (s *Store) Call(ctx context.Context, id string) (domain.Call, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `SELECT `+callColumns+` FROM calls WHERE id = $1`, id))
	return c, mapErr("call", err)
}

// SetCallStage records the stage the workflow moved the call to, with its
// audit entry. Setting the stage it already has changes and records nothing.
func (s *Store) SetCallStage(ctx context.Context, id string, stage domain.CallStage, reason string, by domain.Actor) error {
	return mapErr("set call stage", s.tx(ctx, func(tx pgx.Tx) error {
		var from domain.CallStage
		if err := tx.QueryRow(ctx, `SELECT stage FROM calls WHERE id = $1 FOR UPDATE`, id).Scan(&from); err != nil {
			return err
		}
		if from == stage {
			return nil
		}
		if _, err := tx.Exec(ctx, `
			UPDATE calls SET stage = $2, stage_note = $3,
			       cancel_reason = CASE WHEN $2 = 'cancelled' THEN nullif($3, '') ELSE cancel_reason END,
			       awarded_at = CASE WHEN $2 = 'awarded' THEN now() ELSE awarded_at END,
			       updated_at = now() WHERE id = $1`,
			id, stage, reason); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "call.stage", ObjectType: "call", ObjectID: id,
			Summary: map[string]string{"from": string(from), "to": string(stage), "reason": reason}})
	}))
}

// SetCallNotice records where the call notice PDF is stored.
func (s *Store) SetCallNotice(ctx context.Context, id, key, sha string) error {
	return mapErr("set call notice", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE calls SET notice_key = $2, notice_sha256 = $3, notice_error = '', updated_at = now()
			WHERE id = $1 AND (notice_key IS DISTINCT FROM $2 OR notice_sha256 IS DISTINCT FROM $3 OR notice_error <> '')`, id, key, sha)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "call.notice", ObjectType: "call", ObjectID: id,
			Summary: map[string]string{"object": key, "sha256": sha}})
	}))
}

// CallFilter narrows a call list; the zero value lists everything.
type CallFilter struct {
	Stage    domain.CallStage
	District string
	Search   string // in title or number
	// Published lists only published calls (the public portal).
	Published bool
	// Unpublished limits the unpublished calls listed (drafts and calls
	// awaiting publication review) to those the viewer may see; nil lists
	// them all.
	Unpublished *UnpublishedScope
	Sort        string // a CallSorts key; newest first otherwise
	Page        int    // from 1
	PerPage     int
}

// UnpublishedScope says whose unpublished calls a list holds: for drafts
// and for calls awaiting publication review, "" for none, "*" for every
// district, or one district.
type UnpublishedScope struct {
	Drafts, Reviews string
}

// CallPage is one page of calls and the total count.
type CallPage struct {
	Calls   []domain.Call
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p CallPage) Pages() int { return pages(p.Total, p.PerPage) }

// ListCalls lists calls newest first, filtered and paged on the server.
func (s *Store) ListCalls(ctx context.Context, f CallFilter) (CallPage, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 200)
	var w filter
	if f.Stage != "" {
		w.add("stage = $%d", f.Stage)
	}
	if f.District != "" {
		w.add("district = $%d", f.District)
	}
	if f.Published {
		w.add("(published_at IS NOT NULL) = $%d", true)
	}
	if u := f.Unpublished; u != nil {
		w.add(`(published_at IS NOT NULL OR ($%d::text[])[1] IN ('*', district)
			OR (stage = 'publish_review' AND ($%d::text[])[2] IN ('*', district)))`, []string{u.Drafts, u.Reviews})
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		w.add("(title ILIKE '%' || $%d || '%' OR number ILIKE '%' || $%d || '%')", likeEscape(q))
	}
	calls, total, err := listPage(ctx, s.pool, "list calls", callColumns, "calls", w, sortOrder(f.Sort, CallSorts, CallSorts["created"]), f.Page, f.PerPage,
		func(r pgx.CollectableRow) (domain.Call, error) { return scanCall(r) })
	return CallPage{Calls: calls, Total: total, Page: f.Page, PerPage: f.PerPage}, err
}

const attachmentColumns = `id, call_id, file_name, content_type, size_bytes, sha256, object_key, version_id, uploaded_by, created_at`

func scanAttachment(row pgx.Row) (domain.Attachment, error) {
	var a domain.Attachment
	err := row.Scan(&a.ID, &a.CallID, &a.FileName, &a.ContentType, &a.Size, &a.SHA256, &a.ObjectKey, &a.VersionID, &a.UploadedBy, &a.CreatedAt)
	return a, err
}

// InsertAttachment records a document attached to a call, with its audit
// entry; idempotent on id.
func (s *Store) InsertAttachment(ctx context.Context, a domain.Attachment, by domain.Actor) error {
	return mapErr("insert attachment", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO call_attachments (id, call_id, file_name, content_type, size_bytes, sha256, object_key, version_id, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (id) DO NOTHING`,
			a.ID, a.CallID, a.FileName, a.ContentType, a.Size, a.SHA256, a.ObjectKey, a.VersionID, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "call.attach", ObjectType: "call", ObjectID: a.CallID,
			Summary: map[string]any{"attachment": a.ID, "file": a.FileName, "size": a.Size, "sha256": a.SHA256}})
	}))
}

// Attachments lists a call's documents, oldest first.
func (s *Store) Attachments(ctx context.Context, callID string) ([]domain.Attachment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+attachmentColumns+` FROM call_attachments WHERE call_id = $1 ORDER BY created_at, id`, callID)
	if err != nil {
		return nil, mapErr("attachments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Attachment, error) { return scanAttachment(r) })
	return out, mapErr("attachments", err)
}

// Attachment returns one document of a call.
func (s *Store) Attachment(ctx context.Context, callID, id string) (domain.Attachment, error) {
	a, err := scanAttachment(s.pool.QueryRow(ctx,
		`SELECT `+attachmentColumns+` FROM call_attachments WHERE call_id = $1 AND id = $2`, callID, id))
	return a, mapErr("attachment", err)
}
