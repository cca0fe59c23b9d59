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
