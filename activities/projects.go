package activities

import (
	"context"
	"fmt"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/report"
)

// CreateProjectInput creates the funded project of an award.
type CreateProjectInput struct {
	AwardID string
	Due     time.Time // the contract must be signed by then
}

// CreateProject records the project (idempotent) and tells both sides.
func (a *Activities) CreateProject(ctx context.Context, in CreateProjectInput) (domain.Project, error) {
	p, err := a.Store.InsertProject(ctx, in.AwardID, in.Due)
	if err != nil {
		return domain.Project{}, nonRetryable(err)
	}
	text := fmt.Sprintf("项目 %s（%s）已立项，请于 %s 前签订合同。", p.Number, p.Title, report.ChineseDate(in.Due.In(domain.ChinaTime)))
	if err := a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{OrgID: p.OrgID}, "project.created", text, "project/"+p.ID+"/org"); err != nil {
		return domain.Project{}, err
	}
	return p, a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: p.District}, "project.created",
		text+"请确定培训人数、学时、场次和服务期限。", "project/"+p.ID+"/civil")
}

// SetTermsInput is the contract's terms.
type SetTermsInput struct {
	ProjectID string
	Terms     domain.ContractTerms
	By        domain.Actor
}

// SetProjectTerms records the terms.
func (a *Activities) SetProjectTerms(ctx context.Context, in SetTermsInput) error {
	return nonRetryable(a.Store.SetProjectTerms(ctx, in.ProjectID, in.Terms, in.By))
}

// RenderContractInput names the project and the contract's revision.
type RenderContractInput struct {
	ProjectID string
	Revision  int
}

// RenderContract renders the contract PDF from the project's record and
// stores it.
func (a *Activities) RenderContract(ctx context.Context, in RenderContractInput) (NoticeRef, error) {
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return NoticeRef{}, nonRetryable(err)
	}
	if p.Terms == nil {
		return NoticeRef{}, nonRetryable(domain.Errorf(domain.CodeConflict, "合同条款尚未确定。"))
	}
	org, err := a.Store.Organisation(ctx, p.OrgID)
	if err != nil {
		return NoticeRef{}, err
	}
	pdf, err := report.RenderContract(report.Contract{Number: p.Number, CallNumber: p.CallNumber, Title: p.Title, Brand: p.Brand,
		District: p.District, Issuer: report.IssuerFor(p.District), OrgName: p.OrgName, USCC: org.USCC, Amount: p.Amount,
		Tranches: p.Tranches, Terms: *p.Terms, Revision: in.Revision, Issued: p.CreatedAt})
	if err != nil {
		return NoticeRef{}, err
	}
	obj, err := a.Blob.Put(ctx, fmt.Sprintf("projects/%s/contract/r%02d-%s.pdf", p.ID, in.Revision, p.Number), pdf, "application/pdf")
	if err != nil {
		return NoticeRef{}, err
	}
	return NoticeRef{Key: obj.Key, SHA256: obj.SHA256}, a.Store.SetProjectContract(ctx, p.ID, in.Revision, obj.Key, obj.SHA256)
}

// ConfirmInput is one side's confirmation of a contract revision.
type ConfirmInput struct {
	ProjectID string
	Civil     bool
	Revision  int
	By        domain.Actor
}

// ConfirmContract records a side's confirmation.
func (a *Activities) ConfirmContract(ctx context.Context, in ConfirmInput) error {
	return nonRetryable(a.Store.ConfirmContract(ctx, in.ProjectID, in.Civil, in.Revision, in.By))
}

// SignProject records the contract signed and published, and tells the
// organisation.
func (a *Activities) SignProject(ctx context.Context, projectID string) error {
	if err := a.Store.SignProject(ctx, projectID); err != nil {
		return nonRetryable(err)
	}
	p, err := a.Store.Project(ctx, projectID)
	if err != nil {
		return err
	}
	return a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{OrgID: p.OrgID}, "project.signed",
		fmt.Sprintf("项目 %s 的合同已双方确认并公开，项目进入实施阶段。", p.Number), "project/"+p.ID+"/signed")
}

// TrancheInput confirms a tranche's condition or records its payment.
type TrancheInput struct {
	ProjectID string
	Index     int
	Amount    domain.Fen
	VoucherNo string
	Key       string // the voucher in object storage
	SHA256    string
	By        domain.Actor
}

// ConfirmTranche records that a tranche's condition is met and tells
// finance.
func (a *Activities) ConfirmTranche(ctx context.Context, in TrancheInput) error {
	if err := a.Store.ConfirmTranche(ctx, in.ProjectID, in.Index, in.Amount, in.By); err != nil {
		return nonRetryable(err)
	}
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return err
	}
	return a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{Role: domain.RoleFinance, District: p.District}, "tranche.confirmed",
		fmt.Sprintf("项目 %s 第 %d 笔资金（%s 元）的拨付条件已成就，请办理拨付并登记凭证。", p.Number, in.Index+1, in.Amount.Yuan()),
		fmt.Sprintf("tranche/%s/%d", p.ID, in.Index))
}

// RecordPayment records a tranche's payment and tells the organisation.
func (a *Activities) RecordPayment(ctx context.Context, in TrancheInput) error {
	if err := a.Store.RecordPayment(ctx, in.ProjectID, in.Index, in.VoucherNo, in.Key, in.SHA256, in.By); err != nil {
		return nonRetryable(err)
	}
	p, err := a.Store.Project(ctx, in.ProjectID)
	if err != nil {
		return err
	}
	return a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{OrgID: p.OrgID}, "tranche.paid",
		fmt.Sprintf("项目 %s 第 %d 笔资金 %s 元已拨付（凭证号 %s）。", p.Number, in.Index+1, in.Amount.Yuan(), in.VoucherNo),
		fmt.Sprintf("paid/%s/%d", p.ID, in.Index))
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
	for i, to := range []domain.NoticeTo{{OrgID: p.OrgID}, {Role: domain.RoleCivilAffairs, District: p.District}, {Role: domain.RoleFinance, District: p.District}} {
		if err := a.Store.AddNotice(ctx, p.CallID, to, "project.terminated", text, fmt.Sprintf("terminate/%s/%d", projectID, i)); err != nil {
			return TerminateResult{}, err
		}
	}
	return TerminateResult{Paid: paid, Earned: earned, ClawBack: back}, nil
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
	return a.Store.AddNotice(ctx, p.CallID, domain.NoticeTo{OrgID: p.OrgID}, "report.missing",
		fmt.Sprintf("项目 %s 尚未提交 %d年%d月 的月度进展报告，请在项目页面补交。", p.Number, m.Year(), int(m.Month())),
		fmt.Sprintf("monthly/%s/%s", p.ID, in.Month))
}
