// Package service holds GrantFlow's application services: the one place
// where a person's request is checked (policy, input) and turned into a
// Temporal Update or workflow start. Web pages and the JSON API both call
// these; neither changes lifecycle state directly.
package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// Calls is the application service of calls (征集).
type Calls struct {
	Temporal  client.Client
	Store     *store.Store
	Blob      *blob.Store
	Keys      *pii.Keyring
	Rules     domain.Rules
	TaskQueue string
	// HistoryLimit: events a run of the call's workflow (and of its
	// projects') holds before it continues as new (0: the workflows' default).
	HistoryLimit int
	// OCDS is what the open-data packages say of their publisher.
	OCDS domain.OCDSPublisher
}

// CreateDraft starts a call's workflow and waits until its draft is recorded.
// key is the caller's idempotency key (a UUID): the same key twice returns
// the same call, never a second one. An empty key makes a new call.
func (s *Calls) CreateDraft(ctx context.Context, by domain.Actor, key string, d domain.CallDraft) (domain.Call, error) {
	d = d.Normalize(s.Rules)
	if err := auth.Authorize(by.User(), auth.ActionCreateCall, d.District); err != nil {
		return domain.Call{}, err
	}
	if err := s.checkReissue(ctx, &d); err != nil {
		return domain.Call{}, err
	}
	if err := d.Validate(s.Rules); err != nil {
		return domain.Call{}, err
	}
	if key == "" {
		key = uuid.NewString()
	}
	id, err := uuid.Parse(key)
	if err != nil {
		return domain.Call{}, domain.Errorf(domain.CodeInvalid, "请求编号（Idempotency-Key）须为 UUID，请刷新页面后重新提交。")
	}
	callID := id.String()
	year := time.Now().In(domain.ChinaTime).Year()
	start := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.CallWorkflowID(callID),
		TaskQueue:                s.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SAStage.ValueSet(string(domain.StageDraft)),
			workflows.SADistrict.ValueSet(d.District),
			workflows.SABrand.ValueSet(string(d.Brand)),
			workflows.SAYear.ValueSet(int64(year)),
		),
	}, workflows.CallWorkflow, workflows.CallInput{CallID: callID, Draft: d, CreatedBy: by, Year: year,
		HistoryLimit: s.HistoryLimit})
	h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.UpdateAwaitDraft,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return domain.Call{}, temporalErr("create call", err)
	}
	var ack workflows.Ack
	if err := h.Get(ctx, &ack); err != nil {
		return domain.Call{}, temporalErr("create call", err)
	}
	return s.Store.Call(ctx, callID)
}

// checkReissue validates a re-issue of a failed call (流标后重新组织): the
// source must have failed, in the same district; a different mode needs
// finance approval to publish (政府采购法 §36–37).
func (s *Calls) checkReissue(ctx context.Context, d *domain.CallDraft) error {
	d.ModeChanged = false
	if d.ReissueOf == "" {
		return nil
	}
	if _, err := uuid.Parse(d.ReissueOf); err != nil {
		return domain.Errorf(domain.CodeInvalid, "要重新组织的征集编号有误。")
	}
	src, err := s.Store.Call(ctx, d.ReissueOf)
	if err != nil {
		return err
	}
	if src.Stage != domain.StageFailed || src.District != d.District {
		return domain.Errorf(domain.CodeConflict, "只能重新组织本区已流标的征集（%s 现为“%s”）。", src.Number, src.Stage.Label())
	}
	d.ModeChanged = src.Plan.Mode != d.Mode
	return nil
}

// Get returns a call the user may see.
func (s *Calls) Get(ctx context.Context, by domain.Actor, callID string) (domain.Call, error) {
	if _, err := uuid.Parse(callID); err != nil {
		return domain.Call{}, domain.Errorf(domain.CodeNotFound, "找不到该征集，请检查链接是否完整。")
	}
	c, err := s.Store.Call(ctx, callID)
	if err != nil {
		return domain.Call{}, err
	}
	if err := mayView(by, c); err != nil {
		return domain.Call{}, err
	}
	return c, nil
}

// View returns a call as by may see it (the read model, callview.go).
func (s *Calls) View(ctx context.Context, by domain.Actor, callID string) (CallView, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return CallView{}, err
	}
	f, err := s.facts(ctx, by, c)
	if err != nil {
		return CallView{}, err
	}
	v, _, err := viewCall(by, c, f)
	return v, err
}

// facts looks up what the rule needs to know about by and the call.
func (s *Calls) facts(ctx context.Context, by domain.Actor, c domain.Call) (callFacts, error) {
	var f callFacts
	if by.UserID == 0 {
		return f, nil
	}
	if by.OrgID != 0 {
		bids, err := s.Store.OrgBids(ctx, c.ID, by.OrgID)
		if err != nil {
			return f, err
		}
		f.Bidder = tookPart(bids)
	}
	if by.User().Has(domain.RoleExpert) {
		members, err := s.Store.PanelMembers(ctx, c.ID)
		if err != nil {
			return f, err
		}
		for _, m := range members {
			if m.UserID == by.UserID {
				f.Seat = m.Status
			}
		}
	}
	return f, nil
}

// tookPart reports whether an organisation's bids on a call include one
// that stands (submitted or opened).
func tookPart(bids []domain.Bid) bool {
	for _, b := range bids {
		if b.Status == domain.BidSubmitted || b.Status == domain.BidOpened {
			return true
		}
	}
	return false
}

// CallPage is one page of calls as the viewer may see them.
type CallPage struct {
	Calls   []CallView `json:"items"`
	Total   int        `json:"total"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
}

// Pages is the number of pages.
func (p CallPage) Pages() int {
	if p.PerPage <= 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// List lists calls the user may see, filtered and paged on the server:
// unpublished calls only to those who may see them (callview.go), each call
// through the read model.
func (s *Calls) List(ctx context.Context, by domain.Actor, f store.CallFilter) (CallPage, error) {
	u := by.User()
	if err := auth.Authorize(u, auth.ActionListCalls, ""); err != nil {
		return CallPage{}, err
	}
	scope := func(a auth.Action) string {
		switch {
		case auth.Authorize(u, a, "") != nil:
			return ""
		case u.District == domain.CityLevel:
			return "*"
		}
		return u.District
	}
	f.Unpublished = &store.UnpublishedScope{Drafts: scope(auth.ActionViewDraft), Reviews: scope(auth.ActionApproveReissue)}
	res, err := s.Store.ListCalls(ctx, f)
	if err != nil {
		return CallPage{}, err
	}
	out := CallPage{Calls: make([]CallView, 0, len(res.Calls)), Total: res.Total, Page: res.Page, PerPage: res.PerPage}
	for _, c := range res.Calls {
		// A list does not look up each call's bidders and panel: the
		// opening record's digest is shown on the call's own page.
		v, _, err := viewCall(by, c, callFacts{})
		if err != nil {
			return CallPage{}, err // the query and the rule disagree: show nothing
		}
		out.Calls = append(out.Calls, v)
	}
	return out, nil
}

// Cancel cancels a call with a reason.
func (s *Calls) Cancel(ctx context.Context, by domain.Actor, callID, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionCancelCall, c.District); err != nil {
		return err
	}
	if err := domain.ValidateReason(reason); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateCancel, "", workflows.CancelRequest{Actor: by, Reason: reason}, nil)
}

// Submit submits a draft for publication review.
func (s *Calls) Submit(ctx context.Context, by domain.Actor, callID, key string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionSubmitCall, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateSubmit, key, workflows.SubmitRequest{Actor: by}, nil)
}

// ReviewPublication approves (publishes) or rejects a call.
func (s *Calls) ReviewPublication(ctx context.Context, by domain.Actor, callID, key string, approve bool, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := anyOf(by, c.District, auth.ActionPublishCall, auth.ActionApproveReissue); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateReviewPublish, key, workflows.DecisionRequest{Actor: by, Approve: approve, Reason: reason}, nil)
}

// anyOf authorizes by for the first of actions it holds; the refusal names
// the first action.
func anyOf(by domain.Actor, district string, actions ...auth.Action) error {
	var first error
	for _, a := range actions {
		err := auth.Authorize(by.User(), a, district)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}
