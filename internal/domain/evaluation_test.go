package domain

import (
	"strings"
	"testing"
	"time"
)

func TestGradeOf(t *testing.T) {
	for _, c := range []struct {
		total float64
		want  Grade
	}{{100, GradeExcellent}, {90, GradeExcellent}, {89.99, GradeGood}, {80, GradeGood}, {79.5, GradeFair}, {60, GradeFair}, {59.99, GradePoor}, {0, GradePoor}} {
		if got := GradeOf(c.total); got != c.want {
			t.Errorf("GradeOf(%v) = %s, want %s", c.total, got, c.want)
		}
	}
}

func TestScoreEvaluation(t *testing.T) {
	mid := func(each ...float64) []EvalSheet {
		var out []EvalSheet
		for _, e := range each {
			out = append(out, EvalSheet{Points: []float64{e * 0.3, e * 0.2, e * 0.2, e * 0.3}})
		}
		return out
	}
	for _, c := range []struct {
		name   string
		phase  EvalPhase
		sheets []EvalSheet
		survey float64
		late   bool
		pass   int
		total  float64
		passed bool
		grade  Grade
	}{
		{"mean of three", EvalMidterm, mid(70, 60, 65), 0, false, 60, 65, true, ""},
		{"just below", EvalMidterm, mid(59, 60, 60), 0, false, 60, 59.67, false, ""},
		{"pass mark is a setting", EvalMidterm, mid(65, 65, 65), 0, false, 70, 65, false, ""},
		{"late mid-term fails unscored", EvalMidterm, mid(90), 0, true, 60, 0, false, ""},
		{"final with survey", EvalFinal, []EvalSheet{{Points: []float64{48, 28, 10, 9}}, {Points: []float64{46, 26, 3, 9}}}, 9.2, false, 60, 92.2, true, GradeExcellent},
		{"survey is capped at its weight", EvalFinal, []EvalSheet{{Points: []float64{40, 20, 0, 5}}}, 15, false, 60, 75, true, GradeFair},
		{"no survey costs its points", EvalFinal, []EvalSheet{{Points: []float64{45, 25, 0, 9}}}, 0, false, 60, 79, true, GradeFair},
		{"late final is 差", EvalFinal, nil, 9, true, 60, 0, false, GradePoor},
	} {
		o := ScoreEvaluation(c.phase, c.sheets, c.survey, c.late, c.pass)
		if o.Total != c.total || o.Passed != c.passed || o.Grade != c.grade || o.Late != c.late || o.Reason == "" {
			t.Errorf("%s: %+v", c.name, o)
		}
	}
}

func TestValidateEvalSheet(t *testing.T) {
	good := EvalSheet{Points: []float64{25, 15, 18, 22}, Comment: "进度符合计划，财务凭证齐全。"}
	if err := ValidateEvalSheet(EvalMidterm, good); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]EvalSheet{
		"points":  {Points: []float64{25, 15, 18}, Comment: good.Comment},
		"over":    {Points: []float64{31, 15, 18, 22}, Comment: good.Comment},
		"neg":     {Points: []float64{25, -1, 18, 22}, Comment: good.Comment},
		"comment": {Points: good.Points, Comment: "好"},
	} {
		field := map[string]string{"points": "points", "over": "points", "neg": "points", "comment": "comment"}[name]
		err := ValidateEvalSheet(EvalMidterm, s)
		if FieldsOf(err)[field] == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The survey's criterion is not the evaluators' to score.
	if err := ValidateEvalSheet(EvalFinal, EvalSheet{Points: []float64{45, 25, 999, 9}, Comment: good.Comment}); err != nil {
		t.Errorf("survey points are ignored: %v", err)
	}
}

func TestEvalDue(t *testing.T) {
	terms := ContractTerms{StartsOn: time.Date(2027, 1, 1, 0, 0, 0, 0, ChinaTime), TermMonths: 12}
	if got := EvalDue(EvalMidterm, terms).Format(time.DateTime); got != "2027-07-02 23:59:59" {
		t.Errorf("mid-term due %s", got)
	}
	if got := EvalDue(EvalFinal, terms).Format(time.DateTime); got != "2028-01-30 23:59:59" {
		t.Errorf("final due %s", got)
	}
}

func TestClawBack(t *testing.T) {
	for _, c := range []struct {
		paid              Fen
		delivered, target float64
		earned, back      Fen
	}{
		{78000_00, 1200, 4800, 65000_00, 13000_00},
		{78000_00, 4800, 4800, 260000_00, 0},
		{78000_00, 9000, 4800, 260000_00, 0}, // over-delivery earns no more than the award
		{78000_00, 0, 4800, 0, 78000_00},
		{0, 100, 4800, 5416_66, 0},
	} {
		earned, back := ClawBack(260000_00, c.paid, c.delivered, c.target)
		if earned != c.earned || back != c.back {
			t.Errorf("ClawBack(paid %d, %v/%v) = %d, %d; want %d, %d", c.paid, c.delivered, c.target, earned, back, c.earned, c.back)
		}
	}
}

func TestSatisfactionPoints(t *testing.T) {
	if got := SatisfactionPoints(4.6, 120, 10); got != 9.2 {
		t.Errorf("4.6 of 5 → %v", got)
	}
	if got := SatisfactionPoints(4.6, 0, 10); got != 0 {
		t.Errorf("nobody asked → %v", got)
	}
	if !strings.Contains(ScoreEvaluation(EvalFinal, nil, 0, false, 60).Reason, "满意度") {
		t.Error("the final's reason names the survey")
	}
}
