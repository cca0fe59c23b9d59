package itest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"grantflow/internal/config"
)

// refusal is one bad input sent as an outside integrator would, and what
// the answer must say: a 422 whose message or named field's message a
// person can act on.
type refusal struct {
	name  string
	send  func() response
	field string   // the field the answer names ("": the message alone)
	says  []string // words the answer uses (each must appear)
}

// goInternals are pieces of Go's own error texts that no answer may show.
var goInternals = []string{"json:", "Go struct", "Go value", "unexpected EOF", "parsing time", "strconv.", "invalid character", "cannot unmarshal", "sql:", "pgx", "panic"}

// checkRefusals sends each bad input and checks its answer.
func checkRefusals(t *testing.T, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		r := c.send()
		var e struct {
			Error struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		if err := json.Unmarshal(r.body, &e); err != nil || r.status != http.StatusUnprocessableEntity || e.Error.Code != "invalid" {
			t.Errorf("%s: %d %s, want 422 invalid", c.name, r.status, r.body)
			continue
		}
		text := e.Error.Message
		if c.field != "" {
			msg, ok := e.Error.Fields[c.field]
			if !ok || strings.TrimSpace(msg) == "" {
				t.Errorf("%s: the answer does not name the field %q: %s", c.name, c.field, r.body)
				continue
			}
			text += " " + msg
		}
		for _, w := range c.says {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the answer does not say %q: %s", c.name, w, text)
			}
		}
		for _, g := range goInternals {
			if strings.Contains(strings.ToLower(string(r.body)), strings.ToLower(g)) {
				t.Errorf("%s: the answer shows Go internals (%q): %s", c.name, g, r.body)
			}
		}
	}
}

// TestRefusalsNameTheirFields walks one call from its draft to its first
// payment and, at each step, sends each class of bad input (issue 16): a
// wrong type, a date in words, an explicit zero or negative where the API
// says at least one, a text far too long, a missing document, a decision
// without its reason, a score sheet of the wrong size or range, a
// qualification that misses or invents bids, a payment without its
// voucher. Each answer is a 422 that names the field and says what to fix,
// in Chinese, with nothing of Go's own messages.
func TestRefusalsNameTheirFields(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	verifyBidders(t, h)
	long := strings.Repeat("养", 10_000)
	draft := func(edit map[string]any) func() response {
		return func() response {
			d := map[string]any{"title": "河西区失能老年人家庭照护者培训（拒绝用例）", "brand": "cuncaoxin", "district": "河西区",
				"budget_fen": 300000_00, "mode": "competition", "bid_deadline": time.Now().Add(30 * 24 * time.Hour), "publicity_working_days": 0}
			for k, v := range edit {
				d[k] = v
			}
			return h.api("hexi", "POST", "/api/v1/calls", d, key())
		}
	}
	raw := func(user, method, path, body string) func() response {
		return func() response { return h.do(method, path, h.token(user), "application/json", body, key()) }
	}
	checkRefusals(t, []refusal{
		{"projects: 0", draft(map[string]any{"projects": 0}), "projects", []string{"1"}},
		{"a negative budget", draft(map[string]any{"budget_fen": -100}), "budget_fen", nil},
		{"a budget in words", draft(map[string]any{"budget_fen": "三十万"}), "budget_fen", []string{"数"}},
		{"a deadline in words", draft(map[string]any{"bid_deadline": "yesterday"}), "bid_deadline", []string{"yesterday"}},
		{"a title of 10,000 characters", draft(map[string]any{"title": long}), "title", []string{"超过"}},
		{"an unknown field", draft(map[string]any{"titel": "x"}), "titel", nil},
		{"a body cut short", raw("hexi", "POST", "/api/v1/calls", `{"title": "河西区`), "", []string{"JSON"}},
		{"two bodies", raw("hexi", "POST", "/api/v1/calls", `{} {}`), "", []string{"多余"}},
	})

	// A publication refused without its reason.
	var pending struct{ ID string }
	r := draft(nil)()
	mustStatus(t, r, http.StatusCreated, "a draft to refuse")
	r.json(t, &pending)
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+pending.ID+"/submit", nil, key()), 200, "submit")
	checkRefusals(t, []refusal{
		{"a publication refused without a reason", func() response {
			return h.api("minzheng", "POST", "/api/v1/calls/"+pending.ID+"/publication", map[string]any{"approve": false}, key())
		}, "reason", nil},
		{"a cancellation without a reason", func() response {
			return h.api("hexi", "POST", "/api/v1/calls/"+pending.ID+"/cancel", map[string]any{"reason": ""}, key())
		}, "reason", nil},
	})

	// Registration: the certificate missing; a name far too long.
	checkRefusals(t, []refusal{
		{"a registration without its certificate", func() response {
			return h.registerOrg(nankaiOrg(usccWith("52120106MJ0000044"), "org-nodoc"), nil)
		}, "document", []string{"登记证书"}},
		{"an organisation name of 10,000 characters", func() response {
			f := nankaiOrg(usccWith("52120106MJ0000055"), "org-long")
			f["name"] = long
			return h.registerOrg(f, pdfDoc)
		}, "name", []string{"过长", "100"}},
	})

	// After the opening: qualification, recusal, scores, approval.
	callID := biddingCall(t, h, "河西区失能老年人家庭照护者培训（逐步拒绝）", 0, time.Now().Add(20*time.Second).Truncate(time.Second))
	path := "/api/v1/calls/" + callID
	eventuallyWithin(t, 60*time.Second, "the opening", func() bool { return h.bidCall("hexi", callID).Stage == "qualification" })
	opened := h.openedBids(t, callID)
	all := func(edit func(i int, d map[string]any)) map[string]any {
		var ds []map[string]any
		for i, b := range opened {
			d := map[string]any{"bid_id": b.ID, "qualified": true}
			if edit != nil {
				edit(i, d)
			}
			ds = append(ds, d)
		}
		return map[string]any{"decisions": ds}
	}
	qualify := func(body map[string]any) func() response {
		return func() response { return h.api("hexi", "POST", path+"/qualification", body, key()) }
	}
	checkRefusals(t, []refusal{
		{"a qualification that misses a bid", qualify(map[string]any{"decisions": all(nil)["decisions"].([]map[string]any)[:1]}), "decisions", []string{"投标"}},
		{"a qualification of an unknown bid", qualify(all(func(i int, d map[string]any) {
			if i == 0 {
				d["bid_id"] = "00000000-0000-0000-0000-000000000000"
			}
		})), "decisions", []string{"投标"}},
		{"a disqualification without a reason", qualify(all(func(i int, d map[string]any) {
			if i == 0 {
				d["qualified"] = false
			}
		})), "reason." + opened[0].ID, []string{"理由"}},
	})
	mustStatus(t, qualify(all(nil))(), 200, "qualify")
	panel := h.seats(t, callID, experts, "drawn", 5)
	checkRefusals(t, []refusal{
		{"a recusal requested without a reason", func() response {
			return h.api("zuzhi", "POST", path+"/recusal-requests", map[string]any{"reason": " "}, key())
		}, "reason", nil},
	})
	for _, u := range panel {
		mustStatus(t, h.api(u, "POST", path+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare "+u)
	}
	eventually(t, "scoring", func() bool { return h.bidCall("hexi", callID).Stage == "scoring" })
	score := func(points []float64, comment string) func() response {
		return func() response {
			return h.api(panel[0], "POST", path+"/scores", map[string]any{"bid_id": opened[0].ID, "points": points, "comment": comment}, key())
		}
	}
	good := "方案完整，培训模块与需求契合，团队资质齐全。"
	checkRefusals(t, []refusal{
		{"a score sheet with too few points", score([]float64{20, 20, 15}, good), "points", []string{"6"}},
		{"a score out of range", score([]float64{99, 20, 15, 8, 8, 0}, good), "points.0", []string{"25"}},
		{"a comment too short", score([]float64{20, 20, 15, 8, 8, 0}, "好"), "comment", []string{"字"}},
	})
	h.scoreBids(t, callID, panel, opened)
	eventually(t, "the results", func() bool { return h.bidCall("hexi", callID).Stage == "ca_approval" })
	checkRefusals(t, []refusal{
		{"an approval refused without a reason", func() response {
			return h.api("hexi", "POST", path+"/approval", map[string]any{"approve": false, "reason": ""}, key())
		}, "reason", nil},
	})
	mustStatus(t, h.api("hexi", "POST", path+"/approval", map[string]any{"approve": true}, key()), 200, "civil approval")
	mustStatus(t, h.api("caizheng", "POST", path+"/approval", map[string]any{"approve": true}, key()), 200, "finance approval")

	// The project: a payment without its voucher number, or with one too long.
	eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", callID).Stage == "awarded" })
	pid := h.bidCall("hexi", callID).Awards[0].ID
	eventually(t, "the project", func() bool { return h.api("zuzhi", "GET", "/api/v1/awards/"+pid, nil, nil).status == 200 })
	signContract(t, h, pid)
	base := "/api/v1/awards/" + pid
	mustStatus(t, h.api("hexi", "POST", base+"/tranches/1/confirm", nil, key()), 200, "confirm tranche 1")
	pay := func(voucher string) func() response {
		return func() response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("voucher_no", voucher)
			fw, _ := mw.CreateFormFile("file", "付款凭证.pdf")
			_, _ = fw.Write(pdfDoc)
			_ = mw.Close()
			return h.do("POST", base+"/tranches/1/payment", h.token("caizheng"), mw.FormDataContentType(), buf.String(), key())
		}
	}
	checkRefusals(t, []refusal{
		{"a payment without a voucher number", pay(""), "voucher_no", nil},
		{"a voucher number of 200 characters", pay(strings.Repeat("9", 200)), "voucher_no", []string{"过长", "50"}},
	})
	mustStatus(t, pay(fmt.Sprintf("HX-2026-%04d", 89))(), 200, "the payment, right")
}
