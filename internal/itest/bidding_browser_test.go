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
)

// TestBiddingInBrowser walks a call's bidding through the pages as the
// people who do it: civil affairs submits and another officer publishes; an
// organisation bids with the form and keeps its receipt; after the
// deadline civil affairs qualifies the bids; an expert declares and scores;
// civil affairs and finance approve; the public reads the result on the
// portal and files an objection, first with a mistake.
func TestBiddingInBrowser(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	bctx := browserWithin(t, 5*time.Minute)
	wk := walker{t, h, bctx}
	must, login := wk.must, wk.login
	open := func(path, sel string) {
		t.Helper()
		must(chromedp.Navigate(h.url+path), chromedp.WaitVisible(sel))
	}

	// Two more verified bidders and experts with accounts (the API test
	// covers registration; here they are set up directly).
	orgs := map[string]string{"org2": usccWith("52120104MJ0000022"), "org3": usccWith("52120105MJ0000033")}
	for u, code := range orgs {
		f := nankaiOrg(code, u)
		f["name"] = map[string]string{"org2": "南开区乐龄志愿服务协会", "org3": "红桥区康养照护服务中心"}[u]
		var reg struct{ Organisation apiOrgResp }
		h.registerOrg(f, pdfDoc).json(t, &reg)
		mustStatus(t, h.api("minzheng", "POST", fmt.Sprintf("/api/v1/organisations/%d/review", reg.Organisation.ID), map[string]string{"decision": "approve"}, nil), 200, "verify")
	}
	experts := addExperts(t, h, usccWith("91120000MA0000001"))

	// The draft comes through the API with a deadline 40 s out; the rest
	// through pages.
	deadline := time.Now().Add(40 * time.Second)
	var c apiCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区失能老年人家庭照护者培训（浏览器测试）", "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00, "bid_deadline": deadline, "publicity_working_days": 1}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	callPath := "/calls/" + c.ID

	login("hexi")
	open(callPath, "#stage")
	must(chromedp.Click(`form[action$="/submit"] button`), chromedp.WaitVisible(".flash"))
	if got := text(t, bctx, "#stage"); got != "待审核发布" {
		t.Fatalf("after submitting: %q", got)
	}
	login("minzheng")
	open(callPath, `form[action$="/publication"]`)
	must(chromedp.Click(`form[action$="/publication"] button`), chromedp.WaitVisible(".flash"))
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
	proposal := "面向友谊路街道失能老年人家庭照护者，开展失能照护基础、压疮预防、转移搬运、进食与用药照护、心肺复苏五个模块共 12 期培训，每名学员不少于 16 学时。"
	must(chromedp.SendKeys("#tp", proposal), chromedp.SendKeys("#price", "260,000"),
		chromedp.SendKeys("#budget", "讲师劳务费,130000\n教材与场地,120000"),
		chromedp.SendKeys("#team", "王芳,项目负责人,中级社会工作师"),
		chromedp.SetUploadFiles("#docs", []string{doc}),
		chromedp.Click(`#my-bid form[enctype] button`), chromedp.WaitVisible(".alert"))
	if got := text(t, bctx, ".alert"); !strings.Contains(got, "有误") {
		t.Fatalf("a budget that does not add up: %q", got)
	}
	open(callPath, "#tp")
	must(chromedp.SendKeys("#tp", proposal), chromedp.SendKeys("#price", "260,000"),
		chromedp.SendKeys("#budget", "讲师劳务费,130000\n教材与场地,130000"),
		chromedp.SendKeys("#team", "王芳,项目负责人,中级社会工作师\n韩雪,培训师,红十字会救护师资"),
		chromedp.SetUploadFiles("#docs", []string{doc}),
		chromedp.Click(`#my-bid form[enctype] button`), chromedp.WaitVisible(".flash"))
	if got := text(t, bctx, "#my-bid"); !strings.Contains(got, "已递交（密封）") || !strings.Contains(got, "附件：资质证明.pdf") {
		t.Fatalf("the receipt: %q", got)
	}
	screenshot(t, bctx, "10-bid-receipt")
	for u, price := range map[string]int64{"org2": 240000_00, "org3": 280000_00} {
		mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+c.ID+"/bids", bidJSON(proposal+"（"+u+"）", price), key()), http.StatusCreated, "bid "+u)
	}
	// Civil affairs sees only the count before opening.
	login("hexi")
	open(callPath, "#stage")
	if got := text(t, bctx, "main"); !strings.Contains(got, "已收到 3 份密封投标") || strings.Contains(got, "王芳") {
		t.Fatalf("civil affairs before opening sees: %q", got)
	}

	// After the deadline: the opening results and the qualification form.
	eventuallyWithin(t, 90*time.Second, "opening", func() bool { return h.getCall("hexi", c.ID).Stage == "qualification" })
	open(callPath, `form[action$="/qualification"]`)
	if got := text(t, bctx, "main"); !strings.Contains(got, "260,000.00") || !strings.Contains(got, "一致") {
		t.Fatalf("opening results: %q", got)
	}
	screenshot(t, bctx, "11-qualification")
	must(chromedp.Click(`form[action$="/qualification"] button`), chromedp.WaitVisible(".flash"))

	// The panel: one seat for zhuanjia is not guaranteed (the draw is
	// random), so every drawn expert declares through the API except one
	// who uses the page.
	eventually(t, "the panel", func() bool { return len(h.bidCall("hexi", c.ID).Panel) >= 5 })
	var pageExpert string
	for _, u := range append([]string{"zhuanjia"}, experts...) {
		if bc := h.bidCall(u, c.ID); bc.MySeat != nil && bc.MySeat.Status == "drawn" {
			if pageExpert == "" {
				pageExpert = u
				continue
			}
			mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+c.ID+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare")
		}
	}
	login(pageExpert)
	open(callPath, `form[action$="/declaration"]`)
	screenshot(t, bctx, "12-expert-declaration")
	must(chromedp.Click(`form[action$="/declaration"] button`), chromedp.WaitVisible(".flash"))
	eventually(t, "scoring", func() bool { return h.getCall("hexi", c.ID).Stage == "scoring" })
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
	var opened struct{ Items []struct{ ID string } }
	h.api("hexi", "GET", "/api/v1/calls/"+c.ID+"/bids", nil, nil).json(t, &opened)
	for _, u := range append([]string{"zhuanjia"}, experts...) {
		if u == pageExpert {
			continue
		}
		if bc := h.bidCall(u, c.ID); bc.MySeat != nil && bc.MySeat.Status == "confirmed" {
			for _, b := range opened.Items {
				mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+c.ID+"/scores", map[string]any{"bid_id": b.ID,
					"points": []float64{18, 19, 15, 8, 7, 0}, "comment": "方案可行，预算基本合理。"}, key()), 200, "score")
			}
		}
	}
	eventually(t, "the results", func() bool { return h.getCall("hexi", c.ID).Stage == "ca_approval" })

	// Two approvals through the pages.
	login("hexi")
	open(callPath, `form[action$="/approval"]`)
	screenshot(t, bctx, "14-civil-approval")
	must(chromedp.Click(`form[action$="/approval"] button`), chromedp.WaitVisible(".flash"))
	login("caizheng")
	open(callPath, `form[action$="/approval"]`)
	must(chromedp.Click(`form[action$="/approval"] button`), chromedp.WaitVisible(".flash"))
	eventually(t, "publicity", func() bool { return h.getCall("hexi", c.ID).Stage == "publicity" })

	// The public: no sign-in, the portal, the result and the objection form.
	must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"))
	open("/public", "main")
	if got := text(t, bctx, "main"); !strings.Contains(got, "浏览器测试") {
		t.Fatalf("portal: %q", got)
	}
	open("/public/calls/"+c.ID, "#object")
	must(chromedp.SendKeys("#o-name", "张三"), chromedp.SendKeys("#o-contact", "13800000000"), chromedp.SendKeys("#o-reason", "太短"),
		chromedp.Click("#object button"), chromedp.WaitVisible("#o-reason-err"))
	if v, _ := chromedp.Run(bctx, chromedp.Value("#o-name")); v != "张三" {
		t.Fatalf("the objection form lost what was typed: %q", v)
	}
	must(chromedp.Clear("#o-reason"), chromedp.SendKeys("#o-reason", "第一名的团队人员资质证书与实际不符，请核查。"),
		chromedp.Click("#object button"), chromedp.WaitVisible(".flash"))
	if got := text(t, bctx, "main"); !strings.Contains(got, "张*") || !strings.Contains(got, "待答复") || strings.Contains(got, "13800000000") {
		t.Fatalf("the published objection: %q", got)
	}
	screenshot(t, bctx, "15-portal-objection")

	// Civil affairs answers on the call page; the answer is public.
	login("hexi")
	open(callPath, `form[action*="/objections/"]`)
	must(chromedp.SendKeys(`form[action*="/objections/"] textarea`, "经核查，证书真实有效，质疑不成立。"),
		chromedp.Click(`form[action*="/objections/"] button`), chromedp.WaitVisible(".flash"))
	screenshot(t, bctx, "16-call-publicity")
	var pub struct {
		Objections []struct {
			Answered bool
			Answer   string
		}
	}
	h.api("", "GET", "/api/v1/public/calls/"+c.ID, nil, nil).json(t, &pub)
	if len(pub.Objections) != 1 || !pub.Objections[0].Answered {
		t.Fatalf("public objections: %+v", pub.Objections)
	}
}
