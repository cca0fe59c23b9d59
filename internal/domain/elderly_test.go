package domain

import (
	"strings"
	"testing"
	"time"
)

func TestParseElderRowNamesEveryProblem(t *testing.T) {
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, ChinaTime)
	inScope := func(c string) (bool, string) {
		if strings.HasPrefix(c, "120103014") && len(c) == 12 {
			return true, ""
		}
		return false, "社区代码不存在或不在您的辖区"
	}
	good := []string{"张桂兰", "11010519491231002x", "13812345678", "120103014001", "失能、独居", "平江里 3 号楼 2 门 301"}
	r, probs := ParseElderRow(2, good, today, inScope)
	if len(probs) != 0 || r.IDCard != "11010519491231002X" || len(r.Categories) != 2 || r.Categories[0] != ElderDisabled {
		t.Fatalf("good row: %+v %v", r, probs)
	}
	tests := []struct {
		name   string
		cells  []string
		column string
		reason string
	}{
		{"bad check digit", []string{"张桂兰", "110105194912310029", "", "120103014001", "失能"}, "身份证号", "校验位"},
		{"too young", []string{"李明", "120103199001011234", "", "120103014001", "失能"}, "身份证号", ""},
		{"phone", []string{"张桂兰", "11010519491231002X", "022-1234", "120103014001", "失能"}, "手机号", "11 位"},
		{"community elsewhere", []string{"张桂兰", "11010519491231002X", "", "120104001001", "失能"}, "社区代码", "辖区"},
		{"unknown category", []string{"张桂兰", "11010519491231002X", "", "120103014001", "失能、长寿"}, "类别", "长寿"},
		{"no category", []string{"张桂兰", "11010519491231002X", "", "120103014001", ""}, "类别", ""},
		{"no name", []string{"", "11010519491231002X", "", "120103014001", "失能"}, "姓名", ""},
	}
	for _, tc := range tests {
		_, probs := ParseElderRow(7, tc.cells, today, inScope)
		found := false
		for _, p := range probs {
			if p.Row == 7 && p.Column == tc.column && strings.Contains(p.Reason, tc.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: problems %v lack row 7 column %s (%s)", tc.name, probs, tc.column, tc.reason)
		}
	}
}

func TestVisitsAndHours(t *testing.T) {
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, ChinaTime)
	good := VisitEntry{PairID: 1, Kind: "home_visit", VisitedAt: now.Add(-time.Hour), Minutes: 90}
	if err := good.Validate(now); err != nil {
		t.Fatal(err)
	}
	for field, mutate := range map[string]func(*VisitEntry){
		"kind":       func(v *VisitEntry) { v.Kind = "party" },
		"visited_at": func(v *VisitEntry) { v.VisitedAt = now.Add(time.Hour) },
		"minutes":    func(v *VisitEntry) { v.Minutes = 9 * 60 },
	} {
		v := good
		mutate(&v)
		if e, ok := v.Validate(now).(*Error); !ok || e.Fields[field] == "" {
			t.Errorf("%s: %v", field, v.Validate(now))
		}
	}
	for minutes, want := range map[int]float64{60: 1, 90: 1.5, 45: 0.7, 5: 0} {
		if got := Hours(minutes); got != want {
			t.Errorf("Hours(%d) = %v, want %v", minutes, got, want)
		}
	}
}

// BenchmarkParseElderRows checks 100,000 register rows (the pure part of an
// import; reading the workbook and COPY come on top).
func BenchmarkParseElderRows(b *testing.B) {
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, ChinaTime)
	inScope := func(string) (bool, string) { return true, "" }
	cells := []string{"张桂兰", "11010519491231002X", "13812345678", "120103014001", "失能、独居", "平江里 3 号楼 2 门 301"}
	for b.Loop() {
		for i := 0; i < 100000; i++ {
			if _, probs := ParseElderRow(i+2, cells, today, inScope); len(probs) > 0 {
				b.Fatal(probs)
			}
		}
	}
}

func TestImportProgressPercent(t *testing.T) {
	for _, tc := range []struct {
		p    ImportProgress
		want int
	}{
		{ImportProgress{}, 0},
		{ImportProgress{Phase: "checking", Done: 0, Total: 30000}, 0},
		{ImportProgress{Phase: "checking", Done: 15000, Total: 30000}, 45},
		{ImportProgress{Phase: "checking", Done: 30000, Total: 30000}, 90},
		{ImportProgress{Phase: "writing", Done: 30000, Total: 30000}, 95},
	} {
		if got := tc.p.Percent(); got != tc.want {
			t.Errorf("%+v: %d, want %d", tc.p, got, tc.want)
		}
	}
}
