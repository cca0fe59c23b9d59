package store

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// InsertSession plans a training session, with its audit entry.
func (s *Store) InsertSession(ctx context.Context, ts domain.TrainingSession, by domain.Actor) (int64, error) {
	return s.InsertSessionKeyed(ctx, ts, by, RequestKey{})
}

// InsertSessionKeyed plans a session once per idempotency key: the same
// key with the same content returns the session it planned.
func (s *Store) InsertSessionKeyed(ctx context.Context, ts domain.TrainingSession, by domain.Actor, k RequestKey) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if before, err := bindKeyTx(ctx, tx, k); err != nil || before != "" {
			id, _ = strconv.ParseInt(before, 10, 64)
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO training_sessions (project_id, module, starts_at, ends_at, place, trainer, hours, code, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			ts.ProjectID, ts.Module, ts.StartsAt, ts.EndsAt, ts.Place, ts.Trainer, ts.Hours, ts.Code, by.UserID).Scan(&id); err != nil {
			return err
		}
		if err := recordKeyResult(ctx, tx, k, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "session.plan", ObjectType: "project", ObjectID: ts.ProjectID,
			Summary: map[string]any{"session": id, "module": ts.Module, "starts_at": ts.StartsAt}})
	})
	return id, mapErr("insert session", err)
}

// TrainingSessions lists a project's sessions in time order with their attendance.
func (s *Store) TrainingSessions(ctx context.Context, projectID string) ([]domain.TrainingSession, error) {
	return s.trainingSessions(ctx, projectID, "t.starts_at, t.id", nil, 0)
}

// TrainingSessionsPage is one page of a project's sessions, newest first,
// and how many there are.
func (s *Store) TrainingSessionsPage(ctx context.Context, projectID string, page, perPage int) ([]domain.TrainingSession, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM training_sessions WHERE project_id = $1`, projectID).Scan(&total); err != nil {
		return nil, 0, mapErr("count sessions", err)
	}
	page, perPage = clampPage(page, perPage, 200)
	out, err := s.trainingSessions(ctx, projectID, "t.starts_at DESC, t.id DESC", &perPage, (page-1)*perPage)
	return out, total, err
}

func (s *Store) trainingSessions(ctx context.Context, projectID, order string, limit *int, offset int) ([]domain.TrainingSession, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, t.project_id, t.module, t.starts_at, t.ends_at, t.place, t.trainer, t.hours::float8, t.code, t.created_at,
		       (SELECT count(*) FROM attendance a WHERE a.session_id = t.id AND a.hours > 0)
		FROM training_sessions t WHERE t.project_id = $1 ORDER BY `+order+` LIMIT $2 OFFSET $3`, projectID, limit, offset)
	if err != nil {
		return nil, mapErr("sessions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.TrainingSession, error) {
		var t domain.TrainingSession
		return t, r.Scan(&t.ID, &t.ProjectID, &t.Module, &t.StartsAt, &t.EndsAt, &t.Place, &t.Trainer, &t.Hours, &t.Code, &t.CreatedAt, &t.Attended)
	})
	return out, mapErr("sessions", err)
}
