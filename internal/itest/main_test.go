// Package itest holds GrantFlow's integration tests: they run against the
// real services — a PostgreSQL cluster (one per test binary, a fresh
// database per test), MinIO, and an embedded Temporal server — started by the
// same devstack code as `make run`. If a service cannot start, the tests fail
// and say why; nothing is skipped.
package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"grantflow/internal/app"
	"grantflow/internal/config"
	"grantflow/internal/devstack/stack"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/store"
	"grantflow/internal/temporalconn"
)

var (
	shared  *stack.Stack
	counter atomic.Int64
)

const templateDB = "grantflow_template"

// repoRoot is the repository root (for bin/minio and screenshots).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration tests: cannot start the real services:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "grantflow-itest-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	st, err := stack.Start(ctx, stack.Options{
		Root: repoRoot(), DataDir: dir, Database: templateDB,
		Ports: stack.Ports{TemporalUI: -1},
	})
	if err != nil {
		return 0, err
	}
	defer st.Stop()
	shared = st
	// migrate the template once; every test copies it
	s, err := store.Open(ctx, st.Config.DatabaseURL)
	if err != nil {
		return 0, err
	}
	err = s.Migrate(ctx)
	s.Close()
	if err != nil {
		return 0, err
	}
	keys, err := pii.Parse(st.Config.PIIKeys)
	if err != nil {
		return 0, err
	}
	topts, err := temporalconn.ClientOptions(st.Config, keys, nil)
	if err != nil {
		return 0, err
	}
	tc, err := client.Dial(topts)
	if err != nil {
		return 0, err
	}
	err = stack.WaitTemporal(ctx, func(ctx context.Context) error {
		_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	})
	tc.Close()
	if err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// harness is one test's GrantFlow: its own database, bucket and task queue
// on the shared services, a worker, and the web server on a free port.
type harness struct {
	t      *testing.T
	app    *app.App
	url    string
	users  []app.DemoUser
	tokens map[string]string
	// passwords of accounts a test made (demo accounts use app.DemoPassword)
	passwords map[string]string
	// stopWorker stops the harness's worker (a test that hands its task
	// queue to another worker, such as the restore test)
	stopWorker func()
}

func (h *harness) password(username string) string {
	if p, ok := h.passwords[username]; ok {
		return p
	}
	return app.DemoPassword
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, nil) }

// newHarnessWith starts a harness whose configuration edit changed first
// (bureau settings such as the competition mode's minimum periods).
func newHarnessWith(t *testing.T, edit func(*config.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	n := counter.Add(1)
	db := fmt.Sprintf("t%d_%d", os.Getpid(), n)
	if err := shared.Postgres.CreateDatabase(ctx, db, templateDB); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	cfg := shared.Config
	cfg.DatabaseURL = shared.Postgres.URL(db)
	cfg.S3Bucket = fmt.Sprintf("t%d-%d", os.Getpid(), n)
	cfg.ArchiveBucket = cfg.S3Bucket + "-archive"
	cfg.TaskQueue = fmt.Sprintf("itest-%d-%d", os.Getpid(), n)
	if edit != nil {
		edit(&cfg)
	}
	// workers log after a test ends (while they stop), so not to t.Log
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("test", t.Name())
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(a.Close)
	if err := a.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	w := a.NewWorker()
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
	h, err := a.Handler()
	if err != nil {
		t.Fatalf("web: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	users, err := a.Seed(ctx)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return &harness{t: t, app: a, url: srv.URL, users: users, tokens: map[string]string{}, passwords: map[string]string{}, stopWorker: w.Stop}
}

// response is an HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	r.json(t, &e)
	if e.Error.Message == "" {
		t.Fatalf("error without a message: %s", r.body)
	}
	return e.Error.Code
}

// token returns an API token of a demo user, issued through the API.
func (h *harness) token(username string) string {
	h.t.Helper()
	if tok, ok := h.tokens[username]; ok {
		return tok
	}
	r := h.do("POST", "/api/v1/tokens", "", "application/json",
		fmt.Sprintf(`{"username":%q,"password":%q}`, username, h.password(username)), nil)
	if r.status != http.StatusCreated {
		h.t.Fatalf("token for %s: %d %s", username, r.status, r.body)
	}
	var out struct{ Token string }
	r.json(h.t, &out)
	h.tokens[username] = out.Token
	return out.Token
}

// api calls the JSON API as a demo user.
func (h *harness) api(user, method, path string, body any, header map[string]string) response {
	h.t.Helper()
	var b string
	if body != nil {
		raw, _ := json.Marshal(body)
		b = string(raw)
	}
	tok := ""
	if user != "" {
		tok = h.token(user)
	}
	return h.do(method, path, tok, "application/json", b, header)
}

func (h *harness) upload(user, path, fileName string, data []byte) response {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", fileName)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return h.do("POST", path, h.token(user), mw.FormDataContentType(), buf.String(), nil)
}

func (h *harness) do(method, path, token, contentType, body string, header map[string]string) response {
	h.t.Helper()
	return doHTTP(h.t, h.url, method, path, token, contentType, body, header)
}

func doHTTP(t *testing.T, base, method, path, token, contentType, body string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	// every exchange with the API, of the harness or of a test that talks
	// to another server (a restored copy, the dev stack, behind a proxy),
	// is checked against web/openapi.yaml
	checkExchange(t, base, method, path, token, contentType, body, header, r)
	return r
}

// httpClient bounds every request of the tests. Generous: a test checks
// behaviour, not speed (100,000-row imports take 5–7 s alone and more on a
// loaded 2-core machine; the benchmarks and the timed scale test report
// speed), and a hung request still fails.
var httpClient = &http.Client{Timeout: 60 * time.Second}

// actor is a demo user as an actor, for calling services directly.
func (h *harness) actor(username string) domain.Actor {
	h.t.Helper()
	u, _, err := h.app.Store.UserByUsername(context.Background(), username)
	if err != nil {
		h.t.Fatal(err)
	}
	return domain.ActorOf(u, "127.0.0.1")
}
