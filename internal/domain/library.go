package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// IdeaStatus is where a venture idea stands.
type IdeaStatus string

// Idea statuses.
const (
	IdeaSubmitted IdeaStatus = "submitted" // 已提交
	IdeaAdopted   IdeaStatus = "adopted"   // 已入库
	IdeaDeclined  IdeaStatus = "declined"  // 未采纳
)

// IdeaStatuses lists the statuses in display order.
var IdeaStatuses = []IdeaStatus{IdeaSubmitted, IdeaAdopted, IdeaDeclined}

// Label is the Chinese name of the status.
func (s IdeaStatus) Label() string {
	return map[IdeaStatus]string{IdeaSubmitted: "待采纳", IdeaAdopted: "已入项目库", IdeaDeclined: "未采纳"}[s]
}

// ProposalStatus is where a project-library proposal stands.
type ProposalStatus string

// Proposal statuses.
const (
	ProposalCandidate ProposalStatus = "candidate"         // 备选
	ProposalInCall    ProposalStatus = "in_call"           // 征集中
	ProposalFunded    ProposalStatus = "funded"            // 已资助
	ProposalReturned  ProposalStatus = "returned_unfunded" // 未获资助退回
)

// ProposalStatuses lists the statuses in display order.
var ProposalStatuses = []ProposalStatus{ProposalCandidate, ProposalInCall, ProposalFunded, ProposalReturned}

// Label is the Chinese name of the status.
func (s ProposalStatus) Label() string {
	return map[ProposalStatus]string{ProposalCandidate: "备选", ProposalInCall: "征集中", ProposalFunded: "已资助",
		ProposalReturned: "未获资助（退回项目库）"}[s]
}

// ProposalDraft is what is submitted to the project library: a venture idea
// (公益创投创意) from a university or institute,
// or a proposal written by civil affairs from common needs.
type ProposalDraft struct {
	Title       string  `json:"title"`
	Summary     string  `json:"summary"`
	Brand       Brand   `json:"brand"`
	District    string  `json:"district"` // where it would run; 市本级 for city-wide
	Institution string  `json:"institution,omitempty"`
	NeedIDs     []int64 `json:"need_ids"`
}

// Validate says per field what to fix.
func (p ProposalDraft) Validate() error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(p.Title)); n < 4 || n > 120 {
		fe.Add("title", "请填写项目名称（4 至 120 个字）。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(p.Summary)); n < 20 || n > 5000 {
		fe.Add("summary", "请写明项目内容、服务对象和预期成效（20 至 5000 个字）。")
	}
	if !p.Brand.Valid() {
		fe.Add("brand", "请选择品牌：寸草心或手足情。")
	}
	if !ValidDistrict(p.District) {
		fe.Add("district", "请选择实施区域。")
	}
	if len(p.NeedIDs) == 0 {
		fe.Add("need_ids", "请至少关联一条需求库中的需求：项目须来自实际需求。")
	}
	return fe.Err()
}

// Idea is a submitted idea.
type Idea struct {
	ProposalDraft
	ID          int64      `json:"id"`
	Status      IdeaStatus `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	SubmittedBy int64      `json:"submitted_by"`
	ProposalID  int64      `json:"proposal_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Proposal is an entry of the project library (项目库).
type Proposal struct {
	ProposalDraft
	ID        int64          `json:"id"`
	Status    ProposalStatus `json:"status"`
	IdeaID    int64          `json:"idea_id,omitempty"`
	CreatedBy int64          `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
}
