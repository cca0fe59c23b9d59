package activities

import (
	"context"
	"fmt"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/report"
	"grantflow/internal/store"
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
	if err := a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{OrgID: p.OrgID}, "project.created", text, "project/"+p.ID+"/org"); err != nil {
		return domain.Project{}, err
	}
	return p, a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{Role: domain.RoleCivilAffairs, District: p.District}, "project.created",
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
	return a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{OrgID: p.OrgID}, "project.signed",
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
	return a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{Role: domain.RoleFinance, District: p.District}, "tranche.confirmed",
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
	return a.Store.AddNotice(ctx, p.CallID, store.NoticeTo{OrgID: p.OrgID}, "tranche.paid",
		fmt.Sprintf("项目 %s 第 %d 笔资金 %s 元已拨付（凭证号 %s）。", p.Number, in.Index+1, in.Amount.Yuan(), in.VoucherNo),
		fmt.Sprintf("paid/%s/%d", p.ID, in.Index))
}
