package domain

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// TrainingSession is one session of a project's caregiver training.
type TrainingSession struct {
	ID        int64     `json:"id"`
	ProjectID string    `json:"project_id"`
	Module    string    `json:"module"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Place     string    `json:"place"` // community and address
	Trainer   string    `json:"trainer"`
	Hours     float64   `json:"hours"` // 学时 credited for full attendance
	Code      string    `json:"code,omitempty"`
	Attended  int       `json:"attended"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidateSession checks a planned session against the contract.
func ValidateSession(s TrainingSession, t ContractTerms) error {
	fe := FieldErrors{}
	if !slices.Contains(t.Modules, strings.TrimSpace(s.Module)) {
		fe.Add("module", "请从合同约定的培训模块中选择。")
	}
	switch {
	case s.StartsAt.IsZero() || s.EndsAt.IsZero():
		fe.Add("starts_at", "请填写培训的开始和结束时间。")
	case !s.EndsAt.After(s.StartsAt) || s.EndsAt.Sub(s.StartsAt) > 10*time.Hour:
		fe.Add("ends_at", "结束时间应晚于开始时间，且一场不超过 10 小时。")
	case s.StartsAt.Before(t.StartsOn) || s.StartsAt.After(t.EndsOn().AddDate(0, 0, 1)):
		fe.Add("starts_at", fmt.Sprintf("培训日期应在合同服务期内（%s 至 %s）。", t.StartsOn.In(ChinaTime).Format("2006-01-02"), t.EndsOn().In(ChinaTime).Format("2006-01-02")))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(s.Place)); n < 2 || n > 200 {
		fe.Add("place", "请填写培训地点（社区及具体地址）。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(s.Trainer)); n < 2 || n > 50 {
		fe.Add("trainer", "请填写授课人姓名。")
	}
	if s.Hours < 0.5 || s.Hours > 10 || math.Round(s.Hours*2) != s.Hours*2 {
		fe.Add("hours", "学时应在 0.5 至 10 之间（以 0.5 为单位）。")
	}
	return fe.Err()
}

// CaregiverRelations are a trainee's relations to the elderly person cared for.
var CaregiverRelations = []string{"配偶", "子女", "儿媳/女婿", "孙子女", "其他亲属", "保姆/护工", "邻居/志愿者"}

// TraineeEntry is a family caregiver enrolled in a project's training.
type TraineeEntry struct {
	Name      string `json:"name"`
	IDNumber  string `json:"id_number"`
	Phone     string `json:"phone"`
	Relation  string `json:"relation"`
	Community string `json:"community"`
	// Consent to process their data for the training (PIPL §13); a
	// guardian's for an under-14 trainee (寸草心 pupils).
	Consent          bool   `json:"consent"`
	GuardianName     string `json:"guardian_name,omitempty"`
	GuardianRelation string `json:"guardian_relation,omitempty"`
}

// Normalize trims what people type.
func (e TraineeEntry) Normalize() TraineeEntry {
	e.Name = strings.TrimSpace(e.Name)
	e.IDNumber = strings.ToUpper(strings.TrimSpace(e.IDNumber))
	e.Phone = strings.ReplaceAll(strings.TrimSpace(e.Phone), " ", "")
	e.Relation = strings.TrimSpace(e.Relation)
	e.Community = strings.TrimSpace(e.Community)
	return e
}

// Validate checks a trainee on day.
func (e TraineeEntry) Validate(day time.Time) error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(e.Name); n < 2 || n > 30 {
		fe.Add("name", "请填写学员姓名。")
	}
	if !ValidIDCard(e.IDNumber, day) {
		fe.Add("id_number", "身份证号有误（18 位，末位校验码），请核对。")
	}
	if e.Phone != "" && !ValidMobile(e.Phone) {
		fe.Add("phone", "请填写 11 位手机号码。")
	}
	if !slices.Contains(CaregiverRelations, e.Relation) {
		fe.Add("relation", "请选择与被照护老人的关系。")
	}
	if n := utf8.RuneCountInString(e.Community); n < 2 || n > 100 {
		fe.Add("community", "请填写所在社区。")
	}
	if !e.Consent {
		fe.Add("consent", "须取得学员本人（未满 14 周岁的，其监护人）对处理个人信息的同意。")
	}
	if birth, ok := BirthDateFromIDCard(e.IDNumber); ok {
		if err := ValidateConsent(Consent{Purpose: "照护培训", GivenAt: day, GuardianName: e.GuardianName, GuardianRelation: e.GuardianRelation}, birth); err != nil {
			for k, v := range FieldsOf(err) {
				fe.Add(k, v)
			}
		}
	}
	return fe.Err()
}

// Trainee is an enrolled trainee (ID number and phone masked unless
// revealed).
type Trainee struct {
	TraineeEntry
	ID        int64     `json:"id"`
	ProjectID string    `json:"project_id"`
	Hours     float64   `json:"hours"` // credited so far
	CreatedAt time.Time `json:"created_at"`
	// Results, once recorded; the certificate number once issued.
	Results       *TraineeResults `json:"results,omitempty"`
	CertificateNo string          `json:"certificate_no,omitempty"`
	CertifiedAt   time.Time       `json:"certified_at,omitzero"`
}

// AttendanceSource says how an attendance was recorded.
type AttendanceSource string

// Attendance sources.
const (
	AttendWeb     AttendanceSource = "web"     // staff marked it
	AttendCheckIn AttendanceSource = "checkin" // the trainee's phone, with the session code
	AttendImport  AttendanceSource = "import"  // a bulk import
)

// FullAttendanceShare is the share of a session a trainee attends, at least,
// to earn its full 学时.
const FullAttendanceShare = 0.8

// CreditedHours is the 学时 a trainee earns for being at a session from in
// to out: the full hours at 80 % of the scheduled time or more, otherwise
// the attended share, rounded down to half an hour; nothing without both.
func CreditedHours(s TrainingSession, in, out time.Time) float64 {
	if in.IsZero() || out.IsZero() || !out.After(in) {
		return 0
	}
	if in.Before(s.StartsAt) {
		in = s.StartsAt
	}
	if out.After(s.EndsAt) {
		out = s.EndsAt
	}
	scheduled := s.EndsAt.Sub(s.StartsAt)
	if scheduled <= 0 || !out.After(in) {
		return 0
	}
	share := float64(out.Sub(in)) / float64(scheduled)
	if share >= FullAttendanceShare {
		return s.Hours
	}
	return math.Floor(s.Hours*share*2) / 2
}

// AttendanceColumns is the attendance import's header row.
var AttendanceColumns = []string{"场次编号", "学员编号", "签到时间", "签退时间"}

// ParsedAttendance is one valid row of an attendance import.
type ParsedAttendance struct {
	SessionID int64
	TraineeID int64
	In, Out   time.Time
	Hours     float64
}

// ParseAttendanceRow checks one row of an attendance import against the
// project's sessions and trainees; every problem names the row, the column
// and what is wrong.
func ParseAttendanceRow(row int, cells []string, sessions map[int64]TrainingSession, trainees map[int64]bool, now time.Time) (ParsedAttendance, []ImportProblem) {
	cell := func(i int) string {
		if i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var p ParsedAttendance
	var probs []ImportProblem
	bad := func(col, reason string) { probs = append(probs, ImportProblem{Row: row, Column: col, Reason: reason}) }
	var s TrainingSession
	if _, err := fmt.Sscan(cell(0), &p.SessionID); err != nil || cell(0) == "" {
		bad("场次编号", "应为本项目的场次编号（数字）")
	} else if s = sessions[p.SessionID]; s.ID == 0 {
		bad("场次编号", fmt.Sprintf("本项目没有编号为 %s 的场次", cell(0)))
	} else if s.StartsAt.After(now) {
		bad("场次编号", "该场次尚未开始，不能登记签到")
	}
	if _, err := fmt.Sscan(cell(1), &p.TraineeID); err != nil || cell(1) == "" {
		bad("学员编号", "应为本项目的学员编号（数字）")
	} else if !trainees[p.TraineeID] {
		bad("学员编号", fmt.Sprintf("本项目没有编号为 %s 的学员", cell(1)))
	}
	parse := func(col, v string) time.Time {
		for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006/1/2 15:04", "2006-1-2 15:04"} {
			if t, err := time.ParseInLocation(layout, v, ChinaTime); err == nil {
				return t
			}
		}
		bad(col, fmt.Sprintf("“%s”不是时间，应写成 2027-03-01 09:00", v))
		return time.Time{}
	}
	if v := cell(2); v == "" {
		bad("签到时间", "不能为空")
	} else {
		p.In = parse("签到时间", v)
	}
	if v := cell(3); v != "" {
		p.Out = parse("签退时间", v)
	}
	if !p.In.IsZero() && !p.Out.IsZero() && !p.Out.After(p.In) {
		bad("签退时间", "应晚于签到时间")
	}
	if s.ID != 0 && !p.In.IsZero() && (p.In.Before(s.StartsAt.Add(-2*time.Hour)) || p.In.After(s.EndsAt)) {
		bad("签到时间", fmt.Sprintf("不在该场次的时间内（%s–%s）", s.StartsAt.In(ChinaTime).Format("2006-01-02 15:04"), s.EndsAt.In(ChinaTime).Format("15:04")))
	}
	if len(probs) == 0 {
		p.Hours = CreditedHours(s, p.In, p.Out)
	}
	return p, probs
}

// EvidenceKind is what a piece of session evidence is.
type EvidenceKind string

// Evidence kinds.
const (
	EvidencePhoto  EvidenceKind = "photo"  // 现场照片
	EvidenceSignIn EvidenceKind = "signin" // 签到表
	EvidenceVideo  EvidenceKind = "video"  // 视频
)

// Label is the Chinese name of the kind.
func (k EvidenceKind) Label() string {
	return map[EvidenceKind]string{EvidencePhoto: "现场照片", EvidenceSignIn: "签到表", EvidenceVideo: "视频"}[k]
}

// Evidence is a stored piece of session evidence.
type Evidence struct {
	ID          string       `json:"id"`
	ProjectID   string       `json:"project_id"`
	SessionID   int64        `json:"session_id"`
	Kind        EvidenceKind `json:"kind"`
	FileName    string       `json:"file_name"`
	ContentType string       `json:"content_type"`
	Size        int64        `json:"size_bytes"`
	SHA256      string       `json:"sha256"`
	ObjectKey   string       `json:"-"`
	CreatedAt   time.Time    `json:"created_at"`
}

// TraineeResults are a trainee's test scores and satisfaction.
type TraineeResults struct {
	Pre          float64 `json:"pre_score"`       // 0–100, before the training
	Post         float64 `json:"post_score"`      // 0–100, after
	Practical    float64 `json:"practical_score"` // 0–100, the practical assessment
	Satisfaction int     `json:"satisfaction"`    // 1–5
}

// Validate checks the results.
func (r TraineeResults) Validate() error {
	fe := FieldErrors{}
	for _, x := range []struct {
		field string
		v     float64
		label string
	}{{"pre_score", r.Pre, "培训前测试"}, {"post_score", r.Post, "培训后测试"}, {"practical_score", r.Practical, "实操考核"}} {
		if math.IsNaN(x.v) || x.v < 0 || x.v > 100 {
			fe.Add(x.field, x.label+"成绩应在 0 至 100 分之间。")
		}
	}
	if r.Satisfaction < 1 || r.Satisfaction > 5 {
		fe.Add("satisfaction", "满意度请选择 1 至 5 分。")
	}
	return fe.Err()
}

// SpotCheckOutcome is what a phone spot-check found.
type SpotCheckOutcome string

// Spot-check outcomes.
const (
	SpotConfirmed   SpotCheckOutcome = "confirmed"   // 核实属实
	SpotDiscrepancy SpotCheckOutcome = "discrepancy" // 与记录不符
	SpotUnreachable SpotCheckOutcome = "unreachable" // 未联系上
)

// SpotCheckOutcomes lists the outcomes in display order.
var SpotCheckOutcomes = []SpotCheckOutcome{SpotConfirmed, SpotDiscrepancy, SpotUnreachable}

// Label is the Chinese name of the outcome.
func (o SpotCheckOutcome) Label() string {
	return map[SpotCheckOutcome]string{SpotConfirmed: "核实属实", SpotDiscrepancy: "与记录不符", SpotUnreachable: "未联系上"}[o]
}

// SpotCheck is a phone spot-check of a trainee.
type SpotCheck struct {
	ID          int64            `json:"id"`
	TraineeID   int64            `json:"trainee_id"`
	TraineeName string           `json:"trainee_name"`
	Outcome     SpotCheckOutcome `json:"outcome"`
	Note        string           `json:"note,omitempty"`
	CheckedBy   string           `json:"checked_by"`
	CheckedAt   time.Time        `json:"checked_at"`
}

// ValidateSpotCheck checks a spot-check: a known outcome, and a note saying
// what differs when the record is not borne out.
func ValidateSpotCheck(o SpotCheckOutcome, note string) error {
	fe := FieldErrors{}
	if o.Label() == "" {
		fe.Add("outcome", "请选择抽查结果。")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(note))
	if o == SpotDiscrepancy && n < 4 {
		fe.Add("note", "与记录不符时，请写明不符之处（如：学员称未参加某场培训）。")
	}
	if n > 1000 {
		fe.Add("note", "说明不超过 1000 字。")
	}
	return fe.Err()
}

// ProgressReport is an organisation's monthly progress report.
type ProgressReport struct {
	Month    string    `json:"month"` // 2027-03
	Summary  string    `json:"summary"`
	Problems string    `json:"problems,omitempty"`
	FiledAt  time.Time `json:"filed_at,omitzero"`
	FiledBy  string    `json:"filed_by,omitempty"`
	KPIs     any       `json:"kpis,omitempty"` // the indicators when filed
}

// ValidateProgressReport checks a report for month, filed on day: a past or
// the current month, not before the term starts, with a summary.
func ValidateProgressReport(r ProgressReport, t ContractTerms, day time.Time) error {
	fe := FieldErrors{}
	m, err := time.ParseInLocation("2006-01", r.Month, ChinaTime)
	switch {
	case err != nil:
		fe.Add("month", "请选择报告月份（如 2027-03）。")
	case m.After(day):
		fe.Add("month", "不能提交未来月份的报告。")
	case m.AddDate(0, 1, 0).Before(t.StartsOn) || m.After(t.EndsOn()):
		fe.Add("month", "报告月份应在合同服务期内。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(r.Summary)); n < 20 || n > 5000 {
		fe.Add("summary", "请写明本月开展的培训、学员情况和取得的成效（20 至 5000 字）。")
	}
	if utf8.RuneCountInString(r.Problems) > 3000 {
		fe.Add("problems", "问题与计划不超过 3000 字。")
	}
	return fe.Err()
}
