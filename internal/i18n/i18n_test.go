package i18n

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

type stage string

func (s stage) String() string { return string(s) }

func TestT(t *testing.T) {
	c := newCatalogue(map[string]string{
		"草稿":                 "Draft",
		"征集":                 "Call",
		"共 %v 条，第 %v / %v 页": "%v entries, page %v / %v",
		"征集已处于“%s”阶段，不能再办理此事项。":   "The call is already at \"%s\"; this can no longer be done.",
		"第 %d 行「%s」：%s":           "Row %d \"%s\": %s",
		"姓名为空或超过 30 个字":           "Name is empty or over 30 characters",
		"价格分权重不应超过 30%%，现为 %d%%。": "The price weight must not exceed 30%%; it is %d%%.",
		"出勤达 80% 计满学时":            "80% attendance earns full hours",
		"%v 元":                    "%v yuan",
	})
	for _, tc := range []struct {
		name string
		lang Lang
		key  any
		args []any
		want string
	}{
		{"Chinese is the key", Chinese, "草稿", nil, "草稿"},
		{"Chinese formats", Chinese, "共 %v 条，第 %v / %v 页", []any{12, 1, 2}, "共 12 条，第 1 / 2 页"},
		{"English entry", English, "草稿", nil, "Draft"},
		{"English format", English, "共 %v 条，第 %v / %v 页", []any{12, 1, 2}, "12 entries, page 1 / 2"},
		{"a label argument is translated", English, "%v 元", []any{"征集"}, "Call yuan"},
		{"a Stringer key", English, stage("草稿"), nil, "Draft"},
		{"a built message is matched back", English, "征集已处于“草稿”阶段，不能再办理此事项。", nil, "The call is already at \"Draft\"; this can no longer be done."},
		{"nested messages", English, "第 3 行「姓名」：姓名为空或超过 30 个字", nil, "Row 3 \"姓名\": Name is empty or over 30 characters"},
		{"percent signs in a built message", English, "价格分权重不应超过 30%，现为 40%。", nil, "The price weight must not exceed 30%; it is 40%."},
		{"a literal percent without arguments", English, "出勤达 80% 计满学时", nil, "80% attendance earns full hours"},
		{"data stays as it is", English, "河西区夕阳红社会工作服务中心", nil, "河西区夕阳红社会工作服务中心"},
		{"an unknown format still formats", English, "未知 %v", []any{1}, "未知 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.T(tc.lang, tc.key, tc.args...); got != tc.want {
				t.Errorf("T(%v, %q, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
			}
		})
	}
}

func TestOfAndFormats(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if Of(r) != Chinese {
		t.Error("no cookie: Chinese first")
	}
	r.Header.Set("Cookie", Cookie+"=en")
	if Of(r) != English {
		t.Error("the cookie chooses English")
	}
	r.Header.Set("Cookie", Cookie+"=fr")
	if Of(r) != Chinese {
		t.Error("an unknown language falls back to Chinese")
	}
	d := time.Date(2026, 11, 28, 9, 5, 0, 0, time.UTC)
	for _, tc := range [][2]string{{Chinese.Date(d), "2026年11月28日"}, {English.Date(d), "28 Nov 2026"},
		{Chinese.DateTime(d), "2026年11月28日 09:05"}, {English.DateTime(d), "28 Nov 2026 09:05"}} {
		if tc[0] != tc[1] {
			t.Errorf("%q, want %q", tc[0], tc[1])
		}
	}
}

// The shipped catalogue loads and every format in it has the verbs of its key.
func TestShippedCatalogue(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.en {
		kv, vv := verb.FindAllString(k, -1), verb.FindAllString(v, -1)
		if len(kv) > 0 && !slices.Equal(slices.Sorted(slices.Values(kv)), slices.Sorted(slices.Values(vv))) {
			t.Errorf("%q → %q: the verbs differ", k, v)
		}
	}
}

func BenchmarkMatchBuiltMessage(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c.T(English, "征集已处于“草稿”阶段，不能再办理此事项。请刷新页面查看最新状态。")
	}
}
