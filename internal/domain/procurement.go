package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Mode is a call's procurement mode (docs/domain.md §3): one setting per call.
type Mode string

// Procurement modes.
const (
	ModeCompetition  Mode = "competition"  // 创投大赛（资助）
	ModeConsultation Mode = "consultation" // 竞争性磋商
	ModeTender       Mode = "tender"       // 公开招标
)

// Modes lists the modes in display order.
var Modes = []Mode{ModeCompetition, ModeConsultation, ModeTender}

// Label is the Chinese name of the mode.
func (m Mode) Label() string {
	return map[Mode]string{ModeCompetition: "创投大赛", ModeConsultation: "竞争性磋商", ModeTender: "公开招标"}[m]
}

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m.Label() != "" }

// Procurement reports whether the government procurement law's rules hold
// strictly (they are defaults in the competition mode).
func (m Mode) Procurement() bool { return m == ModeConsultation || m == ModeTender }

// LegalMinBiddingDays is the mode's minimum bidding period in calendar days
// (notice → deadline): 竞争性磋商 ≥ 10 days (财库〔2014〕214号 §10), 公开招标
// ≥ 20 days (政府采购法 §35). The competition mode's minimum is a bureau
// setting (Rules.CompetitionMinBiddingWorkingDays).
func (m Mode) LegalMinBiddingDays() int {
	switch m {
	case ModeConsultation:
		return 10
	case ModeTender:
		return 20
	}
	return 0
}

// DocumentsWorkingDays is how many working days, at least, tender documents
// stay available (实施条例 §31).
const DocumentsWorkingDays = 5

// LargeTenderBudget is the budget from which an open-tender panel has at
// least seven members (87号令 §47): 10,000,000 yuan.
const LargeTenderBudget Fen = 10_000_000_00

// MinPanel is the smallest panel the mode allows for a budget.
func (m Mode) MinPanel(budget Fen) int {
	switch m {
	case ModeConsultation:
		return 3
	case ModeTender:
		if budget >= LargeTenderBudget {
			return 7
		}
		return 5
	}
	return 5
}

// MinValidBidders is the fewest valid bids the mode allows: 公开招标 3
// (政府采购法 §36); 竞争性磋商 3, or 2 for 政府购买服务 (财库〔2015〕124号);
// the competition mode's is a setting (at least 2).
func (m Mode) MinValidBidders() int {
	switch m {
	case ModeTender:
		return 3
	}
	return 2
}

// TrancheCondition is what must be true before civil affairs may release a
// tranche (used by the project workflow).
type TrancheCondition string

// Tranche conditions.
const (
	TrancheOnContract TrancheCondition = "contract" // 合同签订后
	TrancheOnMidterm  TrancheCondition = "midterm"  // 中期评估合格后
	TrancheOnFinal    TrancheCondition = "final"    // 结项评估合格后
)

// Label is the Chinese name of the condition.
func (c TrancheCondition) Label() string {
	return map[TrancheCondition]string{TrancheOnContract: "合同签订后", TrancheOnMidterm: "中期评估合格后", TrancheOnFinal: "结项评估合格后"}[c]
}

// Tranche is one payment of an award, as a share of it.
type Tranche struct {
	Percent   int              `json:"percent"`
	Condition TrancheCondition `json:"condition"`
}

// CriterionKind says who scores a criterion.
type CriterionKind string

// Criterion kinds.
const (
	CriterionExpert CriterionKind = "expert" // 专家打分
	CriterionPrice  CriterionKind = "price"  // 价格分：评标基准价/投标报价 × 权重（87号令 §55）
)

// Criterion is one line of a scoring rubric (综合评分法): every score maps
// to a quantified factor (实施条例 §34).
type Criterion struct {
	Name      string        `json:"name"`
	Factor    string        `json:"factor"` // how points are given, in words
	MaxPoints int           `json:"max_points"`
	Weight    int           `json:"weight"` // percent of the total; weights add up to 100
	Kind      CriterionKind `json:"kind"`
}

// DefaultRubric is the rubric a new call starts from: technical criteria
// scored by experts, and price at 10 % (the procurement modes' floor).
func DefaultRubric() []Criterion {
	return []Criterion{
		{Name: "需求契合度", Factor: "方案对需求库所列需求的回应程度：完全回应 18–25 分，部分回应 8–17 分，未回应 0–7 分", MaxPoints: 25, Weight: 25, Kind: CriterionExpert},
		{Name: "服务方案", Factor: "培训模块、课时安排、服务对象覆盖的完整性与可行性", MaxPoints: 25, Weight: 25, Kind: CriterionExpert},
		{Name: "团队能力", Factor: "师资持证情况、同类项目执行经验（不限地域）", MaxPoints: 20, Weight: 20, Kind: CriterionExpert},
		{Name: "预算合理性", Factor: "预算科目完整、单价合理、与服务量匹配", MaxPoints: 10, Weight: 10, Kind: CriterionExpert},
		{Name: "绩效目标", Factor: "培训人数、学时、满意度等指标可量化、可核查", MaxPoints: 10, Weight: 10, Kind: CriterionExpert},
		{Name: "价格", Factor: "评标基准价（最低有效报价）÷ 投标报价 × 10", MaxPoints: 10, Weight: 10, Kind: CriterionPrice},
	}
}

// DefaultTranches are a new call's tranches: 30 % on signing, 40 % after mid-term, 30 % after the
// final evaluation.
func DefaultTranches() []Tranche {
	return []Tranche{{30, TrancheOnContract}, {40, TrancheOnMidterm}, {30, TrancheOnFinal}}
}

// localBonusWords mark a criterion that favours local origin, regional
// awards or local track record (实施条例 §20).
var localBonusWords = []string{"本地", "本市", "本区", "天津", "津门", "本省", "属地", "地方品牌", "本地区"}

// Rules are the bureau's settings for the competition mode (docs/domain.md §3:
// "practice"), read from configuration.
type Rules struct {
	// CompetitionMinBiddingWorkingDays is the competition mode's shortest
	// bidding period in working days (default 5, the documents rule).
	CompetitionMinBiddingWorkingDays int
	// CompetitionPublicityWorkingDays is the competition mode's publicity
	// (公示) period: the default, and the shortest a call may set (default 5).
	CompetitionPublicityWorkingDays int
	// EvalPassMark is the evaluations' pass mark of 100 (default 60).
	EvalPassMark int
}

// DefaultRules are the rules when nothing is configured.
var DefaultRules = Rules{CompetitionMinBiddingWorkingDays: DocumentsWorkingDays, CompetitionPublicityWorkingDays: 5,
	EvalPassMark: DefaultEvalPassMark}

// Working-day limits after the bids are opened (实施条例 §43, 87号令 §69,
// 政府采购法 §52–53).
const (
	ScoringWorkingDays        = 2 // evaluation report to the buyer
	ApprovalWorkingDays       = 5 // the buyer confirms (each approval step)
	ObjectionWorkingDays      = 7 // 质疑 after the notice period (procurement modes)
	ObjectionReplyWorkingDays = 7 // reply to a 质疑
	AwardNoticeWorkingDays    = 2 // award notice and result published
	MaterialClarificationDays = 15
	DefaultDeviationPoints    = 15
)

// MinPublicity is the shortest result publicity the mode allows: one working
// day (result notice period) in the procurement modes.
func (m Mode) MinPublicity(r Rules) int {
	if m.Procurement() {
		return 1
	}
	return r.CompetitionPublicityWorkingDays
}

// Plan is the part of a call's draft that sets its rules.
type Plan struct {
	Mode        Mode   `json:"mode"`
	Projects    int    `json:"projects"` // number of projects to fund
	Eligibility string `json:"eligibility"`
	// BidDeadline is the deadline the planner asks for; publication moves it
	// to the earliest legal one when it is earlier (zero: the earliest).
	BidDeadline    time.Time   `json:"bid_deadline,omitzero"`
	Criteria       []Criterion `json:"criteria"`
	Tranches       []Tranche   `json:"tranches"`
	PublicityDays  int         `json:"publicity_working_days"`
	MinBidders     int         `json:"min_valid_bidders"`
	PanelSize      int         `json:"panel_size"`
	DeviationLimit int         `json:"deviation_points"` // flag an expert this far from the panel
	// BidBond is the bid bond (投标保证金) each bidder lodges: at most 2 %
	// of the budget, refunded within 5 working days of the outcome.
	BidBond     Fen     `json:"bid_bond_fen,omitempty"`
	NeedIDs     []int64 `json:"need_ids,omitempty"`
	ProposalIDs []int64 `json:"proposal_ids,omitempty"`
	// ReissueOf is the failed call this one re-issues (流标后重新组织).
	ReissueOf string `json:"reissue_of,omitempty"`
	// ModeChanged: a re-issue in another mode; publishing it needs finance
	// approval (政府采购法 §36–37).
	ModeChanged bool `json:"mode_changed,omitempty"`
}

// withDefaults fills what the planner left empty with the mode's defaults.
func (p Plan) withDefaults(budget Fen, r Rules) Plan {
	if p.Mode == "" {
		p.Mode = ModeCompetition
	}
	if p.Projects == 0 {
		p.Projects = 1
	}
	if len(p.Criteria) == 0 {
		p.Criteria = DefaultRubric()
	}
	if len(p.Tranches) == 0 {
		p.Tranches = DefaultTranches()
	}
	if p.PublicityDays == 0 {
		p.PublicityDays = p.Mode.MinPublicity(r)
	}
	if p.MinBidders == 0 {
		p.MinBidders = 3
	}
	if p.PanelSize == 0 {
		p.PanelSize = p.Mode.MinPanel(budget)
	}
	if p.DeviationLimit == 0 {
		p.DeviationLimit = DefaultDeviationPoints
	}
	p.Eligibility = strings.TrimSpace(p.Eligibility)
	if p.Eligibility == "" {
		p.Eligibility = "在天津市登记、经民政部门审核通过且未被列入禁入名单的社会组织；具有为老服务或照护培训经验。"
	}
	for i := range p.Criteria {
		p.Criteria[i].Name = strings.TrimSpace(p.Criteria[i].Name)
		p.Criteria[i].Factor = strings.TrimSpace(p.Criteria[i].Factor)
		if p.Criteria[i].Kind == "" {
			p.Criteria[i].Kind = CriterionExpert
		}
	}
	return p
}

// validate says per field what to fix in a plan, for a call of budget.
func (p Plan) validate(budget Fen, r Rules, fe FieldErrors) {
	if !p.Mode.Valid() {
		fe.Add("mode", "请选择采购方式：创投大赛、竞争性磋商或公开招标。")
		return
	}
	if p.Projects < 1 || p.Projects > 100 {
		fe.Add("projects", "拟资助项目数应在 1 至 100 之间。")
	}
	if n := utf8.RuneCountInString(p.Eligibility); n > 2000 {
		fe.Add("eligibility", "资格条件不能超过 2000 字。")
	}
	p.validateRubric(fe)
	sum := 0
	for i, t := range p.Tranches {
		if t.Percent <= 0 || t.Condition.Label() == "" {
			fe.Add("tranches", fmt.Sprintf("第 %d 笔拨款的比例或拨付条件有误。", i+1))
		}
		sum += t.Percent
	}
	if sum != 100 {
		fe.Add("tranches", fmt.Sprintf("各笔拨款比例合计应为 100%%（现为 %d%%）。", sum))
	}
	if min := p.Mode.MinPublicity(r); p.PublicityDays < min || p.PublicityDays > 30 {
		fe.Add("publicity_working_days", fmt.Sprintf("%s的公示期应为 %d 至 30 个工作日。", p.Mode.Label(), min))
	}
	minB := p.Mode.MinValidBidders()
	if p.Mode == ModeTender && p.MinBidders != 3 {
		fe.Add("min_valid_bidders", "公开招标的有效投标人不得少于 3 家（政府采购法 §36），请填 3。")
	} else if p.MinBidders < minB || p.MinBidders > 20 {
		fe.Add("min_valid_bidders", fmt.Sprintf("最少有效投标人数应在 %d 至 20 之间。", minB))
	}
	minP := p.Mode.MinPanel(budget)
	switch {
	case p.PanelSize < minP:
		fe.Add("panel_size", fmt.Sprintf("%s的评审专家不少于 %d 人。", p.Mode.Label(), minP))
	case p.PanelSize%2 == 0:
		fe.Add("panel_size", "评审小组人数应为单数。")
	case p.PanelSize > 15:
		fe.Add("panel_size", "评审小组不超过 15 人。")
	}
	switch {
	case p.BidBond < 0:
		fe.Add("bid_bond_fen", "投标保证金不能为负数；不收取请填 0。")
	case budget > 0 && p.BidBond*100 > budget*MaxBidBondPercent:
		// (without a valid budget there is no limit to name: the budget's
		// own message says what to fix)
		fe.Add("bid_bond_fen", fmt.Sprintf("投标保证金不得超过预算的 %d%%（实施条例 §33），即不超过 %s 元。", MaxBidBondPercent, (budget*MaxBidBondPercent/100).Yuan()))
	}
	if p.DeviationLimit < 1 || p.DeviationLimit > 100 {
		fe.Add("deviation_points", "偏离提示阈值应在 1 至 100 分之间。")
	}
}

func (p Plan) validateRubric(fe FieldErrors) {
	if len(p.Criteria) < 2 || len(p.Criteria) > 20 {
		fe.Add("criteria", "评分标准应有 2 至 20 项。")
		return
	}
	sum, price, expert := 0, 0, 0
	for i, c := range p.Criteria {
		n := i + 1
		switch {
		case c.Name == "" || utf8.RuneCountInString(c.Name) > 40:
			fe.Add("criteria", fmt.Sprintf("第 %d 项评分标准缺少名称（不超过 40 字）。", n))
		case c.Factor == "":
			fe.Add("criteria", fmt.Sprintf("第 %d 项“%s”须写明量化评分因素（实施条例 §34）。", n, c.Name))
		case c.MaxPoints < 1 || c.MaxPoints > 100 || c.Weight < 1 || c.Weight > 100:
			fe.Add("criteria", fmt.Sprintf("第 %d 项“%s”的满分或权重有误（1–100）。", n, c.Name))
		case c.Kind != CriterionExpert && c.Kind != CriterionPrice:
			fe.Add("criteria", fmt.Sprintf("第 %d 项“%s”的评分方式有误。", n, c.Name))
		}
		for _, w := range localBonusWords {
			if strings.Contains(c.Name, w) || strings.Contains(c.Factor, w) {
				fe.Add("criteria", fmt.Sprintf("第 %d 项“%s”以本地注册、本地奖项或本地业绩加分，违反实施条例 §20，请删除。", n, c.Name))
				break
			}
		}
		sum += c.Weight
		if c.Kind == CriterionPrice {
			price += c.Weight
		} else {
			expert++
		}
	}
	if sum != 100 {
		fe.Add("criteria", fmt.Sprintf("各项权重合计应为 100（现为 %d）。", sum))
	}
	if expert == 0 {
		fe.Add("criteria", "至少要有一项由专家评分的标准。")
	}
	if p.Mode.Procurement() && (price < 10 || price > 30) {
		fe.Add("criteria", fmt.Sprintf("%s的价格分权重应为 10%%–30%%（87号令 §55），现为 %d%%。", p.Mode.Label(), price))
	} else if price > 30 {
		fe.Add("criteria", fmt.Sprintf("价格分权重不应超过 30%%，现为 %d%%。", price))
	}
}

// PriceCriterion returns the index of the price criterion, or -1.
func (p Plan) PriceCriterion() int {
	for i, c := range p.Criteria {
		if c.Kind == CriterionPrice {
			return i
		}
	}
	return -1
}
