package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CallStage is where a call (征集/招标) stands in its lifecycle. The CallWorkflow
// owns it; pages, the API and the Temporal search attribute GrantFlowStage
// show the same value.
type CallStage string

// Call stages, in the order a call passes them.
const (
	StageDraft           CallStage = "draft"            // 草稿：民政起草中
	StagePublishReview   CallStage = "publish_review"   // 待审核发布
	StageBidding         CallStage = "bidding"          // 征集中（接受投标）
	StageQualification   CallStage = "qualification"    // 已开标，资格审查
	StagePanel           CallStage = "panel"            // 抽取专家、回避声明
	StageScoring         CallStage = "scoring"          // 专家评审
	StageCivilApproval   CallStage = "ca_approval"      // 待民政审批
	StageFinanceApproval CallStage = "finance_approval" // 待财政审批
	StagePublicity       CallStage = "publicity"        // 结果公示
	StageAwarded         CallStage = "awarded"          // 已定标
	StageFailed          CallStage = "failed"           // 流标
	StageCancelled       CallStage = "cancelled"        // 已撤销
)

// CallStages lists the stages in lifecycle order.
var CallStages = []CallStage{StageDraft, StagePublishReview, StageBidding, StageQualification, StagePanel, StageScoring,
	StageCivilApproval, StageFinanceApproval, StagePublicity, StageAwarded, StageFailed, StageCancelled}

// Label is the Chinese name of the stage.
func (s CallStage) Label() string {
	if l, ok := map[CallStage]string{StageDraft: "草稿", StagePublishReview: "待审核发布", StageBidding: "征集中",
		StageQualification: "资格审查", StagePanel: "专家抽取", StageScoring: "专家评审", StageCivilApproval: "待民政审批",
		StageFinanceApproval: "待财政审批", StagePublicity: "结果公示", StageAwarded: "已定标", StageFailed: "流标",
		StageCancelled: "已撤销"}[s]; ok {
		return l
	}
	return string(s)
}

// Final reports whether nothing more can happen to a call in this stage.
func (s CallStage) Final() bool {
	return s == StageCancelled || s == StageAwarded || s == StageFailed
}

// Opened reports whether the bids of a call in this stage have been opened.
func (s CallStage) Opened() bool {
	switch s {
	case StageDraft, StagePublishReview, StageBidding, StageCancelled:
		return false
	}
	return true
}

// CallDraft is what civil affairs enters to open a call.
type CallDraft struct {
	Title    string `json:"title"`
	Brand    Brand  `json:"brand"`
	District string `json:"district"`
	Budget   Fen    `json:"budget_fen"`
	Plan
}

// Limits on what a draft may hold.
const (
	MaxTitleRunes  = 120
	MinTitleRunes  = 4
	MaxReasonRunes = 500
)

// Normalize trims what people type and fills what the planner left empty
// with the mode's defaults under the bureau's rules.
func (d CallDraft) Normalize(r Rules) CallDraft {
	d.Title = strings.Join(strings.Fields(d.Title), " ")
	d.District = strings.TrimSpace(d.District)
	d.Plan = d.withDefaults(d.Budget, r)
	return d
}

// Validate checks a draft under the bureau's rules and says, per field and
// in Chinese, what to fix.
func (d CallDraft) Validate(r Rules) error {
	fe := FieldErrors{}
	n := utf8.RuneCountInString(d.Title)
	switch {
	case n == 0:
		fe.Add("title", "请填写征集名称。")
	case n < MinTitleRunes:
		fe.Add("title", "征集名称太短，请写明项目内容（至少 4 个字）。")
	case n > MaxTitleRunes:
		fe.Add("title", "征集名称不能超过 120 个字，请精简。")
	}
	if !d.Brand.Valid() {
		fe.Add("brand", "请选择品牌：寸草心或手足情。")
	}
	if !ValidDistrict(d.District) {
		fe.Add("district", "请选择天津市的区（或“市本级”）。")
	}
	switch {
	case d.Budget <= 0:
		fe.Add("budget_fen", "请填写大于 0 的预算金额（元）。")
	case d.Budget > MaxBudget:
		fe.Add("budget_fen", "预算金额过大，请核对（单位：元）。")
	}
	d.validate(d.Budget, r, fe)
	return fe.Err()
}

// ValidateReason checks the reason given for an irreversible action
// (cancellation, rejection).
func ValidateReason(reason string) error {
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		fe.Add("reason", "请填写原因。")
	case n > MaxReasonRunes:
		fe.Add("reason", "原因不能超过 500 个字。")
	}
	return fe.Err()
}

// CallDecision is an approval or rejection recorded on a call.
type CallDecision struct {
	Step      string    `json:"step"` // submit, publish, civil, finance
	Approve   bool      `json:"approve"`
	Reason    string    `json:"reason,omitempty"`
	ByUser    int64     `json:"by_user"`
	ByName    string    `json:"by_name"`
	CreatedAt time.Time `json:"created_at"`
}

// Clarification is a 答疑/澄清 published to every bidder.
type Clarification struct {
	ID           string    `json:"id"`
	CallID       string    `json:"call_id"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
	Material     bool      `json:"material"`
	DeadlineFrom time.Time `json:"deadline_from"`
	DeadlineTo   time.Time `json:"deadline_to"`
	PublishedAt  time.Time `json:"published_at"`
}

// Moved reports whether the clarification moved the deadline.
func (c Clarification) Moved() bool { return !c.DeadlineTo.Equal(c.DeadlineFrom) }

// CallTimes are the dates the workflow set (the store's SetCallTimes keeps the zero
// values' columns as they are).
type CallTimes struct {
	BidDeadline, ScoringDue, PublicityFrom, PublicityUntil, ObjectionUntil time.Time
}
