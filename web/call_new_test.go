package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// The inputs that read their own JSON (a draft call, a year's calendar)
// refuse it as decodeJSON refuses any body: an unknown field, a value of
// the wrong type, each named; a draft also an explicit projects below 1.
func TestOwnJSONInputsRefuseAsDecodeJSON(t *testing.T) {
	for _, c := range []struct {
		body, field string
		in          any
	}{
		{`{"title":"河西区照护培训","bogus":1}`, "bogus", &callInput{}},
		{`{"title":"河西区照护培训","budget_fen":"三十万"}`, "budget_fen", &callInput{}},
		{`{"title":"河西区照护培训","projects":0}`, "projects", &callInput{}},
		{`[{"date":"2026-10-01","kind":"off","bogus":1}]`, "bogus", &calendarInput{}},
		{`[{"date":1}]`, "date", &calendarInput{}},
	} {
		err := decodeJSON(httptest.NewRequest("POST", "/api/v1/calls", strings.NewReader(c.body)), c.in)
		if fields := fieldsOf(err); fields[c.field] == "" {
			t.Errorf("%s: %v, want the field %s named", c.body, err, c.field)
		}
	}
	var in callInput
	if err := decodeJSON(httptest.NewRequest("POST", "/api/v1/calls", strings.NewReader(`{"title":"河西区照护培训","budget_fen":100000,"projects":2}`)), &in); err != nil ||
		in.Title != "河西区照护培训" || in.Budget != 100000 || in.Projects != 2 {
		t.Errorf("a good draft: %v %+v", err, in.CallDraft)
	}
	var cal calendarInput
	if err := decodeJSON(httptest.NewRequest("PUT", "/api/v1/calendar/2026", strings.NewReader(`[{"date":"2026-10-01","kind":"off","name":"国庆节"}]`)), &cal); err != nil ||
		len(cal.Days) != 1 || cal.Days[0].Name != "国庆节" {
		t.Errorf("a good year: %v %+v", err, cal.Days)
	}
}
