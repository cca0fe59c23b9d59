package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/report"
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
	return a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{OrgID: p.OrgID}, "evaluation.open",
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
	return a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: p.District}, "evaluation.report",
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
	have, considered, seq, err := a.evaluatorsSoFar(ctx, in)
	if err != nil {
		return nil, err
	}
	org, err := a.Store.Organisation(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	pool, err := a.Store.ExpertPool(ctx)
	if err != nil {
		return nil, err
	}
	candidates := panelCandidates(pool, considered, nil)
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
	if err := a.tellEvaluators(ctx, p, in, have); err != nil {
		return nil, err
	}
	return have, nil
}

// evaluatorsSoFar reads what the round already drew: the evaluators who
// stand, every expert considered and the last draw number. A re-evaluation
// not drawn yet first takes over the first round's evaluators.
func (a *Activities) evaluatorsSoFar(ctx context.Context, in EvalRoundInput) (have []Drawn, considered map[int64]bool, seq int, err error) {
	rounds, err := a.Store.Evaluations(ctx, in.ProjectID)
	if err != nil {
		return nil, nil, 0, err
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
	have = standing(current)
	considered = map[int64]bool{}
	for _, e := range current {
		considered[e.TalentID] = true
		seq = max(seq, e.Seq)
	}
	if in.Attempt > 1 && len(current) == 0 {
		for _, d := range standing(first) {
			e := domain.Evaluator{TalentID: d.TalentID, UserID: d.UserID, Seq: d.Seq}
			if err := a.Store.AddEvaluator(ctx, in.ProjectID, in.Phase, in.Attempt, e); err != nil {
				return nil, nil, 0, err
			}
			have = append(have, d)
		}
	}
	return have, considered, seq, nil
}

// standing are the evaluators of es not excluded, as drawn experts.
func standing(es []domain.Evaluator) []Drawn {
	var out []Drawn
	for _, e := range es {
		if e.Excluded == "" {
			out = append(out, Drawn{TalentID: e.TalentID, UserID: e.UserID, Name: e.Name, Seq: e.Seq})
		}
	}
	return out
}

// tellEvaluators tells each evaluator of the round (once: the notice is
// keyed).
func (a *Activities) tellEvaluators(ctx context.Context, p domain.Project, in EvalRoundInput, have []Drawn) error {
	round := domain.Evaluation{Phase: in.Phase, Attempt: in.Attempt}.Round()
	for _, d := range have {
		if err := a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{UserID: d.UserID}, "evaluation.drawn",
			fmt.Sprintf("您被抽取为项目 %s（%s）%s的评估专家，请在 %d 日内阅读报告、现场查看并按 100 分评分表打分。", p.Number, p.Title, round, domain.EvalScoreDays),
			in.dedup(fmt.Sprintf("drawn/%d", d.UserID))); err != nil {
			return err
		}
	}
	return nil
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
	for i, to := range []domain.NoticeTo{{OrgID: p.OrgID}, {Role: domain.RoleCivilAffairs, District: p.District}} {
		if err := a.Store.AddNotice(ctx, p.CallID, to, "evaluation.result", text, in.dedup(fmt.Sprintf("result/%d", i))); err != nil {
			return err
		}
	}
	return nil
}
