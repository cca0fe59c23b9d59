package itest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"grantflow/internal/config"
)

// TestApprovalSentAgainAfterTheAward: finance's approval awards the call at
// once (zero-day publicity); the same request sent again — its answer lost
// on the way, as a person would resend it — gets its first answer (200),
// not "the call is already awarded", and records nothing twice; a new
// approval is still refused. (Found by the fault-injection round, where the
// answer was lost in a fault.)
func TestApprovalSentAgainAfterTheAward(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	verifyBidders(t, h)
	id := biddingCall(t, h, "河西区失能老年人家庭照护者培训（重发审批）", 0, time.Now().Add(20*time.Second).Truncate(time.Second))
	finance := key()
	approveAfterOpeningWith(t, h, id, experts, finance)
	eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", id).Stage == "awarded" })
	path := "/api/v1/calls/" + id + "/approval"
	mustStatus(t, h.api("caizheng", "POST", path, map[string]any{"approve": true}, finance), http.StatusOK, "the approval sent again")
	mustStatus(t, h.api("caizheng", "POST", path, map[string]any{"approve": true}, key()), http.StatusConflict, "a new approval after the award")
	var n int
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM call_decisions WHERE call_id = $1 AND step = 'finance'`, id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d finance decisions (%v), want 1", n, err)
	}
}
