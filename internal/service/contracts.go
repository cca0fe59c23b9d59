package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// Contracts is the application service of funded projects (立项项目) from
// their award to the signed contract; the ProjectWorkflow owns them.
type Contracts struct {
	Temporal client.Client
	Store    *store.Store
	Blob     *blob.Store
	// Payloads reads what workflows wrote (heartbeats, memos): the
	// client's data converter, which opens sealed payloads.
	Payloads converter.DataConverter
}

// List lists the funded projects the person may see: an organisation its
// own, civil affairs and finance their district's (the city: all).
func (s *Contracts) List(ctx context.Context, by domain.Actor, f store.ProjectFilter) (store.ProjectPage, error) {
	u := by.User()
	switch {
	case auth.Authorize(u, auth.ActionListProjects, "") == nil:
		if u.District != domain.CityLevel {
			f.District = u.District
		}
	case u.OrgID != 0 && auth.AuthorizeTarget(u, auth.ActionListProjects, auth.Target{OrgID: u.OrgID}) == nil:
		f.OrgID = u.OrgID
	default:
		return store.ProjectPage{}, auth.Authorize(u, auth.ActionListProjects, "")
	}
	pg, err := s.Store.ListProjects(ctx, f)
	for i := range pg.Projects {
		pg.Projects[i] = withoutDraft(u, pg.Projects[i])
	}
	return pg, err
}

// withoutDraft hides an unsigned contract — its terms and its PDF — from
// everyone but the two sides settling it, civil affairs of the district
// and the organisation: finance has no part in it before it is signed, and
// the public sees it once signed (实施条例 §50).
func withoutDraft(u domain.User, p domain.Project) domain.Project {
	if draftHidden(u, p) {
		p.Terms, p.ContractKey, p.ContractSHA256 = nil, "", ""
	}
	return p
}

// draftHidden reports whether p's contract is a draft u may not read.
func draftHidden(u domain.User, p domain.Project) bool {
	return p.SignedAt.IsZero() && auth.AuthorizeTarget(u, auth.ActionConfirmContract, auth.Target{District: p.District, OrgID: p.OrgID}) != nil
}

// Get returns a funded project the person may see.
func (s *Contracts) Get(ctx context.Context, by domain.Actor, id string) (domain.Project, error) {
	if err := auth.Authorize(by.User(), auth.ActionListProjects, ""); err != nil && by.OrgID == 0 {
		return domain.Project{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return domain.Project{}, domain.Errorf(domain.CodeNotFound, "找不到该项目，请检查链接是否完整。")
	}
	p, err := s.Store.Project(ctx, id)
	if err != nil {
		return domain.Project{}, err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionViewProject, auth.Target{District: p.District, OrgID: p.OrgID}); err != nil {
		return domain.Project{}, err
	}
	return withoutDraft(by.User(), p), nil
}

func (s *Contracts) update(ctx context.Context, p domain.Project, name, key string, arg any) error {
	id, err := requestID(key)
	if err != nil {
		return err
	}
	if p.Stage.ReadOnly() {
		if key != "" && answeredBefore(ctx, s.Temporal, workflows.ProjectWorkflowID(p.ID), name+"/"+id, nil) {
			return nil // this request, sent again: its first answer
		}
		return domain.Errorf(domain.CodeConflict, "项目%s，资料只读，不能再办理。", p.Stage.Label())
	}
	// A run continuing as new refuses updates for a moment (draining):
	// they are sent again, to the next run.
	err = whileDraining(ctx, func() error {
		h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.ProjectWorkflowID(p.ID), UpdateID: name + "/" + id, UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		return err
	})
	if err != nil && workflows.DomainError(err) == err {
		// the answer may be lost, not the update: learn its outcome
		return settleUpdate(ctx, s.Temporal, workflows.ProjectWorkflowID(p.ID), name+"/"+id, err, nil)
	}
	return temporalErr(name, err)
}

// SetTerms sets the contract's deliverables and term (civil affairs).
func (s *Contracts) SetTerms(ctx context.Context, by domain.Actor, id, key string, t domain.ContractTerms) error {
	if err := auth.Authorize(by.User(), auth.ActionSetTerms, ""); err != nil {
		return err
	}
	p, err := s.Get(ctx, by, id)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionSetTerms, p.District); err != nil {
		return err
	}
	t = t.Normalize()
	if err := t.Validate(p.Amount); err != nil {
		return err
	}
	return s.update(ctx, p, workflows.UpdateSetTerms, key, workflows.TermsRequest{Actor: by, Terms: t})
}

// Confirm confirms the contract revision the person read, for their side.
func (s *Contracts) Confirm(ctx context.Context, by domain.Actor, id, key string, revision int) error {
	if err := auth.Authorize(by.User(), auth.ActionConfirmContract, ""); err != nil &&
		(by.OrgID == 0 || auth.AuthorizeTarget(by.User(), auth.ActionConfirmContract, auth.Target{OrgID: by.OrgID}) != nil) {
		return err
	}
	p, err := s.Get(ctx, by, id)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionConfirmContract, auth.Target{District: p.District, OrgID: p.OrgID}); err != nil {
		return err
	}
	return s.update(ctx, p, workflows.UpdateConfirmContract, key, workflows.ConfirmRequest{Actor: by, Revision: revision})
}

// Contract returns the current contract PDF, verified by checksum.
func (s *Contracts) Contract(ctx context.Context, by domain.Actor, id string) (Document, error) {
	p, err := s.Get(ctx, by, id)
	if err != nil {
		return Document{}, err
	}
	if draftHidden(by.User(), p) {
		return Document{}, domain.Errorf(domain.CodeForbidden, "合同尚未签订：签订前只有民政部门和实施单位可以查看合同文本。")
	}
	if p.ContractKey == "" {
		return Document{}, domain.Errorf(domain.CodeNotFound, "合同尚未生成：民政部门确定条款后自动生成。")
	}
	data, _, err := s.Blob.Get(ctx, p.ContractKey, p.ContractSHA256)
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "合同-" + p.Number + ".pdf", ContentType: "application/pdf", Data: data}, nil
}

// Tranches lists the project's tranches: planned, confirmed, paid.
func (s *Contracts) Tranches(ctx context.Context, by domain.Actor, id string) ([]domain.TrancheState, error) {
	p, err := s.Get(ctx, by, id)
	if err != nil {
		return nil, err
	}
	return s.Store.Tranches(ctx, p)
}

// ConfirmTranche confirms that a tranche's condition is met (civil affairs).
func (s *Contracts) ConfirmTranche(ctx context.Context, by domain.Actor, id, key string, index int) error {
	if err := auth.Authorize(by.User(), auth.ActionConfirmTranche, ""); err != nil {
		return err
	}
	p, err := s.Get(ctx, by, id)
	if err != nil {
		return err
	}
	return s.update(ctx, p, workflows.UpdateConfirmTranche, key, workflows.TrancheRequest{Actor: by, Index: index})
}

// RecordPayment records a tranche's payment with its voucher (finance); the
// voucher is stored first and removed again if the workflow refuses.
func (s *Contracts) RecordPayment(ctx context.Context, by domain.Actor, id, key string, index int, voucherNo string, voucher File) (err error) {
	if err := auth.Authorize(by.User(), auth.ActionRecordPayment, ""); err != nil {
		return err
	}
	p, err := s.Get(ctx, by, id)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionRecordPayment, p.District); err != nil {
		return err
	}
	ct, err := CheckDocument(voucher.Name, voucher.Data)
	if err != nil {
		return err
	}
	rid, err := requestID(key) // fixed here, so the update can be asked after by its ID
	if err != nil {
		return err
	}
	voucherNo = strings.TrimSpace(voucherNo)
	// The key is bound to this payment (tranche, voucher number and file):
	// sent again with another, it is refused before the file is stored.
	bk, err := bindKey(ctx, s.Store, by, "payment", key, []byte(p.ID), []byte(strconv.Itoa(index)), []byte(voucherNo), []byte(voucher.Name), voucher.Data)
	if err != nil {
		return err
	}
	defer func() { bk.done(ctx, err) }()
	obj, err := s.Blob.Put(ctx, fmt.Sprintf("projects/%s/vouchers/%d-%s", p.ID, index+1, uuid.NewString()), voucher.Data, ct)
	if err != nil {
		return err
	}
	err = s.update(ctx, p, workflows.UpdateRecordPayment, rid, workflows.TrancheRequest{Actor: by, Index: index,
		VoucherNo: voucherNo, Key: obj.Key, SHA256: obj.SHA256})
	err = settleUpdate(ctx, s.Temporal, workflows.ProjectWorkflowID(p.ID), workflows.UpdateRecordPayment+"/"+rid, err, nil)
	removeIfRefused(ctx, s.Blob.Remove, err, obj.Key) // after an unknown outcome the voucher stays (swept if unreferenced)
	if err == nil {
		// A request sent again is answered as the first one was, which
		// recorded its own copy of the voucher: this copy goes.
		if ts, e := s.Store.Tranches(ctx, p); e == nil && index < len(ts) && ts[index].VoucherKey != "" && ts[index].VoucherKey != obj.Key {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
			_ = s.Blob.Remove(rctx, obj.Key)
			cancel()
		}
	}
	return err
}

// ArchiveProgress says whether the project's archive package is being
// written and how far it is, from the workflow's pending activity (its
// heartbeat): nil when no package is being written.
func (s *Contracts) ArchiveProgress(ctx context.Context, p domain.Project) (*activities.ArchiveProgress, error) {
	if p.Stage != domain.ProjectClosing && p.Stage != domain.ProjectTerminated || !p.ArchivedAt.IsZero() {
		return nil, nil
	}
	d, err := s.Temporal.DescribeWorkflowExecution(ctx, workflows.ProjectWorkflowID(p.ID), "")
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, temporalErr("describe project", err)
	}
	for _, a := range d.GetPendingActivities() {
		if a.GetActivityType().GetName() != "ArchiveProject" {
			continue
		}
		pr := &activities.ArchiveProgress{}
		if h := a.GetHeartbeatDetails(); h != nil {
			_ = payloadsOf(s.Payloads).FromPayloads(h, pr)
		}
		return pr, nil
	}
	return nil, nil
}
