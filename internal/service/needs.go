package service

import (
	"context"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// Needs is the application service of the needs library and its quarterly
// reporting.
type Needs struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
}

// Record records a need found in a community, in the current quarter.
func (s *Needs) Record(ctx context.Context, by domain.Actor, n domain.NeedEntry) (domain.Need, error) {
	n.Description = strings.TrimSpace(n.Description)
	// the role first (a forbidden person is told so, not how to fill the form)
	if err := auth.Authorize(by.User(), auth.ActionRecordNeed, ""); err != nil {
		return domain.Need{}, err
	}
	if err := n.Validate(); err != nil {
		return domain.Need{}, err
	}
	place, err := s.Store.PlaceOfCommunity(ctx, n.CommunityCode)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return domain.Need{}, &domain.Error{Code: domain.CodeInvalid, Message: "请选择社区。", Fields: map[string]string{"community_code": "该社区不在区划中。"}}
		}
		return domain.Need{}, err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionRecordNeed, auth.Target{District: place.District.Name, AreaCode: n.CommunityCode}); err != nil {
		return domain.Need{}, err
	}
	need := domain.Need{NeedEntry: n, StreetCode: place.Street.Code, District: place.District.Name,
		Quarter: domain.QuarterOf(time.Now()).String(), RecordedBy: by.UserID}
	id, err := s.Store.InsertNeed(ctx, need, by)
	need.ID = id
	return need, err
}

// scope narrows a filter to what the person may see: a reporter their area,
// district staff their district, city staff everything.
func scope(by domain.Actor, district, area *string) {
	u := by.User()
	if u.Has(domain.RoleCivilAffairs) && u.District != domain.CityLevel {
		*district = u.District
	}
	if !u.Has(domain.RoleCivilAffairs) && u.Has(domain.RoleReporter) {
		*area = u.AreaCode
	}
}

// List lists needs the person may see.
func (s *Needs) List(ctx context.Context, by domain.Actor, f store.NeedFilter) (store.NeedPage, error) {
	if err := auth.Authorize(by.User(), auth.ActionListNeeds, ""); err != nil {
		return store.NeedPage{}, err
	}
	scope(by, &f.District, &f.AreaPrefix)
	return s.Store.ListNeeds(ctx, f)
}

// Cycles lists the quarter's street reports the person may see.
func (s *Needs) Cycles(ctx context.Context, by domain.Actor, period string) ([]store.ReportCycle, error) {
	if err := auth.Authorize(by.User(), auth.ActionViewReports, ""); err != nil {
		return nil, err
	}
	period = strings.ToUpper(strings.TrimSpace(period))
	if !domain.IsPeriod(period) {
		return nil, domain.Errorf(domain.CodeInvalid, "填报期间应为季度（如 2026Q4）或半年度（如 2026H2）。")
	}
	district, area := "", ""
	scope(by, &district, &area)
	cycles, err := s.Store.Cycles(ctx, district, period)
	if err != nil || area == "" {
		return cycles, err
	}
	var mine []store.ReportCycle
	for _, c := range cycles {
		if strings.HasPrefix(area, c.StreetCode) || strings.HasPrefix(c.StreetCode, area) {
			mine = append(mine, c)
		}
	}
	return mine, nil
}

// Submit sends the street's quarterly report through its workflow.
func (s *Needs) Submit(ctx context.Context, by domain.Actor, street, period string) (domain.RollUp, error) {
	period = strings.ToUpper(strings.TrimSpace(period))
	if !domain.IsPeriod(period) {
		return domain.RollUp{}, domain.Errorf(domain.CodeInvalid, "填报期间应为季度（如 2026Q4）或半年度（如 2026H2）。")
	}
	// the role first (a street's reporter, or a district's civil affairs for
	// a half year); the workflow's validator checks the exact scope again
	action := auth.ActionSubmitReport
	if strings.Contains(period, "H") {
		action = auth.ActionSubmitDistrictReport
	}
	if err := auth.Authorize(by.User(), action, ""); err != nil {
		return domain.RollUp{}, err
	}
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.StreetReportWorkflowID(s.TaskQueue, street, period),
		UpdateName:   workflows.UpdateSubmitReport,
		Args:         []any{workflows.SubmitReportRequest{Actor: by}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var r domain.RollUp
	if err == nil {
		err = h.Get(ctx, &r)
	}
	if err != nil {
		if isNotFound(err) {
			return domain.RollUp{}, domain.Errorf(domain.CodeConflict, "%s的需求填报尚未开始或已经结束。", period)
		}
		return domain.RollUp{}, temporalErr("submit report", err)
	}
	return r, nil
}
