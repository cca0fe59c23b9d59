package domain

import (
	"fmt"
	"time"
)

// DayKind is how the official holiday schedule marks a date.
type DayKind string

// Day kinds of the holiday schedule.
const (
	DayOff  DayKind = "off"  // 放假（含调休）
	DayWork DayKind = "work" // 调休上班的周末
)

// CalendarDay is one entry of the State Council's holiday schedule.
type CalendarDay struct {
	Date string  `json:"date"` // 2006-01-02
	Kind DayKind `json:"kind"`
	Name string  `json:"name"`
}

// Calendar is the working-day calendar: weekends and the loaded years'
// holiday schedules. It is data an admin edits (docs/domain.md §7), never code;
// a year without a schedule falls back to Monday–Friday.
type Calendar struct {
	days  map[string]DayKind
	years map[int]bool
}

// NewCalendar builds a calendar from schedule entries; loaded lists the
// years whose schedule is complete.
func NewCalendar(entries []CalendarDay, loaded []int) Calendar {
	c := Calendar{days: map[string]DayKind{}, years: map[int]bool{}}
	for _, e := range entries {
		c.days[e.Date] = e.Kind
	}
	for _, y := range loaded {
		c.years[y] = true
	}
	return c
}

// Loaded reports whether the year's holiday schedule is loaded.
func (c Calendar) Loaded(year int) bool { return c.years[year] }

// Working reports whether day (in China time) is a working day.
func (c Calendar) Working(day time.Time) bool {
	day = day.In(ChinaTime)
	switch c.days[day.Format(time.DateOnly)] {
	case DayOff:
		return false
	case DayWork:
		return true
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// DeadlineHour and DeadlineMinute: bidding deadlines and openings are at
// 09:30 China time on a working day, as notices conventionally say.
const (
	DeadlineHour   = 9
	DeadlineMinute = 30
	// Working-day limits end at the close of the day (17:30).
	CloseHour   = 17
	CloseMinute = 30
)

func at(day time.Time, h, m int) time.Time {
	d := day.In(ChinaTime)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, ChinaTime)
}

// NextWorkingDay returns the first working day on or after day.
func (c Calendar) NextWorkingDay(day time.Time) time.Time {
	for i := 0; i < 400 && !c.Working(day); i++ {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// AddWorkingDays returns the close (17:30) of the n-th working day after
// from's date. n = 0 is from itself: the limit is already reached.
func (c Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	if n <= 0 {
		return from
	}
	day := from.In(ChinaTime)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.Working(day) {
			n--
		}
	}
	return at(day, CloseHour, CloseMinute)
}

// EarliestBidDeadline is the earliest lawful bidding deadline of a call of
// mode published at published: the mode's minimum in calendar days, and the
// documents available for at least five working days (实施条例 §31; the
// competition mode's setting from r), at 09:30 on a working day. With a
// competition setting of 0 (a bureau's own choice) the deadline may be the
// publication time itself.
func (c Calendar) EarliestBidDeadline(m Mode, r Rules, published time.Time) time.Time {
	workingDays := DocumentsWorkingDays
	if m == ModeCompetition {
		workingDays = r.CompetitionMinBiddingWorkingDays
	}
	days := m.LegalMinBiddingDays()
	if workingDays <= 0 && days == 0 {
		return published
	}
	earliest := published
	if days > 0 {
		// Whole days: the deadline is never sooner than days × 24 hours.
		earliest = c.deadlineOnOrAfter(published.AddDate(0, 0, days))
	}
	if workingDays > 0 {
		docs := c.AddWorkingDays(published, workingDays)
		if t := at(c.NextWorkingDay(docs.AddDate(0, 0, 1)), DeadlineHour, DeadlineMinute); t.After(earliest) {
			earliest = t
		}
	}
	return earliest
}

// BidDeadline is the deadline a call gets at publication: the one asked for,
// unless it is earlier than the law allows.
func (c Calendar) BidDeadline(m Mode, r Rules, published, requested time.Time) time.Time {
	earliest := c.EarliestBidDeadline(m, r, published)
	if requested.After(earliest) {
		return requested
	}
	return earliest
}

// MovedDeadline applies a material clarification published at now to a
// call whose deadline is current: less than 15 days before the deadline, the
// deadline moves to give bidders 15 days (实施条例 §31), at 09:30 on a
// working day. Otherwise it stays.
func (c Calendar) MovedDeadline(now, current time.Time) time.Time {
	min := now.AddDate(0, 0, MaterialClarificationDays)
	if !current.Before(min) {
		return current
	}
	return c.deadlineOnOrAfter(min)
}

// deadlineOnOrAfter is the first 09:30 on a working day not before t.
func (c Calendar) deadlineOnOrAfter(t time.Time) time.Time {
	day := c.NextWorkingDay(t)
	d := at(day, DeadlineHour, DeadlineMinute)
	if d.Before(t) {
		d = at(c.NextWorkingDay(day.AddDate(0, 0, 1)), DeadlineHour, DeadlineMinute)
	}
	return d
}

// FallbackNote says, in Chinese, that a year has no loaded schedule (the UI
// shows it next to deadlines computed for that year); empty when loaded.
func (c Calendar) FallbackNote(t time.Time) string {
	y := t.In(ChinaTime).Year()
	if c.Loaded(y) {
		return ""
	}
	return fmt.Sprintf("%d 年的法定节假日安排尚未录入，工作日按周一至周五计算。请管理员在“工作日历”中录入。", y)
}

// Schedule2026 is the State Council's 2026 holiday schedule (国务院办公厅,
// 2025-11-04), seeded as editable data.
func Schedule2026() []CalendarDay {
	var out []CalendarDay
	span := func(name string, from string, n int) {
		d, _ := time.ParseInLocation(time.DateOnly, from, ChinaTime)
		for i := 0; i < n; i++ {
			out = append(out, CalendarDay{Date: d.AddDate(0, 0, i).Format(time.DateOnly), Kind: DayOff, Name: name})
		}
	}
	work := func(name, day string) {
		out = append(out, CalendarDay{Date: day, Kind: DayWork, Name: name + "调休上班"})
	}
	span("元旦", "2026-01-01", 3)
	work("元旦", "2026-01-04")
	span("春节", "2026-02-15", 9)
	work("春节", "2026-02-14")
	work("春节", "2026-02-28")
	span("清明节", "2026-04-04", 3)
	span("劳动节", "2026-05-01", 5)
	work("劳动节", "2026-05-09")
	span("端午节", "2026-06-19", 3)
	span("中秋节", "2026-09-25", 3)
	span("国庆节", "2026-10-01", 7)
	work("国庆节", "2026-09-20")
	work("国庆节", "2026-10-10")
	return out
}

// ValidateCalendarYear checks a year's holiday schedule as an admin typed
// it: dates of that year (YYYY-MM-DD), each marked off or work, none twice.
func ValidateCalendarYear(year int, days []CalendarDay) error {
	if year < 2000 || year > 2100 {
		return Errorf(CodeInvalid, "年份有误（2000–2100）。")
	}
	fe := FieldErrors{}
	seen := map[string]bool{}
	for i, d := range days {
		t, err := time.ParseInLocation(time.DateOnly, d.Date, ChinaTime)
		switch {
		case err != nil || t.Year() != year:
			fe.Add("days", fmt.Sprintf("第 %d 行的日期“%s”有误：应为 %d 年内的 YYYY-MM-DD。", i+1, d.Date, year))
		case d.Kind != DayOff && d.Kind != DayWork:
			fe.Add("days", fmt.Sprintf("第 %d 行（%s）请注明“休”或“班”。", i+1, d.Date))
		case seen[d.Date]:
			fe.Add("days", fmt.Sprintf("第 %d 行的日期 %s 重复。", i+1, d.Date))
		}
		seen[d.Date] = true
	}
	return fe.Err()
}
