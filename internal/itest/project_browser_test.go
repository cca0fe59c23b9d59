package itest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grantflow/internal/config"
	"grantflow/internal/domain"
)

// awardedCall runs a call through the API to its award (the bidding's own
// tests cover each step): three verified bidders, the demo organisation
// best; it returns the award (the project's ID).
func awardedCall(t *testing.T, h *harness, experts []string) string {
	t.Helper()
	for u, code := range map[string]string{"org2": usccWith("52120104MJ0000022"), "org3": usccWith("52120105MJ0000033")} {
		var reg struct{ Organisation apiOrgResp }
		h.registerOrg(nankaiOrg(code, u), pdfDoc).json(t, &reg)
		mustStatus(t, h.api("minzheng", "POST", fmt.Sprintf("/api/v1/organisations/%d/review", reg.Organisation.ID), map[string]string{"decision": "approve"}, nil), 200, "verify "+u)
	}
	deadline := time.Now().Add(20 * time.Second).Truncate(time.Second)
	var c bidCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区失能老年人家庭照护者培训（项目全流程）", "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00, "mode": "competition", "bid_deadline": deadline}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	path := "/api/v1/calls/" + c.ID
	mustStatus(t, h.api("hexi", "POST", path+"/submit", nil, key()), 200, "submit")
	mustStatus(t, h.api("minzheng", "POST", path+"/publication", map[string]any{"approve": true}, key()), 200, "publish")
	proposal := "面向友谊路街道失能老年人家庭照护者，开展失能照护基础、压疮预防、转移搬运、进食与用药照护、心肺复苏五个模块培训，每名学员不少于 16 学时。"
	for u, price := range map[string]int64{"zuzhi": 260000_00, "org2": 240000_00, "org3": 280000_00} {
		mustStatus(t, h.api(u, "POST", path+"/bids", bidJSON(proposal, price), key()), http.StatusCreated, "bid by "+u)
	}
	eventuallyWithin(t, 60*time.Second, "the opening", func() bool { return h.bidCall("hexi", c.ID).Stage == "qualification" })
	var opened struct {
		Items []struct {
			ID    string
			OrgID int64 `json:"org_id"`
		}
	}
	h.api("hexi", "GET", path+"/bids", nil, nil).json(t, &opened)
	var decisions []map[string]any
	for _, b := range opened.Items {
		decisions = append(decisions, map[string]any{"bid_id": b.ID, "qualified": true})
	}
	mustStatus(t, h.api("hexi", "POST", path+"/qualification", map[string]any{"decisions": decisions}, key()), 200, "qualify")
	pool := append([]string{"zhuanjia"}, experts...)
	var panel []string
	eventually(t, "the panel", func() bool {
		panel = panel[:0]
		for _, u := range pool {
			if s := h.bidCall(u, c.ID).MySeat; s != nil && s.Status == "drawn" {
				panel = append(panel, u)
			}
		}
		return len(panel) >= 5
	})
	for _, u := range panel {
		mustStatus(t, h.api(u, "POST", path+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare "+u)
	}
	eventually(t, "scoring", func() bool { return h.bidCall("hexi", c.ID).Stage == "scoring" })
	demo := h.actor("zuzhi").OrgID
	for _, u := range panel {
		for _, b := range opened.Items {
			v := 0.7
			if b.OrgID == demo {
				v = 0.9
			}
			mustStatus(t, h.api(u, "POST", path+"/scores", map[string]any{"bid_id": b.ID, "points": []float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0},
				"comment": "方案完整，培训模块与需求契合，团队资质齐全。"}, key()), 200, "score")
		}
	}
	eventually(t, "the results", func() bool { return h.bidCall("hexi", c.ID).Stage == "ca_approval" })
	mustStatus(t, h.api("hexi", "POST", path+"/approval", map[string]any{"approve": true}, key()), 200, "civil approval")
	mustStatus(t, h.api("caizheng", "POST", path+"/approval", map[string]any{"approve": true}, key()), 200, "finance approval")
	eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", c.ID).Stage == "awarded" })
	return h.bidCall("hexi", c.ID).Awards[0].ID
}

// TestProjectInBrowser walks a funded project through the pages, each role
// in turn, from the award to the verified archive: civil affairs sets the
// contract's terms and both sides confirm; the organisation plans a session
// and enrols a trainee; money in tranches (civil affairs confirms, finance
// pays with a voucher); the mid-term and final reports; the drawn
// evaluators score on their page; the archive is verified from its page.
func TestProjectInBrowser(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	id := awardedCall(t, h, experts)
	pool := append([]string{"zhuanjia"}, experts...)

	bctx := browserWithin(t, 6*time.Minute)
	wk := walker{t, h, bctx}
	must, login := wk.must, wk.login
	page := "/awards/" + id
	open := func(path, sel string) {
		t.Helper()
		must(chromedp.Navigate(h.url+path), chromedp.WaitVisible(sel),
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`))
	}
	// submit sends a form and waits for the next page (not the flash the
	// current page may still show) to say it worked.
	submit := func(form string) {
		t.Helper()
		must(chromedp.Evaluate[chromedp.Void](`window.__gfOld = true`), chromedp.Click(form+" button[type=submit]"))
		for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			done, _ := chromedp.Run(bctx, chromedp.Evaluate[bool](`!window.__gfOld && document.readyState === "complete" && !!document.querySelector(".flash, .alert")`))
			if done {
				break
			}
			if time.Now().After(end) {
				t.Fatalf("%s: no answer page", form)
			}
		}
		if msg, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector(".alert") || {}).textContent || ""`)); msg != "" {
			t.Fatalf("%s refused: %s", form, msg)
		}
	}
	stage := func() string {
		var p domain.Project
		h.api("hexi", "GET", "/api/v1/awards/"+id, nil, nil).json(t, &p)
		return string(p.Stage)
	}
	voucher := filepath.Join(t.TempDir(), "付款凭证.pdf")
	if err := os.WriteFile(voucher, pdfDoc, 0o600); err != nil {
		t.Fatal(err)
	}
	tranche := func(n int) {
		t.Helper()
		login("hexi")
		open(page, fmt.Sprintf(`form[action$="/tranches/%d/confirm"]`, n))
		submit(fmt.Sprintf(`form[action$="/tranches/%d/confirm"]`, n))
		login("caizheng")
		form := fmt.Sprintf(`form[action$="/tranches/%d/payment"]`, n)
		open(page, form)
		must(chromedp.SendKeys(form+` input[name=voucher_no]`, fmt.Sprintf("HX-2026-%04d", n)),
			chromedp.SetUploadFiles(form+` input[type=file]`, []string{voucher}))
		submit(form)
	}

	// The contract: civil affairs sets the terms, both sides confirm.
	today := time.Now().In(domain.ChinaTime)
	login("hexi")
	open(page, "#trainees")
	must(chromedp.SendKeys("#trainees", "300"), chromedp.SendKeys("#hours_per_trainee", "2"), chromedp.SendKeys("#sessions", "12"),
		chromedp.SetValue("#starts_on", today.Format("2006-01-02")))
	submit(`form[action$="/terms"]`)
	submit(`form[action$="/confirmation"]`)
	login("zuzhi")
	open(page, `form[action$="/confirmation"]`)
	screenshot(t, bctx, "22-contract-to-confirm")
	submit(`form[action$="/confirmation"]`)
	eventually(t, "delivery", func() bool { return stage() == "delivery" })

	// The organisation plans a session and enrols a trainee.
	open(page, `form[action$="/sessions"]`)
	from := today.Add(10 * time.Minute)
	must(chromedp.SetValue(`form[action$="/sessions"] input[name=starts_at]`, from.Format("2006-01-02T15:04")),
		chromedp.SetValue(`form[action$="/sessions"] input[name=ends_at]`, from.Add(2*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SendKeys(`form[action$="/sessions"] input[name=place]`, "平江里社区活动室"),
		chromedp.SendKeys(`form[action$="/sessions"] input[name=trainer]`, "韩雪"))
	submit(`form[action$="/sessions"]`)
	open(page, `form[action$="/trainees"]`)
	must(chromedp.SendKeys(`form[action$="/trainees"] input[name=name]`, "李秀英"),
		chromedp.SendKeys(`form[action$="/trainees"] input[name=id_number]`, idWithCheck("11010519600101123")),
		chromedp.SendKeys(`form[action$="/trainees"] input[name=community]`, "平江里社区"),
		chromedp.Click(`form[action$="/trainees"] input[name=consent]`))
	submit(`form[action$="/trainees"]`)
	tranche(1)

	// Each evaluation: the organisation's report, then the drawn evaluators.
	evaluate := func(phase string, points map[string]string) {
		t.Helper()
		login("zuzhi")
		open(page+"#evaluation", "#eval-summary")
		must(chromedp.SendKeys("#eval-summary", evalReportText))
		if phase == "midterm" {
			screenshot(t, bctx, "23-midterm-report")
		}
		submit(fmt.Sprintf(`form[action$="/evaluations/%s/report"]`, phase))
		var drawn []string
		eventually(t, phase+" evaluators", func() bool { drawn = h.drawnFor(t, pool, id, phase); return len(drawn) == domain.EvaluatorsPerRound })
		for _, u := range drawn {
			login(u)
			open("/evaluations", "main table a")
			must(chromedp.Click("main table a"), chromedp.WaitVisible("#comment"))
			for sel, v := range points {
				must(chromedp.SendKeys(sel, v))
			}
			must(chromedp.SendKeys("#comment", "培训组织规范，签到与学时记录完整，建议补充实操考核影像。"))
			submit("section.action form")
		}
		eventually(t, phase+" result", func() bool {
			for _, r := range h.rounds(t, "hexi", id) {
				if string(r.Phase) == phase && r.Outcome != nil {
					return true
				}
			}
			return false
		})
	}
	evaluate("midterm", map[string]string{"#p0": "24", "#p1": "16", "#p2": "16", "#p3": "24"})
	tranche(2)
	evaluate("final", map[string]string{"#p0": "45", "#p1": "27", "#p3": "9"})
	tranche(3)
	eventuallyWithin(t, 2*time.Minute, "the archive", func() bool { return stage() == "archived" })

	// Civil affairs verifies the archive from the project page.
	login("hexi")
	open(page+"#evaluation", `form[action$="/archive/verify"]`)
	must(chromedp.Click(`form[action$="/archive/verify"] button`), chromedp.WaitVisible("#evaluation .flash"))
	if got := text(t, bctx, "#evaluation"); !strings.Contains(got, "核验通过") || !strings.Contains(got, "结项等级") || !strings.Contains(got, "良") {
		t.Errorf("the archived project: %.400s", got)
	}
	screenshot(t, bctx, "24-archive-verified")
}
