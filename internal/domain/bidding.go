package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// BudgetItem is one line of a bid's budget table.
type BudgetItem struct {
	Item   string `json:"item"`
	Amount Fen    `json:"amount_fen"`
}

// TeamMember is one person a bidder puts on the project.
type TeamMember struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	Qualification string `json:"qualification"`
}

// BidContent is what a bidder submits, before it is sealed. Documents are
// carried separately (their bytes go straight to object storage).
type BidContent struct {
	TechnicalProposal string       `json:"technical_proposal"`
	Budget            []BudgetItem `json:"budget"`
	Price             Fen          `json:"price_fen"`
	Team              []TeamMember `json:"team"`
}

// Normalize trims what people type.
func (b BidContent) Normalize() BidContent {
	b.TechnicalProposal = strings.TrimSpace(b.TechnicalProposal)
	for i := range b.Budget {
		b.Budget[i].Item = strings.TrimSpace(b.Budget[i].Item)
	}
	for i := range b.Team {
		b.Team[i].Name = strings.TrimSpace(b.Team[i].Name)
		b.Team[i].Role = strings.TrimSpace(b.Team[i].Role)
		b.Team[i].Qualification = strings.TrimSpace(b.Team[i].Qualification)
	}
	return b
}

// Validate checks a bid against the call's budget and says what to fix.
func (b BidContent) Validate(budget Fen) error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(b.TechnicalProposal); n < 50 || n > 30000 {
		fe.Add("technical_proposal", "技术方案应为 50 至 30000 字：写明服务对象、培训模块、课时安排和绩效目标。")
	}
	var sum Fen
	if len(b.Budget) == 0 || len(b.Budget) > 100 {
		fe.Add("budget", "请填写预算明细（1 至 100 行）。")
	}
	for i, it := range b.Budget {
		if it.Item == "" || it.Amount <= 0 {
			fe.Add("budget", fmt.Sprintf("预算明细第 %d 行缺少科目或金额。", i+1))
		}
		sum += it.Amount
	}
	switch {
	case b.Price <= 0:
		fe.Add("price", "请填写投标报价（元）。")
	case b.Price > budget:
		fe.Add("price", fmt.Sprintf("投标报价 %s 元超过了本次征集的预算 %s 元。", b.Price.Yuan(), budget.Yuan()))
	case len(b.Budget) > 0 && sum != b.Price:
		fe.Add("budget", fmt.Sprintf("预算明细合计 %s 元与投标报价 %s 元不一致。", sum.Yuan(), b.Price.Yuan()))
	}
	if len(b.Team) == 0 || len(b.Team) > 50 {
		fe.Add("team", "请填写项目团队（1 至 50 人）。")
	}
	for i, m := range b.Team {
		if m.Name == "" || m.Role == "" {
			fe.Add("team", fmt.Sprintf("团队第 %d 人缺少姓名或分工。", i+1))
		}
	}
	return fe.Err()
}

// PartDigest is one sealed part of a bid as the bidder's receipt lists it:
// the SHA-256 of the plaintext, checked again at opening.
type PartDigest struct {
	Part   string `json:"part"`  // technical, budget, price, team, doc-1…
	Label  string `json:"label"` // 技术方案, 预算表, 报价, 项目团队, or the file name
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BidStatus is where a bid stands.
type BidStatus string

// Bid statuses.
const (
	BidSubmitted BidStatus = "submitted" // 已递交（密封）
	BidReplaced  BidStatus = "replaced"  // 已被新版本替换
	BidWithdrawn BidStatus = "withdrawn" // 已撤回
	BidDiscarded BidStatus = "discarded" // 征集撤销，未开启即销毁密钥
	BidOpened    BidStatus = "opened"    // 已开标
)

// Label is the Chinese name of the status.
func (s BidStatus) Label() string {
	return map[BidStatus]string{BidSubmitted: "已递交（密封）", BidReplaced: "已被替换", BidWithdrawn: "已撤回",
		BidDiscarded: "未开启（征集已撤销）", BidOpened: "已开标"}[s]
}

// Receipt is what a bidder gets for a sealed bid.
type Receipt struct {
	BidID       string       `json:"bid_id"`
	CallID      string       `json:"call_id"`
	OrgID       int64        `json:"org_id"`
	Version     int          `json:"version"`
	SubmittedAt time.Time    `json:"submitted_at"`
	Parts       []PartDigest `json:"parts"`
}

// MaxBidBondPercent caps the bid bond (实施条例 §33).
const MaxBidBondPercent = 2

// SealedPart is a bid part as stored: its receipt line and the object that
// holds its ciphertext.
type SealedPart struct {
	PartDigest
	ObjectKey string `json:"object_key"`
}

// Bid is a bid as stored. Before opening, only its envelope is known: who,
// when, the digests. Price and qualification are known after opening.
type Bid struct {
	ID            string       `json:"id"`
	CallID        string       `json:"call_id"`
	OrgID         int64        `json:"org_id"`
	OrgName       string       `json:"org_name"`
	OrgUSCC       string       `json:"org_uscc"`
	Version       int          `json:"version"`
	Status        BidStatus    `json:"status"`
	Parts         []SealedPart `json:"parts"`
	SubmittedBy   int64        `json:"submitted_by"`
	SubmittedAt   time.Time    `json:"submitted_at"`
	Price         Fen          `json:"price_fen,omitempty"`
	DigestsOK     *bool        `json:"digests_ok,omitempty"`
	Qualified     *bool        `json:"qualified,omitempty"`
	QualifyReason string       `json:"qualify_reason,omitempty"`
}

// Receipt is the bidder's receipt for the bid.
func (b Bid) Receipt() Receipt {
	r := Receipt{BidID: b.ID, CallID: b.CallID, OrgID: b.OrgID, Version: b.Version, SubmittedAt: b.SubmittedAt}
	for _, p := range b.Parts {
		r.Parts = append(r.Parts, p.PartDigest)
	}
	return r
}

// Qualification is civil affairs' decision on one bid.
type Qualification struct {
	BidID     string `json:"bid_id"`
	Qualified bool   `json:"qualified"`
	Reason    string `json:"reason"`
}
