package domain

import (
	"strings"
	"testing"
	"time"
)

func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ChinaTime)
	if err != nil {
		panic(err)
	}
	return t
}

func cal2026() Calendar { return NewCalendar(Schedule2026(), []int{2026}) }

func TestWorkingDays(t *testing.T) {
	c := cal2026()
	for _, tc := range []struct {
		day  string
		want bool
	}{
		{"2026-01-01 10:00", false}, {"2026-01-04 10:00", true}, {"2026-02-14 10:00", true}, {"2026-02-16 10:00", false},
		{"2026-02-28 10:00", true}, {"2026-10-08 10:00", true}, {"2026-10-10 10:00", true}, {"2026-11-28 10:00", false},
		{"2026-11-30 10:00", true}, {"2027-01-01 10:00", true}, // 2027 not loaded: Monday–Friday fallback
	} {
		if got := c.Working(cst(tc.day)); got != tc.want {
			t.Errorf("Working(%s) = %v, want %v", tc.day, got, tc.want)
		}
	}
	if c.FallbackNote(cst("2027-03-01 10:00")) == "" || c.FallbackNote(cst("2026-03-01 10:00")) != "" {
		t.Error("fallback note wrong")
	}
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-09-30 10:00", 1, "2026-10-08 17:30"}, // National Day off 1–7 Oct
		{"2026-02-13 10:00", 2, "2026-02-24 17:30"},
		{"2026-11-27 10:00", 5, "2026-12-04 17:30"},
		{"2026-11-27 10:00", 0, "2026-11-27 10:00"},
	} {
		if got := c.AddWorkingDays(cst(tc.from), tc.n); !got.Equal(cst(tc.want)) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got.In(ChinaTime).Format("2006-01-02 15:04"), tc.want)
		}
	}
}

func TestBidDeadlines(t *testing.T) {
	c := cal2026()
	r := DefaultRules
	for _, tc := range []struct {
		mode      Mode
		published string
		want      string
	}{
		// 20 days from 10 Sep 15:00 is 30 Sep 15:00: 09:30 that day is too
		// soon, and 1–7 Oct are holidays, so 8 Oct.
		{ModeTender, "2026-09-10 15:00", "2026-10-08 09:30"},
		{ModeTender, "2026-09-10 08:00", "2026-09-30 09:30"},
		// 10 days from 22 Sep is 2 Oct, a holiday (1–7 Oct): the first working day is 8 Oct.
		{ModeConsultation, "2026-09-22 15:00", "2026-10-08 09:30"},
		// Competition: 5 working days from Fri 27 Nov end Fri 4 Dec; opening the next working day.
		{ModeCompetition, "2026-11-27 15:00", "2026-12-07 09:30"},
	} {
		if got := c.EarliestBidDeadline(tc.mode, r, cst(tc.published)); !got.Equal(cst(tc.want)) {
			t.Errorf("%s from %s = %s, want %s", tc.mode, tc.published, got.In(ChinaTime).Format("2006-01-02 15:04"), tc.want)
		}
	}
	req := cst("2026-12-31 09:30")
	if got := c.BidDeadline(ModeCompetition, r, cst("2026-11-27 15:00"), req); !got.Equal(req) {
		t.Errorf("a later requested deadline is kept, got %s", got)
	}
	if got := c.BidDeadline(ModeTender, r, cst("2026-11-27 15:00"), cst("2026-11-30 09:30")); !got.Equal(cst("2026-12-18 09:30")) {
		t.Errorf("an early requested deadline moves to the legal one, got %s", got)
	}
	// Material clarification 10 days before: the deadline moves to 15 days after it.
	if got := c.MovedDeadline(cst("2026-12-01 10:00"), cst("2026-12-11 09:30")); !got.Equal(cst("2026-12-17 09:30")) {
		t.Errorf("moved deadline = %s", got.In(ChinaTime))
	}
	// 20 days before: nothing moves.
	if got := c.MovedDeadline(cst("2026-12-01 10:00"), cst("2026-12-21 09:30")); !got.Equal(cst("2026-12-21 09:30")) {
		t.Errorf("far clarification moved the deadline to %s", got)
	}
	if got := c.EarliestBidDeadline(ModeCompetition, Rules{}, cst("2026-11-27 15:00")); !got.Equal(cst("2026-11-27 15:00")) {
		t.Errorf("a zero competition setting allows an immediate deadline, got %s", got)
	}
}

func TestPlanRules(t *testing.T) {
	base := func(m Mode, budget Fen, edit func(*CallDraft)) error {
		d := CallDraft{Title: "失能老人照护者培训", Brand: BrandCunCaoXin, District: "河西区", Budget: budget, Plan: Plan{Mode: m}}
		if edit != nil {
			edit(&d)
		}
		return d.Normalize(DefaultRules).Validate(DefaultRules)
	}
	for _, tc := range []struct {
		name   string
		mode   Mode
		budget Fen
		edit   func(*CallDraft)
		field  string
		msg    string
	}{
		{"defaults ok", ModeCompetition, 200000_00, nil, "", ""},
		{"tender defaults ok", ModeTender, 200000_00, nil, "", ""},
		{"large tender needs 7", ModeTender, 12_000_000_00, func(d *CallDraft) { d.PanelSize = 5 }, "panel_size", "不少于 7 人"},
		{"large tender 7 ok", ModeTender, 12_000_000_00, func(d *CallDraft) { d.PanelSize = 7 }, "", ""},
		{"even panel", ModeConsultation, 100000_00, func(d *CallDraft) { d.PanelSize = 4 }, "panel_size", "单数"},
		{"consultation 3", ModeConsultation, 100000_00, nil, "", ""},
		{"consultation min bidders 2", ModeConsultation, 100000_00, func(d *CallDraft) { d.MinBidders = 2 }, "", ""},
		{"tender min bidders 2", ModeTender, 100000_00, func(d *CallDraft) { d.MinBidders = 2 }, "min_valid_bidders", "不得少于 3 家"},
		{"price weight 5 in tender", ModeTender, 100000_00, func(d *CallDraft) {
			d.Criteria = []Criterion{{"方案", "量化", 95, 95, CriterionExpert}, {"价格", "公式", 5, 5, CriterionPrice}}
		}, "criteria", "10%–30%"},
		{"price weight 0 in competition ok", ModeCompetition, 100000_00, func(d *CallDraft) {
			d.Criteria = []Criterion{{"方案", "量化", 60, 60, CriterionExpert}, {"团队", "量化", 40, 40, CriterionExpert}}
		}, "", ""},
		{"local bonus", ModeCompetition, 100000_00, func(d *CallDraft) {
			d.Criteria = []Criterion{{"方案", "量化", 80, 80, CriterionExpert}, {"天津品牌加分", "获天津市奖项加分", 10, 10, CriterionExpert}, {"价格", "公式", 10, 10, CriterionPrice}}
		}, "criteria", "实施条例 §20"},
		{"weights not 100", ModeCompetition, 100000_00, func(d *CallDraft) {
			d.Criteria = []Criterion{{"方案", "量化", 80, 80, CriterionExpert}, {"价格", "公式", 10, 10, CriterionPrice}}
		}, "criteria", "合计应为 100"},
		{"no factor", ModeCompetition, 100000_00, func(d *CallDraft) { d.Criteria = DefaultRubric(); d.Criteria[0].Factor = "" }, "criteria", "量化评分因素"},
		{"tranches", ModeCompetition, 100000_00, func(d *CallDraft) { d.Tranches = []Tranche{{50, TrancheOnContract}, {40, TrancheOnFinal}} }, "tranches", "合计应为 100%"},
		{"publicity too short", ModeCompetition, 100000_00, func(d *CallDraft) { d.PublicityDays = 2 }, "publicity_working_days", "5 至 30"},
		{"tender publicity 1", ModeTender, 100000_00, func(d *CallDraft) { d.PublicityDays = 1 }, "", ""},
		{"bid bond 2%", ModeTender, 100000_00, func(d *CallDraft) { d.BidBond = 2000_00 }, "", ""},
		{"bid bond over 2%", ModeTender, 100000_00, func(d *CallDraft) { d.BidBond = 2000_01 }, "bid_bond_fen", "不得超过预算的 2%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := base(tc.mode, tc.budget, tc.edit)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			fe := FieldsOf(err)
			if !strings.Contains(fe[tc.field], tc.msg) {
				t.Fatalf("field %s = %q, want it to say %q (all: %v)", tc.field, fe[tc.field], tc.msg, fe)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	p := Plan{Mode: ModeCompetition}.withDefaults(200000_00, DefaultRules)
	at := cst("2026-12-01 10:00")
	bids := []ScoredBid{
		{BidID: "a", Price: 180000_00, SubmittedAt: at},
		{BidID: "b", Price: 150000_00, SubmittedAt: at.Add(time.Hour)},
		{BidID: "c", Price: 150000_00, SubmittedAt: at.Add(-time.Hour)},
	}
	full := func(v float64) []float64 { return []float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0} }
	var sheets []ScoreSheet
	// Five experts: a gets 0.9 from four and 0.1 from the fifth (trimmed away, flagged).
	for e := int64(1); e <= 5; e++ {
		va := 0.9
		if e == 5 {
			va = 0.1
		}
		sheets = append(sheets,
			ScoreSheet{Expert: e, BidID: "a", Points: full(va)},
			ScoreSheet{Expert: e, BidID: "b", Points: full(0.8)},
			ScoreSheet{Expert: e, BidID: "c", Points: full(0.8)},
		)
	}
	rs := Evaluate(p, bids, sheets)
	if rs[0].BidID != "a" || !rs[0].Trimmed || rs[0].Technical != 81 || rs[0].PriceScore != 8.33 || rs[0].Result != 89.33 {
		t.Fatalf("first = %+v", rs[0])
	}
	if !rs[0].Experts[4].Deviates || rs[0].Experts[0].Deviates {
		t.Errorf("deviation flags wrong: %+v", rs[0].Experts)
	}
	// b and c tie on result, technical and price: the earlier submission (c) ranks first.
	if rs[1].BidID != "c" || rs[2].BidID != "b" || rs[1].Result != 82 {
		t.Errorf("tie rule: got %s (%v), %s", rs[1].BidID, rs[1].Result, rs[2].BidID)
	}
	if !rs[0].Recommended || rs[1].Recommended {
		t.Error("only the top one is recommended for one project")
	}
	// Three experts: no trimming.
	rs = Evaluate(p, bids[:1], sheets[:9:9][0:1])
	if rs[0].Trimmed || rs[0].Technical != 81 {
		t.Errorf("single expert: %+v", rs[0])
	}
}

func TestSheetAndBidValidation(t *testing.T) {
	p := Plan{Mode: ModeCompetition}.withDefaults(100, DefaultRules)
	if err := p.ValidateSheet([]float64{25, 25, 20, 10, 10, 0}, "方案完整，团队经验充分。"); err != nil {
		t.Fatal(err)
	}
	fe := FieldsOf(p.ValidateSheet([]float64{26, 25, 20, 10, 10.3, 0}, "短"))
	if fe["points.0"] == "" || fe["points.4"] == "" || fe["comment"] == "" {
		t.Errorf("expected errors on points.0, points.4 and comment: %v", fe)
	}
	b := BidContent{TechnicalProposal: strings.Repeat("培训", 30), Price: 1000_00,
		Budget: []BudgetItem{{"讲师费", 600_00}, {"教材", 300_00}}, Team: []TeamMember{{"王芳", "项目负责人", "社工师"}}}
	if fe := FieldsOf(b.Validate(2000_00)); !strings.Contains(fe["budget"], "不一致") {
		t.Errorf("budget sum mismatch not caught: %v", fe)
	}
	b.Budget[1].Amount = 400_00
	if err := b.Validate(2000_00); err != nil {
		t.Error(err)
	}
	if fe := FieldsOf(b.Validate(500_00)); !strings.Contains(fe["price"], "超过") {
		t.Errorf("price over budget: %v", fe)
	}
}
