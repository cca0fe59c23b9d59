package chaos

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// runCall drives a call from its draft to its award: publication, the
// bids, the opening and qualification, the panel, the scores and both
// approvals.
func (l *lifecycle) runCall(ctx context.Context, bidWindow time.Duration) error {
	deadline, err := l.publishCall(ctx, bidWindow)
	if err != nil {
		return err
	}
	if err := l.submitBids(ctx, deadline); err != nil {
		return err
	}
	opened, err := l.qualify(ctx)
	if err != nil {
		return err
	}
	panel, err := l.seatPanel(ctx)
	if err != nil {
		return err
	}
	demoOrg, err := l.score(ctx, panel, opened)
	if err != nil {
		return err
	}
	return l.approve(ctx, demoOrg)
}

// callPath is the call's API path.
func (l *lifecycle) callPath() string { return "/api/v1/calls/" + l.callID }

// publishCall drafts, submits and publishes a call and returns its bidding
// deadline; errLate when too little of the window is left for the bids.
func (l *lifecycle) publishCall(ctx context.Context, bidWindow time.Duration) (time.Time, error) {
	var created struct{ ID string }
	l.step = "draft"
	if _, err := l.c.must(ctx, "draft", req{user: "hexi", method: "POST", path: "/api/v1/calls", keyed: true, json: map[string]any{
		"title": fmt.Sprintf("河西区失能老年人家庭照护者培训（耐久性检验 %d）", l.n), "brand": "cuncaoxin", "district": "河西区",
		"budget_fen": 300000_00, "mode": "competition", "bid_deadline": time.Now().Add(bidWindow).Truncate(time.Second),
	}}, &created, http.StatusCreated); err != nil {
		return time.Time{}, err
	}
	l.callID = created.ID
	path := l.callPath()
	if err := l.post(ctx, "hexi", path+"/submit", nil); err != nil {
		return time.Time{}, err
	}
	if err := l.post(ctx, "minzheng", path+"/publication", map[string]any{"approve": true}); err != nil {
		return time.Time{}, err
	}
	var pub struct {
		BidDeadline time.Time `json:"bid_deadline"`
	}
	if err := l.c.get(ctx, "hexi", path, &pub); err != nil {
		return time.Time{}, err
	}
	if time.Until(pub.BidDeadline) < 15*time.Second {
		return time.Time{}, errLate
	}
	return pub.BidDeadline, nil
}

// submitBids has every bidder bid; errLate when the window closed first.
func (l *lifecycle) submitBids(ctx context.Context, deadline time.Time) error {
	path := l.callPath()
	for _, u := range bidders {
		l.step = u + " POST " + path + "/bids"
		a, err := l.c.must(ctx, l.step, req{user: u, method: "POST", path: path + "/bids", json: bidBody(l.n, prices[u]), keyed: true}, nil,
			http.StatusCreated, http.StatusConflict)
		if err != nil {
			return err
		}
		if a.status == http.StatusConflict {
			if time.Now().After(deadline) {
				return errLate
			}
			return fmt.Errorf("%s: %d %.300s", l.step, a.status, a.body)
		}
	}
	return nil
}

// openedBid is a bid as civil affairs lists it after the opening.
type openedBid struct {
	ID        string `json:"id"`
	OrgID     int64  `json:"org_id"`
	DigestsOK *bool  `json:"digests_ok"`
}

// qualify waits for the opening, checks that every bid was opened with its
// digests verified, and qualifies them all.
func (l *lifecycle) qualify(ctx context.Context) ([]openedBid, error) {
	path := l.callPath()
	if err := l.stage(ctx, "qualification"); err != nil {
		return nil, err
	}
	var opened struct{ Items []openedBid }
	if err := l.c.get(ctx, "hexi", path+"/bids", &opened); err != nil {
		return nil, err
	}
	if len(opened.Items) != len(bidders) {
		return nil, fmt.Errorf("%d bids opened, want %d", len(opened.Items), len(bidders))
	}
	var decisions []map[string]any
	for _, b := range opened.Items {
		if b.DigestsOK == nil || !*b.DigestsOK {
			return nil, fmt.Errorf("bid %s opened without its digests verified", b.ID)
		}
		decisions = append(decisions, map[string]any{"bid_id": b.ID, "qualified": true})
	}
	if err := l.post(ctx, "hexi", path+"/qualification", map[string]any{"decisions": decisions}); err != nil {
		return nil, err
	}
	return opened.Items, nil
}

// seatPanel waits for the panel of five to be drawn, finds who sits on it,
// and has each declare no conflict.
func (l *lifecycle) seatPanel(ctx context.Context) ([]string, error) {
	if err := l.until(ctx, "the panel", func() (bool, error) {
		v, err := l.call(ctx, "hexi")
		n := 0
		for _, p := range v.Panel {
			if p.Status == "drawn" || p.Status == "confirmed" {
				n++
			}
		}
		return n >= 5, err
	}); err != nil {
		return nil, err
	}
	var panel []string
	for _, u := range experts {
		v, err := l.call(ctx, u)
		if err != nil {
			return nil, err
		}
		if v.MySeat != nil && (v.MySeat.Status == "drawn" || v.MySeat.Status == "confirmed") {
			panel = append(panel, u)
		}
	}
	if len(panel) != 5 {
		return nil, fmt.Errorf("seated %v, want five", panel)
	}
	for _, u := range panel {
		if err := l.post(ctx, u, l.callPath()+"/declaration", map[string]any{"conflict": false}); err != nil {
			return nil, err
		}
	}
	return panel, nil
}

// score has every panel member score every bid, the demo organisation's
// best, and returns that organisation's ID.
func (l *lifecycle) score(ctx context.Context, panel []string, opened []openedBid) (int64, error) {
	if err := l.stage(ctx, "scoring"); err != nil {
		return 0, err
	}
	demoOrg := int64(0)
	for _, u := range panel {
		for _, b := range opened {
			v := 0.7
			if b.OrgID == l.c.orgOf("zuzhi") {
				v, demoOrg = 0.9, b.OrgID
			}
			if err := l.post(ctx, u, l.callPath()+"/scores", map[string]any{"bid_id": b.ID,
				"points": []float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0}, "comment": "方案完整，培训模块与需求契合，团队资质齐全。"}); err != nil {
				return 0, err
			}
		}
	}
	return demoOrg, nil
}

// approve has civil affairs and finance approve the result and checks the
// one award went to the demo organisation.
func (l *lifecycle) approve(ctx context.Context, demoOrg int64) error {
	path := l.callPath()
	if err := l.stage(ctx, "ca_approval"); err != nil {
		return err
	}
	if err := l.post(ctx, "hexi", path+"/approval", map[string]any{"approve": true}); err != nil {
		return err
	}
	if err := l.post(ctx, "caizheng", path+"/approval", map[string]any{"approve": true}); err != nil {
		return err
	}
	if err := l.stage(ctx, "awarded"); err != nil {
		return err
	}
	v, err := l.call(ctx, "zuzhi")
	if err != nil {
		return err
	}
	if len(v.Awards) != 1 || v.Awards[0].OrgID != demoOrg {
		return fmt.Errorf("awards %+v, want one to the demo organisation", v.Awards)
	}
	l.award = v.Awards[0].ID
	return nil
}
