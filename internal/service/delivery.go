package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/store"
)

// Delivery is the application service of a project's training delivery:
// sessions, trainees and attendance. These are records, not lifecycle
// steps: they are written here, directly, once the ProjectWorkflow has put
// the project in delivery — so a year of check-ins never grows a
// workflow's history.
type Delivery struct {
	Contracts *Contracts
	Store     *store.Store
	Blob      *blob.Store
	Keys      *pii.Keyring
}

// deliverable loads a project the person may deliver on: its organisation's
// members and the district's civil affairs, once the contract is signed.
func (s *Delivery) deliverable(ctx context.Context, by domain.Actor, projectID string) (domain.Project, error) {
	u := by.User()
	if auth.Authorize(u, auth.ActionDeliver, "") != nil && (u.OrgID == 0 || auth.AuthorizeTarget(u, auth.ActionDeliver, auth.Target{OrgID: u.OrgID}) != nil) {
		return domain.Project{}, auth.Authorize(u, auth.ActionDeliver, "")
	}
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return domain.Project{}, err
	}
	if err := auth.AuthorizeTarget(u, auth.ActionDeliver, auth.Target{District: p.District, OrgID: p.OrgID}); err != nil {
		return domain.Project{}, err
	}
	if !p.Stage.Delivering() || p.Terms == nil {
		if p.Stage == domain.ProjectContracting {
			return domain.Project{}, domain.Errorf(domain.CodeConflict, "项目现处于“%s”阶段：合同签订后才能登记培训。", p.Stage.Label())
		}
		return domain.Project{}, domain.Errorf(domain.CodeConflict, "项目现处于“%s”阶段，培训记录已关闭，不能再修改。", p.Stage.Label())
	}
	return p, nil
}

// storeKey is key (when set) bound to the digest of v's JSON, in scope.
func storeKey(by domain.Actor, scope, key string, v any) (store.RequestKey, error) {
	if key == "" {
		return store.RequestKey{}, nil
	}
	id, err := requestID(key)
	if err != nil {
		return store.RequestKey{}, err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return store.RequestKey{}, err
	}
	sum := sha256.Sum256(body)
	return store.RequestKey{Scope: scope, Key: id, SHA256: hex.EncodeToString(sum[:]), UserID: by.UserID}, nil
}

// KPIs are a project's live indicators.
func (s *Delivery) KPIs(ctx context.Context, by domain.Actor, projectID string) (store.DeliveryKPIs, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return store.DeliveryKPIs{}, err
	}
	hours := 0
	if p.Terms != nil {
		hours = p.Terms.HoursPerTrainee
	}
	return s.Store.KPIs(ctx, p.ID, hours)
}
