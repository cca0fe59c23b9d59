package itest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium (Debian's package) for one test.
func browser(t *testing.T) context.Context { return browserWithin(t, 2*time.Minute) }

// browserWithin is browser for tests that run longer than two minutes.
func browserWithin(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("Chromium is needed for browser tests (Debian package chromium; make test installs it): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// screenshot saves the page as screenshots/<name>.png in the repository
// (the README shows some of them).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(repoRoot(), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestCallSliceInBrowser: a district civil-affairs officer signs in, makes a
// mistake in the form and is told what to fix in Chinese, drafts a call,
// sees its stage and the generated notice, and attaches a document.
func TestCallSliceInBrowser(t *testing.T) {
	h := newHarness(t)
	ctx := browser(t)
	must := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}

	// A wrong password is refused with a Chinese message.
	must(chromedp.Navigate(h.url+"/calls/new"),
		chromedp.WaitVisible("#username"))
	screenshot(t, ctx, "01-login")
	must(chromedp.SendKeys("#username", "hexi"),
		chromedp.SendKeys("#password", "wrong"),
		chromedp.Click("main button[type=submit]"),
		chromedp.WaitVisible(".alert"))
	if got := text(t, ctx, ".alert"); !strings.Contains(got, "用户名或密码不正确") {
		t.Fatalf("login error says %q", got)
	}
	must(chromedp.Clear("#password"),
		chromedp.SendKeys("#password", "grantflow-demo"),
		chromedp.Click("main button[type=submit]"),
		chromedp.WaitVisible("#title")) // back where the person was going

	// A mistake keeps what was typed and says what to fix.
	must(chromedp.SendKeys("#title", "河西区失能老年人家庭照护者培训（第二期）"),
		chromedp.SendKeys("#budget", "三十万"),
		chromedp.Click("main button[type=submit]"),
		chromedp.WaitVisible("#budget-err"))
	if got := text(t, ctx, "#budget-err"); !strings.Contains(got, "预算金额格式不对") {
		t.Fatalf("budget error says %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value("#title")); v != "河西区失能老年人家庭照护者培训（第二期）" {
		t.Fatalf("the title typed was lost: %q", v)
	}
	screenshot(t, ctx, "02-call-form-error")

	must(chromedp.Clear("#budget"),
		chromedp.SendKeys("#budget", "280,000"),
		chromedp.Click(`input[name=brand][value=shouzuqing]`),
		chromedp.Click("main button[type=submit]"),
		chromedp.WaitVisible("#stage"))
	if got := text(t, ctx, "#stage"); got != "草稿" {
		t.Fatalf("stage shows %q", got)
	}
	if got := text(t, ctx, ".facts"); !strings.Contains(got, "280,000.00 元") || !strings.Contains(got, "手足情") {
		t.Fatalf("call facts: %q", got)
	}
	// htmx replaces the "being generated" note with the download link.
	must(chromedp.WaitVisible(`#notice a[href$="notice.pdf"]`))

	// Attach a document.
	doc := filepath.Join(t.TempDir(), "需求调查汇总.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	must(chromedp.SetUploadFiles("#file", []string{doc}),
		chromedp.Click(`form[enctype="multipart/form-data"] button`),
		chromedp.WaitVisible(".flash"))
	if got := text(t, ctx, "#attachments table"); !strings.Contains(got, "需求调查汇总.pdf") {
		t.Fatalf("attachment not listed: %q", got)
	}
	screenshot(t, ctx, "03-call-page")

	must(chromedp.Navigate(h.url+"/calls"), chromedp.WaitVisible("table"))
	if got := text(t, ctx, "table"); !strings.Contains(got, "第二期") {
		t.Fatalf("calls list lacks the new call: %q", got)
	}
	screenshot(t, ctx, "04-calls")

	// Another role sees the call but is not offered actions it may not take.
	must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", "zuzhi"),
		chromedp.SendKeys("#password", "grantflow-demo"),
		chromedp.Click("main button[type=submit]"),
		chromedp.WaitVisible(".lifecycle"), // signed in: the navigation shows
		chromedp.Navigate(h.url+"/calls/new"),
		chromedp.WaitVisible(".alert"))
	if got := text(t, ctx, ".alert"); !strings.Contains(got, "无权起草征集") {
		t.Fatalf("organisation drafting a call sees %q", got)
	}
}

// TestOrganisationPagesInBrowser: registration with a mistake, the masked
// organisation page, the audited full view, and the audit log.
func TestOrganisationPagesInBrowser(t *testing.T) {
	h := newHarness(t)
	ctx := browser(t)
	must := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	login := func(user string) {
		t.Helper()
		must(chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible("#username"),
			chromedp.SendKeys("#username", user), chromedp.SendKeys("#password", "grantflow-demo"),
			chromedp.Click("main button[type=submit]"), chromedp.WaitVisible(".lifecycle"))
	}

	// a registration with a wrong check character in the USCC
	must(chromedp.Navigate(h.url+"/register"), chromedp.WaitVisible("#uscc"),
		chromedp.SendKeys("#name", "南开区乐龄志愿服务协会"),
		chromedp.SendKeys("#uscc", "52120103MJ0000002Y"),
		chromedp.SendKeys("#legal_rep_name", "周敏"),
		chromedp.SendKeys("#legal_rep_id", validID()),
		chromedp.SendKeys("#contact_name", "周敏"),
		chromedp.SendKeys("#contact_phone", repPhone),
		chromedp.SendKeys("#username", "nankai"),
		chromedp.SendKeys("#password", "a-long-password-1"),
		chromedp.Click(`input[name=consent]`),
		chromedp.Click("main button[type=submit]"),
		chromedp.WaitVisible("#uscc-err"))
	if got := text(t, ctx, "#uscc-err"); !strings.Contains(got, "校验位") {
		t.Fatalf("USCC error says %q", got)
	}
	screenshot(t, ctx, "05-register-error")

	orgID := h.actor("zuzhi").OrgID
	orgURL := h.url + "/orgs/" + strconv.FormatInt(orgID, 10)
	login("zuzhi")
	must(chromedp.Navigate(orgURL), chromedp.WaitVisible("#legal-rep-id"))
	if got := text(t, ctx, "#legal-rep-id"); got != "110***********002X" {
		t.Fatalf("the member sees %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Nodes(`form[action$="/reveal"]`, chromedp.AtLeast(0))); len(n) != 0 {
		t.Fatal("the member is offered the full view")
	}
	must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"))

	login("hexi")
	must(chromedp.Navigate(orgURL), chromedp.WaitVisible("#legal-rep-id"))
	screenshot(t, ctx, "06-organisation-masked")
	must(chromedp.Click(`form[action$="/reveal"] button`), chromedp.WaitVisible(`p[role=status]`))
	if got := text(t, ctx, "#legal-rep-id"); got != "11010519491231002X" {
		t.Fatalf("the full view shows %q", got)
	}
	must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"))

	login("admin")
	must(chromedp.Navigate(h.url+"/admin/audit?action=pii."), chromedp.WaitVisible("table"))
	if got := text(t, ctx, "table"); !strings.Contains(got, "pii.view") || !strings.Contains(got, "李静（河西区民政局）") {
		t.Fatalf("the audit log lacks the full view: %q", got)
	}
	must(chromedp.Navigate(h.url+"/admin/audit"), chromedp.WaitVisible("table"))
	screenshot(t, ctx, "07-audit-log")
}

// TestNeedsInBrowser: a street reporter records a need, is told what to fix,
// and sees it in the library; district staff see the reporting page.
func TestNeedsInBrowser(t *testing.T) {
	h := newHarness(t)
	ctx := browser(t)
	must := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	must(chromedp.Navigate(h.url+"/needs"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", "shequ"), chromedp.SendKeys("#password", "grantflow-demo"),
		chromedp.Click("main button[type=submit]"), chromedp.WaitVisible("#description"))
	// no elderly count: told to fill one in, what was typed is kept
	must(chromedp.SendKeys("#description", "楼里 5 位独居老人希望有人定期上门探访"),
		chromedp.Click(`form[action="/needs"] button`),
		chromedp.WaitVisible(".field-error"))
	if got := text(t, ctx, ".alert"); !strings.Contains(got, "提交的内容有误") {
		t.Fatalf("alert says %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value("#description")); !strings.Contains(v, "独居老人") {
		t.Fatalf("description lost: %q", v)
	}
	must(chromedp.SetValue(`select[name=category]`, "home_visits"),
		chromedp.SendKeys(`input[name=affected_living_alone]`, "5"),
		chromedp.Click(`form[action="/needs"] button`),
		chromedp.WaitVisible(".flash"))
	if got := text(t, ctx, "table"); !strings.Contains(got, "上门探访") || !strings.Contains(got, "独居 5") {
		t.Fatalf("the library lacks the need: %q", got)
	}
	screenshot(t, ctx, "08-needs")
}

// walker drives one browser through the pages as one person after another.
type walker struct {
	t   *testing.T
	h   *harness
	ctx context.Context
}

// must runs steps or fails the test.
func (w walker) must(steps ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, steps...); err != nil {
		w.t.Fatal(err)
	}
}

// login signs out whoever is signed in and signs user in.
func (w walker) login(user string) {
	w.t.Helper()
	w.must(chromedp.Navigate(w.h.url+"/"), chromedp.WaitVisible("body"))
	if ok, _ := chromedp.Run(w.ctx, chromedp.Evaluate[bool](`!!document.querySelector(".user button")`)); ok {
		w.must(chromedp.Click(".user button"), chromedp.WaitVisible("#username"))
	} else {
		w.must(chromedp.Navigate(w.h.url+"/login"), chromedp.WaitVisible("#username"))
	}
	w.must(chromedp.SendKeys("#username", user), chromedp.SendKeys("#password", w.h.password(user)),
		chromedp.Click("main button[type=submit]"), chromedp.WaitVisible(".lifecycle"))
}
