package web

// The working-day calendar (admins): a year's holiday schedule, which
// fixes deadlines and publicity periods in working days.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
)

type calendarPage struct {
	pageData
	refusal
	Cal   service.CalendarYear
	Text  string
	Years []int
}

func calendarText(days []domain.CalendarDay) string {
	var b strings.Builder
	for _, d := range days {
		kind := "休"
		if d.Kind == domain.DayWork {
			kind = "班"
		}
		fmt.Fprintf(&b, "%s,%s,%s\n", d.Date, kind, d.Name)
	}
	return b.String()
}

// calendarDays reads the calendar form's lines "日期,休或班,名称"
// (calendarText's), one entry a line.
func calendarDays(text string) []domain.CalendarDay {
	var days []domain.CalendarDay
	for _, l := range parseRows(text) {
		var d domain.CalendarDay // a line of separators only: no date, which the check names
		if len(l) > 0 {
			d.Date = l[0]
		}
		if len(l) > 1 {
			d.Kind = map[string]domain.DayKind{"休": domain.DayOff, "班": domain.DayWork, "off": domain.DayOff, "work": domain.DayWork}[l[1]]
		}
		if len(l) > 2 {
			d.Name = l[2]
		}
		days = append(days, d)
	}
	return days
}

func (s *Server) loadCalendar(r *http.Request) (calendarPage, error) {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if year == 0 {
		year = time.Now().In(domain.ChinaTime).Year()
	}
	return s.calendarOf(r, year)
}

func (s *Server) calendarOf(r *http.Request, year int) (calendarPage, error) {
	if err := auth.Authorize(userOf(r), auth.ActionEditCalendar, ""); err != nil {
		return calendarPage{}, err
	}
	cal, err := s.Calls.Calendar(r.Context(), year)
	if err != nil {
		return calendarPage{}, err
	}
	p := s.page(r, fmt.Sprintf("%d 年工作日历", year))
	p.Nav = "admin"
	return calendarPage{pageData: p, Cal: cal, Text: calendarText(cal.Days), Years: []int{year - 1, year, year + 1}}, nil
}

// calendarInput is a year's schedule: the form's lines (calendarDays), or
// the API's days with the year in the URL.
type calendarInput struct {
	Year int
	Days []domain.CalendarDay
	text string // the form's text, shown again on a refusal
}

func (in *calendarInput) readForm(r *http.Request) error {
	in.Year, _ = strconv.Atoi(r.PostForm.Get("year"))
	in.text = r.PostForm.Get("days")
	in.Days = calendarDays(in.text)
	return nil
}

// UnmarshalJSON reads the API's body: the days alone, refusing unknown
// fields as decodeJSON does.
func (in *calendarInput) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&in.Days)
}

func (s *Server) setCalendar(r *http.Request, in *calendarInput) (service.CalendarYear, error) {
	if err := auth.Authorize(userOf(r), auth.ActionEditCalendar, ""); err != nil {
		return service.CalendarYear{}, err
	}
	if y := chi.URLParam(r, "year"); y != "" {
		in.Year, _ = strconv.Atoi(y)
	}
	if err := s.Calls.SetCalendar(r.Context(), actorOf(r), in.Year, in.Days); err != nil {
		return service.CalendarYear{}, err
	}
	return s.Calls.Calendar(r.Context(), in.Year)
}

func (s *Server) calendarYear(r *http.Request) (service.CalendarYear, error) {
	year, _ := strconv.Atoi(chi.URLParam(r, "year"))
	return s.Calls.Calendar(r.Context(), year)
}

// refuse shows the refusal with its field messages joined to it (the
// lines of the text have no field each).
func (p *calendarPage) refuse(err error) {
	p.refusal.refuse(err)
	for _, m := range p.Errors {
		p.Error += " " + m
	}
}

// calendarAgain shows the year of a refused form with its text as typed.
func (s *Server) calendarAgain() again[calendarInput] {
	return showAgain(s, "calendar", func(r *http.Request) (calendarPage, error) {
		year, _ := strconv.Atoi(r.PostForm.Get("year"))
		return s.calendarOf(r, year)
	}, func(p *calendarPage, in *calendarInput) {
		if in.text != "" {
			p.Text = in.text
		}
	})
}

// calendarRoutes mounts the routes this file serves (see mounts).
func (s *Server) calendarRoutes(m mounts) {
	m.pages.Get("/admin/calendar", view(s, "calendar", s.loadCalendar))
	m.pages.Post("/admin/calendar", form(s, s.setCalendar, func(in *calendarInput, _ service.CalendarYear) done {
		return done{To: fmt.Sprintf("/admin/calendar?year=%d", in.Year), Flash: fmt.Sprintf("%d 年工作日历已保存，%d 条。", in.Year, len(in.Days))}
	}, s.calendarAgain()))
	m.publicAPI.Get("/calendar/{year}", apiRead(s, s.calendarYear))
	m.api.Put("/calendar/{year}", apiWrite(s, http.StatusOK, s.setCalendar))
}
