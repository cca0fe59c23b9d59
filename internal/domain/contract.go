package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ProjectStage is where a funded project (立项项目) stands. The
// ProjectWorkflow owns it.
type ProjectStage string

// Project stages, in the order a project passes them.
const (
	ProjectContracting ProjectStage = "contracting" // 合同签订中
	ProjectDelivery    ProjectStage = "delivery"    // 实施中
	ProjectRectifying  ProjectStage = "rectifying"  // 整改中 (a failed mid-term)
	ProjectClosing     ProjectStage = "closing"     // 结项结算 (final evaluation done, last tranche and settlement)
	ProjectTerminated  ProjectStage = "terminated"  // 已终止 (a second failed mid-term)
	ProjectArchived    ProjectStage = "archived"    // 已归档 (read-only)
)

// ProjectStages lists the stages in lifecycle order.
var ProjectStages = []ProjectStage{ProjectContracting, ProjectDelivery, ProjectRectifying, ProjectClosing, ProjectTerminated, ProjectArchived}

// Label is the Chinese name of the stage.
func (s ProjectStage) Label() string {
	return map[ProjectStage]string{ProjectContracting: "合同签订中", ProjectDelivery: "实施中", ProjectRectifying: "整改中",
		ProjectClosing: "结项结算中", ProjectTerminated: "已终止", ProjectArchived: "已归档"}[s]
}

// Delivering reports whether training may still be planned and recorded.
func (s ProjectStage) Delivering() bool { return s == ProjectDelivery || s == ProjectRectifying }

// ReadOnly reports whether the project's records are closed: terminated or
// archived projects change no more.
func (s ProjectStage) ReadOnly() bool { return s == ProjectTerminated || s == ProjectArchived }

// Contract limits (政府采购法 §46, 实施条例 §48 §50, 财政部令第102号 §24).
const (
	ContractDays              = 30 // signed within 30 days of the award notice
	ContractPublishWorkdays   = 2  // published within 2 working days
	MaxTermMonths             = 12
	MaxMultiYearTermMonths    = 36
	MaxPerformanceBondPercent = 10
)

// Deliverables are what the organisation undertakes to deliver.
type Deliverables struct {
	Trainees        int      `json:"trainees"`          // family caregivers trained
	HoursPerTrainee int      `json:"hours_per_trainee"` // 学时 each trainee must reach
	Sessions        int      `json:"sessions"`
	Modules         []string `json:"modules"`
}

// ContractTerms are what civil affairs sets before the contract is signed.
type ContractTerms struct {
	Deliverables
	StartsOn        time.Time `json:"starts_on"`
	TermMonths      int       `json:"term_months"`
	MultiYear       bool      `json:"multi_year"` // a stable, budgeted service: up to 3 years
	PerformanceBond Fen       `json:"performance_bond_fen"`
}

// DefaultModules are the caregiver-training modules of the seed policy.
var DefaultModules = []string{"失能照护基础", "压疮预防", "转移搬运", "进食与用药照护", "应急救护/心肺复苏"}

// Normalize trims what people type.
func (t ContractTerms) Normalize() ContractTerms {
	var ms []string
	for _, m := range t.Modules {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	t.Modules = ms
	return t
}

// Validate checks the terms of a contract worth amount.
func (t ContractTerms) Validate(amount Fen) error {
	fe := FieldErrors{}
	if t.Trainees < 1 || t.Trainees > 100000 {
		fe.Add("trainees", "请填写培训人数（1 至 100000）。")
	}
	if t.HoursPerTrainee < 1 || t.HoursPerTrainee > 200 {
		fe.Add("hours_per_trainee", "请填写每名学员应达到的学时（1 至 200）。")
	}
	if t.Sessions < 1 || t.Sessions > 5000 {
		fe.Add("sessions", "请填写培训场次（1 至 5000）。")
	}
	if len(t.Modules) == 0 || len(t.Modules) > 30 {
		fe.Add("modules", "请至少列出一个培训模块（最多 30 个）。")
	}
	for _, m := range t.Modules {
		if utf8.RuneCountInString(m) > 40 {
			fe.Add("modules", "培训模块名称不超过 40 字。")
		}
	}
	max := MaxTermMonths
	if t.MultiYear {
		max = MaxMultiYearTermMonths
	}
	if t.TermMonths < 1 || t.TermMonths > max {
		fe.Add("term_months", fmt.Sprintf("合同期限应为 1 至 %d 个月（一般不超过 1 年；预算稳定的持续性服务不超过 3 年，财政部令第102号 §24）。", max))
	}
	if t.StartsOn.IsZero() {
		fe.Add("starts_on", "请填写服务开始日期。")
	}
	if t.PerformanceBond < 0 || t.PerformanceBond*100 > amount*MaxPerformanceBondPercent {
		fe.Add("performance_bond_fen", fmt.Sprintf("履约保证金不得超过合同金额的 %d%%（实施条例 §48），即不超过 %s 元。",
			MaxPerformanceBondPercent, (amount*MaxPerformanceBondPercent/100).Yuan()))
	}
	return fe.Err()
}

// EndsOn is the last day of the term.
func (t ContractTerms) EndsOn() time.Time {
	return t.StartsOn.AddDate(0, t.TermMonths, -1)
}

// TrancheAmounts splits amount by the tranches' percentages in whole fen;
// the last tranche takes the rounding, so they always add up to amount.
func TrancheAmounts(amount Fen, ts []Tranche) []Fen {
	out := make([]Fen, len(ts))
	var sum Fen
	for i, t := range ts {
		if i == len(ts)-1 {
			out[i] = amount - sum
			break
		}
		out[i] = amount * Fen(t.Percent) / 100
		sum += out[i]
	}
	return out
}

// DataProcessingClause is the contract's data-processing clause: the
// organisation processes personal data on behalf of civil affairs (PIPL §21).
func DataProcessingClause(org, bureau string, ends time.Time) string {
	return fmt.Sprintf("%s受%s委托处理本项目服务对象（失能老年人及其家庭照护者）的个人信息，处理目的仅限于本项目培训的组织、签到、学时统计、考核与回访；"+
		"处理期限至合同期满（%d年%d月%d日）为止。受托方应采取加密、去标识化和访问控制等安全措施，不得超出约定的目的和方式处理，不得转委托他人处理；"+
		"身份证号、联系电话等敏感信息在系统中加密存储、默认遮蔽显示；不满十四周岁的未成年人的个人信息须取得其监护人的单独同意。"+
		"合同期满或解除后 30 日内，受托方应将个人信息返还委托方并删除本地副本，书面确认删除结果（《个人信息保护法》第二十一条）。",
		org, bureau, ends.Year(), int(ends.Month()), ends.Day())
}

// Project is a funded project (立项项目) as stored.
type Project struct {
	ID               string         `json:"id"` // the award's ID
	CallID           string         `json:"call_id"`
	CallNumber       string         `json:"call_number"`
	Number           string         `json:"number"`
	Title            string         `json:"title"`
	Brand            Brand          `json:"brand"`
	District         string         `json:"district"`
	OrgID            int64          `json:"org_id"`
	OrgName          string         `json:"org_name"`
	Amount           Fen            `json:"amount_fen"`
	Tranches         []Tranche      `json:"tranches"`
	Stage            ProjectStage   `json:"stage"`
	Terms            *ContractTerms `json:"terms,omitempty"`
	ContractRevision int            `json:"contract_revision"`
	ContractSHA256   string         `json:"contract_sha256,omitempty"`
	ContractKey      string         `json:"-"`
	OrgConfirmedAt   time.Time      `json:"org_confirmed_at,omitzero"`
	CivilConfirmedAt time.Time      `json:"civil_confirmed_at,omitzero"`
	ContractDue      time.Time      `json:"contract_due"`
	SignedAt         time.Time      `json:"signed_at,omitzero"`
	PublishedAt      time.Time      `json:"published_at,omitzero"`
	CreatedAt        time.Time      `json:"created_at"`
	// After the evaluations.
	Grade        Grade     `json:"grade,omitempty"` // the final evaluation's grade, on the organisation's record
	GradedAt     time.Time `json:"graded_at,omitzero"`
	TerminatedAt time.Time `json:"terminated_at,omitzero"`
	Earned       Fen       `json:"earned_fen,omitempty"`   // a terminated project's share earned by its delivery
	ClawBack     Fen       `json:"clawback_fen,omitempty"` // what it must return
	ArchivedAt   time.Time `json:"archived_at,omitzero"`
	ManifestSHA  string    `json:"manifest_sha256,omitempty"`
	ManifestKey  string    `json:"-"`
	ReportKey    string    `json:"-"` // the final report PDF
	ReportSHA    string    `json:"final_report_sha256,omitempty"`
}

// TrancheState is one tranche of a project's money.
type TrancheState struct {
	Index       int              `json:"index"` // from 0
	Percent     int              `json:"percent"`
	Condition   TrancheCondition `json:"condition"`
	Amount      Fen              `json:"amount_fen"`
	ConfirmedAt time.Time        `json:"confirmed_at,omitzero"`
	PaidAt      time.Time        `json:"paid_at,omitzero"`
	VoucherNo   string           `json:"voucher_no,omitempty"`
	VoucherKey  string           `json:"-"`
}
