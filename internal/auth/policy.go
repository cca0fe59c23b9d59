package auth

import (
	"grantflow/internal/domain"
)

// Action is something a person asks GrantFlow to do.
type Action string

const (
	ActionListCalls      Action = "call.list"
	ActionViewCall       Action = "call.view"
	ActionCreateCall     Action = "call.create"
	ActionAttachDocument Action = "call.attach"
	ActionCancelCall     Action = "call.cancel"
	ActionViewAudit      Action = "audit.view"
)

// Scope says on which objects a role holds an action.
type Scope int

const (
	ScopeNone     Scope = iota
	ScopeDistrict       // only objects of the person's own district (city staff: everywhere)
	ScopeAll            // every object
)

// policy is role × action → scope. It is the only place that says who may do
// what; every route and service asks Authorize.
var policy = map[domain.Role]map[Action]Scope{
	domain.RoleCivilAffairs: {
		ActionListCalls:      ScopeAll,
		ActionViewCall:       ScopeAll,
		ActionCreateCall:     ScopeDistrict,
		ActionAttachDocument: ScopeDistrict,
		ActionCancelCall:     ScopeDistrict,
	},
	domain.RoleFinance: {
		ActionListCalls: ScopeAll,
		ActionViewCall:  ScopeAll,
	},
	domain.RoleAdmin: {
		ActionListCalls: ScopeAll,
		ActionViewCall:  ScopeAll,
		ActionViewAudit: ScopeAll,
	},
	domain.RoleExpert:        {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll},
	domain.RoleOrgMember:     {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll},
	domain.RoleIdeaSubmitter: {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll},
	domain.RoleReporter:      {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll},
}

var actionLabels = map[Action]string{
	ActionListCalls:      "查看征集列表",
	ActionViewCall:       "查看征集",
	ActionCreateCall:     "起草征集",
	ActionAttachDocument: "上传征集附件",
	ActionCancelCall:     "撤销征集",
	ActionViewAudit:      "查看审计日志",
}

// Authorize decides whether user may do action on an object of district
// (empty when the action is not about one object). It returns a forbidden
// domain.Error with a Chinese reason when not.
func Authorize(user domain.User, action Action, district string) error {
	best := ScopeNone
	for _, r := range user.Roles {
		if s := policy[r][action]; s > best {
			best = s
		}
	}
	switch best {
	case ScopeAll:
		return nil
	case ScopeDistrict:
		if district == "" || user.District == domain.CityLevel || user.District == district {
			return nil
		}
		return domain.Errorf(domain.CodeForbidden, "您是%s的工作人员，无权%s（%s）。如需办理，请联系该区民政局。",
			user.District, actionLabels[action], district)
	}
	return domain.Errorf(domain.CodeForbidden, "您的角色无权%s。如确需办理，请联系平台管理员调整权限。", actionLabels[action])
}
