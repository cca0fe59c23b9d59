package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// OpenEvaluation records a round with its report's due date. Idempotent.
func (s *Store) OpenEvaluation(ctx context.Context, projectID string, phase domain.EvalPhase, attempt int, due time.Time) error {
	return mapErr("open evaluation", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO evaluations (project_id, phase, attempt, due_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, projectID, phase, attempt, due)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "evaluation.open", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"phase": phase, "attempt": attempt, "due": due}})
	}))
}

// SubmitEvalReport records the organisation's report at at; the database
// refuses one after the due date. Idempotent.
func (s *Store) SubmitEvalReport(ctx context.Context, projectID string, phase domain.EvalPhase, attempt int, summary, key, name, sha string, at time.Time, by domain.Actor) error {
	return mapErr("submit evaluation report", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE evaluations SET summary = $4, report_key = $5, report_name = $6, report_sha256 = $7,
			submitted_at = $8, submitted_by = $9 WHERE project_id = $1 AND phase = $2 AND attempt = $3 AND submitted_at IS NULL`,
			projectID, phase, attempt, summary, key, name, sha, at, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "evaluation.report", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"phase": phase, "attempt": attempt, "file": name, "sha256": sha}})
	}))
}

// AddEvaluator records an expert considered for a round (excluded with a
// reason, or drawn). Idempotent on (round, talent).
func (s *Store) AddEvaluator(ctx context.Context, projectID string, phase domain.EvalPhase, attempt int, e domain.Evaluator) error {
	return mapErr("add evaluator", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO evaluators (project_id, phase, attempt, talent_id, user_id, seq, excluded)
			VALUES ($1, $2, $3, $4, nullif($5, 0), $6, $7) ON CONFLICT DO NOTHING`,
			projectID, phase, attempt, e.TalentID, e.UserID, e.Seq, e.Excluded)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		action := "evaluation.draw"
		if e.Excluded != "" {
			action = "evaluation.exclude"
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: action, ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"phase": phase, "attempt": attempt, "seq": e.Seq},
			Secret:  s.secret(map[string]any{"talent": e.TalentID, "reason": e.Excluded}, "")})
	}))
}

// RecordEvalSheet records a drawn evaluator's sheet. Idempotent.
func (s *Store) RecordEvalSheet(ctx context.Context, projectID string, phase domain.EvalPhase, attempt int, userID int64, sh domain.EvalSheet, by domain.Actor) error {
	return mapErr("record evaluation sheet", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE evaluators SET sheet = $5, scored_at = now()
			WHERE project_id = $1 AND phase = $2 AND attempt = $3 AND user_id = $4 AND excluded = '' AND scored_at IS NULL`,
			projectID, phase, attempt, userID, sh)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "evaluation.score", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"phase": phase, "attempt": attempt},
			Secret:  s.secret(map[string]any{"points": sh.Points}, hiddenExpert)})
	}))
}

// DecideEvaluation records a round's result; a final's grade goes on the
// project (the organisation's record). Idempotent.
func (s *Store) DecideEvaluation(ctx context.Context, projectID string, phase domain.EvalPhase, attempt int, o domain.EvalOutcome) error {
	return mapErr("decide evaluation", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE evaluations SET outcome = $4, decided_at = now()
			WHERE project_id = $1 AND phase = $2 AND attempt = $3 AND decided_at IS NULL`, projectID, phase, attempt, o)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if phase == domain.EvalFinal {
			if _, err := tx.Exec(ctx, `UPDATE projects SET grade = $2, graded_at = now(), updated_at = now() WHERE id = $1`, projectID, o.Grade); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "evaluation.decide", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"phase": phase, "attempt": attempt, "total": o.Total, "passed": o.Passed, "late": o.Late, "grade": o.Grade}})
	}))
}

// Evaluations lists a project's rounds in order, with their evaluators
// (names included: callers decide who may see them).
func (s *Store) Evaluations(ctx context.Context, projectID string) ([]domain.Evaluation, error) {
	rows, err := s.pool.Query(ctx, `SELECT project_id, phase, attempt, due_at, summary, report_key, report_name, report_sha256,
			submitted_at, outcome, decided_at
		FROM evaluations WHERE project_id = $1 ORDER BY CASE phase WHEN 'midterm' THEN 0 ELSE 1 END, attempt`, projectID)
	if err != nil {
		return nil, mapErr("evaluations", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Evaluation, error) {
		var e domain.Evaluation
		var submitted, decided *time.Time
		err := r.Scan(&e.ProjectID, &e.Phase, &e.Attempt, &e.Due, &e.Summary, &e.ReportKey, &e.ReportName, &e.ReportSHA,
			&submitted, &e.Outcome, &decided)
		if submitted != nil {
			e.SubmittedAt = *submitted
		}
		if decided != nil {
			e.DecidedAt = *decided
		}
		return e, err
	})
	if err != nil {
		return nil, mapErr("evaluations", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT v.phase, v.attempt, v.talent_id, coalesce(v.user_id, 0), v.seq, t.name, v.excluded, v.sheet, v.scored_at
		FROM evaluators v JOIN talents t ON t.id = v.talent_id WHERE v.project_id = $1 ORDER BY v.seq`, projectID)
	if err != nil {
		return nil, mapErr("evaluators", err)
	}
	defer rows.Close()
	for rows.Next() {
		var phase domain.EvalPhase
		var attempt int
		var v domain.Evaluator
		var scored *time.Time
		if err := rows.Scan(&phase, &attempt, &v.TalentID, &v.UserID, &v.Seq, &v.Name, &v.Excluded, &v.Sheet, &scored); err != nil {
			return nil, mapErr("evaluators", err)
		}
		if scored != nil {
			v.ScoredAt = *scored
		}
		for i := range out {
			if out[i].Phase == phase && out[i].Attempt == attempt {
				out[i].Evaluators = append(out[i].Evaluators, v)
			}
		}
	}
	return out, mapErr("evaluators", rows.Err())
}

// EvaluatorAssignment is a round a drawn evaluator is (or was) on.
type EvaluatorAssignment struct {
	ProjectID string
	Number    string
	Title     string
	OrgName   string
	District  string
	Phase     domain.EvalPhase
	Attempt   int
	Drawn     time.Time
	ScoredAt  time.Time
	Decided   bool
}

// EvaluatorAssignments lists the rounds a user was drawn for, open ones
// first.
func (s *Store) EvaluatorAssignments(ctx context.Context, userID int64, limit int) ([]EvaluatorAssignment, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.number, c.title, o.name, c.district, v.phase, v.attempt, v.created_at, v.scored_at,
			e.decided_at IS NOT NULL
		FROM evaluators v JOIN evaluations e USING (project_id, phase, attempt)
		JOIN projects p ON p.id = v.project_id JOIN calls c ON c.id = p.call_id JOIN organisations o ON o.id = p.org_id
		WHERE v.user_id = $1 AND v.excluded = ''
		ORDER BY v.scored_at IS NOT NULL, v.created_at DESC, p.id, v.phase, v.attempt LIMIT $2`, userID, limit)
	if err != nil {
		return nil, mapErr("evaluator assignments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EvaluatorAssignment, error) {
		var a EvaluatorAssignment
		var scored *time.Time
		err := r.Scan(&a.ProjectID, &a.Number, &a.Title, &a.OrgName, &a.District, &a.Phase, &a.Attempt, &a.Drawn, &scored, &a.Decided)
		if scored != nil {
			a.ScoredAt = *scored
		}
		return a, err
	})
	return out, mapErr("evaluator assignments", err)
}

// IsEvaluator reports whether the user was drawn to evaluate the project.
func (s *Store) IsEvaluator(ctx context.Context, projectID string, userID int64) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM evaluators WHERE project_id = $1 AND user_id = $2 AND excluded = '')`,
		projectID, userID).Scan(&ok)
	return ok, mapErr("is evaluator", err)
}

// IsRoundEvaluator reports whether the user was drawn for one round.
func (s *Store) IsRoundEvaluator(ctx context.Context, projectID string, phase domain.EvalPhase, attempt int, userID int64) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM evaluators WHERE project_id = $1 AND phase = $2 AND attempt = $3
		AND user_id = $4 AND excluded = '')`, projectID, phase, attempt, userID).Scan(&ok)
	return ok, mapErr("is round evaluator", err)
}

// SetProjectStage moves a project to stage (the workflow decides). Idempotent.
func (s *Store) SetProjectStage(ctx context.Context, id string, stage domain.ProjectStage) error {
	return mapErr("set project stage", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE projects SET stage = $2, updated_at = now() WHERE id = $1 AND stage <> $2`, id, stage)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "project.stage", ObjectType: "project", ObjectID: id,
			Summary: map[string]any{"stage": stage}})
	}))
}

// PaidTotal is what was paid to a project so far.
func (s *Store) PaidTotal(ctx context.Context, id string) (domain.Fen, error) {
	var paid domain.Fen
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(amount_fen), 0) FROM project_tranches WHERE project_id = $1 AND paid_at IS NOT NULL`, id).Scan(&paid)
	return paid, mapErr("paid total", err)
}

// TerminateProject records a termination with the share earned and the
// amount to claw back. Idempotent.
func (s *Store) TerminateProject(ctx context.Context, id string, earned, back domain.Fen) error {
	return mapErr("terminate project", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE projects SET stage = 'terminated', terminated_at = now(), earned_fen = $2, clawback_fen = $3,
			updated_at = now() WHERE id = $1 AND terminated_at IS NULL`, id, earned, back)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "project.terminate", ObjectType: "project", ObjectID: id,
			Summary: map[string]any{"earned_fen": earned, "clawback_fen": back}})
	}))
}

// OrgGrade is one graded project on an organisation's record.
type OrgGrade struct {
	ProjectID string       `json:"project_id"`
	Number    string       `json:"number"`
	Title     string       `json:"title"`
	District  string       `json:"district"`
	Grade     domain.Grade `json:"grade"`
	GradedAt  time.Time    `json:"graded_at"`
	OrgName   string       `json:"org_name,omitempty"`
}

// PublicResults lists the published final results (every district),
// newest first: the acceptance results are public (实施条例 §45).
func (s *Store) PublicResults(ctx context.Context, limit int) ([]OrgGrade, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.number, c.title, c.district, p.grade, p.graded_at, o.name
		FROM projects p JOIN calls c ON c.id = p.call_id JOIN organisations o ON o.id = p.org_id
		WHERE p.grade IS NOT NULL ORDER BY p.graded_at DESC, p.id LIMIT $1`, limit)
	if err != nil {
		return nil, mapErr("public results", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OrgGrade, error) {
		var g OrgGrade
		return g, r.Scan(&g.ProjectID, &g.Number, &g.Title, &g.District, &g.Grade, &g.GradedAt, &g.OrgName)
	})
	return out, mapErr("public results", err)
}

// OrgGrades is an organisation's record: its graded projects, newest first,
// and terminations.
func (s *Store) OrgGrades(ctx context.Context, orgID int64) ([]OrgGrade, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.number, c.title, c.district, p.grade, p.graded_at
		FROM projects p JOIN calls c ON c.id = p.call_id WHERE p.org_id = $1 AND p.grade IS NOT NULL ORDER BY p.graded_at DESC, p.id LIMIT 100`, orgID)
	if err != nil {
		return nil, mapErr("org grades", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OrgGrade, error) {
		var g OrgGrade
		return g, r.Scan(&g.ProjectID, &g.Number, &g.Title, &g.District, &g.Grade, &g.GradedAt)
	})
	return out, mapErr("org grades", err)
}

// PublishedContract is a signed contract as the public sees it.
type PublishedContract struct {
	ProjectID string              `json:"project_id"`
	Number    string              `json:"number"`
	Title     string              `json:"title"`
	District  string              `json:"district"`
	OrgName   string              `json:"org_name"`
	Amount    domain.Fen          `json:"amount_fen"`
	SignedAt  time.Time           `json:"signed_at"`
	Stage     domain.ProjectStage `json:"stage"`
}

// PublishedContracts lists signed contracts, newest first (they are public
// once signed: 实施条例 §50).
func (s *Store) PublishedContracts(ctx context.Context, limit int) ([]PublishedContract, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.number, c.title, c.district, o.name, p.amount_fen, p.published_at, p.stage
		FROM projects p JOIN calls c ON c.id = p.call_id JOIN organisations o ON o.id = p.org_id
		WHERE p.published_at IS NOT NULL ORDER BY p.published_at DESC, p.id LIMIT $1`, limit)
	if err != nil {
		return nil, mapErr("published contracts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublishedContract, error) {
		var c PublishedContract
		return c, r.Scan(&c.ProjectID, &c.Number, &c.Title, &c.District, &c.OrgName, &c.Amount, &c.SignedAt, &c.Stage)
	})
	return out, mapErr("published contracts", err)
}
