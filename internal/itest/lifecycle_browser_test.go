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

// approvedCall runs a call through the API to both approvals (the bidding's
// own tests cover each step): three verified bidders, the demo
// organisation best; it returns the call's ID. The call then goes to
// publicity for publicityDays working days.
func approvedCall(t *testing.T, h *harness, experts []string, title string, publicityDays int) string {
	t.Helper()
	verifyBidders(t, h)
	id := biddingCall(t, h, title, publicityDays, time.Now().Add(20*time.Second).Truncate(time.Second))
	approveAfterOpening(t, h, id, experts)
	return id
}

// biddingCall drafts and publishes a call with the given deadline and bids
// on it as zuzhi, org2 and org3 (verifyBidders first); it returns the
// call's ID, still open for bids.
func biddingCall(t *testing.T, h *harness, title string, publicityDays int, deadline time.Time) string {
	t.Helper()
	var c bidCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": title, "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00, "mode": "competition", "bid_deadline": deadline, "publicity_working_days": publicityDays}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	path := "/api/v1/calls/" + c.ID
	mustStatus(t, h.api("hexi", "POST", path+"/submit", nil, key()), 200, "submit")
	mustStatus(t, h.api("minzheng", "POST", path+"/publication", map[string]any{"approve": true}, key()), 200, "publish")
	for u, price := range map[string]int64{"zuzhi": 260000_00, "org2": 240000_00, "org3": 280000_00} {
		mustStatus(t, h.api(u, "POST", path+"/bids", bidJSON(lifecycleProposal, price), key()), http.StatusCreated, "bid by "+u)
	}
	return c.ID
}

// approveAfterOpening waits for a call's opening and takes it through
// qualification, the drawn panel's declarations and scores, and both
// approvals.
func approveAfterOpening(t *testing.T, h *harness, id string, experts []string) {
	t.Helper()
	approveAfterOpeningWith(t, h, id, experts, key())
}

// approveAfterOpeningWith is approveAfterOpening with finance's approval
// sent under the given idempotency key.
func approveAfterOpeningWith(t *testing.T, h *harness, id string, experts []string, financeKey map[string]string) {
	t.Helper()
	path := "/api/v1/calls/" + id
	eventuallyWithin(t, 60*time.Second, "the opening", func() bool { return h.bidCall("hexi", id).Stage == "qualification" })
	opened := h.openedBids(t, id)
	var decisions []map[string]any
	for _, b := range opened {
		decisions = append(decisions, map[string]any{"bid_id": b.ID, "qualified": true})
	}
	mustStatus(t, h.api("hexi", "POST", path+"/qualification", map[string]any{"decisions": decisions}, key()), 200, "qualify")
	panel := h.seats(t, id, experts, "drawn", 5)
	for _, u := range panel {
		mustStatus(t, h.api(u, "POST", path+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare "+u)
	}
	eventually(t, "scoring", func() bool { return h.bidCall("hexi", id).Stage == "scoring" })
	h.scoreBids(t, id, panel, opened)
	eventually(t, "the results", func() bool { return h.bidCall("hexi", id).Stage == "ca_approval" })
	mustStatus(t, h.api("hexi", "POST", path+"/approval", map[string]any{"approve": true}, key()), 200, "civil approval")
	mustStatus(t, h.api("caizheng", "POST", path+"/approval", map[string]any{"approve": true}, financeKey), 200, "finance approval")
}

const lifecycleProposal = "面向友谊路街道失能老年人家庭照护者，开展失能照护基础、压疮预防、转移搬运、进食与用药照护、心肺复苏五个模块共 12 期培训，每名学员不少于 16 学时。"

// verifyBidders registers and verifies two more organisations (org2, org3)
// to bid beside the demo organisation.
func verifyBidders(t *testing.T, h *harness) {
	t.Helper()
	for u, code := range map[string]string{"org2": usccWith("52120104MJ0000022"), "org3": usccWith("52120105MJ0000033")} {
		f := nankaiOrg(code, u)
		f["name"] = map[string]string{"org2": "南开区乐龄志愿服务协会", "org3": "红桥区康养照护服务中心"}[u]
		var reg struct{ Organisation apiOrgResp }
		h.registerOrg(f, pdfDoc).json(t, &reg)
		mustStatus(t, h.api("minzheng", "POST", fmt.Sprintf("/api/v1/organisations/%d/review", reg.Organisation.ID), map[string]string{"decision": "approve"}, nil), 200, "verify "+u)
	}
}

type openedBid struct {
	ID    string
	OrgID int64 `json:"org_id"`
}

// openedBids lists a call's bids as civil affairs sees them after opening.
func (h *harness) openedBids(t *testing.T, callID string) []openedBid {
	t.Helper()
	var opened struct{ Items []openedBid }
	h.api("hexi", "GET", "/api/v1/calls/"+callID+"/bids", nil, nil).json(t, &opened)
	return opened.Items
}

// seats waits until at least n of the experts (and zhuanjia) hold a seat on
// the call's panel with the status, and returns them.
func (h *harness) seats(t *testing.T, callID string, experts []string, status string, n int) []string {
	t.Helper()
	var panel []string
	eventually(t, "the panel", func() bool {
		panel = panel[:0]
		for _, u := range append([]string{"zhuanjia"}, experts...) {
			if s := h.bidCall(u, callID).MySeat; s != nil && s.Status == status {
				panel = append(panel, u)
			}
		}
		return len(panel) >= n
	})
	return panel
}

// scoreBids has each expert score every bid through the API, the demo
// organisation's best.
func (h *harness) scoreBids(t *testing.T, callID string, experts []string, bids []openedBid) {
	t.Helper()
	demo := h.actor("zuzhi").OrgID
	for _, u := range experts {
		for _, b := range bids {
			v := 0.7
			if b.OrgID == demo {
				v = 0.9
			}
			mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+callID+"/scores", map[string]any{"bid_id": b.ID, "points": []float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0},
				"comment": "方案完整，培训模块与需求契合，团队资质齐全。"}, key()), 200, "score by "+u)
		}
	}
}

// TestLifecycleInBrowser walks one call and its project through the pages,
// each role in turn, from the draft to the verified archive: civil affairs
// drafts and submits, another officer publishes; the organisation bids with
// the form (a mistake first) and keeps its receipt; after the deadline civil
// affairs qualifies the opened bids; an expert declares and scores; civil
// affairs and finance approve; the award is public; civil affairs sets the
// contract's terms and both sides confirm; the organisation plans a session
// and enrols a trainee, who checks in on a phone; money in tranches (civil
// affairs confirms, finance pays with a voucher); the mid-term and final
// reports; the drawn evaluators score on their page; the archive is
// verified from its page. (The objection form has its own test: a
// publicity long enough to object in cannot also end within a test.)
func TestLifecycleInBrowser(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	verifyBidders(t, h)
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	pool := append([]string{"zhuanjia"}, experts...)

	bctx := browserWithin(t, 10*time.Minute)
	wk := walker{t, h, bctx}
	must, login := wk.must, wk.login
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

	// The draft, through the form; bids close at the first whole minute
	// at least 70 s away (the form takes minutes).
	now := time.Now().In(domain.ChinaTime)
	deadline := now.Add(70 * time.Second).Truncate(time.Minute).Add(time.Minute)
	login("hexi")
	open("/calls/new", "#title")
	must(chromedp.SendKeys("#title", "河西区失能老年人家庭照护者培训（全流程）"), chromedp.SendKeys("#budget", "300,000"),
		chromedp.Click(`input[name=brand][value=cuncaoxin]`), chromedp.SetValue("#bid_deadline", deadline.Format("2006-01-02T15:04")),
		chromedp.Click(`form[action="/calls"] button[type=submit]`), chromedp.WaitVisible("#stage"))
	callPath, err := chromedp.Run(bctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(callPath, "/calls/") {
		t.Fatalf("after the draft: %q %v", callPath, err)
	}
	callID := strings.TrimPrefix(callPath, "/calls/")
	submit(`form[action$="/submit"]`)
	if got := text(t, bctx, "#stage"); got != "待审核发布" {
		t.Fatalf("after submitting: %q", got)
	}
	login("minzheng")
	open(callPath, `form[action$="/publication"]`)
	submit(`form[action$="/publication"]`)
	if got := text(t, bctx, "#stage"); got != "征集中" {
		t.Fatalf("after publishing: %q", got)
	}

	// The organisation bids through the form, with a mistake first.
	login("zuzhi")
	open(callPath, "#tp")
	doc := filepath.Join(t.TempDir(), "资质证明.pdf")
	if err := os.WriteFile(doc, pdfDoc, 0o644); err != nil {
		t.Fatal(err)
	}
	must(chromedp.SendKeys("#tp", lifecycleProposal), chromedp.SendKeys("#price", "260,000"),
		chromedp.SendKeys("#budget", "讲师劳务费,130000\n教材与场地,120000"),
		chromedp.SendKeys("#team", "王芳,项目负责人,中级社会工作师"),
		chromedp.SetUploadFiles("#docs", []string{doc}),
		chromedp.Click(`#my-bid form[enctype] button`), chromedp.WaitVisible(".alert"))
	if got := text(t, bctx, ".alert"); !strings.Contains(got, "有误") {
		t.Fatalf("a budget that does not add up: %q", got)
	}
	open(callPath, "#tp")
	must(chromedp.SendKeys("#tp", lifecycleProposal), chromedp.SendKeys("#price", "260,000"),
		chromedp.SendKeys("#budget", "讲师劳务费,130000\n教材与场地,130000"),
		chromedp.SendKeys("#team", "王芳,项目负责人,中级社会工作师\n韩雪,培训师,红十字会救护师资"),
		chromedp.SetUploadFiles("#docs", []string{doc}))
	submit(`#my-bid form[enctype]`)
	if got := text(t, bctx, "#my-bid"); !strings.Contains(got, "已递交（密封）") || !strings.Contains(got, "附件：资质证明.pdf") {
		t.Fatalf("the receipt: %q", got)
	}
	screenshot(t, bctx, "10-bid-receipt")
	for u, price := range map[string]int64{"org2": 240000_00, "org3": 280000_00} {
		mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+callID+"/bids", bidJSON(lifecycleProposal+"（"+u+"）", price), key()), http.StatusCreated, "bid "+u)
	}
	// Civil affairs sees only the count before opening.
	login("hexi")
	open(callPath, "#stage")
	if got := text(t, bctx, "main"); !strings.Contains(got, "已收到 3 份密封投标") || strings.Contains(got, "王芳") {
		t.Fatalf("civil affairs before opening sees: %q", got)
	}

	// After the deadline: the opening results and the qualification form.
	eventuallyWithin(t, time.Until(deadline)+90*time.Second, "opening", func() bool { return h.getCall("hexi", callID).Stage == "qualification" })
	open(callPath, `form[action$="/qualification"]`)
	if got := text(t, bctx, "main"); !strings.Contains(got, "260,000.00") || !strings.Contains(got, "一致") {
		t.Fatalf("opening results: %q", got)
	}
	screenshot(t, bctx, "11-qualification")
	submit(`form[action$="/qualification"]`)

	// The panel: who is drawn is random, so every drawn expert declares
	// through the API except one who uses the page.
	drawn := h.seats(t, callID, experts, "drawn", 5)
	pageExpert := drawn[0]
	for _, u := range drawn[1:] {
		mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+callID+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare")
	}
	login(pageExpert)
	open(callPath, `form[action$="/declaration"]`)
	screenshot(t, bctx, "12-expert-declaration")
	submit(`form[action$="/declaration"]`)
	eventually(t, "scoring", func() bool { return h.getCall("hexi", callID).Stage == "scoring" })
	open(callPath, "form.score")
	// The page expert scores every bid through the forms.
	n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("form.score").length`))
	if err != nil || n != 3 {
		t.Fatalf("score forms: %d %v", n, err)
	}
	screenshot(t, bctx, "13-expert-scoring")
	for i := 0; i < 3; i++ {
		must(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelectorAll("form.score")[%d];
			const vals = [20, 20, 16, 8, 8]; let k = 0;
			f.querySelectorAll("input[inputmode]").forEach(x => { x.value = vals[k++]; });
			f.querySelector("textarea").value = "方案完整，培训模块与需求契合，团队资质齐全。";
			document.querySelector(".flash")?.remove(); f.submit(); })()`, i)),
			chromedp.WaitVisible(".flash, .alert"))
		if got := text(t, bctx, ".flash"); !strings.Contains(got, "评分已保存") {
			t.Fatalf("scoring form %d: %q", i, got)
		}
	}
	h.scoreBids(t, callID, drawn[1:], h.openedBids(t, callID))
	eventually(t, "the results", func() bool { return h.getCall("hexi", callID).Stage == "ca_approval" })

	// Two approvals through the pages; the publicity (none in this test's
	// bureau settings) ends in the award, which the public can read.
	login("hexi")
	open(callPath, `form[action$="/approval"]`)
	screenshot(t, bctx, "14-civil-approval")
	submit(`form[action$="/approval"]`)
	login("caizheng")
	open(callPath, `form[action$="/approval"]`)
	submit(`form[action$="/approval"]`)
	eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", callID).Stage == "awarded" })
	id := h.bidCall("hexi", callID).Awards[0].ID
	must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"))
	open("/public/calls/"+callID, "main")
	if got := text(t, bctx, "main"); !strings.Contains(got, "夕阳红社会工作服务中心") || !strings.Contains(got, "260,000.00") {
		t.Fatalf("the public result: %.400s", got)
	}

	page := "/awards/" + id
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
	eventually(t, "the project", func() bool { return stage() == "contracting" })
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
	// The trainee's number and the session's code, as the page shows them
	// to the organisation's staff.
	code, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#sessions-table tbody tr td:last-child").textContent.trim()`))
	if err != nil || len(code) != 6 {
		t.Fatalf("the session's check-in code: %q %v", code, err)
	}
	trainee, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#trainees-table tbody tr td").textContent.trim()`))
	if err != nil || trainee == "" {
		t.Fatalf("the trainee's number: %q %v", trainee, err)
	}

	// The trainee checks in on a phone, without an account.
	must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(h.url+"/checkin"), chromedp.WaitVisible("#code"),
		chromedp.SendKeys("#code", code), chromedp.SendKeys("#trainee", trainee), chromedp.SendKeys("#name", "李秀英"),
		chromedp.Click(".checkin button"), chromedp.WaitVisible(".checkin-ok, .alert"))
	if got := text(t, bctx, ".checkin"); !strings.Contains(got, "签到成功") {
		t.Fatalf("the phone shows %q", got)
	}
	must(chromedp.EmulateViewport(1280, 900))
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
