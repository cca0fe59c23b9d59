package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// DeliveryKPIs are a project's live indicators.
type DeliveryKPIs struct {
	Sessions      int     `json:"sessions_held"`
	Planned       int     `json:"sessions_planned"`
	Enrolled      int     `json:"trainees_enrolled"`
	Completed     int     `json:"trainees_completed"` // reached the contracted hours
	HoursCredited float64 `json:"hours_credited"`
	Satisfaction  float64 `json:"satisfaction"` // mean of recorded satisfaction (1–5), 0 when none
	Surveyed      int     `json:"surveyed"`     // trainees whose satisfaction was asked
	SpotChecks    int     `json:"spot_checks"`
	Discrepancies int     `json:"spot_check_discrepancies"`
}

// KPIs computes a project's indicators; hoursEach is the contracted hours
// per trainee.
func (s *Store) KPIs(ctx context.Context, projectID string, hoursEach int) (DeliveryKPIs, error) {
	var k DeliveryKPIs
	err := s.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM training_sessions t WHERE t.project_id = $1 AND t.ends_at <= now()),
		       (SELECT count(*) FROM training_sessions t WHERE t.project_id = $1),
		       (SELECT count(*) FROM trainees e WHERE e.project_id = $1),
		       (SELECT count(*) FROM (SELECT trainee_id FROM attendance WHERE project_id = $1 GROUP BY trainee_id HAVING sum(hours) >= $2) x),
		       coalesce((SELECT sum(hours) FROM attendance WHERE project_id = $1), 0)::float8,
		       coalesce((SELECT round(avg(satisfaction), 2) FROM trainees WHERE project_id = $1), 0)::float8,
		       (SELECT count(satisfaction) FROM trainees WHERE project_id = $1),
		       (SELECT count(*) FROM spot_checks WHERE project_id = $1),
		       (SELECT count(*) FROM spot_checks WHERE project_id = $1 AND outcome = 'discrepancy')`, projectID, hoursEach).
		Scan(&k.Sessions, &k.Planned, &k.Enrolled, &k.Completed, &k.HoursCredited, &k.Satisfaction, &k.Surveyed, &k.SpotChecks, &k.Discrepancies)
	return k, mapErr(fmt.Sprintf("kpis %s", projectID), err)
}

// InsertEvidence records a piece of session evidence, with its audit entry.
func (s *Store) InsertEvidence(ctx context.Context, e domain.Evidence, by domain.Actor) error {
	return mapErr("insert evidence", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO session_evidence (id, project_id, session_id, kind, file_name, content_type, size_bytes, sha256, object_key, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, e.ProjectID, e.SessionID, e.Kind, e.FileName, e.ContentType, e.Size, e.SHA256,
			e.ObjectKey, by.UserID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "evidence.upload", ObjectType: "project", ObjectID: e.ProjectID,
			Summary: map[string]any{"session": e.SessionID, "kind": e.Kind, "file": e.FileName, "sha256": e.SHA256}})
	}))
}

// Evidence lists a project's evidence (of one session when sessionID > 0).
func (s *Store) Evidence(ctx context.Context, projectID string, sessionID int64) ([]domain.Evidence, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, project_id, session_id, kind, file_name, content_type, size_bytes, sha256, object_key, created_at
		FROM session_evidence WHERE project_id = $1 AND ($2 = 0 OR session_id = $2) ORDER BY created_at, id`, projectID, sessionID)
	if err != nil {
		return nil, mapErr("evidence", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Evidence, error) {
		var e domain.Evidence
		return e, r.Scan(&e.ID, &e.ProjectID, &e.SessionID, &e.Kind, &e.FileName, &e.ContentType, &e.Size, &e.SHA256, &e.ObjectKey, &e.CreatedAt)
	})
	return out, mapErr("evidence", err)
}

// InsertSpotCheck records a phone spot-check, with its audit entry.
func (s *Store) InsertSpotCheck(ctx context.Context, projectID string, traineeID int64, o domain.SpotCheckOutcome, note string, by domain.Actor) error {
	return mapErr("spot check", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO spot_checks (project_id, trainee_id, outcome, note, checked_by)
			SELECT $1, id, $3, $4, $5 FROM trainees WHERE id = $2 AND project_id = $1`, projectID, traineeID, o, note, by.UserID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeNotFound, "找不到该学员。")
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "spotcheck." + string(o), ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"trainee": traineeID, "note": note}})
	}))
}

// SpotChecks lists a project's spot-checks, newest first.
func (s *Store) SpotChecks(ctx context.Context, projectID string) ([]domain.SpotCheck, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.id, c.trainee_id, t.name, c.outcome, c.note, u.display_name, c.checked_at
		FROM spot_checks c JOIN trainees t ON t.id = c.trainee_id JOIN users u ON u.id = c.checked_by
		WHERE c.project_id = $1 ORDER BY c.checked_at DESC, c.id DESC`, projectID)
	if err != nil {
		return nil, mapErr("spot checks", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.SpotCheck, error) {
		var c domain.SpotCheck
		return c, r.Scan(&c.ID, &c.TraineeID, &c.TraineeName, &c.Outcome, &c.Note, &c.CheckedBy, &c.CheckedAt)
	})
	return out, mapErr("spot checks", err)
}

// FileProgressReport records (or replaces) a month's report with the
// indicators as they stand, with its audit entry.
func (s *Store) FileProgressReport(ctx context.Context, projectID string, r domain.ProgressReport, kpis DeliveryKPIs, by domain.Actor) error {
	return mapErr("file progress report", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO progress_reports (project_id, month, summary, problems, kpis, filed_by) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (project_id, month) DO UPDATE SET summary = excluded.summary, problems = excluded.problems, kpis = excluded.kpis,
			    filed_by = excluded.filed_by, filed_at = now()`, projectID, r.Month, r.Summary, r.Problems, kpis, by.UserID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "progress.file", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"month": r.Month}})
	}))
}

// ProgressReports lists a project's reports, newest month first.
func (s *Store) ProgressReports(ctx context.Context, projectID string) ([]domain.ProgressReport, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.month, r.summary, r.problems, r.kpis, r.filed_at, u.display_name
		FROM progress_reports r JOIN users u ON u.id = r.filed_by WHERE r.project_id = $1 ORDER BY r.month DESC`, projectID)
	if err != nil {
		return nil, mapErr("progress reports", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.ProgressReport, error) {
		var p domain.ProgressReport
		var k DeliveryKPIs
		err := r.Scan(&p.Month, &p.Summary, &p.Problems, &k, &p.FiledAt, &p.FiledBy)
		p.KPIs = k
		return p, err
	})
	return out, mapErr("progress reports", err)
}
