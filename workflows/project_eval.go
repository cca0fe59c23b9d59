package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// Names of the evaluation messages ProjectWorkflow accepts.
const (
	UpdateEvalReport = "submit-evaluation-report"
	UpdateEvalScore  = "score-evaluation"
)

// minReportWindow: a round opened late (a contract signed after the term's
// middle) still gives the organisation this long to report.
const minReportWindow = 14 * 24 * time.Hour

// EvalRound is where an evaluation round stands in the workflow.
type EvalRound struct {
	Phase      domain.EvalPhase
	Attempt    int
	Due        time.Time
	Reported   bool
	Filing     bool    // the report is being recorded
	Drawing    bool    // the evaluators are being drawn (the database may list them already)
	Evaluators []int64 // user IDs of the drawn evaluators
	Scored     []int64 // sheets recorded
	Scoring    []int64 // sheets being recorded
	ScoreDue   time.Time
	Outcome    *domain.EvalOutcome
}

// EvalReportRequest is the organisation's report for the current round,
// its attachment (if any) already stored.
type EvalReportRequest struct {
	Actor   Actor
	Phase   domain.EvalPhase
	Summary string
	Key     string
	Name    string
	SHA256  string
}

// EvalScoreRequest is a drawn evaluator's sheet for the current round.
type EvalScoreRequest struct {
	Actor   Actor
	Phase   domain.EvalPhase
	Attempt int
	Sheet   domain.EvalSheet
}

// validateEvalReport refuses a report when no round awaits one, for
// another phase, a second one, after its due date, or not valid.
func (pr *projectRun) validateEvalReport(ctx workflow.Context, req EvalReportRequest) error {
	in, st := pr.in, pr.st
	if err := auth.AuthorizeTarget(req.Actor.User(), auth.ActionEvalReport, auth.Target{OrgID: in.OrgID}); err != nil {
		return err
	}
	r := st.Eval
	switch {
	case r == nil || r.Outcome != nil:
		return domain.Errorf(domain.CodeConflict, "目前没有需要提交的评估报告。")
	case r.Phase != req.Phase:
		return domain.Errorf(domain.CodeConflict, "目前进行的是%s，请提交%s报告。", r.Phase.Label(), r.Phase.Label())
	case r.Reported || r.Filing:
		return domain.Errorf(domain.CodeConflict, "本轮%s报告已经提交。", r.Phase.Label())
	case workflow.Now(ctx).After(r.Due):
		return domain.Errorf(domain.CodeConflict, "报告提交截止时间（%s）已过，逾期按不合格处理。", cstTime(r.Due))
	}
	return domain.ValidateEvalReport(req.Summary)
}

// submitEvalReport records the organisation's report for the round in
// progress (st.Eval), checked again first.
func (pr *projectRun) submitEvalReport(ctx workflow.Context, req EvalReportRequest) (ProjectAck, error) {
	in, st := pr.in, pr.st
	if err := pr.validateEvalReport(ctx, req); err != nil {
		return ProjectAck{}, toApplicationError(err)
	}
	r := st.Eval
	// Filing is set before the activity: the round waits for it
	// rather than call the report late meanwhile.
	r.Filing = true
	err := workflow.ExecuteActivity(opts(ctx), a.SubmitEvalReport, activities.EvalReportInput{
		ProjectID: in.AwardID, Phase: r.Phase, Attempt: r.Attempt, Summary: req.Summary,
		Key: req.Key, Name: req.Name, SHA256: req.SHA256, At: workflow.Now(ctx), By: req.Actor,
	}).Get(ctx, nil)
	r.Filing, r.Reported = false, err == nil
	if err != nil {
		return ProjectAck{}, err
	}
	return st.ack(), nil
}

// validateEvalScore refuses a sheet for a round not in scoring, by
// someone not drawn for it, a second one, or not valid.
func (pr *projectRun) validateEvalScore(_ workflow.Context, req EvalScoreRequest) error {
	st := pr.st
	if err := auth.Authorize(req.Actor.User(), auth.ActionEvaluate, ""); err != nil {
		return err
	}
	r := st.Eval
	switch {
	case r == nil || r.Phase != req.Phase || r.Attempt != req.Attempt || r.Outcome != nil:
		return domain.Errorf(domain.CodeConflict, "这一轮评估不在评分阶段。")
	case !slices.Contains(r.Evaluators, req.Actor.UserID) && !r.Drawing:
		// (while the draw is being recorded, the handler waits for it)
		return domain.Errorf(domain.CodeForbidden, "您不是本轮抽取的评估专家，不能评分。")
	case slices.Contains(r.Scored, req.Actor.UserID) || slices.Contains(r.Scoring, req.Actor.UserID):
		return domain.Errorf(domain.CodeConflict, "您已提交本轮评分。")
	}
	return domain.ValidateEvalSheet(req.Phase, req.Sheet)
}

// scoreEvaluation records a drawn evaluator's sheet for the round in
// progress, checked again first.
func (pr *projectRun) scoreEvaluation(ctx workflow.Context, req EvalScoreRequest) (ProjectAck, error) {
	in, st := pr.in, pr.st
	// A sheet accepted while the evaluators were being drawn (they
	// see their seat as soon as the draw commits, before the
	// workflow hears of it) waits for the draw. Validators refused
	// such sheets before, so no earlier history reaches this wait.
	if r := st.Eval; r != nil && r.Drawing {
		if err := workflow.Await(ctx, func() bool { return !r.Drawing }); err != nil {
			return ProjectAck{}, err
		}
	}
	if err := pr.validateEvalScore(ctx, req); err != nil {
		return ProjectAck{}, toApplicationError(err)
	}
	r := st.Eval
	// The round is decided once every sheet is recorded: a sheet
	// counts when its activity is done, not when it arrives.
	r.Scoring = append(r.Scoring, req.Actor.UserID)
	err := workflow.ExecuteActivity(opts(ctx), a.RecordEvalSheet, activities.EvalSheetInput{
		ProjectID: in.AwardID, Phase: r.Phase, Attempt: r.Attempt, UserID: req.Actor.UserID, Sheet: req.Sheet, By: req.Actor,
	}).Get(ctx, nil)
	r.Scoring = slices.DeleteFunc(r.Scoring, func(u int64) bool { return u == req.Actor.UserID })
	if err != nil {
		return ProjectAck{}, err
	}
	r.Scored = append(r.Scored, req.Actor.UserID)
	return st.ack(), nil
}
