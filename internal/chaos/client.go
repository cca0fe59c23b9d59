package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// client is the people of the lifecycles at the JSON API: every request goes
// to one of the web processes; one that fails because of a fault (no
// connection, a reset, a timeout, a 5xx) is sent again the way a person
// would — the same body, the same Idempotency-Key — with backoff, for at
// most retryFor.
type client struct {
	webs     []string // base URLs
	http     *http.Client
	retryFor time.Duration
	next     atomic.Uint64
	retried  atomic.Int64 // requests sent again
	failed5  atomic.Int64 // 5xx answers seen (each retried)
	known    atomic.Int64 // refusals of a known race (issue 14's list), clicked again

	mu     sync.Mutex
	tokens map[string]string
	pw     map[string]string
	orgs   map[string]int64 // organisation of each bidder's account
}

func (c *client) orgOf(user string) int64 { return c.orgs[user] }

func newClient(webs []string, passwords map[string]string) *client {
	return &client{webs: webs, http: &http.Client{Timeout: 30 * time.Second}, retryFor: 4 * time.Minute,
		tokens: map[string]string{}, pw: passwords}
}

// answer is an HTTP answer.
type answer struct {
	status int
	body   []byte
}

func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("decode %d %.200s: %w", a.status, a.body, err)
	}
	return nil
}

// req is one request a person makes; its key stays the same on every try.
type req struct {
	user, method, path string
	json               any
	form               map[string]string // multipart fields
	file               *formFile
	keyed              bool
}

type formFile struct {
	field, name string
	data        []byte
}

// transient says whether an answer means "try again": a fault between the
// person and the record, not an answer about the request.
func transient(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable ||
		status == http.StatusGatewayTimeout || status == http.StatusInternalServerError
}

// do sends r until it gets an answer that is not transient, or retryFor passes.
func (c *client) do(ctx context.Context, r req) (answer, error) {
	key := ""
	if r.keyed {
		key = uuid.NewString()
	}
	body, ctype, err := r.encode()
	if err != nil {
		return answer{}, err
	}
	deadline := time.Now().Add(c.retryFor)
	backoff := 300 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.retried.Add(1)
		}
		tok := ""
		if r.user != "" {
			if tok, err = c.token(ctx, r.user); err != nil {
				return answer{}, err
			}
		}
		a, err := c.send(ctx, r.method, r.path, tok, ctype, key, body)
		if err == nil && !transient(a.status) {
			return a, nil
		}
		if err == nil {
			c.failed5.Add(1)
		}
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		if time.Now().After(deadline) {
			if err != nil {
				return answer{}, fmt.Errorf("%s %s: still failing after %s: %w", r.method, r.path, c.retryFor, err)
			}
			return a, fmt.Errorf("%s %s: still %d after %s: %.300s", r.method, r.path, a.status, c.retryFor, a.body)
		}
		select {
		case <-ctx.Done():
			return answer{}, ctx.Err()
		case <-time.After(backoff + time.Duration(rand.Int63n(int64(backoff)))):
		}
		if backoff *= 2; backoff > 4*time.Second {
			backoff = 4 * time.Second
		}
	}
}

func (r req) encode() ([]byte, string, error) {
	switch {
	case r.form != nil || r.file != nil:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range r.form {
			_ = mw.WriteField(k, v)
		}
		if r.file != nil {
			fw, err := mw.CreateFormFile(r.file.field, r.file.name)
			if err != nil {
				return nil, "", err
			}
			_, _ = fw.Write(r.file.data)
		}
		_ = mw.Close()
		return buf.Bytes(), mw.FormDataContentType(), nil
	case r.json != nil:
		b, err := json.Marshal(r.json)
		return b, "application/json", err
	}
	return nil, "", nil
}

func (c *client) send(ctx context.Context, method, path, token, ctype, key string, body []byte) (answer, error) {
	base := c.webs[c.next.Add(1)%uint64(len(c.webs))]
	hr, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		hr.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, body: b}, nil
}

// token is an API token of a user, made once (through the API, with retries).
func (c *client) token(ctx context.Context, user string) (string, error) {
	c.mu.Lock()
	tok, ok := c.tokens[user]
	pw := c.pw[user]
	c.mu.Unlock()
	if ok {
		return tok, nil
	}
	a, err := c.do(ctx, req{method: "POST", path: "/api/v1/tokens", json: map[string]string{"username": user, "password": pw}})
	if err != nil {
		return "", err
	}
	if a.status != http.StatusCreated {
		return "", fmt.Errorf("token for %s: %d %s", user, a.status, a.body)
	}
	var out struct{ Token string }
	if err := a.decode(&out); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.tokens[user] = out.Token
	c.mu.Unlock()
	return out.Token, nil
}

// must sends r and wants one of the statuses; into (if not nil) receives the body.
func (c *client) must(ctx context.Context, what string, r req, into any, want ...int) (answer, error) {
	a, err := c.do(ctx, r)
	if err != nil {
		return a, fmt.Errorf("%s: %w", what, err)
	}
	ok := false
	for _, w := range want {
		ok = ok || a.status == w
	}
	if !ok {
		return a, fmt.Errorf("%s: %s %s answered %d: %.400s", what, r.method, r.path, a.status, strings.TrimSpace(string(a.body)))
	}
	if into != nil {
		if err := a.decode(into); err != nil {
			return a, fmt.Errorf("%s: %w", what, err)
		}
	}
	return a, nil
}

// get reads path as user into v (200 wanted).
func (c *client) get(ctx context.Context, user, path string, v any) error {
	_, err := c.must(ctx, "GET "+path, req{user: user, method: "GET", path: path}, v, http.StatusOK)
	return err
}
