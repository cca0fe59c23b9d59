package workflows

// A project's contract: civil affairs sets its terms, both sides confirm
// the current draft.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateSetTerms refuses terms after the signing, beyond the last
// revision, or not valid for the award.
func (pr *projectRun) validateSetTerms(ctx workflow.Context, req TermsRequest) error {
	in, st := pr.in, pr.st
	if err := auth.Authorize(req.Actor.User(), auth.ActionSetTerms, in.District); err != nil {
		return err
	}
	if st.Stage != domain.ProjectContracting {
		return domain.Errorf(domain.CodeConflict, "合同已签订，条款不能再修改。")
	}
	// Every other update of a project is bounded by its rules (one
	// confirmation per revision and side, one sheet per evaluator,
	// one payment per tranche); revisions are bounded here, so the
	// history of a project stays small over its years.
	if st.Revision >= MaxContractRevisions {
		return domain.Errorf(domain.CodeConflict, "合同已修改 %d 稿，不能再修改；请与组织协商后确认现稿。", MaxContractRevisions)
	}
	return req.Terms.Normalize().Validate(in.Amount)
}

// setTerms records the terms and renders the contract's next revision;
// both sides confirm it anew.
func (pr *projectRun) setTerms(ctx workflow.Context, req TermsRequest) (ProjectAck, error) {
	in, st := pr.in, pr.st
	terms := req.Terms.Normalize()
	if err := workflow.ExecuteActivity(opts(ctx), a.SetProjectTerms, activities.SetTermsInput{
		ProjectID: in.AwardID, Terms: terms, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return ProjectAck{}, err
	}
	st.Revision++
	var ref activities.NoticeRef
	if err := workflow.ExecuteActivity(opts(ctx), a.RenderContract, activities.RenderContractInput{
		ProjectID: in.AwardID, Revision: st.Revision,
	}).Get(ctx, &ref); err != nil {
		return ProjectAck{}, err
	}
	st.Terms, st.OrgConfirmed, st.CivilConfirmed, st.CivilBy = &terms, false, false, 0
	return st.ack(), nil
}

// confirmContract records one side's confirmation of the current draft.
func (pr *projectRun) confirmContract(ctx workflow.Context, req ConfirmRequest) (ProjectAck, error) {
	in, st := pr.in, pr.st
	civil := req.Actor.OrgID != in.OrgID
	if err := workflow.ExecuteActivity(opts(ctx), a.ConfirmContract, activities.ConfirmInput{
		ProjectID: in.AwardID, Civil: civil, Revision: st.Revision, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return ProjectAck{}, err
	}
	if civil {
		st.CivilConfirmed, st.CivilBy = true, req.Actor.UserID
	} else {
		st.OrgConfirmed = true
	}
	return st.ack(), nil
}

// validateConfirmContract refuses a confirmation before the terms are set,
// after the signing, of a draft not the current one, or given already.
func (pr *projectRun) validateConfirmContract(ctx workflow.Context, req ConfirmRequest) error {
	in, st := pr.in, pr.st
	if err := auth.AuthorizeTarget(req.Actor.User(), auth.ActionConfirmContract, auth.Target{District: in.District, OrgID: in.OrgID}); err != nil {
		return err
	}
	if st.Stage != domain.ProjectContracting {
		return domain.Errorf(domain.CodeConflict, "合同已签订。")
	}
	if st.Terms == nil {
		return domain.Errorf(domain.CodeConflict, "合同条款尚未确定，请等待民政部门确定培训人数、学时和服务期限。")
	}
	if req.Revision != st.Revision {
		return domain.Errorf(domain.CodeConflict, "合同已更新为第 %d 稿，请先阅读最新稿再确认。", st.Revision)
	}
	civil := req.Actor.OrgID != in.OrgID
	if civil && st.CivilConfirmed || !civil && st.OrgConfirmed {
		return domain.Errorf(domain.CodeConflict, "您方已确认过该稿合同。")
	}
	return nil
}

// contract waits until both sides confirm, within 30 days, reminded a week
// and a day before and flagged when overdue; then the contract is signed
// and the project is in delivery.
func (pr *projectRun) contract(ctx workflow.Context) error {
	in, st := pr.in, pr.st
	signed := func() bool { return st.OrgConfirmed && st.CivilConfirmed }
	to := []domain.NoticeTo{{OrgID: in.OrgID}, {Role: domain.RoleCivilAffairs, District: in.District}}
	points := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, 0}
	for n := st.ContractReminders; n < len(points); n++ {
		before := points[n]
		if d := st.ContractDue.Add(-before).Sub(workflow.Now(ctx)); d > 0 {
			if ok, err := pr.await(ctx, d, signed); err != nil || ok {
				if err != nil {
					return err
				}
				break
			}
		}
		if signed() {
			break
		}
		text := fmt.Sprintf("立项项目的合同应于 %s 前签订（政府采购法 §46），请尽快确定条款并确认合同。", cstTime(st.ContractDue))
		if before == 0 {
			text = fmt.Sprintf("立项项目的合同已超过 30 日签订时限（%s），请尽快签订。", cstTime(st.ContractDue))
		}
		for i, t := range to {
			if err := workflow.ExecuteActivity(opts(ctx), a.Notify, activities.NotifyInput{CallID: in.CallID, To: t, Kind: "contract.remind",
				Text: text, Dedup: fmt.Sprintf("%s/contract/%d/%d", in.AwardID, before/time.Hour, i)}).Get(ctx, nil); err != nil {
				return err
			}
		}
		st.ContractReminders = n + 1
	}
	if _, err := pr.await(ctx, -1, signed); err != nil {
		return err
	}
	// The workflow's own state moves first: by the time pages show the
	// project in delivery, the validators accept its first tranche (before,
	// a confirmation right after signing was refused as "not signed").
	// Histories recorded before this order replay the old one.
	first := workflow.GetVersion(ctx, "stage-before-sign", workflow.DefaultVersion, 1) == 1
	if first {
		st.Stage = domain.ProjectDelivery
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.SignProject, in.AwardID).Get(ctx, nil); err != nil {
		return err
	}
	st.Stage = domain.ProjectDelivery
	return workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Stage)))
}
