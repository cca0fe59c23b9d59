package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// AttendanceRow is one attendance to record.
type AttendanceRow struct {
	SessionID int64
	TraineeID int64
	In, Out   time.Time
	Hours     float64
}

// RecordAttendance records (or corrects) attendances of a project in one
// transaction: all rows or none. Large batches go through COPY into a
// temporary table, then one upsert.
func (s *Store) RecordAttendance(ctx context.Context, projectID string, rows []AttendanceRow, source domain.AttendanceSource, by domain.Actor) error {
	return mapErr("record attendance", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE attendance_in (session_id bigint, trainee_id bigint, signed_in timestamptz,
			signed_out timestamptz, hours numeric(4,1)) ON COMMIT DROP`); err != nil {
			return err
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"attendance_in"}, []string{"session_id", "trainee_id", "signed_in", "signed_out", "hours"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				r := rows[i]
				var in, out any
				if !r.In.IsZero() {
					in = r.In
				}
				if !r.Out.IsZero() {
					out = r.Out
				}
				return []any{r.SessionID, r.TraineeID, in, out, r.Hours}, nil
			}))
		if err != nil {
			return err
		}
		// Every row must name a session and a trainee of this project.
		var foreign int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM attendance_in i
			WHERE NOT EXISTS (SELECT 1 FROM training_sessions t WHERE t.id = i.session_id AND t.project_id = $1)
			   OR NOT EXISTS (SELECT 1 FROM trainees e WHERE e.id = i.trainee_id AND e.project_id = $1)`, projectID).Scan(&foreign); err != nil {
			return err
		}
		if foreign > 0 {
			return domain.Errorf(domain.CodeInvalid, "有 %d 行的场次或学员不属于本项目，未导入任何记录。", foreign)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO attendance (session_id, trainee_id, project_id, signed_in, signed_out, hours, source)
			SELECT session_id, trainee_id, $1, signed_in, signed_out, hours, $2 FROM attendance_in
			ON CONFLICT (session_id, trainee_id) DO UPDATE SET signed_in = excluded.signed_in, signed_out = excluded.signed_out,
			    hours = excluded.hours, source = excluded.source, updated_at = now()`, projectID, source); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "attendance." + string(source), ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"rows": n}})
	}))
}

// CheckInSessions lists sessions using code whose check-in window (an hour
// before the start to an hour after the end) contains at.
func (s *Store) CheckInSessions(ctx context.Context, code string, at time.Time) ([]domain.TrainingSession, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, project_id, module, starts_at, ends_at, place, trainer, hours::float8, code, created_at, 0
		FROM training_sessions WHERE code = $1 AND $2 BETWEEN starts_at - interval '1 hour' AND ends_at + interval '1 hour'
		  AND project_id IN (SELECT id FROM projects WHERE stage IN ('delivery', 'rectifying'))`, code, at)
	if err != nil {
		return nil, mapErr("check-in sessions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.TrainingSession, error) {
		var t domain.TrainingSession
		return t, r.Scan(&t.ID, &t.ProjectID, &t.Module, &t.StartsAt, &t.EndsAt, &t.Place, &t.Trainer, &t.Hours, &t.Code, &t.CreatedAt, &t.Attended)
	})
	return out, mapErr("check-in sessions", err)
}

// CheckIn signs a trainee (identified by number and name) in, or out if
// already in, at a session; it returns "in" or "out" and the hours
// credited. A third check-in changes nothing.
func (s *Store) CheckIn(ctx context.Context, sess domain.TrainingSession, traineeID int64, name string, at time.Time) (string, float64, error) {
	var what string
	var hours float64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM trainees WHERE id = $1 AND project_id = $2 AND name = $3)`,
			traineeID, sess.ProjectID, name).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return domain.Errorf(domain.CodeNotFound, "学员编号与姓名不符，或您不是本场培训的学员。请核对后重试，或请现场工作人员帮助签到。")
		}
		var in, out *time.Time
		err := tx.QueryRow(ctx, `SELECT signed_in, signed_out FROM attendance WHERE session_id = $1 AND trainee_id = $2 FOR UPDATE`,
			sess.ID, traineeID).Scan(&in, &out)
		switch {
		case err == pgx.ErrNoRows || (err == nil && in == nil):
			what = "in"
			_, err = tx.Exec(ctx, `INSERT INTO attendance (session_id, trainee_id, project_id, signed_in, source) VALUES ($1, $2, $3, $4, 'checkin')
				ON CONFLICT (session_id, trainee_id) DO UPDATE SET signed_in = excluded.signed_in, source = 'checkin', updated_at = now()`,
				sess.ID, traineeID, sess.ProjectID, at)
		case err != nil:
			return err
		case out == nil:
			what = "out"
			hours = domain.CreditedHours(sess, *in, at)
			_, err = tx.Exec(ctx, `UPDATE attendance SET signed_out = $3, hours = $4, source = 'checkin', updated_at = now()
				WHERE session_id = $1 AND trainee_id = $2`, sess.ID, traineeID, at, hours)
		default:
			return domain.Errorf(domain.CodeConflict, "您已签到并签退，无需重复操作。")
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.Actor{Name: name}, Action: "attendance.checkin." + what, ObjectType: "project",
			ObjectID: sess.ProjectID, Summary: map[string]any{"session": sess.ID, "trainee": traineeID}})
	})
	return what, hours, mapErr("check in", err)
}

// ModuleHours is the training delivered in one module.
type ModuleHours struct {
	Module   string
	Sessions int
	Hours    float64 // trainee-hours credited
}

// ModuleHours sums, per contracted module, the sessions held and the
// trainee-hours credited.
func (s *Store) ModuleHours(ctx context.Context, projectID string) ([]ModuleHours, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.module, count(DISTINCT t.id), coalesce(sum(a.hours), 0)::float8
		FROM training_sessions t LEFT JOIN attendance a ON a.session_id = t.id
		WHERE t.project_id = $1 GROUP BY t.module ORDER BY t.module`, projectID)
	if err != nil {
		return nil, mapErr("module hours", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ModuleHours, error) {
		var m ModuleHours
		return m, r.Scan(&m.Module, &m.Sessions, &m.Hours)
	})
	return out, mapErr("module hours", err)
}
