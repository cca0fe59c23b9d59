package domain

import (
	"strings"
	"testing"
	"time"
)

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in   string
		want Fen
		ok   bool
	}{
		{"120000", 12000000, true},
		{"120,000", 12000000, true},
		{"120，000.5", 12000050, true},
		{"￥300000.25元", 30000025, true},
		{"0.01", 1, true},
		{"", 0, false},
		{"-5", 0, false},
		{"12万", 0, false},
		{"1.234", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{"1e6", 0, false},
		{"9999999999999", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseYuan(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFenYuan(t *testing.T) {
	tests := []struct {
		in   Fen
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{100, "1.00"},
		{123456789, "1,234,567.89"},
		{100000000, "1,000,000.00"},
		{-250, "-2.50"},
	}
	for _, tc := range tests {
		if got := tc.in.Yuan(); got != tc.want {
			t.Errorf("%d.Yuan() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCallDraftValidate(t *testing.T) {
	good := CallDraft{Title: "失能老年人家庭照护者培训项目", Brand: BrandCunCaoXin, District: "河西区", Budget: 30000000}
	tests := []struct {
		name   string
		mutate func(*CallDraft)
		field  string
	}{
		{"good", func(*CallDraft) {}, ""},
		{"city level", func(d *CallDraft) { d.District = CityLevel }, ""},
		{"empty title", func(d *CallDraft) { d.Title = "" }, "title"},
		{"short title", func(d *CallDraft) { d.Title = "培训" }, "title"},
		{"long title", func(d *CallDraft) { d.Title = strings.Repeat("长", 121) }, "title"},
		{"unknown brand", func(d *CallDraft) { d.Brand = "other" }, "brand"},
		{"unknown district", func(d *CallDraft) { d.District = "朝阳区" }, "district"},
		{"zero budget", func(d *CallDraft) { d.Budget = 0 }, "budget_fen"},
		{"huge budget", func(d *CallDraft) { d.Budget = MaxBudget + 1 }, "budget_fen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			tc.mutate(&d)
			err := d.Normalize(DefaultRules).Validate(DefaultRules)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeInvalid {
				t.Fatalf("want invalid error, got %v", err)
			}
			if e.Fields[tc.field] == "" {
				t.Fatalf("want message for %s, got %v", tc.field, e.Fields)
			}
			if len(e.Fields) != 1 {
				t.Fatalf("want only %s at fault, got %v", tc.field, e.Fields)
			}
		})
	}
}

func TestNormalizeCollapsesSpaces(t *testing.T) {
	d := CallDraft{Title: "  手足情   结对 \t 助老  ", District: " 南开区 "}.Normalize(DefaultRules)
	if d.Title != "手足情 结对 助老" || d.District != "南开区" {
		t.Fatalf("got %q %q", d.Title, d.District)
	}
}

func TestValidDistrictCoversSixteen(t *testing.T) {
	if len(TianjinDistricts) != 16 {
		t.Fatalf("Tianjin has 16 districts, list has %d", len(TianjinDistricts))
	}
	for _, d := range TianjinDistricts {
		if !ValidDistrict(d) {
			t.Errorf("%s not valid", d)
		}
	}
}

func TestValidateNewArea(t *testing.T) {
	hexi := Area{Code: "120103", Name: "河西区", Level: LevelDistrict}
	street := Area{Code: "120103014", Name: "友谊路街道", Level: LevelStreet, ParentCode: "120103"}
	tests := []struct {
		name   string
		a      Area
		parent Area
		field  string
	}{
		{"street in district", street, hexi, ""},
		{"community in street", Area{Code: "120103014001", Name: "平江里社区", Level: LevelCommunity}, street, ""},
		{"community directly in district", Area{Code: "120103999", Name: "某社区", Level: LevelCommunity}, hexi, "level"},
		{"code of another district", Area{Code: "120104001", Name: "某街道", Level: LevelStreet}, hexi, "code"},
		{"letters in code", Area{Code: "120103A01", Name: "某街道", Level: LevelStreet}, hexi, "code"},
		{"empty name", Area{Code: "120103015", Name: " ", Level: LevelStreet}, hexi, "name"},
	}
	for _, tc := range tests {
		err := ValidateNewArea(tc.a, tc.parent)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if e, ok := err.(*Error); !ok || e.Fields[tc.field] == "" {
			t.Errorf("%s: want a message for %s, got %v", tc.name, tc.field, err)
		}
	}
}

func TestVolunteerGuardianAndImportRow(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, ChinaTime)
	all := func(string) (bool, string) { return true, "" }
	pupil := VolunteerEntry{Name: "张小雨", Phone: "13812345678", BirthYear: 2014, CommunityCode: "120103014001", Brand: BrandCunCaoXin, Consent: true}
	if f := FieldsOf(pupil.Validate(now)); f["guardian_name"] == "" || f["guardian_relation"] == "" {
		t.Errorf("a 12-year-old without a guardian: %v", f)
	}
	pupil.GuardianName, pupil.GuardianRelation = "张伟", "父亲"
	if err := pupil.Validate(now); err != nil {
		t.Errorf("with a guardian: %v", err)
	}
	adult := VolunteerEntry{Name: "李大伟", Phone: "13812345678", BirthYear: 1962, CommunityCode: "120103014001", Brand: BrandShouZuQing}
	if f := FieldsOf(adult.Validate(now)); f["consent"] == "" || f["guardian_name"] != "" {
		t.Errorf("an adult without consent: %v", f)
	}
	for _, c := range []struct {
		cells []string
		want  []string // "column: reason fragment"
	}{
		{[]string{"李大伟", "13812345678", "1962", "120103014001", "手足情", "", "", "", "是"}, nil},
		{[]string{"张小雨", "13812345678", "2014", "120103014001", "寸草心", "", "", "", "是"}, []string{"监护人姓名", "监护人关系"}},
		{[]string{"王", "1381234", "二〇一二", "120103014001", "夕阳红", "12345", "", "", ""}, []string{"姓名", "手机号", "出生年份", "品牌", "志愿服务组织代码", "已同意"}},
	} {
		_, probs := ParseVolunteerRow(5, c.cells, now, all)
		var cols []string
		for _, p := range probs {
			if p.Row != 5 {
				t.Errorf("row %d", p.Row)
			}
			cols = append(cols, p.Column)
		}
		if strings.Join(cols, ",") != strings.Join(c.want, ",") {
			t.Errorf("%v: problems in %v, want %v (%v)", c.cells, cols, c.want, probs)
		}
	}
}

func TestOCDSReleases(t *testing.T) {
	at := time.Date(2026, 9, 1, 9, 30, 0, 0, ChinaTime)
	c := Call{Number: "ZJ2026-000001", Title: "照护者培训", Budget: 300000_00, Stage: StageFailed, PublishedAt: at, BidDeadline: at.AddDate(0, 0, 20),
		OpenedAt: at.AddDate(0, 0, 20), UpdatedAt: at.AddDate(0, 0, 20), Plan: Plan{Mode: ModeConsultation}}
	rs := OCDSReleases(OCDSDefaultPrefix, c, nil, "天津市河西区民政局", []OCDSOrg{{OrgID: 7, Name: "夕阳红社工中心"}}, nil)
	if len(rs) != 2 || rs[0].Tag[0] != "tender" || rs[1].Tag[0] != "tenderUpdate" || rs[1].Tender.Status != "unsuccessful" || rs[0].Tender.Status != "active" ||
		rs[0].Tender.ProcurementMethod != "selective" || rs[1].Tender.NumberOfTenderers != nil || rs[0].OCID != OCDSDefaultPrefix+"-ZJ2026-000001" {
		t.Fatalf("a failed call: %+v", rs)
	}
	c.Stage, c.AwardedAt, c.Plan.Mode = StageAwarded, at.AddDate(0, 1, 0), ModeCompetition
	award := Award{ID: "a1", OrgID: 7, OrgName: "夕阳红社工中心", Amount: 260000_00, CreatedAt: c.AwardedAt}
	terms := ContractTerms{StartsOn: at.AddDate(0, 2, 0), TermMonths: 12}
	p := Project{Number: "XM2026-000001", Title: c.Title, OrgID: 7, OrgName: "夕阳红社工中心", Amount: 260000_00, Stage: ProjectDelivery,
		SignedAt: at.AddDate(0, 1, 10), Terms: &terms}
	paid := []TrancheState{{Index: 0, Amount: 78000_00, PaidAt: at.AddDate(0, 1, 20)}, {Index: 1, Amount: 104000_00}}
	bidders := []OCDSOrg{{OrgID: 7, Name: "夕阳红社工中心"}, {OrgID: 8, Name: "乐龄社"}, {OrgID: 9, Name: "友邻会"}}
	rs = OCDSReleases(OCDSDefaultPrefix, c, nil, "天津市河西区民政局", bidders, []OCDSProject{{Award: award, Project: &p, Tranches: paid}})
	var tags []string
	for _, r := range rs {
		tags = append(tags, r.Tag[0])
	}
	last := rs[len(rs)-1]
	if strings.Join(tags, ",") != "tender,award,contract,implementation" || last.Contracts[0].Status != "active" ||
		len(last.Contracts[0].Implementation.Transactions) != 1 || last.Contracts[0].Implementation.Transactions[0].Value.Amount != 78000 ||
		last.Tender.Status != "complete" || last.Awards[0].Suppliers[0].Name != "夕阳红社工中心" || !last.Date.Equal(paid[0].PaidAt) {
		t.Fatalf("an awarded call: %+v", rs)
	}
	// Unsigned: no contract release yet.
	p.SignedAt = time.Time{}
	if rs := OCDSReleases(OCDSDefaultPrefix, c, nil, "x", bidders, []OCDSProject{{Award: award, Project: &p}}); len(rs) != 2 {
		t.Fatalf("before signing: %d releases", len(rs))
	}
}
