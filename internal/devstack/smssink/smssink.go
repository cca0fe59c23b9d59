// Package smssink is the dev stack's SMS sink: a Provider (internal/notify/sms)
// that records messages instead of sending them, and a small HTTP server
// that shows them — an HTML page, newest first, with the phone masked, the
// template code and the rendered text — and serves them as JSON for tests.
//
// Two ways in: in-process, the sink itself is an sms.Provider (Send); from
// another process, sms.Sink posts to POST /api/messages
// (GRANTFLOW_SMS_PROVIDER=sink, GRANTFLOW_SMS_SINK_URL=the sink's URL).
// Both go through sms.Check, so the sink refuses what a provider adapter
// refuses (an invalid phone, an ID number in a parameter).
//
// Messages are kept in memory, bounded (the oldest go first), and, when
// Options.File is set, in a JSON file (under the dev data directory) so a
// restart keeps them. The file holds masked phones and a SHA-256 of each
// phone (for ?phone= look-ups), never the number itself.
//
// Wiring (for cmd/grantflow-dev / internal/devstack/stack):
//
//	sink, err := smssink.StartWith(ctx, smssink.Options{Addr: "127.0.0.1:58025",
//		File: filepath.Join(dataDir, "sms-sink.json"), Texts: devTexts})
//	// GRANTFLOW_SMS_PROVIDER=sink, GRANTFLOW_SMS_SINK_URL=sink.URL()
//	progress("SMS sink    %s", sink.URL())
//
// and sink.Close() when the stack stops (or let ctx end it).
package smssink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"grantflow/internal/notify/sms"
)

// Message is one recorded message.
type Message struct {
	ID        string            `json:"id"`
	Phone     string            `json:"phone"` // masked: 138****5678
	PhoneHash string            `json:"phone_sha256"`
	Template  string            `json:"template"`
	Params    map[string]string `json:"params"`
	Text      string            `json:"text"`
	At        time.Time         `json:"at"`
}

var _ sms.Provider = (*Sink)(nil)

// Options configure a sink.
type Options struct {
	Addr     string            // listen address, e.g. 127.0.0.1:58025 (":0"-style picks a free port)
	File     string            // JSON file keeping the messages; "" keeps them in memory only
	Limit    int               // messages kept; default 500
	SignName string            // shown in 【】 before the text; default GrantFlow
	Texts    map[string]string // template code → text with ${name} (Aliyun) or {1} (Tencent) placeholders
	Now      func() time.Time
}

// Sink records messages and serves them.
type Sink struct {
	opts Options
	mu   sync.Mutex
	msgs []Message // oldest first
	seq  int
	srv  *http.Server
	url  string
}

// New makes a sink that is not listening (use Handler, or Start).
func New(o Options) (*Sink, error) {
	if o.Limit <= 0 {
		o.Limit = 500
	}
	if o.SignName == "" {
		o.SignName = "GrantFlow"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sink{opts: o}
	if o.File != "" {
		b, err := os.ReadFile(o.File)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if err := json.Unmarshal(b, &s.msgs); err != nil {
				return nil, fmt.Errorf("smssink: %s: %w", o.File, err)
			}
			for _, m := range s.msgs {
				if n, err := strconv.Atoi(strings.TrimPrefix(m.ID, "sink-")); err == nil && n > s.seq {
					s.seq = n
				}
			}
		}
	}
	return s, nil
}

// Start serves a memory-only sink on addr until ctx ends.
func Start(ctx context.Context, addr string) (*Sink, error) {
	return StartWith(ctx, Options{Addr: addr})
}

// StartWith serves a sink until ctx ends or Close.
func StartWith(ctx context.Context, o Options) (*Sink, error) {
	s, err := New(o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("smssink: listen %s: %w", o.Addr, err)
	}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = s.Close()
	}()
	return s, nil
}

// URL is where the sink listens (after Start).
func (s *Sink) URL() string { return s.url }

// Close stops the server.
func (s *Sink) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Send records a message: the sink as an sms.Provider.
func (s *Sink) Send(ctx context.Context, phone, templateCode string, params map[string]string) (string, error) {
	p, err := sms.Check("sink", phone, templateCode, params)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	cp := make(map[string]string, len(params))
	for k, v := range params {
		cp[k] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m := Message{ID: "sink-" + strconv.Itoa(s.seq), Phone: sms.MaskPhone(p), PhoneHash: phoneHash(p), Template: templateCode,
		Params: cp, Text: "【" + s.opts.SignName + "】" + s.render(templateCode, cp), At: s.opts.Now().UTC()}
	s.msgs = append(s.msgs, m)
	if len(s.msgs) > s.opts.Limit {
		s.msgs = append([]Message(nil), s.msgs[len(s.msgs)-s.opts.Limit:]...)
	}
	if err := s.save(); err != nil {
		return "", &sms.Error{Provider: "sink", Code: "sink.Save", Phone: m.Phone, Message: err.Error(), Retryable: true}
	}
	return m.ID, nil
}

// Messages are the recorded messages, newest first; phone (the full
// number) or template, when not empty, select.
func (s *Sink) Messages(phone, template string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var h string
	if phone != "" {
		p, _ := sms.NormalizePhone(phone)
		h = phoneHash(p)
	}
	out := []Message{}
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if (h == "" || m.PhoneHash == h) && (template == "" || m.Template == template) {
			out = append(out, m)
		}
	}
	return out
}

// Clear forgets every message.
func (s *Sink) Clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = nil
	return s.save()
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}|\{([0-9]+)\}`)

// render fills the template's text, or lists the parameters when the
// sink has no text for the code.
func (s *Sink) render(code string, params map[string]string) string {
	text, ok := s.opts.Texts[code]
	if !ok {
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + params[k]
		}
		return code + ": " + strings.Join(parts, ", ")
	}
	return placeholder.ReplaceAllStringFunc(text, func(ph string) string {
		m := placeholder.FindStringSubmatch(ph)
		name := m[1] + m[2]
		if v, ok := params[name]; ok {
			return v
		}
		return ph
	})
}

func (s *Sink) save() error {
	if s.opts.File == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.msgs, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.opts.File), 0o755); err != nil {
		return err
	}
	tmp := s.opts.File + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.opts.File)
}

func phoneHash(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

// Handler serves GET / (the page), GET /api/messages[?phone=&template=]
// (JSON, newest first), POST /api/messages (record one, an sms.SinkMessage)
// and DELETE /api/messages (clear).
func (s *Sink) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /api/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"messages": s.Messages(r.URL.Query().Get("phone"), r.URL.Query().Get("template"))})
	})
	mux.HandleFunc("POST /api/messages", func(w http.ResponseWriter, r *http.Request) {
		var m sms.SinkMessage
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&m); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"code": sms.CodeRequestInvalid, "message": "body is not a message"})
			return
		}
		id, err := s.Send(r.Context(), m.Phone, m.Template, m.Params)
		var se *sms.Error
		switch {
		case errors.As(err, &se) && !se.Retryable:
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"code": se.Code, "message": se.Message})
		case err != nil:
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "sink.Unavailable", "message": err.Error()})
		default:
			writeJSON(w, http.StatusOK, map[string]string{"id": id})
		}
	})
	mux.HandleFunc("DELETE /api/messages", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Clear(); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"code": "sink.Save", "message": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var urlRe = regexp.MustCompile(`https?://[^\s<>"'，。；）]+`)

// linkify escapes the text and makes its links clickable (a confirmation
// link in a message is what the developer follows).
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, loc := range urlRe.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:loc[0]]))
		u := template.HTMLEscapeString(text[loc[0]:loc[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = loc[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"linkify": linkify}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>SMS sink · 短信收件箱</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.4em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}
td.t{white-space:pre-wrap}code{font-size:13px}</style></head><body>
<h1>SMS sink · 短信收件箱</h1>
<p>{{len .}} message(s), newest first. Nothing here reaches a phone. JSON: <a href="/api/messages">/api/messages</a></p>
<table><thead><tr><th>#</th><th>Time (UTC)</th><th>Phone</th><th>Template</th><th>Text</th></tr></thead><tbody>
{{range .}}<tr><td>{{.ID}}</td><td>{{.At.Format "2006-01-02 15:04:05"}}</td><td>{{.Phone}}</td><td><code>{{.Template}}</code></td><td class="t">{{linkify .Text}}</td></tr>
{{else}}<tr><td colspan="5">No messages yet.</td></tr>{{end}}
</tbody></table></body></html>
`))

func (s *Sink) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTmpl.Execute(w, s.Messages("", ""))
}
