package itest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postLogin signs in through the login form (to base, with extra headers)
// and returns the answer, not following the redirect.
func postLogin(t *testing.T, base string, form url.Values, header map[string]string) response {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: []byte(b.String())}
}

// proxied serves the harness's app behind a reverse proxy at 127.0.0.1 (as
// GRANTFLOW_TRUSTED_PROXIES would configure it); requests then say their
// client's address in X-Forwarded-For. It is a second web replica on the
// same database.
func (h *harness) proxied(proxies string) string {
	h.t.Helper()
	a := *h.app
	a.Config.TrustedProxies = proxies
	hd, err := a.Handler()
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(hd)
	h.t.Cleanup(srv.Close)
	return srv.URL
}

func (h *harness) auditIP(action string) string {
	h.t.Helper()
	var ip string
	if err := h.app.Store.Pool().QueryRow(context.Background(),
		`SELECT ip FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1`, action).Scan(&ip); err != nil {
		h.t.Fatalf("audit %s: %v", action, err)
	}
	return ip
}

// TestLoginNextStaysOnSite: after signing in, next only leads to a path on
// this site (the reported /%09/evil.example, which browsers read as
// //evil.example, leads home).
func TestLoginNextStaysOnSite(t *testing.T) {
	h := newHarness(t)
	for next, want := range map[string]string{
		"/\t/evil.example":      "/",
		"/\n/evil.example":      "/",
		"/\\evil.example":       "/",
		"//evil.example":        "/",
		"/%2F/evil.example":     "/",
		"https://evil.example/": "/",
		"/calls?q=%E5%AE%B6":    "/calls?q=%E5%AE%B6",
	} {
		r := postLogin(t, h.url, url.Values{"username": {"hexi"}, "password": {"grantflow-demo"}, "next": {next}}, nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("next=%q: %d to %q, want %q", next, r.status, r.header.Get("Location"), want)
		}
	}
	// the login page does not carry it into its form either
	page := h.do("GET", "/login?next=/%09/evil.example", "", "", "", nil)
	if strings.Contains(string(page.body), "evil.example") {
		t.Fatal("the login page keeps an off-site next")
	}
}

// TestClientAddressFromTrustedProxiesOnly: forwarded headers from anyone
// but a configured proxy are ignored, so nobody picks the address the audit
// log records or the check-in limit counts.
func TestClientAddressFromTrustedProxiesOnly(t *testing.T) {
	h := newHarness(t)
	forged := map[string]string{"X-Forwarded-For": "198.51.100.77", "True-Client-IP": "198.51.100.78", "X-Real-IP": "198.51.100.79"}
	if r := h.do("POST", "/api/v1/tokens", "", "application/json", `{"username":"hexi","password":"grantflow-demo"}`, forged); r.status != http.StatusCreated {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	if ip := h.auditIP("auth.login"); ip != "127.0.0.1" {
		t.Fatalf("the audit log recorded a forged address: %q", ip)
	}
	// a new forged address for every guess does not escape the check-in limit
	for i := 1; i <= 10; i++ {
		hdr := map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i), "True-Client-IP": fmt.Sprintf("203.0.113.%d", i)}
		if r := h.do("POST", "/api/v1/checkin", "", "application/json", `{"code":"000000","trainee_id":1,"name":"张三"}`, hdr); r.status != http.StatusNotFound {
			t.Fatalf("check-in %d: %d %s", i, r.status, r.body)
		}
	}
	hdr := map[string]string{"X-Forwarded-For": "198.51.100.200", "True-Client-IP": "203.0.113.200"}
	if r := h.do("POST", "/api/v1/checkin", "", "application/json", `{"code":"000000","trainee_id":1,"name":"张三"}`, hdr); r.status != http.StatusTooManyRequests {
		t.Fatalf("the eleventh check-in with a forged address: %d %s", r.status, r.body)
	}

	// behind a configured proxy, the right-most address it adds is the client
	proxy := h.proxied("127.0.0.1/32")
	r := doHTTP(t, proxy, "POST", "/api/v1/tokens", "", "application/json", `{"username":"minzheng","password":"grantflow-demo"}`,
		map[string]string{"X-Forwarded-For": "203.0.113.9, 198.51.100.9"})
	if r.status != http.StatusCreated {
		t.Fatalf("token through the proxy: %d %s", r.status, r.body)
	}
	if ip := h.auditIP("auth.login"); ip != "198.51.100.9" {
		t.Fatalf("behind the proxy the audit log recorded %q", ip)
	}
}

// TestSignInLimits: failures are limited per address and username, per
// address and per username, in PostgreSQL (shared by replicas), before any
// password is hashed — and a stranger cannot lock the real user out.
func TestSignInLimits(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	proxy := h.proxied("127.0.0.1/32") // lets the test speak from many addresses
	replica := h.proxied("127.0.0.1/32")
	token := func(base, from, user, password string) response {
		return doHTTP(t, base, "POST", "/api/v1/tokens", "", "application/json",
			fmt.Sprintf(`{"username":%q,"password":%q}`, user, password), map[string]string{"X-Forwarded-For": from})
	}
	failures := func() int {
		var n int
		if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('auth.login_failed', 'auth.locked')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const home, stranger = "198.51.100.10", "203.0.113.1"
	mustStatus(t, token(proxy, home, "hexi", "grantflow-demo"), http.StatusCreated, "the real user signs in at home")

	// a stranger guesses hexi's password: the fifth failure stops that address
	for i := 1; i <= 4; i++ {
		if r := token(proxy, stranger, "hexi", "wrong"); r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "用户名或密码不正确") {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	if r := token(proxy, stranger, "hexi", "wrong"); r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "登录失败次数过多") {
		t.Fatalf("fifth guess: %d %s", r.status, r.body)
	}
	// refused before the password is checked: even the right one, on the
	// other replica too, and nothing more is hashed or counted
	before := failures()
	for i := 0; i < 5; i++ {
		mustStatus(t, token(replica, stranger, "hexi", "grantflow-demo"), http.StatusTooManyRequests, "the stranger's address on the other replica")
	}
	if failures() != before {
		t.Fatal("refused attempts were still checked")
	}
	// the real user is not locked out: at home or anywhere else
	mustStatus(t, token(proxy, home, "hexi", "grantflow-demo"), http.StatusCreated, "the real user at home after the guesses")
	mustStatus(t, token(proxy, "198.51.100.11", "hexi", "grantflow-demo"), http.StatusCreated, "the real user elsewhere after the guesses")

	// many addresses guessing one account: the account-wide limit holds new
	// addresses for a short window, never the addresses it signed in from
	for a := 2; a <= 7; a++ {
		for i := 0; i < 5; i++ {
			token(proxy, fmt.Sprintf("203.0.113.%d", a), "hexi", "wrong")
		}
	}
	mustStatus(t, token(proxy, "198.51.100.12", "hexi", "grantflow-demo"), http.StatusTooManyRequests, "a new address during a spread-out attack")
	mustStatus(t, token(proxy, home, "hexi", "grantflow-demo"), http.StatusCreated, "the real user at home during a spread-out attack")
	if _, err := h.app.Store.Pool().Exec(ctx, `UPDATE rate_limits SET window_end = now() - interval '1 second' WHERE bucket = 'login.user'`); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, token(proxy, "198.51.100.12", "hexi", "grantflow-demo"), http.StatusCreated, "a new address when the window has passed")

	// one address trying many accounts (existing or not) is stopped too
	const sprayer = "203.0.113.50"
	for i := 1; i <= 30; i++ {
		r := token(proxy, sprayer, fmt.Sprintf("nobody%d", i), "wrong")
		if want := http.StatusUnauthorized; i == 30 {
			want = http.StatusTooManyRequests
			mustStatus(t, r, want, "the thirtieth failure from one address")
		} else {
			mustStatus(t, r, want, fmt.Sprintf("failure %d from one address", i))
		}
	}
	mustStatus(t, token(proxy, sprayer, "minzheng", "grantflow-demo"), http.StatusTooManyRequests, "another account from the spraying address")

	// the web login form answers the same way, with the message on the page
	r := postLogin(t, replica, url.Values{"username": {"hexi"}, "password": {"grantflow-demo"}}, map[string]string{"X-Forwarded-For": stranger})
	if r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "登录失败次数过多") {
		t.Fatalf("the login page from the stranger's address: %d", r.status)
	}

	// registrations: ten an hour from one address, then refused before the
	// password is hashed
	for i := 1; i <= 10; i++ {
		if r := doHTTP(t, proxy, "POST", "/api/v1/organisations", "", "application/x-www-form-urlencoded", "name=", map[string]string{"X-Forwarded-For": stranger}); r.status != 422 {
			t.Fatalf("registration %d: %d %s", i, r.status, r.body)
		}
	}
	if r := doHTTP(t, replica, "POST", "/api/v1/organisations", "", "application/x-www-form-urlencoded", "name=", map[string]string{"X-Forwarded-For": stranger}); r.status != http.StatusTooManyRequests {
		t.Fatalf("the eleventh registration: %d %s", r.status, r.body)
	}
	mustStatus(t, doHTTP(t, proxy, "POST", "/api/v1/organisations", "", "application/x-www-form-urlencoded", "name=", map[string]string{"X-Forwarded-For": home}), 422, "a registration from another address")
}

// TestCheckInLimitSharedByReplicas: the phone check-in's failure count is
// kept in PostgreSQL, so a second web replica refuses the address too.
func TestCheckInLimitSharedByReplicas(t *testing.T) {
	h := newHarness(t)
	replica := h.proxied("")
	try := func(base string) response {
		return doHTTP(t, base, "POST", "/api/v1/checkin", "", "application/json", `{"code":"000000","trainee_id":1,"name":"张三"}`, nil)
	}
	for i := 0; i < 10; i++ {
		base := h.url
		if i%2 == 1 {
			base = replica
		}
		mustStatus(t, try(base), http.StatusNotFound, fmt.Sprintf("check-in %d", i+1))
	}
	mustStatus(t, try(replica), http.StatusTooManyRequests, "the eleventh check-in on the other replica")
	mustStatus(t, try(h.url), http.StatusTooManyRequests, "the twelfth check-in on the first replica")
}

// TestTokensExpireAndDieWithThePassword: tokens expire, and a password
// change or an administrator's reset revokes every token and session.
func TestTokensExpireAndDieWithThePassword(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	r := h.do("POST", "/api/v1/tokens", "", "application/json", `{"username":"shequ","password":"grantflow-demo"}`, nil)
	var issued struct {
		Token     string
		ExpiresAt time.Time `json:"expires_at"`
	}
	r.json(t, &issued)
	if d := time.Until(issued.ExpiresAt); d < 89*24*time.Hour || d > 91*24*time.Hour {
		t.Fatalf("the token expires in %v, want 90 days", d)
	}
	old := issued.Token
	other := h.token("shequ")
	mustStatus(t, h.do("GET", "/api/v1/calls", old, "", "", nil), http.StatusOK, "a fresh token")

	// an expired token is refused
	if _, err := h.app.Store.Pool().Exec(ctx, `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = (SELECT min(id) FROM api_tokens)`); err != nil {
		t.Fatal(err)
	}
	if r := h.do("GET", "/api/v1/calls", old, "", "", nil); r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "已过期") {
		t.Fatalf("an expired token: %d %s", r.status, r.body)
	}

	// the person's own password change revokes every token and ends the
	// other sessions
	laptop := h.sessionCookie("shequ")
	mustStatus(t, h.do("POST", "/api/v1/account/password", other, "application/json", `{"current":"grantflow-demo","new":"a-new-password-2026"}`, nil), http.StatusNoContent, "change password")
	mustStatus(t, h.do("GET", "/api/v1/calls", other, "", "", nil), http.StatusUnauthorized, "a token made with the old password")
	if r := h.do("GET", "/account", "", "", "", map[string]string{"Cookie": laptop}); strings.Contains(string(r.body), "修改密码") {
		t.Fatal("a session survived the password change")
	}
	delete(h.tokens, "shequ")
	h.passwords["shequ"] = "a-new-password-2026"

	// an administrator's reset: tokens and sessions of the user end
	tok, cookie := h.token("hexi"), h.sessionCookie("hexi")
	hexi := h.actor("hexi")
	mustStatus(t, h.api("admin", "POST", fmt.Sprintf("/api/v1/users/%d/reset-password", hexi.UserID), nil, nil), http.StatusOK, "reset")
	mustStatus(t, h.do("GET", "/api/v1/calls", tok, "", "", nil), http.StatusUnauthorized, "a token after the reset")
	if r := h.do("GET", "/account", "", "", "", map[string]string{"Cookie": cookie}); strings.Contains(string(r.body), "修改密码") {
		t.Fatal("a session survived the reset")
	}
	var tokens struct {
		Items []struct {
			RevokedAt *time.Time `json:"revoked_at"`
		}
	}
	h.api("shequ", "GET", "/api/v1/tokens", nil, nil).json(t, &tokens)
	if len(tokens.Items) != 3 || tokens.Items[1].RevokedAt == nil || tokens.Items[2].RevokedAt == nil {
		t.Fatalf("shequ's tokens: %+v", tokens.Items)
	}
}

// TestAdminDisablesAccount: a disabled account cannot sign in, and its
// sessions and tokens stop working at once; enabled again, it signs in.
func TestAdminDisablesAccount(t *testing.T) {
	h := newHarness(t)
	tok, cookie := h.token("hexi"), h.sessionCookie("hexi")
	hexi := h.actor("hexi")
	mustStatus(t, h.api("minzheng", "POST", fmt.Sprintf("/api/v1/users/%d/disable", hexi.UserID), nil, nil), http.StatusForbidden, "civil affairs disables an account")
	mustStatus(t, h.api("admin", "POST", fmt.Sprintf("/api/v1/users/%d/disable", h.actor("admin").UserID), nil, nil), http.StatusConflict, "the admin disables itself")
	r := h.api("admin", "POST", fmt.Sprintf("/api/v1/users/%d/disable", hexi.UserID), nil, nil)
	var u struct{ Disabled bool }
	r.json(t, &u)
	if r.status != http.StatusOK || !u.Disabled {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	mustStatus(t, h.do("GET", "/api/v1/calls", tok, "", "", nil), http.StatusUnauthorized, "the disabled account's token")
	if r := h.do("GET", "/account", "", "", "", map[string]string{"Cookie": cookie}); strings.Contains(string(r.body), "修改密码") {
		t.Fatal("the disabled account's session still works")
	}
	if r := h.do("POST", "/api/v1/tokens", "", "application/json", `{"username":"hexi","password":"grantflow-demo"}`, nil); r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "已被停用") {
		t.Fatalf("a token for the disabled account: %d %s", r.status, r.body)
	}
	if r := postLogin(t, h.url, url.Values{"username": {"hexi"}, "password": {"grantflow-demo"}}, nil); r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "已被停用") {
		t.Fatalf("signing in to the disabled account: %d", r.status)
	}
	// the users page shows it and enables it again
	admin := h.sessionCookie("admin")
	if page := h.do("GET", "/admin/users", "", "", "", map[string]string{"Cookie": admin}); !strings.Contains(string(page.body), "已停用") {
		t.Fatal("the users page does not show the disabled account")
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/admin/users/%d/enable", h.url, hexi.UserID), nil)
	req.Header.Set("Cookie", admin)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("enable from the page: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	if page := h.do("GET", "/admin/users", "", "", "", map[string]string{"Cookie": admin}); !strings.Contains(string(page.body), "账号已恢复") {
		t.Fatal("no message after enabling the account")
	}
	delete(h.tokens, "hexi")
	h.token("hexi")
	var actions string
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT string_agg(action, ',' ORDER BY seq) FROM audit_log
		WHERE object_type = 'user' AND object_id = $1 AND action LIKE 'user.%'`, fmt.Sprint(hexi.UserID)).Scan(&actions); err != nil || actions != "user.disable,user.enable" {
		t.Fatalf("the audit log of the account: %q %v", actions, err)
	}
}

// TestFlashOnlyFromTheSession: a message after an action is kept in the
// session and shown once; ?flash= in a link shows nothing.
func TestFlashOnlyFromTheSession(t *testing.T) {
	h := newHarness(t)
	const planted = "系统升级，请将保证金转入账户6222000011112222"
	cookie := h.sessionCookie("shequ")
	for _, path := range []string{"/login?flash=", "/public?flash=", "/calls?flash=", "/account?flash="} {
		r := h.do("GET", path+url.QueryEscape(planted), "", "", "", map[string]string{"Cookie": cookie})
		if strings.Contains(string(r.body), "6222000011112222") {
			t.Errorf("%s shows the planted text", path)
		}
	}
	// a real message comes through the session, once
	var tokens struct{ Items []struct{ ID int64 } }
	h.api("shequ", "GET", "/api/v1/tokens", nil, nil).json(t, &tokens)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/account/tokens/%d/revoke", h.url, tokens.Items[0].ID), nil)
	req.Header.Set("Cookie", cookie)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("revoke: %s to %q", resp.Status, loc)
	}
	if r := h.do("GET", "/account", "", "", "", map[string]string{"Cookie": cookie}); !strings.Contains(string(r.body), "API 令牌已撤销") {
		t.Fatal("the message after revoking a token is missing")
	}
	if r := h.do("GET", "/account", "", "", "", map[string]string{"Cookie": cookie}); strings.Contains(string(r.body), "API 令牌已撤销") {
		t.Fatal("the message is shown twice")
	}
}
