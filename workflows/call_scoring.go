package workflows

// The panel's scoring of a call's valid bids.

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateScore refuses a sheet by someone not confirmed on the panel, on
// a bid out of review, or not matching the plan.
func (r *callRun) validateScore(_ workflow.Context, req ScoreRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionScore, ""); err != nil {
		return err
	}
	if err := r.stageIs(domain.StageScoring); err != nil {
		return err
	}
	if i := r.seat(req.Actor.UserID); i < 0 || !r.st.Panel[i].Confirmed {
		return domain.Errorf(domain.CodeForbidden, "您不在本次征集的评审小组中，或尚未声明无利害关系。")
	}
	if !r.st.Qualified[req.BidID] {
		return domain.Errorf(domain.CodeNotFound, "该投标不在评审范围内（未通过资格审查或不存在）。")
	}
	return r.plan.ValidateSheet(req.Points, req.Comment)
}

// score records an expert's score sheet on a bid.
func (r *callRun) score(ctx workflow.Context, req ScoreRequest) (Ack, error) {
	sh := domain.ScoreSheet{Expert: req.Actor.UserID, BidID: req.BidID, Points: req.Points,
		Comment: strings.TrimSpace(req.Comment), At: workflow.Now(ctx)}
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordScore, activities.RecordScoreInput{
		CallID: r.in.CallID, Sheet: sh, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	r.st.Scores[scoreKey(sh.Expert, sh.BidID)] = sh
	return r.acked(nil)
}

// scoring waits for every expert's sheet on every valid bid (due in two
// working days, with reminders), then ranks the bids and writes the report.
func (r *callRun) scoring(ctx workflow.Context, resumed bool) error {
	e := r.epoch
	due := r.stageDue
	if !resumed {
		r.st.Round++
		var err error
		if due, err = r.workingDays(ctx, workflow.Now(ctx), domain.ScoringWorkingDays); err != nil {
			return err
		}
		if err := workflow.ExecuteActivity(opts(ctx), a.SetCallTimes, activities.SetCallTimesInput{
			CallID: r.in.CallID, Times: domain.CallTimes{ScoringDue: due},
		}).Get(ctx, nil); err != nil {
			return err
		}
		r.stageDue = due
	}
	var experts []domain.NoticeTo
	for _, s := range r.st.Panel {
		experts = append(experts, domain.NoticeTo{UserID: s.UserID})
	}
	experts = append(experts, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: r.district()})
	done, err := r.awaitDue(ctx, due, "scoring", experts, "评审打分", func() bool { return r.epoch != e || r.scoringComplete() })
	if err != nil || !done || r.epoch != e {
		return err
	}
	var bids []domain.ScoredBid
	for _, b := range r.validBids() {
		bids = append(bids, domain.ScoredBid{BidID: b.BidID, OrgID: b.OrgID, OrgName: b.OrgName, Price: b.Price, SubmittedAt: b.SubmittedAt})
	}
	var sheets []domain.ScoreSheet
	for _, s := range r.st.Panel {
		for _, b := range bids {
			sheets = append(sheets, r.st.Scores[scoreKey(s.UserID, b.BidID)])
		}
	}
	r.st.Results = domain.Evaluate(r.plan, bids, sheets)
	if err := workflow.ExecuteActivity(opts(ctx), a.SaveResults, activities.SaveResultsInput{
		CallID: r.in.CallID, Results: r.st.Results, Round: r.st.Round,
	}).Get(ctx, nil); err != nil {
		return err
	}
	return r.setStage(ctx, domain.StageCivilApproval, "", domain.System)
}

func (r *callRun) scoringComplete() bool {
	for _, s := range r.st.Panel {
		for _, b := range r.validBids() {
			if _, ok := r.st.Scores[scoreKey(s.UserID, b.BidID)]; !ok {
				return false
			}
		}
	}
	return true
}

func scoreKey(expert int64, bid string) string { return fmt.Sprintf("%d/%s", expert, bid) }
