package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"grantflow/internal/domain"
	"grantflow/internal/report"
	"grantflow/internal/store"
)

// EvalRoundInput names an evaluation round.
type EvalRoundInput struct {
	ProjectID string
	Phase     domain.EvalPhase
	Attempt   int
	Due       time.Time
}

func (in EvalRoundInput) dedup(what string) string {
	return fmt.Sprintf("eval/%s/%s/%d/%s", in.ProjectID, in.Phase, in.Attempt, what)
}

// OpenEvaluation records a round and asks the organisation for its report.
func (a *Activities) OpenEvaluation(ctx context.Context, in EvalRoundInput) error {
	if err := a.Store.OpenEvaluation(ctx, in.ProjectID, in.Phase, in.Attempt, in.Due); err != nil {
		return nonRetryable(err)
	}
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return err
	}
	what := map[domain.EvalPhase]string{domain.EvalMidterm: "中期自评报告", domain.EvalFinal: "结项报告"}[in.Phase]
	if in.Attempt > 1 {
		what = "整改报告"
	}
	return a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{OrgID: p.OrgID}, "evaluation.open",
		fmt.Sprintf("项目 %s 进入%s：请于 %s 前提交%s，逾期按不合格处理。", p.Number, domain.Evaluation{Phase: in.Phase, Attempt: in.Attempt}.Round(),
			report.ChineseDateTime(in.Due.In(domain.ChinaTime)), what), in.dedup("open"))
}

// EvalReportInput is the organisation's report for a round.
type EvalReportInput struct {
	ProjectID string
	Phase     domain.EvalPhase
	Attempt   int
	Summary   string
	Key       string
	Name      string
	SHA256    string
	At        time.Time
	By        domain.Actor
}

// SubmitEvalReport records the report and tells civil affairs.
func (a *Activities) SubmitEvalReport(ctx context.Context, in EvalReportInput) error {
	if err := a.Store.SubmitEvalReport(ctx, in.ProjectID, in.Phase, in.Attempt, strings.TrimSpace(in.Summary), in.Key, in.Name, in.SHA256, in.At, in.By); err != nil {
		return nonRetryable(err)
	}
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return err
	}
	return a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{Role: domain.RoleCivilAffairs, District: p.District}, "evaluation.report",
		fmt.Sprintf("项目 %s 已提交%s报告，系统将从专家库随机抽取评估专家。", p.Number, domain.Evaluation{Phase: in.Phase, Attempt: in.Attempt}.Round()),
		EvalRoundInput{ProjectID: in.ProjectID, Phase: in.Phase, Attempt: in.Attempt}.dedup("report"))
}

// DrawEvaluators draws the round's evaluators at random (crypto/rand) from
// the expert pool; an expert tied to the organisation (employment in the
// last three years, a declared relation) is recorded as excluded with the
// reason. A re-evaluation keeps the first round's evaluators, who know the
// findings the rectification answers. Idempotent.
func (a *Activities) DrawEvaluators(ctx context.Context, in EvalRoundInput) ([]Drawn, error) {
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	rounds, err := a.Store.Evaluations(ctx, in.ProjectID)
	if err != nil {
		return nil, err
	}
	var current, first []domain.Evaluator
	for _, r := range rounds {
		if r.Phase == in.Phase && r.Attempt == in.Attempt {
			current = r.Evaluators
		}
		if r.Phase == in.Phase && r.Attempt == 1 {
			first = r.Evaluators
		}
	}
	drawn := func(es []domain.Evaluator) []Drawn {
		var out []Drawn
		for _, e := range es {
			if e.Excluded == "" {
				out = append(out, Drawn{TalentID: e.TalentID, UserID: e.UserID, Name: e.Name, Seq: e.Seq})
			}
		}
		return out
	}
	have := drawn(current)
	considered := map[int64]bool{}
	seq := 0
	for _, e := range current {
		considered[e.TalentID] = true
		seq = max(seq, e.Seq)
	}
	if in.Attempt > 1 && len(current) == 0 {
		for _, d := range drawn(first) {
			e := domain.Evaluator{TalentID: d.TalentID, UserID: d.UserID, Seq: d.Seq}
			if err := a.Store.AddEvaluator(ctx, in.ProjectID, in.Phase, in.Attempt, e); err != nil {
				return nil, err
			}
			have = append(have, d)
		}
	}
	org, err := a.Store.Organisation(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	pool, err := a.Store.ExpertPool(ctx)
	if err != nil {
		return nil, err
	}
	var candidates []domain.Talent
	for _, t := range pool {
		if !considered[t.ID] {
			candidates = append(candidates, t)
		}
	}
	today := time.Now()
	for len(have) < domain.EvaluatorsPerRound {
		if len(candidates) == 0 {
			return nil, nonRetryable(domain.Errorf(domain.CodeConflict,
				"专家库中与该组织无利害关系的可用专家不足（还差 %d 人）。请在人才库中补充评估专家（须绑定账号）。", domain.EvaluatorsPerRound-len(have)))
		}
		t, rest, err := drawOne(candidates)
		if err != nil {
			return nil, err
		}
		candidates = rest
		seq++
		e := domain.Evaluator{TalentID: t.ID, UserID: t.UserID, Seq: seq, Excluded: strings.Join(t.TiesTo(org.USCC, today), "；")}
		if err := a.Store.AddEvaluator(ctx, in.ProjectID, in.Phase, in.Attempt, e); err != nil {
			return nil, err
		}
		if e.Excluded == "" {
			have = append(have, Drawn{TalentID: t.ID, UserID: t.UserID, Name: t.Name, Seq: seq})
		}
	}
	round := domain.Evaluation{Phase: in.Phase, Attempt: in.Attempt}.Round()
	for _, d := range have {
		if err := a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{UserID: d.UserID}, "evaluation.drawn",
			fmt.Sprintf("您被抽取为项目 %s（%s）%s的评估专家，请在 %d 日内阅读报告、现场查看并按 100 分评分表打分。", p.Number, p.Title, round, domain.EvalScoreDays),
			in.dedup(fmt.Sprintf("drawn/%d", d.UserID))); err != nil {
			return nil, err
		}
	}
	return have, nil
}

// EvalSheetInput is an evaluator's sheet.
type EvalSheetInput struct {
	ProjectID string
	Phase     domain.EvalPhase
	Attempt   int
	UserID    int64
	Sheet     domain.EvalSheet
	By        domain.Actor
}

// RecordEvalSheet records an evaluator's sheet.
func (a *Activities) RecordEvalSheet(ctx context.Context, in EvalSheetInput) error {
	in.Sheet.Comment, in.Sheet.SiteVisit = strings.TrimSpace(in.Sheet.Comment), strings.TrimSpace(in.Sheet.SiteVisit)
	return nonRetryable(a.Store.RecordEvalSheet(ctx, in.ProjectID, in.Phase, in.Attempt, in.UserID, in.Sheet, in.By))
}

// DecideEvalInput asks for a round's result.
type DecideEvalInput struct {
	EvalRoundInput
	Late  bool
	Final bool // no further attempt: a fail terminates (mid-term)
}

// ScoreRound computes the round's result from the stored sheets and the
// recipients' survey (domain.ScoreEvaluation); it writes nothing, so the
// workflow can act on the result before anyone reads it (RecordEvalOutcome).
// A round already decided returns its recorded result.
func (a *Activities) ScoreRound(ctx context.Context, in DecideEvalInput) (domain.EvalOutcome, error) {
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return domain.EvalOutcome{}, nonRetryable(err)
	}
	rounds, err := a.Store.Evaluations(ctx, in.ProjectID)
	if err != nil {
		return domain.EvalOutcome{}, err
	}
	var sheets []domain.EvalSheet
	for _, r := range rounds {
		if r.Phase != in.Phase || r.Attempt != in.Attempt {
			continue
		}
		if r.Outcome != nil {
			return *r.Outcome, nil
		}
		for _, e := range r.Evaluators {
			if e.Sheet != nil {
				sheets = append(sheets, *e.Sheet)
			}
		}
	}
	var survey float64
	if in.Phase == domain.EvalFinal && p.Terms != nil {
		k, err := a.Store.KPIs(ctx, p.ID, p.Terms.HoursPerTrainee)
		if err != nil {
			return domain.EvalOutcome{}, err
		}
		for _, c := range domain.EvalRubric(in.Phase) {
			if c.Survey {
				survey = domain.SatisfactionPoints(k.Satisfaction, k.Surveyed, c.Points)
			}
		}
	}
	pass := a.Rules.EvalPassMark
	if pass == 0 {
		pass = domain.DefaultEvalPassMark
	}
	return domain.ScoreEvaluation(in.Phase, sheets, survey, in.Late, pass), nil
}

// OutcomeInput is a round's result to record.
type OutcomeInput struct {
	DecideEvalInput
	Outcome domain.EvalOutcome
}

// RecordEvalOutcome records a round's result (a final's grade on the
// organisation's record) and tells the organisation and civil affairs what
// follows. Idempotent.
func (a *Activities) RecordEvalOutcome(ctx context.Context, in OutcomeInput) error {
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return nonRetryable(err)
	}
	out := in.Outcome
	if err := a.Store.DecideEvaluation(ctx, p.ID, in.Phase, in.Attempt, out); err != nil {
		return nonRetryable(err)
	}
	round := domain.Evaluation{Phase: in.Phase, Attempt: in.Attempt}.Round()
	text := fmt.Sprintf("项目 %s %s结果：%s", p.Number, round, out.Reason)
	switch {
	case in.Phase == domain.EvalFinal:
		text += "结项评估结果已公开，等级记入组织信用记录。"
	case out.Passed:
		text += "评估合格，可申请下一笔资金。"
	case !in.Final:
		text += fmt.Sprintf("评估不合格：请在 %d 日内完成整改并提交整改报告，逾期或复评仍不合格将终止项目并追回资金。", domain.RectifyDays)
	default:
		text += "整改后复评仍不合格，项目将终止，剩余资金停止拨付。"
	}
	for i, to := range []store.NoticeTo{{OrgID: p.OrgID}, {Role: domain.RoleCivilAffairs, District: p.District}} {
		if err := a.Store.AddNotice(ctx, p.CallID, to, "evaluation.result", text, in.dedup(fmt.Sprintf("result/%d", i))); err != nil {
			return err
		}
	}
	return nil
}

// ProjectStageInput moves a project to a stage.
type ProjectStageInput struct {
	ProjectID string
	Stage     domain.ProjectStage
}

// SetProjectStage records the stage the workflow moved to.
func (a *Activities) SetProjectStage(ctx context.Context, in ProjectStageInput) error {
	return nonRetryable(a.Store.SetProjectStage(ctx, in.ProjectID, in.Stage))
}

// TerminateResult is what a terminated project earned and must return.
type TerminateResult struct {
	Paid     domain.Fen
	Earned   domain.Fen
	ClawBack domain.Fen
}

// TerminateProject terminates a project after a second failed mid-term:
// remaining tranches stop, and what was paid beyond the share earned by the
// training hours delivered is to be clawed back (domain.ClawBack). Tells
// the organisation, civil affairs and finance.
func (a *Activities) TerminateProject(ctx context.Context, projectID string) (TerminateResult, error) {
	p, err := a.Store.Project(ctx, projectID)
	if err != nil || p.Terms == nil {
		return TerminateResult{}, nonRetryable(err)
	}
	paid, err := a.Store.PaidTotal(ctx, projectID)
	if err != nil {
		return TerminateResult{}, err
	}
	k, err := a.Store.KPIs(ctx, projectID, p.Terms.HoursPerTrainee)
	if err != nil {
		return TerminateResult{}, err
	}
	contracted := float64(p.Terms.Trainees * p.Terms.HoursPerTrainee)
	earned, back := domain.ClawBack(p.Amount, paid, k.HoursCredited, contracted)
	if err := a.Store.TerminateProject(ctx, projectID, earned, back); err != nil {
		return TerminateResult{}, nonRetryable(err)
	}
	text := fmt.Sprintf("项目 %s 中期评估整改后复评仍不合格，项目终止，剩余资金停止拨付。已拨付 %s 元；按已完成学时 %.1f / %.0f 核定应得 %s 元，应退回 %s 元。",
		p.Number, paid.Yuan(), k.HoursCredited, contracted, earned.Yuan(), back.Yuan())
	for i, to := range []store.NoticeTo{{OrgID: p.OrgID}, {Role: domain.RoleCivilAffairs, District: p.District}, {Role: domain.RoleFinance, District: p.District}} {
		if err := a.Store.AddNotice(ctx, p.CallID, to, "project.terminated", text, fmt.Sprintf("terminate/%s/%d", projectID, i)); err != nil {
			return TerminateResult{}, err
		}
	}
	return TerminateResult{Paid: paid, Earned: earned, ClawBack: back}, nil
}

// ArchiveProgress is how far an archive package is (the activity's
// heartbeat; the project page shows it while the package is written).
type ArchiveProgress struct {
	Written int `json:"written"`
	Total   int `json:"total"`
}

// ArchiveResult is the archive package written.
type ArchiveResult struct {
	ManifestKey    string
	ManifestSHA256 string
	Objects        int
}

// Manifest is the archive package's index, stored beside its objects.
type Manifest struct {
	ProjectID  string                 `json:"project_id"`
	Number     string                 `json:"number"`
	Title      string                 `json:"title"`
	OrgName    string                 `json:"org_name"`
	Stage      domain.ProjectStage    `json:"stage"`
	Grade      domain.Grade           `json:"grade,omitempty"`
	ArchivedAt time.Time              `json:"archived_at"`
	Objects    []store.ArchivedObject `json:"objects"`
}

// ArchiveProject writes the archive package: the final (or termination)
// report PDF, the training records as JSON, and a copy of every stored
// document of the project, each locked in the archive bucket until its
// class's retention ends, plus a manifest with every SHA-256. The project
// becomes read-only. Idempotent: an archived project returns its package.
func (a *Activities) ArchiveProject(ctx context.Context, projectID string) (ArchiveResult, error) {
	p, err := a.Store.Project(ctx, projectID)
	if err != nil {
		return ArchiveResult{}, nonRetryable(err)
	}
	if !p.ArchivedAt.IsZero() {
		return ArchiveResult{ManifestKey: p.ManifestKey, ManifestSHA256: p.ManifestSHA}, nil
	}
	// A retry (a timed-out or stopped attempt, a failed read) builds the
	// same package: the same date, so the same bytes, and whatever is
	// already in the locked bucket is kept, not written again.
	now, err := a.Store.BeginArchive(ctx, p.ID)
	if err != nil {
		return ArchiveResult{}, err
	}
	pdf, err := a.finalReport(ctx, p, now)
	if err != nil {
		return ArchiveResult{}, err
	}
	rep, _, err := a.Blob.PutOnce(ctx, fmt.Sprintf("projects/%s/final-report.pdf", p.ID), pdf, "application/pdf")
	if err != nil {
		return ArchiveResult{}, err
	}
	records, err := a.trainingRecords(ctx, p)
	if err != nil {
		return ArchiveResult{}, err
	}
	sources, err := a.Store.ArchiveSources(ctx, p)
	if err != nil {
		return ArchiveResult{}, err
	}
	kind := "结项报告"
	if p.Stage == domain.ProjectTerminated {
		kind = "终止报告"
	}
	sources = append(sources, store.ArchiveSource{Key: rep.Key, SHA256: rep.SHA256, Name: kind + "-" + p.Number + ".pdf", Class: store.ClassProcurement})
	prefix := "projects/" + p.ID + "/"
	var objs []store.ArchivedObject
	put := func(name, source string, data []byte, class store.RetentionClass) error {
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		until := now.AddDate(class.Years(), 0, 0)
		if err := stopping(ctx); err != nil {
			return err // the retry goes on from here, skipping what is written
		}
		obj, _, err := a.Archive.PutLockedOnce(ctx, fmt.Sprintf("%s%03d-%s", prefix, len(objs)+1, name), data, ct, a.LockMode, until)
		if err != nil {
			return err
		}
		objs = append(objs, store.ArchivedObject{Key: obj.Key, Source: source, Class: class, SHA256: obj.SHA256, Size: obj.Size,
			VersionID: obj.VersionID, RetainUntil: until})
		activity.RecordHeartbeat(ctx, ArchiveProgress{Written: len(objs), Total: len(sources) + 1}) // the page shows it
		return nil
	}
	if err := put("培训记录-"+p.Number+".json", "database", records, store.ClassTraining); err != nil {
		return ArchiveResult{}, err
	}
	for _, s := range sources {
		data, _, err := a.Blob.Get(ctx, s.Key, s.SHA256)
		if err != nil {
			return ArchiveResult{}, fmt.Errorf("archive %s: %w", s.Key, err)
		}
		if err := put(strings.ReplaceAll(s.Name, "/", "-"), s.Key, data, s.Class); err != nil {
			return ArchiveResult{}, err
		}
	}
	m := Manifest{ProjectID: p.ID, Number: p.Number, Title: p.Title, OrgName: p.OrgName, Stage: p.Stage, Grade: p.Grade, ArchivedAt: now, Objects: objs}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return ArchiveResult{}, err
	}
	man, _, err := a.Archive.PutLockedOnce(ctx, prefix+"manifest.json", data, "application/json", a.LockMode, now.AddDate(store.ClassAccounting.Years(), 0, 0))
	if err != nil {
		return ArchiveResult{}, err
	}
	if err := a.Store.RecordArchive(ctx, p.ID, objs, man.Key, man.SHA256, rep.Key, rep.SHA256); err != nil {
		return ArchiveResult{}, nonRetryable(err)
	}
	text := fmt.Sprintf("项目 %s 已归档：%d 个文件及清单已锁定保存（采购文件 15 年、会计凭证 30 年、培训记录 10 年），清单 SHA-256 %s。项目资料此后只读。",
		p.Number, len(objs), man.SHA256[:16]+"…")
	for i, to := range []store.NoticeTo{{OrgID: p.OrgID}, {Role: domain.RoleCivilAffairs, District: p.District}} {
		if err := a.Store.AddNotice(ctx, p.CallID, to, "project.archived", text, fmt.Sprintf("archive/%s/%d", p.ID, i)); err != nil {
			return ArchiveResult{}, err
		}
	}
	return ArchiveResult{ManifestKey: man.Key, ManifestSHA256: man.SHA256, Objects: len(objs)}, nil
}

// finalReport renders the final (or termination) report from the records.
func (a *Activities) finalReport(ctx context.Context, p domain.Project, now time.Time) ([]byte, error) {
	if p.Terms == nil {
		return nil, nonRetryable(domain.Errorf(domain.CodeConflict, "项目没有合同条款，不能出具结项报告。"))
	}
	k, err := a.Store.KPIs(ctx, p.ID, p.Terms.HoursPerTrainee)
	if err != nil {
		return nil, err
	}
	mods, err := a.Store.ModuleHours(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	tranches, err := a.Store.Tranches(ctx, p)
	if err != nil {
		return nil, err
	}
	rounds, err := a.Store.Evaluations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	t := p.Terms
	r := report.FinalReport{Number: p.Number, Title: p.Title, CallNumber: p.CallNumber, Brand: p.Brand, District: p.District,
		Issuer: report.IssuerFor(p.District), OrgName: p.OrgName, Amount: p.Amount, Terms: *t, SignedAt: p.SignedAt,
		KPIs: []report.KPI{
			{Name: "培训学员（达到合同学时）", Contracted: float64(t.Trainees), Delivered: float64(k.Completed), Unit: "人"},
			{Name: "报名学员", Contracted: float64(t.Trainees), Delivered: float64(k.Enrolled), Unit: "人"},
			{Name: "培训场次", Contracted: float64(t.Sessions), Delivered: float64(k.Sessions), Unit: "场"},
			{Name: "学员学时合计", Contracted: float64(t.Trainees * t.HoursPerTrainee), Delivered: k.HoursCredited, Unit: "学时"},
		},
		Satisfaction: k.Satisfaction, Surveyed: k.Surveyed, SpotChecks: k.SpotChecks, Discrepant: k.Discrepancies,
		Tranches: tranches, Rounds: rounds, Grade: p.Grade, Terminated: p.Stage == domain.ProjectTerminated,
		Earned: p.Earned, ClawBack: p.ClawBack, Issued: now}
	for _, m := range mods {
		r.Modules = append(r.Modules, report.ModuleHours(m))
	}
	return report.RenderFinalReport(r)
}

// trainingRecords is the project's training records as JSON: sessions,
// trainees (names and numbers de-identified, PIPL §25) with hours, results
// and certificates, progress reports and spot-checks.
func (a *Activities) trainingRecords(ctx context.Context, p domain.Project) ([]byte, error) {
	sessions, err := a.Store.TrainingSessions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	trainees, err := a.Store.Trainees(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for i := range trainees {
		t := &trainees[i]
		t.Name = domain.MaskName(t.Name)
		t.GuardianName = domain.MaskName(t.GuardianName)
		for _, f := range []*string{&t.IDNumber, &t.Phone} {
			if *f == "" {
				continue
			}
			plain, err := a.Keys.Open(*f)
			if err != nil {
				return nil, err
			}
			*f = domain.MaskMiddle(plain)
		}
	}
	for i := range sessions {
		sessions[i].Code = ""
	}
	reports, err := a.Store.ProgressReports(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	checks, err := a.Store.SpotChecks(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	rounds, err := a.Store.Evaluations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(map[string]any{"project": p, "sessions": sessions, "trainees": trainees,
		"progress_reports": reports, "spot_checks": checks, "evaluations": rounds}, "", "  ")
}

// MonthlyReportInput names a month of a project's term.
type MonthlyReportInput struct {
	ProjectID string
	Month     string // 2027-03
}

// RemindMonthlyReport tells the organisation when the month's progress
// report is missing (once per month).
func (a *Activities) RemindMonthlyReport(ctx context.Context, in MonthlyReportInput) error {
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return nonRetryable(err)
	}
	reports, err := a.Store.ProgressReports(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, r := range reports {
		if r.Month == in.Month {
			return nil
		}
	}
	m, _ := time.Parse("2006-01", in.Month)
	return a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{OrgID: p.OrgID}, "report.missing",
		fmt.Sprintf("项目 %s 尚未提交 %d年%d月 的月度进展报告，请在项目页面补交。", p.Number, m.Year(), int(m.Month())),
		fmt.Sprintf("monthly/%s/%s", p.ID, in.Month))
}

// stopping reports a stopping worker (a deploy: WorkerStopTimeout is
// running) or an ended attempt, so a long activity ends between two steps
// rather than being cut in one; its retry resumes the work.
func stopping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if activity.IsActivity(ctx) {
		select {
		case <-activity.GetWorkerStopChannel(ctx):
			return temporal.NewApplicationError("the worker is stopping; the archive resumes on the next attempt", "WorkerStopping")
		default:
		}
	}
	return nil
}
