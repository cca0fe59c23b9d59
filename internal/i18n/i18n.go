// Package i18n translates the interface from Chinese, the language it is
// written in, to English. The Chinese text is the key (the templates and
// messages read as they are shown); en.json maps each key to its English.
// Keys with arguments are fmt formats ("共 %v 条"). Messages built elsewhere
// with fmt (errors, field errors, notices) are matched back to their format
// and translated with their arguments.
package i18n

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Lang is a language of the interface.
type Lang string

// The interface languages.
const (
	Chinese Lang = "zh"
	English Lang = "en"
)

// Cookie is the cookie that keeps a person's choice of language.
const Cookie = "lang"

// Of is the language a request asks for: Chinese unless the person chose
// English.
func Of(r *http.Request) Lang {
	if c, err := r.Cookie(Cookie); err == nil && Lang(c.Value) == English {
		return English
	}
	return Chinese
}

// HTML is the language's tag for the html element.
func (l Lang) HTML() string {
	if l == English {
		return "en"
	}
	return "zh-CN"
}

// Date formats a day the way the language writes it.
func (l Lang) Date(t time.Time) string {
	if l == English {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2006年1月2日")
}

// DateTime formats a moment to the minute.
func (l Lang) DateTime(t time.Time) string {
	if l == English {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("2006年1月2日 15:04")
}

//go:embed en.json
var enJSON []byte

// Catalogue holds the English of every key, and the formats compiled for
// matching built messages back.
type Catalogue struct {
	en       map[string]string
	patterns []pattern
}

type pattern struct {
	re     *regexp.Regexp
	format string // the English, every verb made %s
}

// Load reads the catalogue (once per process).
func Load() (*Catalogue, error) {
	var en map[string]string
	if err := json.Unmarshal(enJSON, &en); err != nil {
		return nil, fmt.Errorf("i18n: en.json: %w", err)
	}
	return newCatalogue(en), nil
}

func newCatalogue(en map[string]string) *Catalogue {
	c := &Catalogue{en: en}
	for k, v := range c.en {
		if p, ok := compile(k, v); ok {
			c.patterns = append(c.patterns, p)
		}
	}
	// The most specific first: the longest fixed text.
	slices.SortFunc(c.patterns, func(a, b pattern) int {
		if d := len(b.re.String()) - len(a.re.String()); d != 0 {
			return d
		}
		return strings.Compare(a.re.String(), b.re.String())
	})
	return c
}

var (
	verb    = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[vdsfqx]|%%`)
	indexed = regexp.MustCompile(`^%(\[\d+\])`)
)

// compile makes a format key into a pattern when it has a verb and enough
// fixed Chinese text not to match everything.
func compile(key, en string) (pattern, bool) {
	locs := verb.FindAllStringIndex(key, -1)
	fixed, han := "", 0
	var re strings.Builder
	re.WriteString("^")
	last, verbs := 0, 0
	for _, l := range locs {
		lit := key[last:l[0]]
		fixed += lit
		re.WriteString(regexp.QuoteMeta(lit))
		if key[l[0]:l[1]] == "%%" {
			re.WriteString("%")
		} else {
			if strings.HasPrefix(key[l[0]:], "%[") {
				return pattern{}, false // reordered arguments in a key: not matched back
			}
			re.WriteString("(.+?)")
			verbs++
		}
		last = l[1]
	}
	fixed += key[last:]
	re.WriteString(regexp.QuoteMeta(key[last:]))
	re.WriteString("$")
	for _, r := range fixed {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	if verbs == 0 || han < 2 {
		return pattern{}, false
	}
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return pattern{}, false
	}
	return pattern{re: rx, format: verb.ReplaceAllStringFunc(en, func(v string) string {
		if v == "%%" {
			return v
		}
		if m := indexed.FindStringSubmatch(v); m != nil {
			return "%" + m[1] + "s"
		}
		return "%s"
	})}, true
}

// T translates key into the language; args fill the format's verbs. In
// Chinese it is the key itself (formatted). In English: the catalogue's
// entry; a message built from a known format is translated with its
// arguments; anything else stays as it is (names and other data).
func (c *Catalogue) T(l Lang, key any, args ...any) string {
	k, ok := key.(string)
	if !ok {
		k = fmt.Sprint(key)
	}
	if l != English {
		if len(args) == 0 {
			return k
		}
		return fmt.Sprintf(k, args...)
	}
	if len(args) == 0 {
		return c.translate(k, 2)
	}
	args = slices.Clone(args) // the caller's arguments stay as they were
	for i, a := range args {
		var s string
		switch a := a.(type) {
		case string:
			s = a
		case fmt.Stringer:
			s = a.String()
		default:
			continue
		}
		if en := c.translate(s, 1); en != s {
			args[i] = en
		}
	}
	if en, ok := c.en[k]; ok {
		return fmt.Sprintf(en, args...)
	}
	return fmt.Sprintf(k, args...)
}

// translate finds s in the catalogue, or the format it was built from
// (depth bounds messages built from messages).
func (c *Catalogue) translate(s string, depth int) string {
	if en, ok := c.en[s]; ok {
		return en
	}
	if depth == 0 || !hasHan(s) {
		return s
	}
	for _, p := range c.patterns {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, g := range m[1:] {
			args[i] = c.translate(g, depth-1)
		}
		return fmt.Sprintf(p.format, args...)
	}
	return s
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Has reports whether the catalogue has an English entry for key.
func (c *Catalogue) Has(key string) bool {
	_, ok := c.en[key]
	return ok
}
