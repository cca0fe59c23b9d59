package domain

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// EvalPhase is one of a project's two evaluations (docs/domain.md §4).
type EvalPhase string

// Evaluation phases.
const (
	EvalMidterm EvalPhase = "midterm" // 中期评估
	EvalFinal   EvalPhase = "final"   // 结项评估
)

// Label is the Chinese name of the phase.
func (p EvalPhase) Label() string {
	return map[EvalPhase]string{EvalMidterm: "中期评估", EvalFinal: "结项评估"}[p]
}

// Valid reports whether p is a known phase.
func (p EvalPhase) Valid() bool { return p.Label() != "" }

// Evaluation limits (Haishu and Zhongshan practice; bureau settings where
// noted in Rules).
const (
	EvaluatorsPerRound  = 3  // evaluators drawn from the expert pool
	EvalScoreDays       = 10 // days evaluators have to score after the report
	RectifyDays         = 30 // a failed mid-term's rectification (整改) deadline
	FinalReportDays     = 30 // the final report is due this many days after the term
	DefaultEvalPassMark = 60 // pass ≥ 60 of 100 (Rules.EvalPassMark)
	MaxEvalAttempts     = 2  // a second failed mid-term terminates the project
)

// EvalCriterion is one line of an evaluation rubric.
type EvalCriterion struct {
	Name   string `json:"name"`
	Points int    `json:"points"`
	// Survey: the points come from the service recipients' satisfaction
	// survey, not from the evaluators (实施条例 §45: recipients are asked).
	Survey bool `json:"survey,omitempty"`
}

// EvalRubric is the 100-point rubric of a phase: the mid-term's four
// dimensions (Suzhou practice) and the final's indicator weights (产出 50,
// 效益 30, 满意度 10, 预算执行 10, Ministry of Finance performance practice).
func EvalRubric(p EvalPhase) []EvalCriterion {
	if p == EvalFinal {
		return []EvalCriterion{{"产出指标（培训人数、学时、场次完成情况）", 50, false}, {"效益指标（照护技能提升、服务对象受益）", 30, false},
			{"服务对象满意度", 10, true}, {"预算执行（资金使用合规、执行率）", 10, false}}
	}
	return []EvalCriterion{{"项目实施（进度与计划执行）", 30, false}, {"投入（人员、场地与物资）", 20, false},
		{"财务管理（专款专用、账目规范）", 20, false}, {"项目成效（阶段目标达成）", 30, false}}
}

// EvalDue is when a phase's report is due for a contract's terms: the
// mid-term report at the middle of the term, the final report
// FinalReportDays after its last day (23:59:59 China time that day).
func EvalDue(p EvalPhase, t ContractTerms) time.Time {
	start := time.Date(t.StartsOn.Year(), t.StartsOn.Month(), t.StartsOn.Day(), 0, 0, 0, 0, ChinaTime)
	end := t.EndsOn()
	end = time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, ChinaTime)
	var day time.Time
	if p == EvalFinal {
		day = end.AddDate(0, 0, FinalReportDays)
	} else {
		days := int(end.Sub(start).Hours()/24) / 2
		day = start.AddDate(0, 0, days)
	}
	return day.Add(24*time.Hour - time.Second)
}

// EvalReport is the organisation's self-evaluation (中期自评), its
// rectification report (整改报告) or its final report (结项报告).
type EvalReport struct {
	Summary string `json:"summary"`
}

// ValidateEvalReport checks a report's text.
func ValidateEvalReport(summary string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(summary)); n < 50 || n > 20000 {
		return FieldErrors{"summary": "报告正文应为 50 至 20000 字：写明完成情况（培训人数、学时、场次）、资金使用、存在问题和改进措施。"}.Err()
	}
	return nil
}

// EvalSheet is one evaluator's scores of one round.
type EvalSheet struct {
	Points    []float64 `json:"points"` // one per rubric criterion; survey criteria are ignored
	Comment   string    `json:"comment"`
	SiteVisit string    `json:"site_visit"` // 现场查看记录
}

// ValidateEvalSheet checks a sheet against the phase's rubric.
func ValidateEvalSheet(p EvalPhase, s EvalSheet) error {
	rubric := EvalRubric(p)
	fe := FieldErrors{}
	if len(s.Points) != len(rubric) {
		fe.Add("points", fmt.Sprintf("评分表有 %d 项，请逐项打分。", len(rubric)))
	} else {
		for i, c := range rubric {
			v := s.Points[i]
			if c.Survey {
				continue
			}
			if math.IsNaN(v) || v < 0 || v > float64(c.Points) {
				fe.Add("points", fmt.Sprintf("“%s”的得分应在 0 至 %d 分之间。", c.Name, c.Points))
			}
		}
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(s.Comment)); n < 10 || n > 5000 {
		fe.Add("comment", "请填写评审意见（10 至 5000 字），说明扣分理由和改进建议。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(s.SiteVisit)); n > 5000 {
		fe.Add("site_visit", "现场查看记录不超过 5000 字。")
	}
	return fe.Err()
}

// SatisfactionPoints turns the recipients' survey (mean of 1–5 answers from
// n people) into the rubric's points: mean/5 of weight, rounded to 0.01.
// Nobody asked gives nothing: recipients must be asked.
func SatisfactionPoints(mean float64, n, weight int) float64 {
	if n == 0 || mean <= 0 {
		return 0
	}
	return round2(math.Min(mean, 5) / 5 * float64(weight))
}

// Grade is a final evaluation's grade (Ministry of Finance practice).
type Grade string

// Final evaluation grades.
const (
	GradeExcellent Grade = "excellent" // 优 90–100
	GradeGood      Grade = "good"      // 良 80–89
	GradeFair      Grade = "fair"      // 中 60–79
	GradePoor      Grade = "poor"      // 差 < 60
)

// Label is the grade's character.
func (g Grade) Label() string {
	return map[Grade]string{GradeExcellent: "优", GradeGood: "良", GradeFair: "中", GradePoor: "差"}[g]
}

// GradeOf grades a total of 100 points.
func GradeOf(total float64) Grade {
	switch {
	case total >= 90:
		return GradeExcellent
	case total >= 80:
		return GradeGood
	case total >= 60:
		return GradeFair
	}
	return GradePoor
}

// EvalOutcome is a round's result.
type EvalOutcome struct {
	Total        float64 `json:"total"`
	Satisfaction float64 `json:"satisfaction_points"` // the survey's share of Total
	Passed       bool    `json:"passed"`
	Late         bool    `json:"late"` // no report by the due date: a fail
	Grade        Grade   `json:"grade,omitempty"`
	Reason       string  `json:"reason"`
}

// ScoreEvaluation computes a round's result: the mean of the evaluators'
// totals over the rubric's evaluator-scored criteria, plus the survey's
// points; pass at passMark. A late report fails without scores.
func ScoreEvaluation(p EvalPhase, sheets []EvalSheet, surveyPoints float64, late bool, passMark int) EvalOutcome {
	if late {
		o := EvalOutcome{Late: true, Reason: "未在截止时间前提交报告，按不合格处理。"}
		if p == EvalFinal {
			o.Grade = GradePoor
		}
		return o
	}
	rubric := EvalRubric(p)
	var sum float64
	for _, s := range sheets {
		for i, c := range rubric {
			if !c.Survey && i < len(s.Points) {
				sum += s.Points[i]
			}
		}
	}
	var o EvalOutcome
	if len(sheets) > 0 {
		o.Total = sum / float64(len(sheets))
	}
	for _, c := range rubric {
		if c.Survey {
			o.Satisfaction = math.Min(surveyPoints, float64(c.Points))
			o.Total += o.Satisfaction
		}
	}
	o.Total = round2(o.Total)
	o.Passed = o.Total >= float64(passMark)
	if p == EvalFinal {
		o.Grade = GradeOf(o.Total)
	}
	o.Reason = fmt.Sprintf("%d 位评估专家平均得分 %.2f 分（合格线 %d 分）", len(sheets), o.Total, passMark)
	if p == EvalFinal {
		o.Reason += fmt.Sprintf("，其中服务对象满意度 %.2f 分，等级“%s”", o.Satisfaction, o.Grade.Label())
	}
	o.Reason += "。"
	return o
}

// ClawBack is what a terminated project returns: what was paid beyond the
// share of the award earned by the training hours delivered (capped at the
// contracted hours), in whole fen.
func ClawBack(amount, paid Fen, deliveredHours, contractedHours float64) (earned, back Fen) {
	share := 0.0
	if contractedHours > 0 {
		share = math.Min(1, math.Max(0, deliveredHours/contractedHours))
	}
	earned = Fen(math.Floor(float64(amount) * share))
	if paid > earned {
		back = paid - earned
	}
	return earned, back
}

// Evaluation is one round of a phase as stored: the report, the drawn
// evaluators' sheets and the result.
type Evaluation struct {
	ProjectID   string       `json:"project_id"`
	Phase       EvalPhase    `json:"phase"`
	Attempt     int          `json:"attempt"` // 1; 2 is the re-evaluation after rectification
	Due         time.Time    `json:"due_at"`
	Summary     string       `json:"summary,omitempty"`
	ReportKey   string       `json:"-"`
	ReportName  string       `json:"report_file,omitempty"`
	ReportSHA   string       `json:"report_sha256,omitempty"`
	SubmittedAt time.Time    `json:"submitted_at,omitzero"`
	Outcome     *EvalOutcome `json:"outcome,omitempty"`
	DecidedAt   time.Time    `json:"decided_at,omitzero"`
	Evaluators  []Evaluator  `json:"evaluators"`
}

// Round names the round for people.
func (e Evaluation) Round() string {
	if e.Attempt > 1 {
		return e.Phase.Label() + "（整改后复评）"
	}
	return e.Phase.Label()
}

// Evaluator is an expert drawn for a round.
type Evaluator struct {
	TalentID int64      `json:"-"`
	UserID   int64      `json:"-"`
	Seq      int        `json:"seq"` // shown as 评估专家 N
	Name     string     `json:"name,omitempty"`
	Excluded string     `json:"excluded,omitempty"` // why the draw skipped this expert
	Sheet    *EvalSheet `json:"sheet,omitempty"`
	ScoredAt time.Time  `json:"scored_at,omitzero"`
}

// Total is the evaluator's total over the criteria the evaluators score.
func (e Evaluator) Total(p EvalPhase) float64 {
	if e.Sheet == nil {
		return 0
	}
	var t float64
	for i, c := range EvalRubric(p) {
		if !c.Survey && i < len(e.Sheet.Points) {
			t += e.Sheet.Points[i]
		}
	}
	return round2(t)
}
