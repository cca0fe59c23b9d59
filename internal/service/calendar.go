package service

import (
	"context"
	"fmt"
	"slices"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// CalendarYear is one year of the working-day calendar.
type CalendarYear struct {
	Year   int                  `json:"year"`
	Loaded bool                 `json:"loaded"`
	Note   string               `json:"note,omitempty"`
	Days   []domain.CalendarDay `json:"days"`
}

// Calendar returns a year of the working-day calendar (public data).
func (s *Calls) Calendar(ctx context.Context, year int) (CalendarYear, error) {
	if year < 2000 || year > 2100 {
		return CalendarYear{}, domain.Errorf(domain.CodeNotFound, "年份有误（2000–2100）。")
	}
	days, err := s.Store.CalendarDays(ctx, year)
	if err != nil {
		return CalendarYear{}, err
	}
	years, err := s.Store.CalendarYears(ctx)
	if err != nil {
		return CalendarYear{}, err
	}
	cy := CalendarYear{Year: year, Loaded: slices.Contains(years, year), Days: days}
	if cy.Days == nil {
		cy.Days = []domain.CalendarDay{}
	}
	if !cy.Loaded {
		cy.Note = fmt.Sprintf("%d 年的法定节假日安排尚未录入，工作日按周一至周五计算。", year)
	}
	return cy, nil
}

// SetCalendar replaces a year's holiday schedule (admins).
func (s *Calls) SetCalendar(ctx context.Context, by domain.Actor, year int, days []domain.CalendarDay) error {
	if err := auth.Authorize(by.User(), auth.ActionEditCalendar, ""); err != nil {
		return err
	}
	if err := domain.ValidateCalendarYear(year, days); err != nil {
		return err
	}
	return s.Store.SetCalendarYear(ctx, year, days, by)
}
