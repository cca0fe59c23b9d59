package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/i18n"
)

// The list envelope: items never null; paging beside them only when paged.
func TestListEnvelope(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"nil items", listOf[int](nil), `{"items":[]}`},
		{"unpaged", listOf([]string{"a"}), `{"items":["a"]}`},
		{"paged", pageOf([]int{1, 2}, 7, 2, 2), `{"items":[1,2],"total":7,"page":2,"per_page":2}`},
		{"total only", pageOf([]int{}, 0, 0, 0), `{"items":[],"total":0}`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%s: %s %v, want %s", c.name, b, err, c.want)
		}
	}
}

// ---- the adapters, through httptest (no PostgreSQL) ----

// testServer is a Server with its templates and an in-memory session
// store: enough for the adapters, which need no service.
func testServer(t *testing.T) *Server {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	v, err := newViews(cat)
	if err != nil {
		t.Fatal(err)
	}
	sm := scs.New()
	sm.Store = memstore.New()
	return &Server{Deps: Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, sessions: sm, views: v, cat: cat}
}

// signedIn serves h as a signed-in administrator, with the
// session loaded as on the real routes.
func signedIn(s *Server, h http.Handler) http.Handler {
	return s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), sessionKey, true)
		ctx = withUser(ctx, domain.User{ID: 7, Username: "admin", District: domain.CityLevel, Roles: []domain.Role{domain.RoleAdmin}})
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
}

// testAreaInput is an area whose code must be a number.
type testAreaInput struct {
	Code int    `json:"code"`
	Name string `json:"name"`
}

func (in *testAreaInput) readForm(r *http.Request) error {
	in.Name = r.PostForm.Get("name")
	n, err := strconv.Atoi(r.PostForm.Get("code"))
	if err != nil {
		return fieldError("code", "请填写整数。")
	}
	in.Code = n
	return nil
}

func testAreaAction(_ *http.Request, in *testAreaInput) (testAreaInput, error) {
	if in.Name == "" {
		return *in, domain.FieldErrors{"name": "请填写名称。"}.Err()
	}
	return *in, nil
}

func testAreaForm(s *Server) http.Handler {
	load := func(r *http.Request) (areasPage, error) { return areasPage{pageData: s.page(r, "行政区划")}, nil }
	return signedIn(s, form(s, testAreaAction,
		func(_ *testAreaInput, a testAreaInput) done {
			return done{To: "/areas", Flash: "已添加“" + a.Name + "”。"}
		},
		showAgain(s, "areas", load, func(p *areasPage, in *testAreaInput) { p.Form.Name = in.Name })))
}

func postForm(h http.Handler, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/areas", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// A form that succeeds redirects (303) and its message is shown once on
// the next page.
func TestAdapterFormSuccessRedirectsWithFlash(t *testing.T) {
	s := testServer(t)
	w := postForm(testAreaForm(s), "code=120103014&name=友谊路街道")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/areas" {
		t.Fatalf("%d %q, want 303 to /areas", w.Code, w.Header().Get("Location"))
	}
	next := httptest.NewRequest("GET", "/areas", nil)
	for _, c := range w.Result().Cookies() {
		next.AddCookie(c)
	}
	var flash []string
	show := signedIn(s, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		flash = append(flash, s.page(r, "").Flash)
	}))
	show.ServeHTTP(httptest.NewRecorder(), next)
	show.ServeHTTP(httptest.NewRecorder(), next)
	if want := []string{"已添加“友谊路街道”。", ""}; !slices.Equal(flash, want) {
		t.Fatalf("flash on the next two pages: %q, want %q", flash, want)
	}
}

// A refusal the person can correct shows the form again (422) with the
// field's message beside it and what they typed.
func TestAdapterFormRefusalShowsFormAgain(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"the action's check", "code=120103014&name=", "请填写名称。"},
		{"the form's own reading", "code=abc&name=友谊路街道", "请填写整数。"},
	} {
		w := postForm(testAreaForm(testServer(t)), c.body)
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) || !strings.Contains(body, `name="code"`) {
			t.Errorf("%s: %d, want 422 and the form with %q: %.300s", c.name, w.Code, c.want, body)
		}
	}
	if w := postForm(testAreaForm(testServer(t)), "code=abc&name=友谊路街道"); !strings.Contains(w.Body.String(), `value="友谊路街道"`) {
		t.Errorf("the form shown again lost what was typed")
	}
}

// A form body that cannot be parsed at all is refused as unreadable.
func TestAdapterFormUnreadable(t *testing.T) {
	w := postForm(testAreaForm(testServer(t)), "name=%zz")
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "表单内容无法读取") {
		t.Fatalf("%d %.300s, want 422 表单内容无法读取", w.Code, w.Body.String())
	}
}

func apiCallTo(h http.Handler, body string) (int, apiErrorBody) {
	req := httptest.NewRequest("POST", "/api/v1/areas", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out apiErrorBody
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

type apiErrorBody struct {
	Error apiError `json:"error"`
}

// A JSON body with a field of the wrong type is refused naming the field.
func TestAdapterAPIWriteBadJSON(t *testing.T) {
	s := testServer(t)
	h := apiWrite(s, http.StatusCreated, testAreaAction)
	code, out := apiCallTo(h, `{"code":"abc","name":"友谊路街道"}`)
	if code != http.StatusUnprocessableEntity || out.Error.Code != "invalid" || out.Error.Fields["code"] == "" || !strings.Contains(out.Error.Message, "code") {
		t.Fatalf("%d %+v, want 422 naming the field code", code, out)
	}
	if code, out := apiCallTo(h, `{"code":1,"name":"友谊路街道","x":1}`); code != http.StatusUnprocessableEntity || out.Error.Fields["x"] == "" {
		t.Fatalf("an unknown field: %d %+v, want 422 naming x", code, out)
	}
	if code, _ := apiCallTo(h, `{"code":1,"name":"友谊路街道"}`); code != http.StatusCreated {
		t.Fatalf("a good body: %d, want 201", code)
	}
}

// An action whose input is none takes no body: none or an empty object
// runs it; a field sent to it, or a body that is not JSON, is refused by
// name (as before the adapters), not silently ignored.
func TestAdapterAPIWriteNoneTakesNoBody(t *testing.T) {
	s := testServer(t)
	ran := false
	h := apiWrite(s, http.StatusOK, func(_ *http.Request, _ *none) (list[int], error) {
		ran = true
		return listOf([]int{1}), nil
	})
	for _, c := range []struct {
		body string
		runs bool
		says string
	}{
		{"", true, ""},
		{"{}", true, ""},
		{`{"unknown":1}`, false, "unknown"},
		{"not json at all", false, "JSON"},
	} {
		ran = false
		req := httptest.NewRequest("POST", "/api/v1/calls/x/submit", strings.NewReader(c.body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch {
		case c.runs && (w.Code != http.StatusOK || !ran || strings.TrimSpace(w.Body.String()) != `{"items":[1]}`):
			t.Errorf("body %q: %d ran=%v %s", c.body, w.Code, ran, w.Body.String())
		case !c.runs && (w.Code != http.StatusUnprocessableEntity || ran || !strings.Contains(w.Body.String(), c.says)):
			t.Errorf("body %q: %d ran=%v %s, want 422 naming %q", c.body, w.Code, ran, w.Body.String(), c.says)
		}
	}
}

// An API read's error is answered as the JSON error with the status its
// code maps to.
func TestAdapterAPIReadError(t *testing.T) {
	s := testServer(t)
	for _, c := range []struct {
		err    error
		status int
		code   string
	}{
		{domain.Errorf(domain.CodeNotFound, "征集不存在。"), http.StatusNotFound, "not_found"},
		{domain.Errorf(domain.CodeForbidden, "无权查看。"), http.StatusForbidden, "forbidden"},
		{domain.Errorf(domain.CodeConflict, "征集已截止。"), http.StatusConflict, "conflict"},
	} {
		h := apiRead(s, func(*http.Request) (list[int], error) { return list[int]{}, c.err })
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/calls", nil))
		var out apiErrorBody
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		if w.Code != c.status || out.Error.Code != c.code || out.Error.Message != domain.ErrorMessage(c.err) {
			t.Errorf("%v: %d %s, want %d %s", c.err, w.Code, w.Body.String(), c.status, c.code)
		}
	}
}

// Every update of a call is a route of its own; a step that is not one is
// not found (404), on the page and on the API, and never redirects as if
// it had been done.
func TestAdapterUnknownCallAction(t *testing.T) {
	s := testServer(t)
	r := chi.NewRouter()
	r.NotFound(s.notFound)
	api := chi.NewRouter()
	api.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not_found", "没有这个接口。", nil)
	})
	s.callActionRoutes(mounts{public: r, pages: r, publicAPI: api, api: api})
	r.Mount("/api/v1", api)
	h := signedIn(s, r)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"POST", "/calls/c1/nonsense", http.StatusNotFound},
		{"POST", "/calls/c1/publication/extra", http.StatusNotFound},
		{"POST", "/api/v1/calls/c1/nonsense", http.StatusNotFound},
		{"POST", "/api/v1/calls/c1/comments/k/answer", http.StatusNotFound}, // a page's step only
	} {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, w.Code, c.status)
		}
	}
	// the known steps are routes (each with both adapters where the API has it)
	routes := map[string]bool{}
	_ = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes[method+" "+route] = true
		return nil
	})
	for _, want := range []string{"POST /calls/{id}/submit", "POST /api/v1/calls/{id}/submit", "POST /calls/{id}/bids/withdraw",
		"DELETE /api/v1/calls/{id}/bids/mine", "POST /calls/{id}/recusal-requests/{rid}/decision", "POST /calls/{id}/comments/{cid}/answer"} {
		if !routes[want] {
			t.Errorf("no route %s", want)
		}
	}
}
