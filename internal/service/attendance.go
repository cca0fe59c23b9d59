package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// MaxAttendanceRows bounds one attendance import.
const MaxAttendanceRows = 200_000

// MarkPresent records staff-marked attendance: the listed trainees were at
// the whole session.
func (s *Delivery) MarkPresent(ctx context.Context, by domain.Actor, projectID string, sessionID int64, traineeIDs []int64) error {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return err
	}
	ss, err := s.Store.TrainingSessions(ctx, p.ID)
	if err != nil {
		return err
	}
	var sess domain.TrainingSession
	for _, x := range ss {
		if x.ID == sessionID {
			sess = x
		}
	}
	if sess.ID == 0 {
		return domain.Errorf(domain.CodeNotFound, "找不到该场次。")
	}
	if time.Now().Before(sess.StartsAt) {
		return domain.Errorf(domain.CodeConflict, "场次尚未开始，不能登记签到。")
	}
	rows := make([]store.AttendanceRow, len(traineeIDs))
	for i, id := range traineeIDs {
		rows[i] = store.AttendanceRow{SessionID: sess.ID, TraineeID: id, In: sess.StartsAt, Out: sess.EndsAt, Hours: sess.Hours}
	}
	return s.Store.RecordAttendance(ctx, p.ID, rows, domain.AttendWeb, by)
}

// ImportAttendance imports attendance from a file in the template's layout:
// every bad row is reported with its row, column and reason and nothing is
// imported; otherwise all rows go in at once (COPY).
func (s *Delivery) ImportAttendance(ctx context.Context, by domain.Actor, projectID, fileName string, data []byte) (ImportResult, error) {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err := readTable(fileName, data, len(domain.AttendanceColumns), MaxAttendanceRows)
	if err != nil {
		return ImportResult{}, err
	}
	if len(rows) == 0 || strings.Join(trimAll(rows[0]), ",") != strings.Join(domain.AttendanceColumns, ",") {
		return ImportResult{}, domain.Errorf(domain.CodeInvalid, "第 1 行应为表头：%s。请用下载的模板填写。", strings.Join(domain.AttendanceColumns, "、"))
	}
	ss, err := s.Store.TrainingSessions(ctx, p.ID)
	if err != nil {
		return ImportResult{}, err
	}
	sessions := make(map[int64]domain.TrainingSession, len(ss))
	for _, x := range ss {
		sessions[x.ID] = x
	}
	ts, err := s.Store.Trainees(ctx, p.ID)
	if err != nil {
		return ImportResult{}, err
	}
	trainees := make(map[int64]bool, len(ts))
	for _, x := range ts {
		trainees[x.ID] = true
	}
	var res ImportResult
	now := time.Now()
	out := make([]store.AttendanceRow, 0, len(rows)-1)
	seen := map[[2]int64]int{}
	for i, cells := range rows[1:] {
		n := i + 2
		if strings.TrimSpace(strings.Join(cells, "")) == "" {
			continue
		}
		a, probs := domain.ParseAttendanceRow(n, cells, sessions, trainees, now)
		if first, dup := seen[[2]int64{a.SessionID, a.TraineeID}]; dup && len(probs) == 0 {
			probs = append(probs, domain.ImportProblem{Row: n, Column: "学员编号", Reason: fmt.Sprintf("与第 %d 行是同一场次的同一学员", first)})
		}
		seen[[2]int64{a.SessionID, a.TraineeID}] = n
		if len(probs) > 0 {
			if len(res.Problems) < 1000 {
				res.Problems = append(res.Problems, probs...)
			}
			continue
		}
		out = append(out, store.AttendanceRow{SessionID: a.SessionID, TraineeID: a.TraineeID, In: a.In, Out: a.Out, Hours: a.Hours})
	}
	if len(res.Problems) > 0 {
		return res, nil
	}
	if len(out) == 0 {
		return ImportResult{}, domain.Errorf(domain.CodeInvalid, "文件里没有数据行。")
	}
	if err := s.Store.RecordAttendance(ctx, p.ID, out, domain.AttendImport, by); err != nil {
		return ImportResult{}, err
	}
	res.Imported = len(out)
	return res, nil
}

// CheckInResult is what the trainee's phone shows.
type CheckInResult struct {
	What    string                 `json:"what"` // in or out
	Hours   float64                `json:"hours"`
	Session domain.TrainingSession `json:"session"`
}

// CheckIn signs a trainee in (first time) or out (second) with the code shown
// at the session, their trainee number and name; no account needed.
func (s *Delivery) CheckIn(ctx context.Context, code string, traineeID int64, name string) (CheckInResult, error) {
	code, name = strings.TrimSpace(code), strings.TrimSpace(name)
	fe := domain.FieldErrors{}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		fe.Add("code", "签到码是现场公布的 6 位数字。")
	}
	if traineeID <= 0 {
		fe.Add("trainee", "请填写学员编号（见学员名单或报名回执）。")
	}
	if name == "" {
		fe.Add("name", "请填写姓名。")
	}
	if err := fe.Err(); err != nil {
		return CheckInResult{}, err
	}
	now := time.Now()
	ss, err := s.Store.CheckInSessions(ctx, code, now)
	if err != nil {
		return CheckInResult{}, err
	}
	// A wrong code and a code with a wrong number or name get the same
	// answer, so a guesser cannot find a running session's code first and
	// then the trainees' names (the throttle counts both).
	var last error = errCheckInMismatch
	for _, sess := range ss {
		what, hours, err := s.Store.CheckIn(ctx, sess, traineeID, name, now)
		if err == nil {
			sess.Code = ""
			return CheckInResult{What: what, Hours: hours, Session: sess}, nil
		}
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = errCheckInMismatch
		}
		last = err
	}
	return CheckInResult{}, last
}

var errCheckInMismatch = domain.Errorf(domain.CodeNotFound, "签到码、学员编号或姓名不正确，或不在签到时间内（开始前 1 小时至结束后 1 小时）。请核对后重试，或请现场工作人员帮助签到。")
