package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// RetentionClass is an archived document's class (docs/domain.md §4): it sets
// how long the object stays locked.
type RetentionClass string

// The retention classes.
const (
	ClassProcurement RetentionClass = "procurement" // procurement files ≥ 15 years
	ClassAccounting  RetentionClass = "accounting"  // accounting vouchers 30 years
	ClassTraining    RetentionClass = "training"    // training records ≥ 10 years
)

// Years is how long the class is kept.
func (c RetentionClass) Years() int {
	return map[RetentionClass]int{ClassProcurement: 15, ClassAccounting: 30, ClassTraining: 10}[c]
}

// Label is the class's Chinese name.
func (c RetentionClass) Label() string {
	return map[RetentionClass]string{ClassProcurement: "采购文件", ClassAccounting: "会计凭证", ClassTraining: "培训记录"}[c]
}

// ArchiveSource is a stored document that goes into a project's archive.
type ArchiveSource struct {
	Key    string // in the working bucket
	SHA256 string // as the database recorded it ("" when only the object's metadata has it)
	Name   string // the file's name inside the package
	Class  RetentionClass
}

// ArchiveSources lists every stored document of a project: the call's
// notice, attachments, opening record and evaluation report, the award
// notice, the winning bid's sealed parts, the contract, payment vouchers,
// session evidence and evaluation reports.
func (s *Store) ArchiveSources(ctx context.Context, p domain.Project) ([]ArchiveSource, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT key, sha, name, class FROM (
			SELECT 1 AS o, c.notice_key AS key, coalesce(c.notice_sha256, '') AS sha, '征集公告-' || c.number || '.pdf' AS name, 'procurement' AS class, '' AS k2
			  FROM calls c WHERE c.id = $2 AND c.notice_key IS NOT NULL
			UNION ALL SELECT 2, a.object_key, a.sha256, '征集附件-' || a.file_name, 'procurement', a.id::text FROM call_attachments a WHERE a.call_id = $2
			UNION ALL SELECT 3, c.opening_key, coalesce(c.opening_sha256, ''), '开标记录-' || c.number || '.pdf', 'procurement', ''
			  FROM calls c WHERE c.id = $2 AND c.opening_key IS NOT NULL
			UNION ALL SELECT 4, c.report_key, coalesce(c.report_sha256, ''), '评审报告-' || c.number || '.pdf', 'procurement', ''
			  FROM calls c WHERE c.id = $2 AND c.report_key IS NOT NULL
			UNION ALL SELECT 5, a.notice_key, a.notice_sha256, '中标（成交）通知书-' || p.number || '.pdf', 'procurement', ''
			  FROM awards a JOIN projects p ON p.id = a.id WHERE a.id = $1
			UNION ALL SELECT 6, part->>'object_key', '', '投标文件（密封）-' || (part->>'part') || '.sealed', 'procurement', part->>'object_key'
			  FROM awards a JOIN bids b ON b.id = a.bid_id, jsonb_array_elements(b.parts) part WHERE a.id = $1
			UNION ALL SELECT 7, p.contract_key, coalesce(p.contract_sha256, ''), '合同-' || p.number || '.pdf', 'procurement', ''
			  FROM projects p WHERE p.id = $1 AND p.contract_key IS NOT NULL
			UNION ALL SELECT 8, t.voucher_key, t.voucher_sha256, '付款凭证-第' || (t.tranche + 1) || '笔-' || t.voucher_no || '.pdf', 'accounting', ''
			  FROM project_tranches t WHERE t.project_id = $1 AND t.voucher_key <> ''
			UNION ALL SELECT 9, e.object_key, e.sha256, '培训证据-' || e.session_id || '-' || e.file_name, 'training', e.id::text
			  FROM session_evidence e WHERE e.project_id = $1
			UNION ALL SELECT 10, v.report_key, v.report_sha256, '评估报告附件-' || v.phase || '-' || v.attempt || '-' || v.report_name, 'procurement', ''
			  FROM evaluations v WHERE v.project_id = $1 AND v.report_key <> ''
		) x ORDER BY o, k2, name`, p.ID, p.CallID)
	if err != nil {
		return nil, mapErr("archive sources", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ArchiveSource, error) {
		var a ArchiveSource
		return a, r.Scan(&a.Key, &a.SHA256, &a.Name, &a.Class)
	})
	return out, mapErr("archive sources", err)
}

// ArchivedObject is one object of a project's archive package.
type ArchivedObject struct {
	Key         string         `json:"key"` // in the archive bucket
	Source      string         `json:"source"`
	Class       RetentionClass `json:"class"`
	SHA256      string         `json:"sha256"`
	Size        int64          `json:"size_bytes"`
	VersionID   string         `json:"version_id"`
	RetainUntil time.Time      `json:"retain_until"`
}

// RecordArchive records the package and marks the project archived
// (read-only). Idempotent: a retried build replaces the object list.
func (s *Store) RecordArchive(ctx context.Context, id string, objs []ArchivedObject, manifestKey, manifestSHA, reportKey, reportSHA string) error {
	return mapErr("record archive", s.tx(ctx, func(tx pgx.Tx) error {
		var archived *time.Time
		if err := tx.QueryRow(ctx, `SELECT archived_at FROM projects WHERE id = $1 FOR UPDATE`, id).Scan(&archived); err != nil {
			return err
		}
		if archived != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM archive_objects WHERE project_id = $1`, id); err != nil {
			return err
		}
		rows := make([][]any, len(objs))
		for i, o := range objs {
			rows[i] = []any{id, o.Key, o.Source, string(o.Class), o.SHA256, o.Size, o.VersionID, o.RetainUntil}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"archive_objects"},
			[]string{"project_id", "key", "source_key", "class", "sha256", "size_bytes", "version_id", "retain_until"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy archive objects: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET archived_at = now(), manifest_key = $2, manifest_sha256 = $3,
				final_report_key = $4, final_report_sha256 = $5,
				stage = CASE WHEN stage = 'terminated' THEN stage ELSE 'archived' END, updated_at = now() WHERE id = $1`,
			id, manifestKey, manifestSHA, reportKey, reportSHA); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "project.archive", ObjectType: "project", ObjectID: id,
			Summary: map[string]any{"objects": len(objs), "manifest": manifestKey, "manifest_sha256": manifestSHA}})
	}))
}

// BeginArchive records when the project's archive was first begun (once)
// and returns that moment (UTC, to the second): every attempt of the
// archive dates its package by it.
func (s *Store) BeginArchive(ctx context.Context, id string) (time.Time, error) {
	var at time.Time
	err := s.pool.QueryRow(ctx, `UPDATE projects SET archive_started_at = coalesce(archive_started_at, date_trunc('second', now()))
		WHERE id = $1 RETURNING archive_started_at`, id).Scan(&at)
	return at.UTC(), mapErr("begin archive", err)
}

// ArchivedObjects lists a project's archive package as the database holds it.
func (s *Store) ArchivedObjects(ctx context.Context, id string) ([]ArchivedObject, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, source_key, class, sha256, size_bytes, version_id, retain_until
		FROM archive_objects WHERE project_id = $1 ORDER BY key`, id)
	if err != nil {
		return nil, mapErr("archived objects", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ArchivedObject, error) {
		var o ArchivedObject
		return o, r.Scan(&o.Key, &o.Source, &o.Class, &o.SHA256, &o.Size, &o.VersionID, &o.RetainUntil)
	})
	return out, mapErr("archived objects", err)
}

// ProjectByNumber finds a project by its number (XM2026-000001), for the
// command line.
func (s *Store) ProjectByNumber(ctx context.Context, number string) (domain.Project, error) {
	p, err := scanProject(s.pool.QueryRow(ctx, `SELECT `+projectColumns+projectFrom+`WHERE p.number = $1`, number))
	return p, mapErr("project by number", err)
}

// OpenedBids counts a call's opened bids (the tenderers).
func (s *Store) OpenedBids(ctx context.Context, callID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM bids WHERE call_id = $1 AND status = 'opened'`, callID).Scan(&n)
	return n, mapErr("opened bids", err)
}
