package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/report"
	"grantflow/internal/store"
)

// Delivery is the application service of a project's training delivery:
// sessions, trainees and attendance. These are records, not lifecycle
// steps: they are written here, directly, once the ProjectWorkflow has put
// the project in delivery — so a year of check-ins never grows a
// workflow's history.
type Delivery struct {
	Contracts *Contracts
	Store     *store.Store
	Blob      *blob.Store
	Keys      *pii.Keyring
}

// MaxAttendanceRows bounds one attendance import.
const MaxAttendanceRows = 200_000

// deliverable loads a project the person may deliver on: its organisation's
// members and the district's civil affairs, once the contract is signed.
func (s *Delivery) deliverable(ctx context.Context, by domain.Actor, projectID string) (domain.Project, error) {
	u := by.User()
	if auth.Authorize(u, auth.ActionDeliver, "") != nil && (u.OrgID == 0 || auth.AuthorizeTarget(u, auth.ActionDeliver, auth.Target{OrgID: u.OrgID}) != nil) {
		return domain.Project{}, auth.Authorize(u, auth.ActionDeliver, "")
	}
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return domain.Project{}, err
	}
	if err := auth.AuthorizeTarget(u, auth.ActionDeliver, auth.Target{District: p.District, OrgID: p.OrgID}); err != nil {
		return domain.Project{}, err
	}
	if !p.Stage.Delivering() || p.Terms == nil {
		if p.Stage == domain.ProjectContracting {
			return domain.Project{}, domain.Errorf(domain.CodeConflict, "项目现处于“%s”阶段：合同签订后才能登记培训。", p.Stage.Label())
		}
		return domain.Project{}, domain.Errorf(domain.CodeConflict, "项目现处于“%s”阶段，培训记录已关闭，不能再修改。", p.Stage.Label())
	}
	return p, nil
}

func sessionCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// PlanSession plans a training session within the contract's modules and term.
func (s *Delivery) PlanSession(ctx context.Context, by domain.Actor, projectID string, ts domain.TrainingSession) (int64, error) {
	return s.PlanSessionKeyed(ctx, by, projectID, "", ts)
}

// PlanSessionKeyed plans a session once per idempotency key (key, when
// set, a UUID): the same key with the same session returns the session
// planned first; with another session it is refused and plans nothing.
func (s *Delivery) PlanSessionKeyed(ctx context.Context, by domain.Actor, projectID, key string, ts domain.TrainingSession) (int64, error) {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return 0, err
	}
	ts.Module, ts.Place, ts.Trainer = strings.TrimSpace(ts.Module), strings.TrimSpace(ts.Place), strings.TrimSpace(ts.Trainer)
	if err := domain.ValidateSession(ts, *p.Terms); err != nil {
		return 0, err
	}
	ts.ProjectID = p.ID
	k, err := storeKey(by, "session", key, ts)
	if err != nil {
		return 0, err
	}
	if ts.Code, err = sessionCode(); err != nil {
		return 0, err
	}
	return s.Store.InsertSessionKeyed(ctx, ts, by, k)
}

// storeKey is key (when set) bound to the digest of v's JSON, in scope.
func storeKey(by domain.Actor, scope, key string, v any) (store.RequestKey, error) {
	if key == "" {
		return store.RequestKey{}, nil
	}
	id, err := requestID(key)
	if err != nil {
		return store.RequestKey{}, err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return store.RequestKey{}, err
	}
	sum := sha256.Sum256(body)
	return store.RequestKey{Scope: scope, Key: id, SHA256: hex.EncodeToString(sum[:]), UserID: by.UserID}, nil
}

// Sessions lists a project's sessions for those who may see the project.
func (s *Delivery) Sessions(ctx context.Context, by domain.Actor, projectID string) ([]domain.TrainingSession, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	ss, err := s.Store.TrainingSessions(ctx, p.ID)
	return s.hideCodes(by, p, ss), err
}

// SessionsPage is one page of a project's sessions, newest first, and how
// many there are (the project page; a project may run hundreds).
func (s *Delivery) SessionsPage(ctx context.Context, by domain.Actor, p domain.Project, page int) ([]domain.TrainingSession, int, error) {
	ss, total, err := s.Store.TrainingSessionsPage(ctx, p.ID, page, ProjectPageRows)
	return s.hideCodes(by, p, ss), total, err
}

// ProjectPageRows is how many sessions or trainees a project's page lists.
const ProjectPageRows = 50

func (s *Delivery) hideCodes(by domain.Actor, p domain.Project, ss []domain.TrainingSession) []domain.TrainingSession {
	if auth.AuthorizeTarget(by.User(), auth.ActionDeliver, auth.Target{District: p.District, OrgID: p.OrgID}) != nil {
		for i := range ss {
			ss[i].Code = "" // the check-in code is for the session's staff to show
		}
	}
	return ss
}

// Enrol enrols a trainee, with consent (a guardian's under 14).
func (s *Delivery) Enrol(ctx context.Context, by domain.Actor, projectID string, e domain.TraineeEntry) (int64, error) {
	return s.EnrolKeyed(ctx, by, projectID, "", e)
}

// EnrolKeyed enrols a trainee once per idempotency key (see
// PlanSessionKeyed): the same key with the same entry returns the trainee
// enrolled first.
func (s *Delivery) EnrolKeyed(ctx context.Context, by domain.Actor, projectID, key string, e domain.TraineeEntry) (int64, error) {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return 0, err
	}
	e = e.Normalize()
	if err := e.Validate(time.Now()); err != nil {
		return 0, err
	}
	// The key is bound to the entry with its ID number and phone as keyed
	// digests (never a plain hash of an ID number).
	digest := e
	digest.IDNumber, digest.Phone = s.Keys.Index(e.IDNumber), s.Keys.Index(e.Phone)
	k, err := storeKey(by, "trainee/"+p.ID, key, digest)
	if err != nil {
		return 0, err
	}
	if before, err := s.Store.RequestKeyResult(ctx, k); err != nil || before != "" {
		id, _ := strconv.ParseInt(before, 10, 64)
		return id, err
	}
	// The same person enrolled twice would count twice in the indicators.
	dup, err := s.Store.TraineeByIndex(ctx, p.ID, s.Keys.Indexes(e.IDNumber))
	if err != nil {
		return 0, err
	}
	if dup != 0 {
		return 0, domain.FieldErrors{"id_number": fmt.Sprintf("该身份证号已在本项目登记为学员（编号 %d），同一人不能重复登记。", dup)}.Err()
	}
	idSealed, err := s.Keys.Seal(e.IDNumber)
	if err != nil {
		return 0, err
	}
	phoneSealed := ""
	if e.Phone != "" {
		if phoneSealed, err = s.Keys.Seal(e.Phone); err != nil {
			return 0, err
		}
	}
	return s.Store.InsertTraineeKeyed(ctx, p.ID, e, idSealed, s.Keys.Index(e.IDNumber), phoneSealed, by, k)
}

// Trainees lists a project's trainees, ID numbers and phones masked.
func (s *Delivery) Trainees(ctx context.Context, by domain.Actor, projectID string) ([]domain.Trainee, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	ts, err := s.Store.Trainees(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return ts, s.mask(ts)
}

// TraineesPage is one page of a project's trainees (masked) and how many
// there are; only the page is decrypted.
func (s *Delivery) TraineesPage(ctx context.Context, p domain.Project, page int) ([]domain.Trainee, int, error) {
	ts, total, err := s.Store.TraineesPage(ctx, p.ID, page, ProjectPageRows)
	if err != nil {
		return nil, 0, err
	}
	return ts, total, s.mask(ts)
}

func (s *Delivery) mask(ts []domain.Trainee) error {
	for i := range ts {
		for _, f := range []*string{&ts[i].IDNumber, &ts[i].Phone} {
			if *f == "" {
				continue
			}
			plain, err := s.Keys.Open(*f)
			if err != nil {
				return err
			}
			*f = domain.MaskMiddle(plain)
		}
	}
	return nil
}

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

// KPIs are a project's live indicators.
func (s *Delivery) KPIs(ctx context.Context, by domain.Actor, projectID string) (store.DeliveryKPIs, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return store.DeliveryKPIs{}, err
	}
	hours := 0
	if p.Terms != nil {
		hours = p.Terms.HoursPerTrainee
	}
	return s.Store.KPIs(ctx, p.ID, hours)
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

// MaxVideoBytes bounds one evidence video.
const MaxVideoBytes = 60 << 20

// evidenceTypes are the content types each kind of evidence accepts.
var evidenceTypes = map[domain.EvidenceKind][]string{
	domain.EvidencePhoto:  {"image/jpeg", "image/png"},
	domain.EvidenceSignIn: {"application/pdf", "image/jpeg", "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	domain.EvidenceVideo:  {"video/mp4"},
}

// CheckEvidence refuses empty, oversized, executable or mismatched files
// and returns the content type to store.
func CheckEvidence(kind domain.EvidenceKind, name string, data []byte) (string, error) {
	allowed, ok := evidenceTypes[kind]
	if !ok {
		return "", domain.Errorf(domain.CodeInvalid, "请选择材料类型：现场照片、签到表或视频。")
	}
	if kind == domain.EvidenceVideo {
		switch {
		case len(data) == 0:
			return "", domain.Errorf(domain.CodeInvalid, "文件是空的，请选择要上传的文件。")
		case len(data) > MaxVideoBytes:
			return "", domain.Errorf(domain.CodeInvalid, "视频超过 60 MB，请剪辑或压缩后再上传。")
		case isExecutable(data) || !strings.EqualFold(path.Ext(name), ".mp4") || http.DetectContentType(data) != "video/mp4":
			return "", domain.Errorf(domain.CodeInvalid, "视频请上传 MP4 文件；不接受可执行程序或其他类型。")
		}
		return "video/mp4", nil
	}
	ct, err := CheckDocument(name, data)
	if err != nil {
		return "", err
	}
	if !slices.Contains(allowed, ct) {
		return "", domain.Errorf(domain.CodeInvalid, "%s请上传%s。", kind.Label(),
			map[domain.EvidenceKind]string{domain.EvidencePhoto: " JPG 或 PNG 图片", domain.EvidenceSignIn: " PDF、图片或 Excel 文件"}[kind])
	}
	return ct, nil
}

// AddEvidence stores a piece of evidence for a session of the project.
func (s *Delivery) AddEvidence(ctx context.Context, by domain.Actor, projectID string, sessionID int64, kind domain.EvidenceKind, f File) (domain.Evidence, error) {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return domain.Evidence{}, err
	}
	ss, err := s.Store.TrainingSessions(ctx, p.ID)
	if err != nil {
		return domain.Evidence{}, err
	}
	if !slices.ContainsFunc(ss, func(x domain.TrainingSession) bool { return x.ID == sessionID }) {
		return domain.Evidence{}, domain.Errorf(domain.CodeNotFound, "找不到该场次。")
	}
	ct, err := CheckEvidence(kind, f.Name, f.Data)
	if err != nil {
		return domain.Evidence{}, err
	}
	e := domain.Evidence{ID: uuid.NewString(), ProjectID: p.ID, SessionID: sessionID, Kind: kind, ContentType: ct,
		FileName: strings.TrimSpace(path.Base(strings.ReplaceAll(f.Name, "\\", "/")))}
	obj, err := s.Blob.Put(ctx, fmt.Sprintf("projects/%s/sessions/%d/evidence/%s", p.ID, sessionID, e.ID), f.Data, ct)
	if err != nil {
		return domain.Evidence{}, err
	}
	e.ObjectKey, e.SHA256, e.Size = obj.Key, obj.SHA256, obj.Size
	if err := s.Store.InsertEvidence(ctx, e, by); err != nil {
		_ = s.Blob.Remove(context.WithoutCancel(ctx), obj.Key)
		return domain.Evidence{}, err
	}
	return e, nil
}

// Evidence lists a project's evidence for those who may see the project.
func (s *Delivery) Evidence(ctx context.Context, by domain.Actor, projectID string) ([]domain.Evidence, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	return s.Store.Evidence(ctx, p.ID, 0)
}

// EvidenceFile returns one piece of evidence, verified by checksum.
func (s *Delivery) EvidenceFile(ctx context.Context, by domain.Actor, projectID, evidenceID string) (Document, error) {
	es, err := s.Evidence(ctx, by, projectID)
	if err != nil {
		return Document{}, err
	}
	for _, e := range es {
		if e.ID == evidenceID {
			data, _, err := s.Blob.Get(ctx, e.ObjectKey, e.SHA256)
			if err != nil {
				return Document{}, err
			}
			return Document{FileName: e.FileName, ContentType: e.ContentType, Data: data}, nil
		}
	}
	return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该材料。")
}

// RecordResults records a trainee's test scores and satisfaction.
func (s *Delivery) RecordResults(ctx context.Context, by domain.Actor, projectID string, traineeID int64, r domain.TraineeResults) error {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return s.Store.SetTraineeResults(ctx, p.ID, traineeID, r, by)
}

// IssueCertificate issues (once, numbered) the completion certificate of a
// trainee who reached the contracted hours and renders it. Issuing again
// returns the same certificate.
func (s *Delivery) IssueCertificate(ctx context.Context, by domain.Actor, projectID string, traineeID int64) (Document, error) {
	return s.certificate(ctx, by, projectID, traineeID, true)
}

// Certificate renders a trainee's certificate that was issued before; it
// never issues one (a GET must not change anything).
func (s *Delivery) Certificate(ctx context.Context, by domain.Actor, projectID string, traineeID int64) (Document, error) {
	return s.certificate(ctx, by, projectID, traineeID, false)
}

func (s *Delivery) certificate(ctx context.Context, by domain.Actor, projectID string, traineeID int64, issue bool) (Document, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return Document{}, err
	}
	if p.Terms == nil {
		return Document{}, domain.Errorf(domain.CodeConflict, "合同签订后才能颁发证书。")
	}
	ts, err := s.Store.Trainees(ctx, p.ID)
	if err != nil {
		return Document{}, err
	}
	var t domain.Trainee
	for _, x := range ts {
		if x.ID == traineeID {
			t = x
		}
	}
	switch {
	case t.ID == 0:
		return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该学员。")
	case t.CertificateNo == "" && t.Hours < float64(p.Terms.HoursPerTrainee):
		return Document{}, domain.Errorf(domain.CodeConflict, "该学员已获 %.1f 学时，未达到合同约定的 %d 学时，暂不能颁发结业证书。", t.Hours, p.Terms.HoursPerTrainee)
	case t.CertificateNo == "" && !issue:
		return Document{}, domain.Errorf(domain.CodeNotFound, "该学员的结业证书尚未颁发，请在学员名单中点击“颁发”。")
	}
	no, at := t.CertificateNo, t.CertifiedAt
	if issue {
		if no, at, err = s.Store.IssueCertificate(ctx, p.ID, t.ID, by); err != nil {
			return Document{}, err
		}
	}
	pdf, err := report.RenderCertificate(report.Certificate{Number: no, Name: t.Name, Project: p.Title, OrgName: p.OrgName,
		Issuer: report.IssuerFor(p.District), Hours: t.Hours, Modules: p.Terms.Modules, Issued: at})
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "结业证书-" + no + ".pdf", ContentType: "application/pdf", Data: pdf}, nil
}

// SpotSampleSize is how many trainees a spot-check sample suggests.
const SpotSampleSize = 5

// SpotSample suggests trainees to call, drawn at random (crypto/rand) from
// those not yet checked.
func (s *Delivery) SpotSample(ctx context.Context, by domain.Actor, projectID string) ([]domain.Trainee, error) {
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, ""); err != nil {
		return nil, err
	}
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, p.District); err != nil {
		return nil, err
	}
	ts, err := s.Trainees(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	done, err := s.Store.SpotChecks(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	checked := map[int64]bool{}
	for _, c := range done {
		checked[c.TraineeID] = true
	}
	var pool []domain.Trainee
	for _, t := range ts {
		if !checked[t.ID] && t.Hours > 0 {
			pool = append(pool, t)
		}
	}
	var out []domain.Trainee
	for len(out) < SpotSampleSize && len(pool) > 0 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(pool))))
		if err != nil {
			return nil, err
		}
		i := int(n.Int64())
		out = append(out, pool[i])
		pool = append(pool[:i], pool[i+1:]...)
	}
	return out, nil
}

// SpotChecks lists a project's spot-checks (officials).
func (s *Delivery) SpotChecks(ctx context.Context, by domain.Actor, projectID string) ([]domain.SpotCheck, error) {
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, ""); err != nil {
		return nil, err
	}
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, p.District); err != nil {
		return nil, err
	}
	return s.Store.SpotChecks(ctx, p.ID)
}

// RecordSpotCheck records what a phone call to a trainee found.
func (s *Delivery) RecordSpotCheck(ctx context.Context, by domain.Actor, projectID string, traineeID int64, o domain.SpotCheckOutcome, note string) error {
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, ""); err != nil {
		return err
	}
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionSpotCheck, p.District); err != nil {
		return err
	}
	if p.Stage.ReadOnly() {
		return domain.Errorf(domain.CodeConflict, "项目已%s，记录只读。", p.Stage.Label())
	}
	if err := domain.ValidateSpotCheck(o, note); err != nil {
		return err
	}
	return s.Store.InsertSpotCheck(ctx, p.ID, traineeID, o, strings.TrimSpace(note), by)
}

// FileProgressReport files (or corrects) the organisation's report for a
// month, with the indicators as they stand.
func (s *Delivery) FileProgressReport(ctx context.Context, by domain.Actor, projectID string, r domain.ProgressReport) error {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return err
	}
	r.Month, r.Summary, r.Problems = strings.TrimSpace(r.Month), strings.TrimSpace(r.Summary), strings.TrimSpace(r.Problems)
	if err := domain.ValidateProgressReport(r, *p.Terms, time.Now()); err != nil {
		return err
	}
	k, err := s.Store.KPIs(ctx, p.ID, p.Terms.HoursPerTrainee)
	if err != nil {
		return err
	}
	return s.Store.FileProgressReport(ctx, p.ID, r, k, by)
}

// ProgressReports lists a project's monthly reports.
func (s *Delivery) ProgressReports(ctx context.Context, by domain.Actor, projectID string) ([]domain.ProgressReport, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	return s.Store.ProgressReports(ctx, p.ID)
}
