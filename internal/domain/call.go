package domain

import (
	"strings"
	"unicode/utf8"
)

// CallStage is where a call (征集/招标) stands in its lifecycle. The CallWorkflow
// owns it; pages, the API and the Temporal search attribute GrantFlowStage
// show the same value.
type CallStage string

const (
	StageDraft     CallStage = "draft"     // 草稿：民政起草中
	StageCancelled CallStage = "cancelled" // 已撤销
)

// Label is the Chinese name of the stage.
func (s CallStage) Label() string {
	switch s {
	case StageDraft:
		return "草稿"
	case StageCancelled:
		return "已撤销"
	}
	return string(s)
}

// Final reports whether nothing more can happen to a call in this stage.
func (s CallStage) Final() bool { return s == StageCancelled }

// CallDraft is what civil affairs enters to open a call.
type CallDraft struct {
	Title    string `json:"title"`
	Brand    Brand  `json:"brand"`
	District string `json:"district"`
	Budget   Fen    `json:"budget_fen"`
}

// Limits on what a draft may hold.
const (
	MaxTitleRunes  = 120
	MinTitleRunes  = 4
	MaxReasonRunes = 500
)

// Normalize trims what people type.
func (d CallDraft) Normalize() CallDraft {
	d.Title = strings.Join(strings.Fields(d.Title), " ")
	d.District = strings.TrimSpace(d.District)
	return d
}

// Validate checks a draft and says, per field and in Chinese, what to fix.
func (d CallDraft) Validate() error {
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
		fe.Add("budget", "请填写大于 0 的预算金额（元）。")
	case d.Budget > MaxBudget:
		fe.Add("budget", "预算金额过大，请核对（单位：元）。")
	}
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
