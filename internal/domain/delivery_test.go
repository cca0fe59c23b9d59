package domain

import (
	"strings"
	"testing"
	"time"
)

func TestCreditedHours(t *testing.T) {
	s := TrainingSession{StartsAt: cst("2027-03-01 09:00"), EndsAt: cst("2027-03-01 11:00"), Hours: 2}
	for _, tc := range []struct {
		in, out string
		want    float64
	}{
		{"2027-03-01 08:50", "2027-03-01 11:05", 2},   // whole session
		{"2027-03-01 09:20", "2027-03-01 11:00", 2},   // 83 %: full hours
		{"2027-03-01 09:00", "2027-03-01 10:00", 1},   // half
		{"2027-03-01 10:20", "2027-03-01 11:00", 0.5}, // 33 % of 2 = 0.67 → 0.5
		{"2027-03-01 10:50", "2027-03-01 11:00", 0},   // 8 % → 0
		{"2027-03-01 11:10", "2027-03-01 11:30", 0},   // after the end
		{"2027-03-01 10:00", "", 0},                   // no sign-out
	} {
		in, _ := time.ParseInLocation("2006-01-02 15:04", tc.in, ChinaTime)
		out, _ := time.ParseInLocation("2006-01-02 15:04", tc.out, ChinaTime)
		if got := CreditedHours(s, in, out); got != tc.want {
			t.Errorf("%s–%s: %v, want %v", tc.in, tc.out, got, tc.want)
		}
	}
}

func TestSessionAndTraineeRules(t *testing.T) {
	terms := ContractTerms{Deliverables: Deliverables{Modules: DefaultModules}, StartsOn: cst("2027-01-01 00:00"), TermMonths: 12}
	ok := TrainingSession{Module: "压疮预防", StartsAt: cst("2027-03-01 09:00"), EndsAt: cst("2027-03-01 11:00"), Place: "平江里社区活动室", Trainer: "韩雪", Hours: 2}
	if err := ValidateSession(ok, terms); err != nil {
		t.Fatal(err)
	}
	late := ok
	late.StartsAt, late.EndsAt = cst("2028-03-01 09:00"), cst("2028-03-01 11:00")
	if fe := FieldsOf(ValidateSession(late, terms)); !strings.Contains(fe["starts_at"], "服务期内") {
		t.Errorf("a session after the term: %v", fe)
	}
	other := ok
	other.Module = "广场舞"
	if fe := FieldsOf(ValidateSession(other, terms)); fe["module"] == "" {
		t.Error("a module outside the contract was accepted")
	}
	day := cst("2027-02-01 10:00")
	adult := TraineeEntry{Name: "李秀英", IDNumber: "11010519491231002X", Relation: "配偶", Community: "平江里社区", Consent: true}
	if err := adult.Validate(day); err != nil {
		t.Fatal(err)
	}
	// A 寸草心 pupil (born 2016) needs a guardian's consent.
	pupil := TraineeEntry{Name: "张小雨", IDNumber: "120103201605060028", Relation: "孙子女", Community: "平江里社区", Consent: true}
	check, _ := IDCardCheckChar(pupil.IDNumber[:17])
	pupil.IDNumber = pupil.IDNumber[:17] + string(check)
	if fe := FieldsOf(pupil.Validate(day)); !strings.Contains(fe["guardian_name"], "监护人") {
		t.Errorf("an under-14 trainee without a guardian: %v", fe)
	}
	pupil.GuardianName, pupil.GuardianRelation = "张伟", "父亲"
	if err := pupil.Validate(day); err != nil {
		t.Errorf("with a guardian: %v", err)
	}
	noConsent := adult
	noConsent.Consent = false
	if fe := FieldsOf(noConsent.Validate(day)); fe["consent"] == "" {
		t.Error("no consent accepted")
	}
}

func TestParseAttendanceRow(t *testing.T) {
	sessions := map[int64]TrainingSession{7: {ID: 7, StartsAt: cst("2027-03-01 09:00"), EndsAt: cst("2027-03-01 11:00"), Hours: 2},
		9: {ID: 9, StartsAt: cst("2027-03-05 09:00"), EndsAt: cst("2027-03-05 11:00"), Hours: 2}}
	trainees := map[int64]bool{3: true}
	if p, probs := ParseAttendanceRow(2, []string{"7", "3", "2027-03-01 09:05", "2027-03-01 11:00"}, sessions, trainees, cst("2027-03-02 00:00")); len(probs) != 0 || p.Hours != 2 {
		t.Fatalf("a good row: %+v %v", p, probs)
	}
	for _, tc := range []struct {
		cells  []string
		column string
		says   string
	}{
		{[]string{"8", "3", "2027-03-01 09:05", ""}, "场次编号", "没有编号为 8"},
		{[]string{"7", "x", "2027-03-01 09:05", ""}, "学员编号", "数字"},
		{[]string{"7", "4", "2027-03-01 09:05", ""}, "学员编号", "没有编号为 4"},
		{[]string{"7", "3", "明天上午", ""}, "签到时间", "不是时间"},
		{[]string{"7", "3", "", ""}, "签到时间", "不能为空"},
		{[]string{"7", "3", "2027-03-01 10:00", "2027-03-01 09:00"}, "签退时间", "应晚于"},
		{[]string{"7", "3", "2027-03-02 09:00", ""}, "签到时间", "不在该场次"},
		{[]string{"9", "3", "2027-03-01 09:05", ""}, "场次编号", "尚未开始"},
	} {
		_, probs := ParseAttendanceRow(5, tc.cells, sessions, trainees, cst("2027-03-02 00:00"))
		if len(probs) == 0 || probs[0].Row != 5 || probs[0].Column != tc.column || !strings.Contains(probs[0].Reason, tc.says) {
			t.Errorf("%v: %+v, want %s saying %q", tc.cells, probs, tc.column, tc.says)
		}
	}
}

func TestProgressReportRules(t *testing.T) {
	terms := ContractTerms{StartsOn: cst("2027-01-01 00:00"), TermMonths: 12}
	day := cst("2027-03-15 10:00")
	summary := "本月举办培训三场，登记学员四十名，累计学时一百二十。"
	for _, tc := range []struct {
		month, field string
	}{
		{"2027-03", ""}, {"2027-01", ""}, {"2027-04", "month"}, {"2026-11", "month"}, {"三月", "month"},
	} {
		err := ValidateProgressReport(ProgressReport{Month: tc.month, Summary: summary}, terms, day)
		if fe := FieldsOf(err); (tc.field == "") != (err == nil) || (tc.field != "" && fe[tc.field] == "") {
			t.Errorf("%s: %v", tc.month, err)
		}
	}
	if fe := FieldsOf(ValidateProgressReport(ProgressReport{Month: "2027-03", Summary: "短"}, terms, day)); fe["summary"] == "" {
		t.Error("a one-word summary was accepted")
	}
}
