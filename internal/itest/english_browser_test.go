package itest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grantflow/internal/config"
)

// TestEnglishInBrowser: a person switches the interface to English from the
// top bar; every page of every role then speaks English in its navigation,
// headings, labels, buttons, table headers and badges (what is left in
// Chinese is data: names, titles, places), dates are written the English
// way, the choice survives signing out and in, and 中文 switches back.
func TestEnglishInBrowser(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	// A funded project, for its pages (through the API: the lifecycle
	// browser test walks it in Chinese).
	callID := approvedCall(t, h, addExperts(t, h, usccWith("91120000MA0000001")), "河西区失能老年人家庭照护者培训（英文项目）", 0)
	eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", callID).Stage == "awarded" })
	project := "/awards/" + h.bidCall("hexi", callID).Awards[0].ID
	ctx := browserWithin(t, 6*time.Minute)
	wk := walker{t, h, ctx}
	wk.must(chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible("#username"),
		chromedp.Click(".lang-switch"), chromedp.WaitVisible("#username"))
	if got := text(t, ctx, "main"); !strings.Contains(got, "Sign in") {
		t.Fatalf("the sign-in page in English: %.300s", got)
	}
	if lang, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "en" {
		t.Errorf("html lang = %q", lang)
	}
	// Interface text: what must not be left in Chinese (the brands' names
	// and the calendar's 休/班 codes are proper names and input syntax).
	const chrome = `nav.lifecycle a, h2, h3, label, legend, button, th, summary, .stage, .tag, .field-error, .alert, .flash, .pager span, .crumbs a, footer`
	check := func(user, path string) {
		t.Helper()
		wk.must(chromedp.Navigate(h.url+path), chromedp.WaitVisible("main"))
		left, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(`+"`"+chrome+"`"+`)]
			.filter(e => !e.closest("[data-data]"))
			.map(e => e.cloneNode(true))
			.map(e => { e.querySelectorAll("select, option, [data-data]").forEach(x => x.remove()); return e.textContent.trim(); })
			.map(s => s.replace(/寸草心|手足情|[休班]|国庆节|调休上班/g, ""))
			.filter(s => /[\u4e00-\u9fff]/.test(s))`))
		if err != nil {
			t.Fatalf("%s %s: %v", user, path, err)
		}
		if len(left) > 0 {
			t.Errorf("%s %s: Chinese left in the interface: %q", user, path, left)
		}
	}
	pages := map[string][]string{
		"hexi":     {"/", project, "/calls/" + callID, "/calls", "/calls/new", "/needs", "/proposals", "/ideas", "/reports", "/awards", "/orgs", "/stats", "/talents", "/elderly", "/volunteers", "/account"},
		"minzheng": {"/", "/calls", "/orgs", "/stats"},
		"zuzhi":    {"/", "/calls", "/awards", project, "/calls/" + callID},
		"caizheng": {"/", "/awards"},
		"zhuanjia": {"/", "/evaluations"},
		"shequ":    {"/", "/needs", "/volunteers"},
		"admin":    {"/", "/admin/users", "/admin/audit", "/admin/calendar", "/areas"},
	}
	for _, u := range []string{"hexi", "minzheng", "zuzhi", "caizheng", "zhuanjia", "shequ", "admin"} {
		wk.login(u)
		for _, p := range pages[u] {
			check(u, p)
			if u == "zuzhi" && p == project {
				screenshot(t, ctx, "27-project-in-english")
			}
		}
	}
	var c apiCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区失能老年人家庭照护者培训（英文界面）", "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	path := "/calls/" + c.ID
	wk.login("hexi")
	// The dashboard's charts speak English too.
	wk.must(chromedp.Navigate(h.url+"/stats"), chromedp.WaitVisible(`[data-chart="needs"] svg`))
	if got := text(t, ctx, `[data-chart="needs"]`); !strings.Contains(got, "This quarter's needs") {
		t.Errorf("the needs chart: %.200s", got)
	}
	screenshot(t, ctx, "26-dashboard-in-english")
	check("hexi", path)
	wk.must(chromedp.WaitVisible(`#notice a[href$="notice.pdf"]`))
	screenshot(t, ctx, "25-call-in-english")
	wk.must(chromedp.Navigate(h.url+"/calls"), chromedp.WaitVisible("main table"))
	if got := text(t, ctx, "main table"); !regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} 20\d\d`).MatchString(got) || regexp.MustCompile(`\d{4}年\d`).MatchString(got) {
		t.Errorf("dates in English: %.300s", got)
	}
	// The public pages, signed out; the choice is kept.
	wk.must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"))
	check("public", "/public")
	check("public", "/public/calls/"+callID)
	check("public", "/checkin")
	wk.must(chromedp.Navigate(h.url+"/public"), chromedp.WaitVisible("main"), chromedp.Click(".lang-switch"), chromedp.WaitVisible("main"))
	if got := text(t, ctx, "main h1"); !strings.Contains(got, "公开信息") {
		t.Errorf("back in Chinese: %q", got)
	}
}
