package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/domain"
	"grantflow/internal/i18n"
	"grantflow/internal/report"
)

// views holds the templates (parsed once at start) and the static files with
// their content hashes (so URLs change when files do, and can be cached).
// Each page is parsed once per language: the language's T, date and
// datetime are bound into its functions.
type views struct {
	pages  map[i18n.Lang]map[string]*template.Template
	hashes map[string]string
	cat    *i18n.Catalogue
}

func newViews(cat *i18n.Catalogue) (*views, error) {
	v := &views{pages: map[i18n.Lang]map[string]*template.Template{}, hashes: map[string]string{}, cat: cat}
	if err := v.hashStatic(); err != nil {
		return nil, err
	}
	funcs := v.funcs()
	for _, l := range []i18n.Lang{i18n.Chinese, i18n.English} {
		funcs["T"] = func(key any, args ...any) string { return cat.T(l, key, args...) }
		funcs["date"] = func(t time.Time) string { return l.Date(t.In(domain.ChinaTime)) }
		funcs["datetime"] = func(t time.Time) string { return l.DateTime(t.In(domain.ChinaTime)) }
		funcs["lang"] = func() i18n.Lang { return l }
		pages, err := parsePages(funcs)
		if err != nil {
			return nil, err
		}
		v.pages[l] = pages
	}
	return v, nil
}

// hashStatic notes a short digest of every static file, for URLs that
// change when the file does.
func (v *views) hashStatic() error {
	return fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.hashes[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
}

// funcs are the template functions every language shares (T, date,
// datetime and lang are bound per language in newViews).
func (v *views) funcs() template.FuncMap {
	return template.FuncMap{
		"static": func(name string) (string, error) {
			h, ok := v.hashes[name]
			if !ok {
				return "", fmt.Errorf("no static file %s", name)
			}
			return "/static/" + name + "?v=" + h, nil
		},
		"yuan":  func(f domain.Fen) string { return f.Yuan() },
		"size":  humanSize,
		"short": func(s string) string { return s[:min(len(s), 12)] },
		"add":   func(a, b int) int { return a + b },
		"deref": func(b *bool) bool { return b != nil && *b },
		"hhmm":  func(t time.Time) string { return t.In(domain.ChinaTime).Format("15:04") },
		"float": func(n int) float64 { return float64(n) },
		// subkey derives one form's idempotency key from the page's key (a
		// page with several forms of one kind: scores, answers).
		"subkey": func(key, part string) string {
			k, err := uuid.Parse(key)
			if err != nil {
				return key
			}
			return uuid.NewSHA1(k, []byte(part)).String()
		},
		// stages are the lifecycle steps the stepper shows (final outcomes
		// other than the award are shown by the stage badge).
		"stages": func() []domain.CallStage { return domain.CallStages[:10] },
		"stageBefore": func(a, b domain.CallStage) bool {
			ia, ib := slices.Index(domain.CallStages, a), slices.Index(domain.CallStages, b)
			return ia >= 0 && ib >= 0 && ia < ib && ib < 10
		},
		"hasPrefix": strings.HasPrefix,
		"stepLabel": func(step string) string {
			return map[string]string{"submit": "提交发布审核", "publish": "发布审核", "civil": "民政审批", "finance": "财政审批"}[step]
		},
		"sub": func(a, b int) int { return a - b },
		// pdfMissing names the characters of texts a PDF draws as 〓
		// (its fonts lack them), "" when it draws them all.
		"pdfMissing": func(texts ...string) string { return report.DescribeUndrawable(report.Undrawable(texts...)) },
		"dict":       dict,
	}
}

// dict builds a map from key-value pairs, to pass several values to a
// partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key-value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// parsePages parses every page with the layout and the partials.
func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	const layout, partials = "templates/layout.html", "templates/partials.html"
	pages, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		if p == layout || p == partials {
			continue
		}
		t, err := template.New(path.Base(p)).Funcs(funcs).ParseFS(assets, p, layout, partials)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", p, err)
		}
		for _, name := range []string{"layout", "content"} {
			if t.Lookup(name) == nil {
				return nil, fmt.Errorf("template %s: %q is not defined", p, name)
			}
		}
		out[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return out, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// render executes page into a buffer first, so a template error never sends
// half a page.
func (v *views) render(w http.ResponseWriter, l i18n.Lang, status int, page string, data any) error {
	t, ok := v.pages[l][page]
	if !ok {
		return fmt.Errorf("no page %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// renderFragment executes a named template block (for htmx swaps).
func (v *views) renderFragment(w http.ResponseWriter, l i18n.Lang, page, block string, data any) error {
	var buf bytes.Buffer
	if err := v.pages[l][page].ExecuteTemplate(&buf, block, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := buf.WriteTo(w)
	return err
}

func (v *views) staticHandler() http.Handler {
	sub, _ := fs.Sub(assets, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}
