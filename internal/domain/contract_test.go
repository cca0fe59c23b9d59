package domain

import (
	"strings"
	"testing"
	"time"
)

func TestTrancheAmountsAddUp(t *testing.T) {
	for _, amount := range []Fen{1, 99, 260000_00, 333333_33} {
		parts := TrancheAmounts(amount, DefaultTranches())
		var sum Fen
		for _, p := range parts {
			sum += p
		}
		if sum != amount {
			t.Errorf("%d split as %v adds up to %d", amount, parts, sum)
		}
	}
	if got := TrancheAmounts(260000_00, DefaultTranches()); got[0] != 78000_00 || got[1] != 104000_00 || got[2] != 78000_00 {
		t.Errorf("30/40/30 of 260000 = %v", got)
	}
}

func TestContractTerms(t *testing.T) {
	ok := ContractTerms{Deliverables: Deliverables{Trainees: 300, HoursPerTrainee: 16, Sessions: 12, Modules: DefaultModules},
		StartsOn: time.Date(2027, 1, 1, 0, 0, 0, 0, ChinaTime), TermMonths: 12, PerformanceBond: 26000_00}
	if err := ok.Validate(260000_00); err != nil {
		t.Fatal(err)
	}
	if !ok.EndsOn().Equal(time.Date(2027, 12, 31, 0, 0, 0, 0, ChinaTime)) {
		t.Errorf("ends on %s", ok.EndsOn())
	}
	long := ok
	long.TermMonths = 24
	if fe := FieldsOf(long.Validate(260000_00)); !strings.Contains(fe["term_months"], "1 至 12") {
		t.Errorf("a two-year term without multi-year: %v", fe)
	}
	long.MultiYear = true
	if err := long.Validate(260000_00); err != nil {
		t.Errorf("a two-year multi-year term: %v", err)
	}
	bond := ok
	bond.PerformanceBond = 26000_01
	if fe := FieldsOf(bond.Validate(260000_00)); !strings.Contains(fe["performance_bond_fen"], "10%") {
		t.Errorf("a bond over 10%%: %v", fe)
	}
}
