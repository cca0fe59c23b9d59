// Scoring: the experts' sheets and the weighted result of the bids (综合评分法).

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
