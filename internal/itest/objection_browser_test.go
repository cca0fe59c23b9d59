package itest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"grantflow/internal/config"
)

// TestObjectionInBrowser: a call under publicity (one working day, reached
// through the API; TestLifecycleInBrowser walks the bidding in the pages);
// the public reads the result on the portal without signing in and files a
// comment, first with a mistake that keeps what was typed; a bidder signs in
// and objects (政府采购法 §52); civil affairs answers both on the call page
// and the objection's answer is public.
func TestObjectionInBrowser(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	id := approvedCall(t, h, experts, "河西区失能老年人家庭照护者培训（公示质疑）", 1)
	eventually(t, "publicity", func() bool { return h.getCall("hexi", id).Stage == "publicity" })

	bctx := browser(t)
	wk := walker{t, h, bctx}
	must := wk.must
	open := func(path, sel string) {
		t.Helper()
		must(chromedp.Navigate(h.url+path), chromedp.WaitVisible(sel))
	}
	open("/public", "main")
	if got := text(t, bctx, "main"); !strings.Contains(got, "公示质疑") {
		t.Fatalf("portal: %q", got)
	}
	open("/public/calls/"+id, "#object")
	must(chromedp.SendKeys("#o-name", "张三"), chromedp.SendKeys("#o-contact", "13800000000"), chromedp.SendKeys("#o-reason", "太短"),
		chromedp.Click("#object button"), chromedp.WaitVisible("#o-reason-err"))
	if v, _ := chromedp.Run(bctx, chromedp.Value("#o-name")); v != "张三" {
		t.Fatalf("the objection form lost what was typed: %q", v)
	}
	// The public's filing is a comment: received, answered by civil
	// affairs, never shown as an objection holding the award.
	must(chromedp.Clear("#o-reason"), chromedp.SendKeys("#o-reason", "第一名的团队人员资质证书与实际不符，请核查。"),
		chromedp.Click("#object button"), chromedp.WaitVisible(".flash"))
	if got := text(t, bctx, "main"); !strings.Contains(got, "您的意见已收到") || strings.Contains(got, "待答复") || strings.Contains(got, "13800000000") {
		t.Fatalf("after the public's comment: %q", got)
	}

	// A bidder, signed in, objects: a 质疑 that holds the award.
	wk.login("org2")
	open("/public/calls/"+id, "#object")
	must(chromedp.SendKeys("#o-name", "李四"), chromedp.SendKeys("#o-contact", "13900000000"),
		chromedp.SendKeys("#o-reason", "第一名的团队人员资质证书与实际不符，请核查。"),
		chromedp.Click("#object button"), chromedp.WaitVisible(".flash"))
	if got := text(t, bctx, "main"); !strings.Contains(got, "质疑已受理") || !strings.Contains(got, "李*") || !strings.Contains(got, "待答复") || strings.Contains(got, "13900000000") {
		t.Fatalf("the published objection: %q", got)
	}
	screenshot(t, bctx, "15-portal-objection")

	// Civil affairs answers both on the call page; the objection's answer is public.
	wk.login("hexi")
	open("/calls/"+id, `form[action*="/comments/"]`)
	must(chromedp.SendKeys(`form[action*="/comments/"] textarea`, "感谢您的意见，经核查证书真实有效。"),
		chromedp.Click(`form[action*="/comments/"] button`), chromedp.WaitVisible(".flash"))
	open("/calls/"+id, `form[action*="/objections/"]`)
	must(chromedp.SendKeys(`form[action*="/objections/"] textarea`, "经核查，证书真实有效，质疑不成立。"),
		chromedp.Click(`form[action*="/objections/"] button`), chromedp.WaitVisible(".flash"))
	screenshot(t, bctx, "16-call-publicity")
	var pub struct {
		Objections []struct {
			Answered bool
			Answer   string
		}
	}
	h.api("", "GET", "/api/v1/public/calls/"+id, nil, nil).json(t, &pub)
	if len(pub.Objections) != 1 || !pub.Objections[0].Answered || pub.Objections[0].Answer == "" {
		t.Fatalf("public objections: %+v", pub.Objections)
	}
	if got := h.getCall("hexi", id).Stage; got != "publicity" {
		t.Fatalf("an answered objection within the publicity: stage %q", got)
	}
}
