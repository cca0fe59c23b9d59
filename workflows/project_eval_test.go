package workflows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// evalWorld is the fake world of the evaluations: rounds, sheets and
// results computed with the real domain rules.
type evalWorld struct {
	mu         sync.Mutex
	opened     []string // phase/attempt:due
	reports    []string
	drawn      map[string][]int64
	sheets     map[string][]domain.EvalSheet
	outcomes   map[string]domain.EvalOutcome
	stages     []domain.ProjectStage
	terminated *activities.TerminateResult
	archived   int
	paid       domain.Fen
	months     []string // monthly report reminders
}

// evalStart is a fixed start: the award on 1 December 2026, the term from
// 1 January 2027 for 12 months, so the mid-term report is due on 2 July
// 2027 and the final on 30 January 2028.
var evalStart = time.Date(2026, 12, 1, 9, 0, 0, 0, domain.ChinaTime)

func newEvalFixture(*testing.T) (*projectFixture, *evalWorld) {
	f := newProjectFixture()
	f.env.SetStartTime(evalStart)
	return f, f.eval
}

// fakeEvaluations registers the evaluation activities on f.
func (f *projectFixture) fakeEvaluations(w *evalWorld) *evalWorld {
	if w == nil {
		w = &evalWorld{drawn: map[string][]int64{}, sheets: map[string][]domain.EvalSheet{}, outcomes: map[string]domain.EvalOutcome{}}
	}
	key := func(p domain.EvalPhase, attempt int) string { return fmt.Sprintf("%s/%d", p, attempt) }
	on := func(fn, ret any) { f.env.OnActivity(fn, mock.Anything, mock.Anything).Return(ret) }
	on(act.OpenEvaluation, func(_ context.Context, in activities.EvalRoundInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.opened = append(w.opened, key(in.Phase, in.Attempt)+":"+in.Due.In(domain.ChinaTime).Format("2006-01-02 15:04"))
		return nil
	})
	f.env.OnActivity(act.SubmitEvalReport, mock.Anything, mock.Anything).After(time.Minute).Return(func(_ context.Context, in activities.EvalReportInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.reports = append(w.reports, key(in.Phase, in.Attempt))
		return nil
	})
	f.env.OnActivity(act.DrawEvaluators, mock.Anything, mock.Anything).After(drawTakes).Return(func(_ context.Context, in activities.EvalRoundInput) ([]activities.Drawn, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		ids := []int64{101, 102, 103}
		if in.Phase == domain.EvalFinal {
			ids = []int64{104, 105, 106}
		}
		w.drawn[key(in.Phase, in.Attempt)] = ids
		var out []activities.Drawn
		for i, id := range ids {
			out = append(out, activities.Drawn{UserID: id, Seq: i + 1})
		}
		return out, nil
	})
	// Recording a sheet takes a while: the round must wait for it.
	f.env.OnActivity(act.RecordEvalSheet, mock.Anything, mock.Anything).After(time.Minute).Return(func(_ context.Context, in activities.EvalSheetInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.sheets[key(in.Phase, in.Attempt)] = append(w.sheets[key(in.Phase, in.Attempt)], in.Sheet)
		return nil
	})
	on(act.RecordEvalOutcome, func(context.Context, activities.OutcomeInput) error { return nil })
	on(act.ScoreRound, func(_ context.Context, in activities.DecideEvalInput) (domain.EvalOutcome, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		survey := 0.0
		if in.Phase == domain.EvalFinal {
			survey = domain.SatisfactionPoints(4.5, 280, 10)
		}
		o := domain.ScoreEvaluation(in.Phase, w.sheets[key(in.Phase, in.Attempt)], survey, in.Late, domain.DefaultEvalPassMark)
		w.outcomes[key(in.Phase, in.Attempt)] = o
		return o, nil
	})
	on(act.SetProjectStage, func(_ context.Context, in activities.ProjectStageInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.stages = append(w.stages, in.Stage)
		return nil
	})
	on(act.TerminateProject, func(context.Context, string) (activities.TerminateResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		earned, back := domain.ClawBack(260000_00, w.paid, 1200, 300*16)
		w.terminated = &activities.TerminateResult{Paid: w.paid, Earned: earned, ClawBack: back}
		return *w.terminated, nil
	})
	on(act.ArchiveProject, func(context.Context, string) (activities.ArchiveResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.archived++
		return activities.ArchiveResult{ManifestSHA256: strings.Repeat("c", 64), Objects: 12}, nil
	})
	on(act.RemindMonthlyReport, func(_ context.Context, in activities.MonthlyReportInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.months = append(w.months, in.Month)
		return nil
	})
	// Payments are counted for the claw-back.
	f.onPay = func(in activities.TrancheInput) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.paid += in.Amount
	}
	return w
}

// sign schedules the contract's signing a few hours after the award.
func (f *projectFixture) sign() {
	f.update(time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.update(2*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: bidder(1), Revision: 1})
	f.update(3*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
}

// at is the delay from the start to t.
func at(t time.Time) time.Duration { return t.Sub(evalStart) }

var (
	midDue   = domain.EvalDue(domain.EvalMidterm, terms())
	finalDue = domain.EvalDue(domain.EvalFinal, terms())
)

const reportText = "本项目上半年开展失能照护基础、压疮预防、转移搬运等模块培训六场，报名学员一百六十人，累计学时一千二百，资金按预算执行，存在的问题是部分学员白天需照护老人、出勤不稳定，下一阶段增加晚间场次。"

func sheet(each float64) domain.EvalSheet {
	return domain.EvalSheet{Points: []float64{each * 0.3, each * 0.2, each * 0.2, each * 0.3}, Comment: "培训组织规范，学员签到记录完整，建议补充实操考核影像资料。",
		SiteVisit: "2027年6月现场查看社区培训一场，学员 28 人。"}
}

func finalSheet(p1, p2, p4 float64) domain.EvalSheet {
	return domain.EvalSheet{Points: []float64{p1, p2, 0, p4}, Comment: "产出指标全部完成，学员技能提升明显，资金使用规范。"}
}

func (f *projectFixture) scores(delay time.Duration, phase domain.EvalPhase, attempt int, ids []int64, s domain.EvalSheet) []*outcome {
	var out []*outcome
	for i, id := range ids {
		out = append(out, f.update(delay+time.Duration(i)*time.Minute, UpdateEvalScore, EvalScoreRequest{Actor: expert(id), Phase: phase, Attempt: attempt, Sheet: s}))
	}
	return out
}

func pay(index int) TrancheRequest {
	return TrancheRequest{Actor: financeActor, Index: index, VoucherNo: fmt.Sprintf("HX2027-%04d", index+1), Key: "k", SHA256: strings.Repeat("b", 64)}
}

// drawTakes is how long (workflow time) the fixture's DrawEvaluators takes.
var drawTakes time.Duration

// TestProjectEvaluationScoreWhileDrawing: a drawn evaluator sees the seat
// once the draw commits, before the workflow hears the activity completed
// (30 s when its worker died just then); a sheet sent meanwhile waits for
// the draw and is recorded, instead of "you were not drawn"; one from an
// expert not drawn is still refused. (Found by the fault-injection round.)
func TestProjectEvaluationScoreWhileDrawing(t *testing.T) {
	drawTakes = 10 * time.Minute
	defer func() { drawTakes = 0 }()
	f, _ := newEvalFixture(t)
	f.sign()
	rep := at(midDue) - 10*day
	report := f.update(rep, UpdateEvalReport, EvalReportRequest{Actor: bidder(1), Phase: domain.EvalMidterm, Summary: reportText})
	during := f.update(rep+5*time.Minute, UpdateEvalScore, EvalScoreRequest{Actor: expert(101), Phase: domain.EvalMidterm, Attempt: 1, Sheet: sheet(80)})
	notDrawn := f.update(rep+5*time.Minute, UpdateEvalScore, EvalScoreRequest{Actor: expert(199), Phase: domain.EvalMidterm, Attempt: 1, Sheet: sheet(80)})
	f.env.RegisterDelayedCallback(func() {
		if st := f.state(t); st.Eval == nil || !slices.Contains(st.Eval.Scored, 101) {
			t.Errorf("the sheet sent during the draw was not recorded: %+v", st.Eval)
		}
	}, rep+time.Hour)
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(evalStart))
	ok(t, report, during)
	// (accepted while drawing, then refused by the handler once drawn)
	if de := DomainError(notDrawn.err); domain.ErrorCode(de) != domain.CodeForbidden || !strings.Contains(domain.ErrorMessage(de), "不是本轮抽取") {
		t.Errorf("a sheet from an expert not drawn: rejected=%v err=%v", notDrawn.rejected, notDrawn.err)
	}
}

func TestProjectEvaluationPassToArchive(t *testing.T) {
	f, w := newEvalFixture(t)
	org := bidder(1)
	f.sign()
	f.update(day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	f.update(2*day, UpdateRecordPayment, pay(0))
	// The mid-term tranche waits for a passed mid-term.
	early := f.update(3*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 1})
	rep := at(midDue) - 10*day
	wrongPhase := f.update(rep-time.Hour, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalFinal, Summary: reportText})
	short := f.update(rep-time.Hour, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: "已完成"})
	civil := f.update(rep-time.Hour, UpdateEvalReport, EvalReportRequest{Actor: civilAffairs, Phase: domain.EvalMidterm, Summary: reportText})
	other := f.update(rep-time.Hour, UpdateEvalReport, EvalReportRequest{Actor: bidder(2), Phase: domain.EvalMidterm, Summary: reportText})
	scoreEarly := f.update(rep-time.Hour, UpdateEvalScore, EvalScoreRequest{Actor: expert(101), Phase: domain.EvalMidterm, Attempt: 1, Sheet: sheet(80)})
	report := f.update(rep, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: reportText})
	again := f.update(rep+time.Hour, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: reportText})
	notDrawn := f.update(rep+day, UpdateEvalScore, EvalScoreRequest{Actor: expert(199), Phase: domain.EvalMidterm, Attempt: 1, Sheet: sheet(80)})
	tooMany := sheet(80)
	tooMany.Points[0] = 31
	over := f.update(rep+day, UpdateEvalScore, EvalScoreRequest{Actor: expert(101), Phase: domain.EvalMidterm, Attempt: 1, Sheet: tooMany})
	// Different sheets: the result must count all three (a sheet still
	// being recorded included).
	var mid []*outcome
	for i, each := range []float64{80, 82, 84} {
		mid = append(mid, f.scores(rep+2*day+time.Duration(i)*time.Minute, domain.EvalMidterm, 1, []int64{101 + int64(i)}, sheet(each))...)
	}
	twice := f.update(rep+2*day+30*time.Second, UpdateEvalScore, EvalScoreRequest{Actor: expert(101), Phase: domain.EvalMidterm, Attempt: 1, Sheet: sheet(90)})
	confirm1 := f.update(rep+3*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 1})
	pay1 := f.update(rep+4*day, UpdateRecordPayment, pay(1))
	// Final.
	fin := at(finalDue) - 20*day
	earlyLast := f.update(fin-day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 2})
	finalReport := f.update(fin, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalFinal, Summary: reportText})
	finals := f.scores(fin+day, domain.EvalFinal, 1, []int64{104, 105, 106}, finalSheet(45, 26, 9))
	f.env.RegisterDelayedCallback(func() {
		st := f.state(t)
		if st.Stage != domain.ProjectClosing || st.Grade != domain.GradeGood || !st.FinalPassed {
			t.Errorf("after the final: stage %s grade %s passed %v", st.Stage, st.Grade, st.FinalPassed)
		}
	}, fin+2*day)
	confirm2 := f.update(fin+3*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 2})
	pay2 := f.update(fin+4*day, UpdateRecordPayment, pay(2))
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(evalStart))

	if !f.env.IsWorkflowCompleted() || f.env.GetWorkflowError() != nil {
		t.Fatalf("the project did not end with its archive: completed=%v err=%v", f.env.IsWorkflowCompleted(), f.env.GetWorkflowError())
	}
	refused(t, early, domain.CodeConflict, "中期评估合格后")
	refused(t, wrongPhase, domain.CodeConflict, "中期评估")
	refused(t, short, domain.CodeInvalid, "提交的内容有误")
	refused(t, civil, domain.CodeForbidden, "提交评估报告")
	refused(t, other, domain.CodeForbidden, "本组织")
	refused(t, scoreEarly, domain.CodeForbidden, "不是本轮抽取")
	refused(t, again, domain.CodeConflict, "已经提交")
	refused(t, notDrawn, domain.CodeForbidden, "不是本轮抽取")
	refused(t, over, domain.CodeInvalid, "提交的内容有误")
	refused(t, twice, domain.CodeConflict, "已提交本轮评分")
	refused(t, earlyLast, domain.CodeConflict, "结项评估合格后")
	ok(t, report, confirm1, pay1, finalReport, confirm2, pay2)
	ok(t, mid...)
	ok(t, finals...)
	if got := w.opened; len(got) != 2 || got[0] != "midterm/1:2027-07-02 23:59" || got[1] != "final/1:2028-01-30 23:59" {
		t.Errorf("rounds opened: %v", got)
	}
	if o := w.outcomes["midterm/1"]; !o.Passed || o.Total != 82 {
		t.Errorf("mid-term: %+v", o)
	}
	// 45 + 26 + 9 from the evaluators, 9 from the survey (4.5 of 5).
	if o := w.outcomes["final/1"]; o.Total != 89 || o.Grade != domain.GradeGood {
		t.Errorf("final: %+v", o)
	}
	if w.archived != 1 || strings.Join(f.money, ",") != "confirm:0:7800000,pay:0:7800000,confirm:1:10400000,pay:1:10400000,confirm:2:7800000,pay:2:7800000" {
		t.Errorf("archived %d times; money %v", w.archived, f.money)
	}
	if fmt.Sprint(w.stages) != "[closing]" {
		t.Errorf("stages: %v", w.stages)
	}
	// Every month of the term was checked for its progress report.
	if len(w.months) != 12 || w.months[0] != "2027-01" || w.months[11] != "2027-12" {
		t.Errorf("monthly report checks: %v", w.months)
	}
}

func TestProjectEvaluationFailRectifyPass(t *testing.T) {
	f, w := newEvalFixture(t)
	org := bidder(1)
	f.sign()
	f.update(day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	rep := at(midDue) - 10*day
	f.update(rep, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: reportText})
	f.scores(rep+2*day, domain.EvalMidterm, 1, []int64{101, 102, 103}, sheet(52))
	// Failed: rectifying, the mid-term tranche still waits.
	f.env.RegisterDelayedCallback(func() {
		st := f.state(t)
		if st.Stage != domain.ProjectRectifying || st.MidtermPassed || st.Eval == nil || st.Eval.Attempt != 2 {
			t.Errorf("after the failed mid-term: %+v", st)
		}
	}, rep+3*day)
	blocked := f.update(rep+3*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 1})
	rect := f.update(rep+20*day, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: reportText})
	oldRound := f.update(rep+21*day, UpdateEvalScore, EvalScoreRequest{Actor: expert(101), Phase: domain.EvalMidterm, Attempt: 1, Sheet: sheet(70)})
	re := f.scores(rep+22*day, domain.EvalMidterm, 2, []int64{101, 102, 103}, sheet(71))
	f.env.RegisterDelayedCallback(func() {
		st := f.state(t)
		if st.Stage != domain.ProjectDelivery || !st.MidtermPassed || len(st.Rounds) != 2 {
			t.Errorf("after the re-evaluation: stage %s passed %v rounds %d", st.Stage, st.MidtermPassed, len(st.Rounds))
		}
	}, rep+23*day)
	confirm := f.update(rep+23*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 1})
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(evalStart))

	refused(t, blocked, domain.CodeConflict, "中期评估合格后")
	refused(t, oldRound, domain.CodeConflict, "不在评分阶段")
	ok(t, rect, confirm)
	ok(t, re...)
	if o := w.outcomes["midterm/1"]; o.Passed || o.Total != 52 {
		t.Errorf("first mid-term: %+v", o)
	}
	if o := w.outcomes["midterm/2"]; !o.Passed || o.Total != 71 {
		t.Errorf("re-evaluation: %+v", o)
	}
	// The rectification is due 30 days after the failed result.
	decided := midDue.Add(-10*day + 2*day + 2*time.Minute)
	if want := "midterm/2:" + endOfDay(decided.AddDate(0, 0, domain.RectifyDays)).Format("2006-01-02 15:04"); w.opened[1] != want {
		t.Errorf("rectification round %s, want %s", w.opened[1], want)
	}
	if fmt.Sprint(w.stages[:2]) != "[rectifying delivery]" {
		t.Errorf("stages: %v", w.stages)
	}
	if w.terminated != nil {
		t.Error("a passed re-evaluation terminated the project")
	}
}

func TestProjectEvaluationFailFailTerminates(t *testing.T) {
	f, w := newEvalFixture(t)
	org := bidder(1)
	f.sign()
	f.update(day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	f.update(2*day, UpdateRecordPayment, pay(0))
	rep := at(midDue) - 10*day
	f.update(rep, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: reportText})
	f.scores(rep+2*day, domain.EvalMidterm, 1, []int64{101, 102, 103}, sheet(50))
	f.update(rep+20*day, UpdateEvalReport, EvalReportRequest{Actor: org, Phase: domain.EvalMidterm, Summary: reportText})
	f.scores(rep+22*day, domain.EvalMidterm, 2, []int64{101, 102, 103}, sheet(55))
	stopped := f.update(rep+24*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 1})
	f.env.RegisterDelayedCallback(func() {
		if st := f.state(t); st.Stage != domain.ProjectTerminated || !st.Archived || st.ClawBack != w.terminated.ClawBack {
			t.Errorf("after termination: %+v", st)
		}
	}, rep+23*day)
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(evalStart))

	if !f.env.IsWorkflowCompleted() || f.env.GetWorkflowError() != nil {
		t.Fatalf("a terminated project ends with its archive: completed=%v err=%v", f.env.IsWorkflowCompleted(), f.env.GetWorkflowError())
	}
	// The update came after the workflow ended: nothing was paid.
	if stopped.done && stopped.rejected == nil {
		t.Errorf("a tranche was confirmed after termination")
	}
	// 78,000 paid; 1,200 of 4,800 hours delivered earn 65,000: 13,000 back.
	if w.terminated == nil || w.terminated.Earned != 65000_00 || w.terminated.ClawBack != 13000_00 {
		t.Errorf("termination: %+v", w.terminated)
	}
	if w.archived != 1 || len(w.outcomes) != 2 {
		t.Errorf("archived %d, rounds %v", w.archived, w.outcomes)
	}
}

func TestProjectEvaluationLateReports(t *testing.T) {
	f, w := newEvalFixture(t)
	f.sign()
	// No mid-term report by the due date: a fail; no rectification report
	// by its deadline either: a second fail, and the project is terminated.
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(evalStart))

	if !f.env.IsWorkflowCompleted() || f.env.GetWorkflowError() != nil {
		t.Fatalf("completed=%v err=%v", f.env.IsWorkflowCompleted(), f.env.GetWorkflowError())
	}
	for _, k := range []string{"midterm/1", "midterm/2"} {
		if o := w.outcomes[k]; !o.Late || o.Passed || !strings.Contains(o.Reason, "未在截止时间前提交") {
			t.Errorf("%s: %+v", k, o)
		}
	}
	// Delivery stopped with the termination on 1 August: the last check
	// was on 5 July, for June.
	if len(w.months) != 6 || w.months[5] != "2027-06" {
		t.Errorf("monthly report checks: %v", w.months)
	}
	if len(w.drawn) != 0 || w.terminated == nil || w.archived != 1 {
		t.Errorf("drawn %v, terminated %+v, archived %d", w.drawn, w.terminated, w.archived)
	}
	var reminders []string
	for _, n := range f.notes {
		if strings.HasPrefix(n, "evaluation.remind:") {
			reminders = append(reminders, n)
		}
	}
	// A week and a day before each due date.
	if len(reminders) != 4 || !strings.Contains(reminders[2], "整改后复评") {
		t.Errorf("reminders: %v", reminders)
	}
}
