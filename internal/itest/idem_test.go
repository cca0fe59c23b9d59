package itest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"grantflow/internal/app"
	"grantflow/internal/config"
)

// atOnce sends the requests at the same moment (each with its own
// idempotency key) and returns their answers in order.
func atOnce(reqs ...func() response) []response {
	out := make([]response, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = r()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// oneWins checks that exactly one of two answers is 200 and the other a
// 409 whose message names says; it returns the loser's message.
func oneWins(t *testing.T, what string, rs []response, says string) string {
	t.Helper()
	var won, lost int
	var msg string
	for _, r := range rs {
		switch r.status {
		case http.StatusOK:
			won++
		case http.StatusConflict:
			lost++
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			r.json(t, &e)
			msg = e.Error.Message
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("%s sent twice at once: %d and %d, want one 200 and one 409 (%.300s)", what, rs[0].status, rs[1].status, rs[1].body)
	}
	if !strings.Contains(msg, says) {
		t.Errorf("%s: the conflict %q does not say %q", what, msg, says)
	}
	return msg
}

// Two identical decisions on a call sent at once through the API (each
// with its own Idempotency-Key): one is recorded, the other is a 409 that
// names who made the decision; the decision and its audit entry exist
// once. Before, both answered 200 and both were recorded.
func TestDecisionsAtOnceThroughAPI(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	experts := addExperts(t, h, usccWith("91120000MA0000009"))
	verifyBidders(t, h)
	var c bidCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区失能老年人家庭照护者培训（同时审批）", "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00, "mode": "competition",
		"bid_deadline": time.Now().Add(25 * time.Second).Truncate(time.Second), "publicity_working_days": 0}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	path := "/api/v1/calls/" + c.ID
	mustStatus(t, h.api("hexi", "POST", path+"/submit", nil, key()), 200, "submit")
	decide := func(user, what string, body map[string]any) func() response {
		return func() response { return h.api(user, "POST", path+"/"+what, body, key()) }
	}
	h.token("minzheng")
	h.token("caizheng")
	yes := map[string]any{"approve": true}
	oneWins(t, "the publication review", atOnce(decide("minzheng", "publication", yes), decide("minzheng", "publication", yes)), "发布审核")
	for u, price := range map[string]int64{"zuzhi": 260000_00, "org2": 240000_00, "org3": 280000_00} {
		mustStatus(t, h.api(u, "POST", path+"/bids", bidJSON(lifecycleProposal, price), key()), http.StatusCreated, "bid by "+u)
	}
	eventuallyWithin(t, 60*time.Second, "the opening", func() bool { return h.bidCall("hexi", c.ID).Stage == "qualification" })
	opened := h.openedBids(t, c.ID)
	var decisions []map[string]any
	for _, b := range opened {
		decisions = append(decisions, map[string]any{"bid_id": b.ID, "qualified": true})
	}
	mustStatus(t, h.api("hexi", "POST", path+"/qualification", map[string]any{"decisions": decisions}, key()), 200, "qualify")
	panel := h.seats(t, c.ID, experts, "drawn", 5)
	for _, u := range panel {
		mustStatus(t, h.api(u, "POST", path+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare "+u)
	}
	eventually(t, "scoring", func() bool { return h.bidCall("hexi", c.ID).Stage == "scoring" })
	h.scoreBids(t, c.ID, panel, opened)
	eventually(t, "the results", func() bool { return h.bidCall("hexi", c.ID).Stage == "ca_approval" })
	h.token("hexi")
	msg := oneWins(t, "the civil-affairs approval", atOnce(decide("hexi", "approval", yes), decide("minzheng", "approval", yes)), "民政审批")
	if !strings.Contains(msg, h.actor("hexi").Name) && !strings.Contains(msg, h.actor("minzheng").Name) {
		t.Errorf("the conflict does not name who approved: %q", msg)
	}
	oneWins(t, "the finance approval", atOnce(decide("caizheng", "approval", yes), decide("caizheng", "approval", yes)), h.actor("caizheng").Name)
	for step, action := range map[string]string{"publish": "call.decision.publish", "civil": "call.decision.civil", "finance": "call.decision.finance"} {
		var n, audits int
		if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM call_decisions WHERE call_id = $1 AND step = $2`, c.ID, step).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, c.ID).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if n != 1 || audits != 1 {
			t.Errorf("step %s: %d decisions and %d audit entries, want 1 and 1", step, n, audits)
		}
	}
}
