package auth

import (
	"strings"

	"grantflow/internal/domain"
)

// Action is something a person asks GrantFlow to do.
type Action string

// Actions, named resource.verb as the policy table lists them.
const (
	ActionListCalls            Action = "call.list"
	ActionViewCall             Action = "call.view"
	ActionViewDraft            Action = "call.view_draft" // see a call before it is published
	ActionCreateCall           Action = "call.create"
	ActionAttachDocument       Action = "call.attach"
	ActionCancelCall           Action = "call.cancel"
	ActionViewAudit            Action = "audit.view"
	ActionListOrgs             Action = "org.list"
	ActionViewOrg              Action = "org.view"
	ActionReviewOrg            Action = "org.review"
	ActionDebarOrg             Action = "org.debar"
	ActionRevealPII            Action = "pii.reveal"
	ActionManageUsers          Action = "user.manage"
	ActionManageAreas          Action = "area.manage"
	ActionRecordNeed           Action = "need.record"
	ActionListNeeds            Action = "need.list"
	ActionViewReports          Action = "report.view"
	ActionSubmitReport         Action = "report.submit"
	ActionListTalents          Action = "talent.list"
	ActionViewTalent           Action = "talent.view"
	ActionManageTalents        Action = "talent.manage"
	ActionSubmitIdea           Action = "idea.submit"
	ActionListIdeas            Action = "idea.list"
	ActionDecideIdea           Action = "idea.decide"
	ActionListProposals        Action = "proposal.list"
	ActionAddProposal          Action = "proposal.create"
	ActionImportElderly        Action = "elderly.import"
	ActionListElderly          Action = "elderly.list"
	ActionVolunteers           Action = "volunteer.manage"
	ActionViewStats            Action = "stats.view"
	ActionSubmitDistrictReport Action = "report.submit_district"
	ActionDecodeTemporal       Action = "temporal.decode" // read workflow payloads in the Temporal Web UI (codec endpoint)

	ActionSubmitCall      Action = "call.submit"       // submit a draft for publication review
	ActionPublishCall     Action = "call.publish"      // approve or reject publication
	ActionApproveReissue  Action = "call.publish_mode" // approve publishing a re-issue in another mode (finance)
	ActionClarify         Action = "call.clarify"
	ActionBid             Action = "bid.submit"
	ActionRequestRecusal  Action = "bid.recusal" // a bidder asks that an expert step aside
	ActionQualify         Action = "bid.qualify"
	ActionManagePanel     Action = "panel.manage" // draw again, see who is on the panel
	ActionScore           Action = "bid.score"    // declare and score, as a drawn expert
	ActionViewBids        Action = "bid.view"     // read opened bids
	ActionApproveAward    Action = "award.approve_civil"
	ActionFinanceApprove  Action = "award.approve_finance"
	ActionAnswerObjection Action = "objection.answer"
	ActionEditCalendar    Action = "calendar.edit"
	ActionListProjects    Action = "project.list"
	ActionViewProject     Action = "project.view"
	ActionSetTerms        Action = "project.terms"
	ActionConfirmContract Action = "project.confirm"
	ActionDeliver         Action = "project.deliver" // plan sessions, enrol trainees, record attendance
	ActionConfirmTranche  Action = "tranche.confirm"
	ActionRecordPayment   Action = "tranche.pay"
	ActionSpotCheck       Action = "project.spotcheck"
	ActionEvalReport      Action = "project.eval_report" // file the self-evaluation, rectification or final report
	ActionEvaluate        Action = "project.evaluate"    // score a round, as a drawn evaluator
	ActionVerifyArchive   Action = "project.archive_verify"
)

// Scope says on which objects a role holds an action.
type Scope int

// Scopes, from none to everything.
const (
	ScopeNone     Scope = iota
	ScopeOwnOrg         // only objects of the person's own organisation
	ScopeOwnArea        // only objects in the person's own street or community
	ScopeDistrict       // only objects of the person's own district (city staff: everywhere)
	ScopeAll            // every object
)

// policy is role × action → scope. It is the only place that says who may do
// what; every route and service asks Authorize.
var policy = map[domain.Role]map[Action]Scope{
	domain.RoleCivilAffairs: {
		ActionListCalls:            ScopeAll,
		ActionViewCall:             ScopeAll,
		ActionViewDraft:            ScopeDistrict,
		ActionCreateCall:           ScopeDistrict,
		ActionAttachDocument:       ScopeDistrict,
		ActionCancelCall:           ScopeDistrict,
		ActionListOrgs:             ScopeAll,
		ActionViewOrg:              ScopeAll,
		ActionReviewOrg:            ScopeDistrict,
		ActionDebarOrg:             ScopeDistrict,
		ActionRevealPII:            ScopeDistrict,
		ActionListNeeds:            ScopeDistrict,
		ActionViewReports:          ScopeDistrict,
		ActionListTalents:          ScopeAll,
		ActionViewTalent:           ScopeAll,
		ActionManageTalents:        ScopeDistrict,
		ActionListIdeas:            ScopeAll,
		ActionDecideIdea:           ScopeDistrict,
		ActionListProposals:        ScopeAll,
		ActionAddProposal:          ScopeDistrict,
		ActionImportElderly:        ScopeDistrict,
		ActionListElderly:          ScopeDistrict,
		ActionVolunteers:           ScopeDistrict,
		ActionViewStats:            ScopeDistrict,
		ActionSubmitDistrictReport: ScopeDistrict,
		ActionSubmitCall:           ScopeDistrict,
		ActionPublishCall:          ScopeDistrict,
		ActionClarify:              ScopeDistrict,
		ActionQualify:              ScopeDistrict,
		ActionManagePanel:          ScopeDistrict,
		ActionViewBids:             ScopeDistrict,
		ActionApproveAward:         ScopeDistrict,
		ActionAnswerObjection:      ScopeDistrict,
		ActionListProjects:         ScopeDistrict,
		ActionViewProject:          ScopeDistrict,
		ActionSetTerms:             ScopeDistrict,
		ActionConfirmContract:      ScopeDistrict,
		ActionDeliver:              ScopeDistrict,
		ActionConfirmTranche:       ScopeDistrict,
		ActionSpotCheck:            ScopeDistrict,
		ActionVerifyArchive:        ScopeDistrict,
	},
	domain.RoleFinance: {
		ActionListCalls:      ScopeAll,
		ActionViewCall:       ScopeAll,
		ActionListOrgs:       ScopeAll,
		ActionViewOrg:        ScopeAll,
		ActionListTalents:    ScopeAll,
		ActionViewTalent:     ScopeAll,
		ActionListProposals:  ScopeAll,
		ActionViewStats:      ScopeAll,
		ActionFinanceApprove: ScopeDistrict,
		ActionApproveReissue: ScopeDistrict,
		ActionViewBids:       ScopeDistrict,
		ActionListProjects:   ScopeDistrict,
		ActionViewProject:    ScopeDistrict,
		ActionRecordPayment:  ScopeDistrict,
	},
	domain.RoleAdmin: {
		ActionListCalls:    ScopeAll,
		ActionViewCall:     ScopeAll,
		ActionViewAudit:    ScopeAll,
		ActionListOrgs:     ScopeAll,
		ActionViewOrg:      ScopeAll,
		ActionManageUsers:  ScopeAll,
		ActionManageAreas:  ScopeAll,
		ActionViewStats:    ScopeAll,
		ActionListTalents:  ScopeAll,
		ActionViewTalent:   ScopeAll,
		ActionEditCalendar: ScopeAll,
		// operators read sealed Temporal payloads through the codec endpoint
		ActionDecodeTemporal: ScopeAll,
	},
	domain.RoleExpert: {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll, ActionScore: ScopeAll, ActionEvaluate: ScopeAll},
	domain.RoleOrgMember: {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll, ActionViewOrg: ScopeOwnOrg, ActionBid: ScopeOwnOrg, ActionRequestRecusal: ScopeOwnOrg,
		ActionListProjects: ScopeOwnOrg, ActionViewProject: ScopeOwnOrg, ActionConfirmContract: ScopeOwnOrg, ActionDeliver: ScopeOwnOrg,
		ActionEvalReport: ScopeOwnOrg},
	domain.RoleIdeaSubmitter: {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll,
		ActionListNeeds: ScopeAll, ActionSubmitIdea: ScopeAll, ActionListIdeas: ScopeAll},
	domain.RoleReporter: {ActionListCalls: ScopeAll, ActionViewCall: ScopeAll,
		ActionRecordNeed: ScopeOwnArea, ActionListNeeds: ScopeOwnArea, ActionViewReports: ScopeOwnArea, ActionSubmitReport: ScopeOwnArea,
		ActionImportElderly: ScopeOwnArea, ActionListElderly: ScopeOwnArea, ActionVolunteers: ScopeOwnArea},
}

var actionLabels = map[Action]string{
	ActionListCalls:            "查看征集列表",
	ActionViewCall:             "查看征集",
	ActionViewDraft:            "查看未发布的征集",
	ActionCreateCall:           "起草征集",
	ActionAttachDocument:       "上传征集附件",
	ActionCancelCall:           "撤销征集",
	ActionViewAudit:            "查看审计日志",
	ActionListOrgs:             "查看社会组织名录",
	ActionViewOrg:              "查看该社会组织",
	ActionReviewOrg:            "审核社会组织注册",
	ActionDebarOrg:             "将社会组织列入禁入名单",
	ActionRevealPII:            "查看完整的身份证号和手机号",
	ActionManageUsers:          "管理用户账号",
	ActionManageAreas:          "维护行政区划",
	ActionRecordNeed:           "登记需求",
	ActionListNeeds:            "查看需求库",
	ActionViewReports:          "查看需求填报情况",
	ActionSubmitReport:         "报送季度需求汇总",
	ActionListTalents:          "查看人才库",
	ActionViewTalent:           "查看人才信息",
	ActionManageTalents:        "维护人才库",
	ActionSubmitIdea:           "提交公益创投创意",
	ActionListIdeas:            "查看创意",
	ActionDecideIdea:           "采纳或退回创意",
	ActionListProposals:        "查看项目库",
	ActionAddProposal:          "向项目库添加项目",
	ActionImportElderly:        "导入老年人名册",
	ActionListElderly:          "查看老年人名册",
	ActionVolunteers:           "管理志愿者、结对和服务记录",
	ActionViewStats:            "查看统计报表",
	ActionSubmitDistrictReport: "向市民政局报送半年度需求汇总",
	ActionDecodeTemporal:       "解读 Temporal 工作流数据",
	ActionSubmitCall:           "提交征集发布审核",
	ActionPublishCall:          "审核发布征集",
	ActionApproveReissue:       "审批变更采购方式后重新发布",
	ActionClarify:              "发布澄清",
	ActionBid:                  "递交投标文件",
	ActionRequestRecusal:       "申请专家回避（仅限参加投标的组织）",
	ActionQualify:              "资格审查",
	ActionManagePanel:          "管理评审专家抽取",
	ActionScore:                "评审打分",
	ActionViewBids:             "查看已开标的投标文件",
	ActionApproveAward:         "民政审批评审结果",
	ActionFinanceApprove:       "财政审批评审结果",
	ActionAnswerObjection:      "答复质疑",
	ActionEditCalendar:         "维护工作日历",
	ActionListProjects:         "查看立项项目",
	ActionViewProject:          "查看该立项项目",
	ActionSetTerms:             "确定合同条款",
	ActionConfirmContract:      "确认合同",
	ActionDeliver:              "登记培训场次、学员和签到",
	ActionConfirmTranche:       "确认资金拨付条件",
	ActionRecordPayment:        "登记资金拨付",
	ActionSpotCheck:            "电话抽查学员",
	ActionEvalReport:           "提交评估报告",
	ActionEvaluate:             "对项目进行评估打分",
	ActionVerifyArchive:        "核验项目档案",
}

// Target is the object an action is about: its district and, for an
// organisation's own records, the organisation. The zero Target means "not
// about one object" (lists, forms).
type Target struct {
	District string
	OrgID    int64
	AreaCode string // a street or community (its code extends its parents')
}

// Authorize decides whether user may do action on an object of district
// (empty when the action is not about one object). It returns a forbidden
// domain.Error with a Chinese reason when not.
func Authorize(user domain.User, action Action, district string) error {
	return AuthorizeTarget(user, action, Target{District: district})
}

// AuthorizeTarget decides whether user may do action on target. Each role
// the user holds grants a scope; the widest one that covers the target wins.
func AuthorizeTarget(user domain.User, action Action, target Target) error {
	best := ScopeNone
	for _, r := range user.Roles {
		s := policy[r][action]
		switch {
		case s == ScopeAll:
			return nil
		case s == ScopeDistrict && (target.District == "" || user.District == domain.CityLevel || user.District == target.District):
			return nil
		case s == ScopeOwnOrg && target.OrgID != 0 && user.OrgID == target.OrgID:
			return nil
		case s == ScopeOwnArea && user.AreaCode != "" && (target.AreaCode == "" || strings.HasPrefix(target.AreaCode, user.AreaCode)):
			return nil
		}
		best = max(best, s)
	}
	switch best {
	case ScopeOwnOrg:
		return domain.Errorf(domain.CodeForbidden, "您只能%s本组织的信息。", actionLabels[action])
	case ScopeOwnArea:
		return domain.Errorf(domain.CodeForbidden, "您只能%s本街道/社区的事项。", actionLabels[action])
	case ScopeDistrict:
		return domain.Errorf(domain.CodeForbidden, "您是%s的工作人员，无权%s（%s）。如需办理，请联系该区民政局。",
			user.District, actionLabels[action], target.District)
	}
	return domain.Errorf(domain.CodeForbidden, "您的角色无权%s。如确需办理，请联系平台管理员调整权限。", actionLabels[action])
}
