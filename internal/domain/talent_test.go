package domain

import (
	"testing"
	"time"
)

func TestTalentTiesForRecusal(t *testing.T) {
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, ChinaTime)
	ym := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, ChinaTime) }
	tal := TalentEntry{
		Employment: []Employment{
			{Employer: "河西区夕阳红社会工作服务中心", USCC: "52120103MJ0000001T", From: ym(2019, 3), To: ym(2024, 6)},
			{Employer: "南开区乐龄志愿服务协会", USCC: "52120103MJ0000002X", From: ym(2015, 1), To: ym(2023, 10)},
			{Employer: "天津医科大学", From: ym(2024, 7)},
		},
		Relations: []Relation{{USCC: "91350100M000100Y43", Note: "配偶任该公司法定代表人"}},
	}
	tests := []struct {
		uscc string
		ties int
	}{
		{"52120103MJ0000001T", 1}, // left in 2024: within three years
		{"52120103MJ0000002X", 0}, // left October 2023: more than three years before November 2026
		{"91350100M000100Y43", 1}, // declared relation
		{"91110000600037341L", 0},
	}
	for _, tc := range tests {
		if got := tal.TiesTo(tc.uscc, day); len(got) != tc.ties {
			t.Errorf("TiesTo(%s) = %v, want %d ties", tc.uscc, got, tc.ties)
		}
	}
}

func TestTalentValidate(t *testing.T) {
	good := TalentEntry{Kind: TalentExpert, Name: "赵华", Level: LevelCity, District: CityLevel,
		Fields: []ExpertField{"nursing"}, Phone: "13912345678", Available: true}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(*TalentEntry){
		"fields":     func(x *TalentEntry) { x.Fields = nil },
		"district":   func(x *TalentEntry) { x.District = "河西区" }, // city level needs 市本级
		"phone":      func(x *TalentEntry) { x.Phone = "12345" },
		"employment": func(x *TalentEntry) { x.Employment = []Employment{{Employer: "某单位", USCC: "BAD"}} },
		"relations":  func(x *TalentEntry) { x.Relations = []Relation{{USCC: "123"}} },
		"kind":       func(x *TalentEntry) { x.Kind = "boss" },
	}
	for field, mutate := range tests {
		x := good
		mutate(&x)
		if e, ok := x.Validate().(*Error); !ok || e.Fields[field] == "" {
			t.Errorf("%s: %v", field, x.Validate())
		}
	}
}
