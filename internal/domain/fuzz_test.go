package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"grantflow/internal/domain"
	"grantflow/internal/fuzzcheck"
)

// The fuzz targets of the domain's parsers of outside input: ID numbers,
// credit codes, amounts and the rows of every import. Each asserts no
// panic, that what is accepted round-trips, that every problem names its
// row and column in Chinese, and that one input allocates under rowBound.
// `make test` runs each a few seconds, `make fuzz` longer.

const rowBound = 256 << 10 // one row (cells of at most a few KB) allocates under 256 KB

var fuzzNow = time.Date(2026, 11, 28, 12, 0, 0, 0, domain.ChinaTime)

func FuzzValidIDCard(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310029", "11010519491231002x", "12010120300307123X", "120101199002301231", "", "X", "１１０１０５１９４９１２３１００２Ｘ", "110105000012310021"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ok bool
		fuzzcheck.Bounded(t, 64<<10, func() { ok = domain.ValidIDCard(s, fuzzNow) })
		n := domain.NormalizeIDCard(s)
		if domain.NormalizeIDCard(n) != n {
			t.Fatalf("NormalizeIDCard not idempotent on %q", s)
		}
		if m := domain.MaskMiddle(s); utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskMiddle(%q) = %q changes the length", s, m)
		}
		if !ok {
			return
		}
		check, cok := domain.IDCardCheckChar(s[:17])
		if len(s) != 18 || !cok || check != s[17] {
			t.Fatalf("%q accepted without its check character", s)
		}
		birth, bok := domain.BirthDateFromIDCard(s)
		if !bok || birth.After(fuzzNow) || birth.Year() < 1880 {
			t.Fatalf("%q accepted with birth date %v", s, birth)
		}
		for _, c := range []byte("0123456789X") {
			if c != s[17] && domain.ValidIDCard(s[:17]+string(c), fuzzNow) {
				t.Fatalf("%q and %q both valid", s, s[:17]+string(c))
			}
		}
	})
}

func FuzzValidUSCC(f *testing.F) {
	for _, s := range []string{"91120000MA05T4K12X", "911200007000000000", "51120000MJ0000000Y", "", "IOZSV", "9112000070000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ok bool
		fuzzcheck.Bounded(t, 64<<10, func() { ok = domain.ValidUSCC(s) })
		if len(s) >= 17 {
			// The computed check character makes any 17 of the alphabet valid.
			if c, cok := domain.USCCCheckChar(s[:17]); cok && !domain.ValidUSCC(s[:17]+string(c)) {
				t.Fatalf("%q with its check character %q is refused", s[:17], c)
			}
		}
		if !ok {
			return
		}
		if len(s) != 18 || strings.Trim(s, "0123456789ABCDEFGHJKLMNPQRTUWXY") != "" {
			t.Fatalf("%q accepted outside the alphabet", s)
		}
		for _, c := range []byte("0123456789ABCDEFGHJKLMNPQRTUWXY") {
			if c != s[17] && domain.ValidUSCC(s[:17]+string(c)) {
				t.Fatalf("%q and %q both valid", s, s[:17]+string(c))
			}
		}
	})
}

func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"100", "1,234.56", "￥12.3元", "0.01", "-1", "1.234", "", "99999999999999999999", "1e5", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v domain.Fen
		var ok bool
		fuzzcheck.Bounded(t, 64<<10, func() { v, ok = domain.ParseYuan(s) })
		if !ok {
			return
		}
		if v < 0 {
			t.Fatalf("ParseYuan(%q) = %d, negative", s, v)
		}
		if back, bok := domain.ParseYuan(v.Yuan()); !bok || back != v {
			t.Fatalf("ParseYuan(%q) = %d, written %q reads back %d, %v", s, v, v.Yuan(), back, bok)
		}
	})
}

// cellsOf splits a fuzzed line into cells at tabs (as a pasted row).
func cellsOf(line string) []string { return strings.Split(line, "\t") }

// problemsAreClear checks every problem of a row: its row, a column of the
// template, a reason in Chinese.
func problemsAreClear(t *testing.T, row int, columns []string, probs []domain.ImportProblem) {
	t.Helper()
	for _, p := range probs {
		if p.Row != row || !slices.Contains(columns, p.Column) {
			t.Fatalf("problem %+v: want row %d and a column of %q", p, row, columns)
		}
		fuzzcheck.Chinese(t, p.Reason)
	}
}

var inScope = func(code string) (bool, string) {
	if code == "120101001001" {
		return true, ""
	}
	return false, "社区代码 " + code + " 不存在或不在您的辖区"
}

func FuzzParseElderRow(f *testing.F) {
	f.Add("张三\t11010519491231002X\t13812345678\t120101001001\t失能、独居\t和平区南京路 1 号")
	f.Add("张三\t11010519491231002x \t138 1234 5678\t120101001001\t失能,独居；空巢\t")
	f.Add("\t\t\t\t\t")
	f.Add("李\t120101199003071234\t12345\t999\t不存在\t" + strings.Repeat("路", 201))
	f.Fuzz(func(t *testing.T, line string) {
		var r domain.ElderRow
		var probs []domain.ImportProblem
		fuzzcheck.Bounded(t, rowBound, func() { r, probs = domain.ParseElderRow(7, cellsOf(line), fuzzNow, inScope) })
		problemsAreClear(t, 7, domain.ElderColumns, probs)
		if len(probs) > 0 {
			return
		}
		if !domain.ValidIDCard(r.IDCard, fuzzNow) || (r.Phone != "" && !domain.ValidMobile(r.Phone)) || len(r.Categories) == 0 || r.CommunityCode != "120101001001" {
			t.Fatalf("row %q accepted as %+v", line, r)
		}
		// What was accepted reads back the same.
		labels := make([]string, len(r.Categories))
		for i, c := range r.Categories {
			labels[i] = c.Label()
		}
		again, probs := domain.ParseElderRow(7, []string{r.Name, r.IDCard, r.Phone, r.CommunityCode, strings.Join(labels, "、"), r.Address}, fuzzNow, inScope)
		if len(probs) > 0 || again.IDCard != r.IDCard || again.Name != r.Name || !slices.Equal(again.Categories, r.Categories) {
			t.Fatalf("accepted row %+v reads back as %+v, %v", r, again, probs)
		}
	})
}

func FuzzParseVolunteerRow(f *testing.F) {
	f.Add("王芳\t13812345678\t1990\t120101001001\t寸草心\t\t\t\t是")
	f.Add("小明\t13812345678\t2012\t120101001001\t手足情\t91120000MA05T4K12X\t王大明\t父亲\t是")
	f.Add("\t\t\t\t\t\t\t\t")
	f.Add("王芳\t1381234567x\t99999999999999999999\t1\tx\tIOZSV\t\t\t否")
	f.Fuzz(func(t *testing.T, line string) {
		var r domain.VolunteerRow
		var probs []domain.ImportProblem
		fuzzcheck.Bounded(t, rowBound, func() { r, probs = domain.ParseVolunteerRow(3, cellsOf(line), fuzzNow, inScope) })
		problemsAreClear(t, 3, domain.VolunteerColumns, probs)
		if len(probs) > 0 {
			return
		}
		if r.OrgUSCC != "" && !domain.ValidUSCC(r.OrgUSCC) {
			t.Fatalf("row %q accepted with credit code %q", line, r.OrgUSCC)
		}
	})
}

func FuzzParseAttendanceRow(f *testing.F) {
	f.Add("1\t2\t2026-11-28 09:00\t2026-11-28 11:00")
	f.Add("1\t2\t2026/11/28 09:05\t")
	f.Add("1 \t 2\t2026-11-28 11:00\t2026-11-28 09:00")
	f.Add("0x1\t-2\t2026-13-40 25:61\tx")
	f.Add("99999999999999999999999\t1e3\t\t")
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, domain.ChinaTime)
	sessions := map[int64]domain.TrainingSession{1: {ID: 1, StartsAt: start, EndsAt: start.Add(2 * time.Hour), Hours: 2}}
	trainees := map[int64]bool{2: true}
	f.Fuzz(func(t *testing.T, line string) {
		var a domain.ParsedAttendance
		var probs []domain.ImportProblem
		fuzzcheck.Bounded(t, rowBound, func() { a, probs = domain.ParseAttendanceRow(4, cellsOf(line), sessions, trainees, fuzzNow) })
		problemsAreClear(t, 4, domain.AttendanceColumns, probs)
		if len(probs) > 0 {
			return
		}
		if a.SessionID != 1 || !trainees[a.TraineeID] || a.In.IsZero() || (!a.Out.IsZero() && !a.Out.After(a.In)) || a.Hours < 0 || a.Hours > 2 {
			t.Fatalf("row %q accepted as %+v", line, a)
		}
	})
}
