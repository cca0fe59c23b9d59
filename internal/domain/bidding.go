package domain

import (
	"cmp"
	"fmt"
	"math"
	"slices"
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

// ScoreSheet is one expert's scores for one bid: points per criterion (the
// price criterion's entry is ignored: price is scored by formula).
type ScoreSheet struct {
	Expert  int64     `json:"expert"` // the expert's user ID
	BidID   string    `json:"bid_id"`
	Points  []float64 `json:"points"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// ValidateSheet checks a score sheet against the rubric.
func (p Plan) ValidateSheet(points []float64, comment string) error {
	fe := FieldErrors{}
	if len(points) != len(p.Criteria) {
		fe.Add("points", fmt.Sprintf("评分项数量不符：应为 %d 项。", len(p.Criteria)))
		return fe.Err()
	}
	for i, c := range p.Criteria {
		if c.Kind == CriterionPrice {
			continue
		}
		v := points[i]
		if math.IsNaN(v) || v < 0 || v > float64(c.MaxPoints) || math.Round(v*2) != v*2 {
			fe.Add(fmt.Sprintf("points.%d", i), fmt.Sprintf("“%s”应在 0 至 %d 分之间（可到 0.5 分）。", c.Name, c.MaxPoints))
		}
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(comment)); n < 10 || n > 3000 {
		fe.Add("comment", "请填写评审意见（10 至 3000 字），说明主要优缺点。")
	}
	return fe.Err()
}

// ScoredBid is a valid bid as the scoring needs it.
type ScoredBid struct {
	BidID       string    `json:"bid_id"`
	OrgID       int64     `json:"org_id"`
	OrgName     string    `json:"org_name"`
	Price       Fen       `json:"price_fen"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// ExpertTotal is one expert's weighted total for a bid.
type ExpertTotal struct {
	Expert    int64   `json:"expert"`
	Technical float64 `json:"technical"` // weighted expert criteria
	Total     float64 `json:"total"`     // technical + price score
	Deviates  bool    `json:"deviates"`  // further from the panel result than the plan allows
}

// BidResult is a bid's result after scoring.
type BidResult struct {
	ScoredBid
	Experts     []ExpertTotal `json:"experts"`
	PriceScore  float64       `json:"price_score"`
	Technical   float64       `json:"technical"` // panel's technical score
	Result      float64       `json:"result"`    // panel's total
	Trimmed     bool          `json:"trimmed"`   // highest and lowest dropped
	Rank        int           `json:"rank"`
	Recommended bool          `json:"recommended"`
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Evaluate scores the valid bids (综合评分法): per expert, the weighted total
// of the expert criteria plus the price score (lowest valid price ÷ price ×
// price weight, 87号令 §55); per bid, the panel's mean, dropping the highest
// and lowest expert totals when the panel has five or more; experts further
// from the panel result than the plan's limit are flagged. Ranking: result,
// then the technical score, then the lower price, then the earlier
// submission (TieRule). The top plan.Projects bids are recommended.
func Evaluate(p Plan, bids []ScoredBid, sheets []ScoreSheet) []BidResult {
	var lowest Fen
	for _, b := range bids {
		if lowest == 0 || b.Price < lowest {
			lowest = b.Price
		}
	}
	priceWeight := 0.0
	if i := p.PriceCriterion(); i >= 0 {
		priceWeight = float64(p.Criteria[i].Weight)
	}
	byBid := map[string][]ScoreSheet{}
	for _, s := range sheets {
		byBid[s.BidID] = append(byBid[s.BidID], s)
	}
	out := make([]BidResult, 0, len(bids))
	for _, b := range bids {
		r := BidResult{ScoredBid: b}
		if b.Price > 0 && lowest > 0 {
			r.PriceScore = round2(float64(lowest) / float64(b.Price) * priceWeight)
		}
		ss := byBid[b.BidID]
		slices.SortFunc(ss, func(a, b ScoreSheet) int { return cmp.Compare(a.Expert, b.Expert) })
		for _, s := range ss {
			tech := 0.0
			for i, c := range p.Criteria {
				if c.Kind == CriterionExpert && i < len(s.Points) {
					tech += s.Points[i] / float64(c.MaxPoints) * float64(c.Weight)
				}
			}
			tech = round2(tech)
			r.Experts = append(r.Experts, ExpertTotal{Expert: s.Expert, Technical: tech, Total: round2(tech + r.PriceScore)})
		}
		techs := make([]float64, len(r.Experts))
		for i, e := range r.Experts {
			techs[i] = e.Technical
		}
		slices.Sort(techs)
		if len(techs) >= 5 {
			techs = techs[1 : len(techs)-1]
			r.Trimmed = true
		}
		sum := 0.0
		for _, t := range techs {
			sum += t
		}
		if len(techs) > 0 {
			r.Technical = round2(sum / float64(len(techs)))
		}
		r.Result = round2(r.Technical + r.PriceScore)
		for i := range r.Experts {
			r.Experts[i].Deviates = math.Abs(r.Experts[i].Total-r.Result) > float64(p.DeviationLimit)
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b BidResult) int {
		return cmp.Or(
			cmp.Compare(b.Result, a.Result),
			cmp.Compare(b.Technical, a.Technical),
			cmp.Compare(a.Price, b.Price),
			a.SubmittedAt.Compare(b.SubmittedAt),
			cmp.Compare(a.BidID, b.BidID),
		)
	})
	for i := range out {
		out[i].Rank = i + 1
		out[i].Recommended = i < p.Projects
	}
	return out
}

// TieRule says, in Chinese, how equal results are ranked (printed in the
// scoring report).
const TieRule = "得分相同的，按技术得分由高到低排序；技术得分也相同的，按投标报价由低到高排序；仍相同的，按递交时间先后排序。"

// Objection is a challenge (质疑) to a result under publicity, or a
// complaint (投诉) to finance about the answer to one (ComplaintOf set).
type Objection struct {
	ID          string    `json:"id"`
	CallID      string    `json:"call_id"`
	ComplaintOf string    `json:"complaint_of,omitempty"`
	Name        string    `json:"name"`
	Contact     string    `json:"contact,omitempty"`
	Reason      string    `json:"reason"`
	Attachment  string    `json:"attachment_key,omitempty"`
	FiledAt     time.Time `json:"filed_at"`
	Upheld      *bool     `json:"upheld,omitempty"`
	Answer      string    `json:"answer,omitempty"`
	ReturnTo    CallStage `json:"return_to,omitempty"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
}

// Complaint is a complaint to finance (投诉) about an objection's answer.
func (o Objection) Complaint() bool { return o.ComplaintOf != "" }

// RecusalRequest is a bidder's written request that an expert step aside.
type RecusalRequest struct {
	ID        string    `json:"id"`
	CallID    string    `json:"call_id"`
	OrgID     int64     `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Reason    string    `json:"reason"`
	FiledAt   time.Time `json:"filed_at"`
	Upheld    *bool     `json:"upheld,omitempty"`
	Seat      int       `json:"seat,omitempty"` // the panel seat (专家 N) it concerned, when upheld
	Answer    string    `json:"answer,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// Complaint limits (政府采购法 §55–57): a complaint to finance within 15
// working days of the answer; finance decides within 30 working days.
const (
	ComplaintWorkingDays         = 15
	ComplaintDecisionWorkingDays = 30
)

// MaxBidBondPercent caps the bid bond (实施条例 §33).
const MaxBidBondPercent = 2

// ObjectionInput is what someone files.
type ObjectionInput struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Reason  string `json:"reason"`
}

// Validate says what to fix in an objection.
func (o ObjectionInput) Validate() error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(o.Name)); n < 2 || n > 100 {
		fe.Add("name", "请填写质疑人姓名或单位名称。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(o.Contact)); n < 5 || n > 100 {
		fe.Add("contact", "请填写联系电话或电子邮箱，以便送达答复。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(o.Reason)); n < 10 || n > 5000 {
		fe.Add("reason", "请写明质疑事项、事实依据和请求（10 至 5000 字）。")
	}
	return fe.Err()
}

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

// PanelStatus is where a drawn expert stands.
type PanelStatus string

// Panel statuses.
const (
	PanelExcluded  PanelStatus = "excluded"  // 因利害关系自动排除
	PanelDrawn     PanelStatus = "drawn"     // 已抽中，待声明
	PanelConfirmed PanelStatus = "confirmed" // 已声明无利害关系
	PanelRecused   PanelStatus = "recused"   // 自行回避，已替换
)

// Label is the Chinese name of the status.
func (s PanelStatus) Label() string {
	return map[PanelStatus]string{PanelExcluded: "自动回避（利害关系）", PanelDrawn: "待声明", PanelConfirmed: "已声明无利害关系",
		PanelRecused: "声明回避（已替换）"}[s]
}

// PanelMember is an expert considered for a call's panel.
type PanelMember struct {
	CallID     string      `json:"call_id"`
	TalentID   int64       `json:"talent_id"`
	UserID     int64       `json:"user_id"`
	Name       string      `json:"name"`
	Seq        int         `json:"seq"`
	Status     PanelStatus `json:"status"`
	Reason     string      `json:"reason,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	DeclaredAt time.Time   `json:"declared_at,omitzero"`
	DrawKey    string      `json:"-"` // the draw that drew this member (workflow run and step)
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

// Award is a winning bid.
type Award struct {
	ID           string    `json:"id"`
	CallID       string    `json:"call_id"`
	BidID        string    `json:"bid_id"`
	OrgID        int64     `json:"org_id"`
	OrgName      string    `json:"org_name"`
	Amount       Fen       `json:"amount_fen"`
	Rank         int       `json:"rank"`
	NoticeSHA256 string    `json:"notice_sha256"`
	NoticeKey    string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Notice is a message to an organisation, a person, or the staff of a role.
type Notice struct {
	ID        int64     `json:"id"`
	CallID    string    `json:"call_id,omitempty"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}
