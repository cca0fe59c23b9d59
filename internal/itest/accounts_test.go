package itest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestAccountSessionsTokensAndPasswords(t *testing.T) {
	h := newHarness(t)
	// two browsers signed in as hexi
	laptop, phone := h.sessionCookie("hexi"), h.sessionCookie("hexi")
	var sessions struct{ Items []struct{ ID string } }
	h.api("hexi", "GET", "/api/v1/account/sessions", nil, nil).json(t, &sessions)
	if len(sessions.Items) != 2 {
		t.Fatalf("sessions: %+v", sessions)
	}
	// end one session from the API: that browser is signed out, the other is not
	if r := h.api("hexi", "DELETE", "/api/v1/account/sessions/"+sessions.Items[0].ID, nil, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke session: %d %s", r.status, r.body)
	}
	signedIn := func(cookie string) bool {
		r := h.do("GET", "/account", "", "", "", map[string]string{"Cookie": cookie}) // a signed-out browser lands on the login page
		return r.status == http.StatusOK && strings.Contains(string(r.body), "修改密码")
	}
	if signedIn(phone) == signedIn(laptop) {
		t.Fatal("ending one session should sign out exactly one browser")
	}
	// another person's session cannot be ended
	var mine struct{ Items []struct{ ID string } }
	h.api("hexi", "GET", "/api/v1/account/sessions", nil, nil).json(t, &mine)
	if r := h.api("minzheng", "DELETE", "/api/v1/account/sessions/"+mine.Items[0].ID, nil, nil); r.status != http.StatusNotFound {
		t.Fatalf("ending someone else's session: %d", r.status)
	}

	// API tokens: listed without the secret, revocable, then refused
	tok := h.token("caizheng")
	var tokens struct {
		Items []struct {
			ID        int64
			Name      string
			RevokedAt *string `json:"revoked_at"`
		}
	}
	h.api("caizheng", "GET", "/api/v1/tokens", nil, nil).json(t, &tokens)
	if len(tokens.Items) != 1 || tokens.Items[0].RevokedAt != nil {
		t.Fatalf("tokens: %+v", tokens)
	}
	if r := h.api("zuzhi", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tokens.Items[0].ID), nil, nil); r.status != http.StatusNotFound {
		t.Fatalf("revoking someone else's token: %d", r.status)
	}
	if r := h.api("caizheng", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tokens.Items[0].ID), nil, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke token: %d", r.status)
	}
	if r := h.do("GET", "/api/v1/calls", tok, "", "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", r.status)
	}
	delete(h.tokens, "caizheng")

	// password change: the current password is checked; other sessions end
	other := h.sessionCookie("shequ")
	if r := h.api("shequ", "POST", "/api/v1/account/password", map[string]string{"current": "wrong", "new": "a-new-password-2026"}, nil); r.status != 422 {
		t.Fatalf("change with a wrong current password: %d %s", r.status, r.body)
	}
	if r := h.api("shequ", "POST", "/api/v1/account/password", map[string]string{"current": "grantflow-demo", "new": "short"}, nil); r.status != 422 {
		t.Fatalf("short new password: %d", r.status)
	}
	if r := h.api("shequ", "POST", "/api/v1/account/password", map[string]string{"current": "grantflow-demo", "new": "a-new-password-2026"}, nil); r.status != http.StatusNoContent {
		t.Fatalf("change password: %d %s", r.status, r.body)
	}
	if signedIn(other) {
		t.Fatal("a session survived the password change")
	}
	h.passwords["shequ"] = "a-new-password-2026"
	delete(h.tokens, "shequ")
	h.token("shequ") // the new password works

	// admin reset: a locked account gets a new password and is unlocked
	for i := 0; i < 5; i++ {
		h.do("POST", "/api/v1/tokens", "", "application/json", `{"username":"gaoxiao","password":"wrong"}`, nil)
	}
	gaoxiao := h.actor("gaoxiao")
	if gaoxiao.UserID == 0 {
		t.Fatal("no gaoxiao")
	}
	if r := h.api("minzheng", "POST", fmt.Sprintf("/api/v1/users/%d/reset-password", gaoxiao.UserID), nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("civil affairs resets a password: %d", r.status)
	}
	var reset struct{ Password string }
	r := h.api("admin", "POST", fmt.Sprintf("/api/v1/users/%d/reset-password", gaoxiao.UserID), nil, nil)
	r.json(t, &reset)
	if r.status != 200 || len(reset.Password) < 12 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	h.passwords["gaoxiao"] = reset.Password
	h.token("gaoxiao") // unlocked, with the new password
}

// TestCrossOriginChangesRefused: a page on another site cannot make a signed-in
// browser change anything here.
func TestCrossOriginChangesRefused(t *testing.T) {
	h := newHarness(t)
	cookie := h.sessionCookie("minzheng")
	evil := map[string]string{"Cookie": cookie, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	r := h.do("POST", "/calls", "", "application/x-www-form-urlencoded",
		"title=跨站伪造的征集&brand=cuncaoxin&district=和平区&budget=1000", evil)
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "请求来自其他网站") {
		t.Fatalf("cross-site form post: %d %s", r.status, firstLine(string(r.body)))
	}
	r = h.do("POST", "/api/v1/calls", "", "application/json", `{"title":"跨站伪造的征集","brand":"cuncaoxin","district":"和平区","budget_fen":1}`, evil)
	if r.status != http.StatusForbidden || r.errorCode(t) != "forbidden" {
		t.Fatalf("cross-site API post: %d %s", r.status, r.body)
	}
	var list struct{ Total int }
	h.api("minzheng", "GET", "/api/v1/calls?q=跨站", nil, nil).json(t, &list)
	if list.Total != 0 {
		t.Fatal("a cross-site request created a call")
	}
	// the same form from this site works
	same := map[string]string{"Cookie": cookie, "Origin": h.url, "Sec-Fetch-Site": "same-origin"}
	r = h.do("POST", "/calls", "", "application/x-www-form-urlencoded",
		"title=本站提交的征集项目&brand=cuncaoxin&district=和平区&budget=1000", same)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "本站提交的征集项目") {
		t.Fatalf("same-site form post: %d %s", r.status, firstLine(string(r.body)))
	}
}
