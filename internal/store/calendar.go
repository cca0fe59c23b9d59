package store

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// ---- working-day calendar ----

// Calendar loads the working-day calendar.
func (s *Store) Calendar(ctx context.Context) (domain.Calendar, error) {
	days, err := s.CalendarDays(ctx, 0)
	if err != nil {
		return domain.Calendar{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT year FROM calendar_years`)
	if err != nil {
		return domain.Calendar{}, mapErr("calendar years", err)
	}
	years, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return domain.NewCalendar(days, years), mapErr("calendar years", err)
}

// CalendarYears lists the years whose schedule is loaded.
func (s *Store) CalendarYears(ctx context.Context) ([]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT year FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, mapErr("calendar years", err)
	}
	ys, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return ys, mapErr("calendar years", err)
}

// CalendarDays lists the schedule's entries of a year (0: every year).
func (s *Store) CalendarDays(ctx context.Context, year int) ([]domain.CalendarDay, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT to_char(day, 'YYYY-MM-DD'), kind, name FROM calendar_days
		WHERE $1 = 0 OR extract(year FROM day) = $1 ORDER BY day`, year)
	if err != nil {
		return nil, mapErr("calendar days", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CalendarDay, error) {
		var d domain.CalendarDay
		return d, r.Scan(&d.Date, &d.Kind, &d.Name)
	})
	return out, mapErr("calendar days", err)
}

// SetCalendarYear replaces a year's schedule and marks it loaded.
func (s *Store) SetCalendarYear(ctx context.Context, year int, days []domain.CalendarDay, by domain.Actor) error {
	return mapErr("set calendar", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE extract(year FROM day) = $1`, year); err != nil {
			return err
		}
		for _, d := range days {
			if _, err := tx.Exec(ctx, `INSERT INTO calendar_days (day, kind, name) VALUES ($1::date, $2, $3)`, d.Date, d.Kind, d.Name); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_years (year) VALUES ($1) ON CONFLICT (year) DO UPDATE SET loaded_at = now()`, year); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "calendar.set", ObjectType: "calendar", ObjectID: strconv.Itoa(year),
			Summary: map[string]any{"entries": len(days)}})
	}))
}
