package domain

import (
	"testing"
	"time"
)

func TestQuarters(t *testing.T) {
	q := QuarterOf(time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC))
	if q.String() != "2026Q4" || q.Label() != "2026年第四季度" {
		t.Fatalf("quarter %v %s", q, q.Label())
	}
	// 31 Dec 20:00 UTC is already 1 Jan in China
	if QuarterOf(time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC)).String() != "2027Q1" {
		t.Fatal("quarter not in China time")
	}
	opens, deadline := q.ReportWindow()
	if opens.Format("2006-01-02") != "2026-12-18" || deadline.Format("2006-01-02") != "2027-01-10" {
		t.Fatalf("window %s – %s", opens, deadline)
	}
	for _, bad := range []string{"2026Q5", "Q4", "2026-4", ""} {
		if _, err := ParseQuarter(bad); err == nil {
			t.Errorf("ParseQuarter(%q) accepted", bad)
		}
	}
	if p, err := ParseQuarter("2026q1"); err != nil || p != (Quarter{2026, 1}) {
		t.Fatalf("ParseQuarter: %v %v", p, err)
	}
}

func TestNeedEntryValidate(t *testing.T) {
	good := NeedEntry{CommunityCode: "120103014001", Category: NeedCaregiverTraining, Urgency: UrgencyHigh,
		Affected: map[ElderCategory]int{ElderDisabled: 12}, Description: "12 户失能老人家属希望学习转移搬运"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(*NeedEntry){
		"category":    func(n *NeedEntry) { n.Category = "x" },
		"urgency":     func(n *NeedEntry) { n.Urgency = "" },
		"affected":    func(n *NeedEntry) { n.Affected = map[ElderCategory]int{ElderDisabled: 0} },
		"description": func(n *NeedEntry) { n.Description = "需要" },
	}
	for field, mutate := range tests {
		n := good
		n.Affected = map[ElderCategory]int{ElderDisabled: 12}
		mutate(&n)
		if e, ok := n.Validate().(*Error); !ok || e.Fields[field] == "" {
			t.Errorf("%s: %v", field, n.Validate())
		}
	}
	n := good
	n.Affected = map[ElderCategory]int{"martians": 3}
	if e, ok := n.Validate().(*Error); !ok || e.Fields["affected"] == "" {
		t.Error("unknown register category accepted")
	}
}

func TestRollUpNeeds(t *testing.T) {
	needs := []Need{
		{NeedEntry: NeedEntry{Category: NeedCaregiverTraining, Urgency: UrgencyHigh, Affected: map[ElderCategory]int{ElderDisabled: 12, ElderVeryOld: 3}}},
		{NeedEntry: NeedEntry{Category: NeedCaregiverTraining, Urgency: UrgencyLow, Affected: map[ElderCategory]int{ElderDisabled: 5}}},
		{NeedEntry: NeedEntry{Category: NeedMealHelp, Urgency: UrgencyHigh, Affected: map[ElderCategory]int{ElderLivingAlone: 8}}},
	}
	r := RollUpNeeds(needs)
	if r.Needs != 3 || r.Urgent != 2 || r.ByCategory[NeedCaregiverTraining] != 2 || r.Affected[ElderDisabled] != 17 || r.Affected[ElderLivingAlone] != 8 {
		t.Fatalf("roll-up %+v", r)
	}
	if empty := RollUpNeeds(nil); empty.Needs != 0 || empty.ByCategory == nil {
		t.Fatalf("empty roll-up %+v", empty)
	}
}
