package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// TraineeByIndex finds a project's trainee whose 身份证号 has one of the
// blind indexes (one per key of the ring); 0 when none.
func (s *Store) TraineeByIndex(ctx context.Context, projectID string, indexes []string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT id FROM trainees WHERE project_id = $1 AND id_index = ANY($2) LIMIT 1`, projectID, indexes).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, mapErr("trainee by index", err)
}

// InsertTrainee enrols a trainee (ID number and phone already sealed, the
// number's blind index computed); the database refuses a second trainee
// with the same index in a project.
func (s *Store) InsertTrainee(ctx context.Context, projectID string, e domain.TraineeEntry, idSealed, idIndex, phoneSealed string, by domain.Actor) (int64, error) {
	return s.InsertTraineeKeyed(ctx, projectID, e, idSealed, idIndex, phoneSealed, by, RequestKey{})
}

// InsertTraineeKeyed enrols a trainee once per idempotency key: the same
// key with the same content returns the trainee it enrolled.
func (s *Store) InsertTraineeKeyed(ctx context.Context, projectID string, e domain.TraineeEntry, idSealed, idIndex, phoneSealed string, by domain.Actor, k RequestKey) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if before, err := bindKeyTx(ctx, tx, k); err != nil || before != "" {
			id, _ = strconv.ParseInt(before, 10, 64)
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO trainees (project_id, name, id_sealed, id_index, phone_sealed, relation, community, consent_at,
			guardian_name, guardian_relation, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9, $10) RETURNING id`,
			projectID, e.Name, idSealed, idIndex, phoneSealed, e.Relation, e.Community, e.GuardianName, e.GuardianRelation, by.UserID).Scan(&id); err != nil {
			return err
		}
		if err := recordKeyResult(ctx, tx, k, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "trainee.enrol", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"trainee": id, "consent": true, "guardian": e.GuardianName != ""}})
	})
	return id, mapErr("insert trainee", err)
}

// Trainees lists a project's trainees with the hours credited so far; the
// ID numbers and phones stay sealed (the service masks them).
func (s *Store) Trainees(ctx context.Context, projectID string) ([]domain.Trainee, error) {
	return s.trainees(ctx, projectID, nil, 0)
}

// TraineesPage is one page of a project's trainees in enrolment order, and
// how many there are.
func (s *Store) TraineesPage(ctx context.Context, projectID string, page, perPage int) ([]domain.Trainee, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM trainees WHERE project_id = $1`, projectID).Scan(&total); err != nil {
		return nil, 0, mapErr("count trainees", err)
	}
	page, perPage = clampPage(page, perPage, 200)
	out, err := s.trainees(ctx, projectID, &perPage, (page-1)*perPage)
	return out, total, err
}

func (s *Store) trainees(ctx context.Context, projectID string, limit *int, offset int) ([]domain.Trainee, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, t.project_id, t.name, t.id_sealed, t.phone_sealed, t.relation, t.community, t.guardian_name, t.guardian_relation, t.created_at,
		       coalesce((SELECT sum(a.hours) FROM attendance a WHERE a.trainee_id = t.id), 0)::float8,
		       t.pre_score::float8, t.post_score::float8, t.practical_score::float8, t.satisfaction, coalesce(t.certificate_no, ''), t.certified_at
		FROM trainees t WHERE t.project_id = $1 ORDER BY t.id LIMIT $2 OFFSET $3`, projectID, limit, offset)
	if err != nil {
		return nil, mapErr("trainees", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Trainee, error) {
		var t domain.Trainee
		t.Consent = true
		var pre, post, practical *float64
		var sat *int
		var certified *time.Time
		err := r.Scan(&t.ID, &t.ProjectID, &t.Name, &t.IDNumber, &t.Phone, &t.Relation, &t.Community, &t.GuardianName, &t.GuardianRelation,
			&t.CreatedAt, &t.Hours, &pre, &post, &practical, &sat, &t.CertificateNo, &certified)
		if pre != nil && post != nil && practical != nil && sat != nil {
			t.Results = &domain.TraineeResults{Pre: *pre, Post: *post, Practical: *practical, Satisfaction: *sat}
		}
		if certified != nil {
			t.CertifiedAt = *certified
		}
		return t, err
	})
	return out, mapErr("trainees", err)
}

// SetTraineeResults records a trainee's results, with its audit entry.
func (s *Store) SetTraineeResults(ctx context.Context, projectID string, traineeID int64, res domain.TraineeResults, by domain.Actor) error {
	return mapErr("set results", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE trainees SET pre_score = $3, post_score = $4, practical_score = $5, satisfaction = $6, results_at = now()
			WHERE id = $1 AND project_id = $2`, traineeID, projectID, res.Pre, res.Post, res.Practical, res.Satisfaction)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeNotFound, "找不到该学员。")
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "trainee.results", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"trainee": traineeID, "results": res}})
	}))
}

// IssueCertificate numbers a trainee's completion certificate once
// (<project number>-<nnnn>, in order of issue) and returns the number and
// the issue time.
func (s *Store) IssueCertificate(ctx context.Context, projectID string, traineeID int64, by domain.Actor) (string, time.Time, error) {
	var no string
	var at time.Time
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// The project's row first (its counter orders concurrent issues;
		// FOR NO KEY UPDATE leaves inserts referring to it alone), then the
		// trainee's (issuing the same trainee twice at once numbers once).
		var number string
		if err := tx.QueryRow(ctx, `SELECT number FROM projects WHERE id = $1 FOR NO KEY UPDATE`, projectID).Scan(&number); err != nil {
			return err
		}
		var existing *string
		var when *time.Time
		if err := tx.QueryRow(ctx, `SELECT certificate_no, certified_at FROM trainees WHERE id = $1 AND project_id = $2 FOR UPDATE`,
			traineeID, projectID).Scan(&existing, &when); err != nil {
			return err
		}
		if existing != nil {
			no, at = *existing, *when
			return nil
		}
		var n int
		if err := tx.QueryRow(ctx, `UPDATE projects SET certificates_issued = certificates_issued + 1 WHERE id = $1 RETURNING certificates_issued`,
			projectID).Scan(&n); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE trainees SET certificate_no = $3, certified_at = now()
			WHERE id = $1 AND project_id = $2 RETURNING certificate_no, certified_at`, traineeID, projectID, fmt.Sprintf("%s-%04d", number, n)).Scan(&no, &at); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "trainee.certificate", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"trainee": traineeID, "certificate": no}})
	})
	return no, at, mapErr("issue certificate", err)
}
