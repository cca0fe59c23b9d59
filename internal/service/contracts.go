package service

import (
	"context"
	"fmt"
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
	return s.Store.ListProjects(ctx, f)
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
	return p, nil
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
func (s *Contracts) RecordPayment(ctx context.Context, by domain.Actor, id, key string, index int, voucherNo string, voucher File) error {
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
	obj, err := s.Blob.Put(ctx, fmt.Sprintf("projects/%s/vouchers/%d-%s", p.ID, index+1, uuid.NewString()), voucher.Data, ct)
	if err != nil {
		return err
	}
	err = s.update(ctx, p, workflows.UpdateRecordPayment, rid, workflows.TrancheRequest{Actor: by, Index: index,
		VoucherNo: strings.TrimSpace(voucherNo), Key: obj.Key, SHA256: obj.SHA256})
	err = settleUpdate(ctx, s.Temporal, workflows.ProjectWorkflowID(p.ID), workflows.UpdateRecordPayment+"/"+rid, err, nil)
	removeIfRefused(ctx, s.Blob.Remove, err, obj.Key) // after an unknown outcome the voucher stays (swept if unreferenced)
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
