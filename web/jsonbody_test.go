package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"grantflow/internal/domain"
)

// What an integrator sees for a body the server cannot read: the field,
// what was expected and what came, in Chinese — never the decoder's Go
// message ("json: cannot unmarshal string into Go struct field …",
// "unexpected EOF", `parsing time "yesterday" as "2006-01-02T15:04:05Z07:00"`).
func TestJSONBodyRefusalsSayWhatToFix(t *testing.T) {
	type item struct {
		Name string `json:"name"`
	}
	type body struct {
		Title   string     `json:"title"`
		Budget  domain.Fen `json:"budget_fen"`
		Count   int        `json:"count"`
		Score   float64    `json:"score"`
		Consent bool       `json:"consent"`
		Starts  time.Time  `json:"starts_on"`
		Team    []item     `json:"team"`
	}
	for _, c := range []struct {
		name, body string
		field      string // named in the fields ("" when the body as a whole is wrong)
		says       []string
	}{
		{"empty", ``, "", []string{"请求体为空"}},
		{"cut short", `{"title": "培训`, "", []string{"不完整"}},
		{"not JSON", `title=培训`, "", []string{"不是有效的 JSON", "个字节附近"}},
		{"a string for a number", `{"budget_fen": "三十万"}`, "budget_fen", []string{"字段“budget_fen”应为整数，收到的是文本"}},
		{"a fraction for an integer", `{"count": 1.5}`, "count", []string{"字段“count”应为整数，收到的是数字 1.5"}},
		{"a number for text", `{"title": 12}`, "title", []string{"字段“title”应为文本，收到的是数字"}},
		{"text for a boolean", `{"consent": "yes"}`, "consent", []string{"字段“consent”应为布尔值（true 或 false）"}},
		{"an object for an array", `{"team": {"name": "王芳"}}`, "team", []string{"字段“team”应为数组，收到的是对象"}},
		{"nested", `{"team": [{"name": 7}]}`, "team.name", []string{"字段“team.name”应为文本"}},
		{"a word for a date", `{"starts_on": "yesterday"}`, "starts_on", []string{"字段“starts_on”应为日期时间文本", "RFC 3339", "“yesterday”"}},
		{"a word for a nested date", `{"team": [{"name": "王芳"}], "starts_on": "明天"}`, "starts_on", []string{"“明天”"}},
		{"a number for a date", `{"starts_on": 20261201}`, "", []string{"日期时间应为 RFC 3339 格式的文本"}},
		{"unknown field", `{"titel": "培训"}`, "titel", []string{"字段“titel”没有这个字段"}},
		{"an array for the body", `[1, 2]`, "", []string{"请求体应为对象，收到的是数组"}},
		{"two objects", `{"title": "a"} {"title": "b"}`, "", []string{"多余的内容"}},
		{"too big", `{"title": "` + strings.Repeat("长", maxJSONBody/3+1) + `"}`, "", []string{"超过 1 MB"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v body
			err := decodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(c.body)), &v)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := domain.ErrorMessage(err)
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Errorf("code %s", domain.ErrorCode(err))
			}
			for _, want := range c.says {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			for _, internal := range []string{"json:", "Go struct", "unexpected EOF", "2006-01-02", "cannot unmarshal", "invalid character"} {
				if strings.Contains(msg, internal) {
					t.Errorf("message %q shows Go internals (%q)", msg, internal)
				}
			}
			if c.field != "" {
				if f := domain.FieldsOf(err); f[c.field] == "" {
					t.Errorf("fields %v do not name %q", f, c.field)
				}
			}
		})
	}
}
