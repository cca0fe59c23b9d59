package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"grantflow/internal/domain"
	"grantflow/internal/fuzzcheck"
)

// The form and JSON readers of the web layer take what anyone sends: no
// panic, a refusal is a Chinese domain error, what is accepted round-trips
// through what the pages write, and one input allocates under formBound.

const formBound = 4 << 20 // a form or body of the fuzzer's size (up to a few KB) under 4 MB

// jsonBody is a request body with the shapes the API decodes: strings,
// numbers, lists and a nested object.
type jsonBody struct {
	Code      string               `json:"code"`
	TraineeID int64                `json:"trainee_id"`
	Name      string               `json:"name"`
	Price     float64              `json:"price,omitempty"`
	Days      []domain.CalendarDay `json:"days,omitempty"`
	Tags      map[string]string    `json:"tags,omitempty"`
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"code":"123456","trainee_id":7,"name":"张三"}`, `{"days":[{"date":"2026-10-01","kind":"off","name":"国庆节"}]}`,
		`{"code":1}`, `{"unknown":true}`, `{"code":"1"} {"code":"2"}`, `[`, ``, `{"trainee_id":1e99}`, `{"tags":{"a":"\u0000"}}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v jsonBody
		var err error
		fuzzcheck.Bounded(t, formBound, func() { err = decodeJSON(httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(body)), &v) })
		if err != nil {
			fuzzcheck.DomainError(t, err)
			return
		}
		// What was accepted, written out, reads back the same.
		out, merr := json.Marshal(v)
		if merr != nil {
			t.Fatal(merr)
		}
		var again jsonBody
		err = decodeJSON(httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(out)), &again)
		if out2, _ := json.Marshal(again); err != nil || !bytes.Equal(out2, out) { // an empty list and none write alike
			t.Fatalf("%s decoded as %+v; written %s reads back %+v, %v", body, v, out, again, err)
		}
	})
}

func FuzzCalendarForm(f *testing.F) {
	for _, s := range []string{"2026-10-01,休,国庆节\n2026-10-11,班,国庆节调休\n", "2026-10-01，off，国庆\r\n2026-10-01|work", "2026-02-30,休\n", "x\n\n  \n", "2025-12-31\t休\tx\t多余"} {
		f.Add(2026, s)
	}
	f.Fuzz(func(t *testing.T, year int, text string) {
		var days []domain.CalendarDay
		var err error
		fuzzcheck.Bounded(t, formBound, func() {
			days = calendarDays(text)
			err = domain.ValidateCalendarYear(year, days)
		})
		if err != nil {
			fuzzcheck.DomainError(t, err)
			return
		}
		// A valid calendar, written as the form shows it, reads back the same.
		if again := calendarDays(calendarText(days)); !reflect.DeepEqual(again, days) {
			t.Fatalf("%q read as %+v; written back it reads %+v", text, days, again)
		}
	})
}

func FuzzRubricForm(f *testing.F) {
	f.Add(rubricText(domain.DefaultRubric()), "30/40/30", "12", "2027-03-01T09:00", "5,000.5")
	f.Add("服务方案|完整性|30|30%|专家\n报价|最低价|10|10|价格\n|||", "30／40／30%", "x", "2027-13-01T09:00", "-1")
	f.Add("a|b|c|d|e|f", "100", "", "", "")
	f.Add("名称|因素|99999999999999999999|1|price", "1/2/3/4", " 3 ", " 2027-03-01T09:00 ", "0.001")
	f.Fuzz(func(t *testing.T, rubric, tranches, projects, deadline, bond string) {
		fe := domain.FieldErrors{}
		var p domain.Plan
		fuzzcheck.Bounded(t, formBound, func() {
			p = planFromForm(callForm{Rubric: rubric, Tranches: tranches, Projects: projects, Deadline: deadline, BidBond: bond}, fe)
		})
		for field, m := range fe {
			fuzzcheck.Chinese(t, field+": "+m)
		}
		if _, bad := fe["criteria"]; bad {
			return
		}
		// The rubric as the form writes it reads back the same.
		fe2 := domain.FieldErrors{}
		again := planFromForm(callForm{Rubric: rubricText(p.Criteria)}, fe2)
		if len(fe2) > 0 || !reflect.DeepEqual(again.Criteria, p.Criteria) {
			t.Fatalf("rubric %q read as %+v; written back it reads %+v, %v", rubric, p.Criteria, again.Criteria, fe2)
		}
		if _, bad := fe["tranches"]; !bad && strings.TrimSpace(tranches) != "" && len(p.Tranches) != 3 {
			t.Fatalf("tranches %q accepted as %+v", tranches, p.Tranches)
		}
	})
}

func FuzzCheckInForm(f *testing.F) {
	for _, s := range []string{"code=123456&trainee=7&name=%E5%BC%A0%E4%B8%89", "code=&trainee=+7&name=", "trainee=-1", "trainee=99999999999999999999", "trainee=%20%2007%20", "%zz", "code=1&code=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var form url.Values
		var id int64
		fuzzcheck.Bounded(t, formBound, func() {
			form, _ = url.ParseQuery(body)
			id = traineeNumber(form.Get("trainee"))
		})
		if id == 0 {
			return
		}
		// A number read is the number typed (no sign or leading zeros lost).
		typed := strings.TrimSpace(form.Get("trainee"))
		if n, err := strconv.ParseInt(typed, 10, 64); err != nil || n != id {
			t.Fatalf("trainee %q read as %d", typed, id)
		}
	})
}

func FuzzBidForm(f *testing.F) {
	f.Add("120000.50", "人员费,60000\n场地费，40,000.5\n设备|20000", "张三,项目负责人,社工师\n李四")
	f.Add("", "只有科目\n科目,不是数字", "\n\n")
	f.Add("-5", "a,b,c,1.234", "x,y,z,w")
	f.Fuzz(func(t *testing.T, price, budget, team string) {
		r := httptest.NewRequest("POST", "/calls/x/bid", nil)
		r.MultipartForm = &multipart.Form{Value: map[string][]string{"price": {price}, "budget": {budget}, "team": {team}}}
		var b domain.BidContent
		var err error
		fuzzcheck.Bounded(t, formBound, func() { b, _, err = bidFromForm(r) })
		if err != nil {
			fuzzcheck.DomainError(t, err)
			return
		}
		for _, it := range b.Budget {
			if it.Amount < 0 {
				t.Fatalf("budget %q accepted with %+v", budget, it)
			}
		}
		if p, ok := domain.ParseYuan(price); ok != (b.Price != 0 || strings.TrimSpace(price) != "") || (ok && p != b.Price) {
			t.Fatalf("price %q read as %d", price, b.Price)
		}
	})
}

func FuzzTalentAndNeedLists(f *testing.F) {
	f.Add("天津养老服务中心|91120000MA05T4K12X|2020-01|2024-06\n某社工机构||2024-07|", "91120000MA05T4K12X|曾任职", "12, 15，18、20")
	f.Add("|||\n\n x | y | 2024-13 | ", "|\n||", "0,-1")
	f.Add("a|b|2024-06|2023-01|extra", "", "99999999999999999999")
	f.Fuzz(func(t *testing.T, emp, rel, needs string) {
		var es []domain.Employment
		var errs map[string]string
		var ids []int64
		var ok bool
		fuzzcheck.Bounded(t, formBound, func() {
			es, _, errs = parseLines(emp, rel)
			ids, ok = parseNeedIDs(needs)
		})
		for field, m := range errs {
			fuzzcheck.Chinese(t, field+": "+m)
		}
		for _, e := range es {
			if e.From.IsZero() {
				t.Fatalf("employment %q accepted without a start: %+v", emp, e)
			}
		}
		if !ok {
			return
		}
		strs := make([]string, len(ids))
		for i, id := range ids {
			if id <= 0 {
				t.Fatalf("need IDs %q read as %v", needs, ids)
			}
			strs[i] = strconv.FormatInt(id, 10)
		}
		if again, aok := parseNeedIDs(strings.Join(strs, ",")); !aok || !reflect.DeepEqual(again, ids) {
			t.Fatalf("need IDs %q read as %v; written back they read %v", needs, ids, again)
		}
	})
}
