package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// Areas lists the whole area tree, each parent before its children.
func (s *Store) Areas(ctx context.Context) ([]domain.Area, error) {
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE tree AS (
			SELECT code, name, level, coalesce(parent_code, '') AS parent_code, ARRAY[code] AS path FROM areas WHERE parent_code IS NULL
			UNION ALL
			SELECT a.code, a.name, a.level, a.parent_code, t.path || a.code FROM areas a JOIN tree t ON a.parent_code = t.code
		)
		SELECT code, name, level, parent_code FROM tree ORDER BY path`)
	if err != nil {
		return nil, mapErr("areas", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.Area])
	return out, mapErr("areas", err)
}

// Area returns one area.
func (s *Store) Area(ctx context.Context, code string) (domain.Area, error) {
	var a domain.Area
	err := s.pool.QueryRow(ctx, `SELECT code, name, level, coalesce(parent_code, '') FROM areas WHERE code = $1`, code).
		Scan(&a.Code, &a.Name, &a.Level, &a.ParentCode)
	return a, mapErr("area", err)
}

// AddArea adds a street or community, with its audit entry.
func (s *Store) AddArea(ctx context.Context, a domain.Area, by domain.Actor) error {
	return mapErr("add area", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO areas (code, name, level, parent_code) VALUES ($1, $2, $3, $4)`,
			a.Code, a.Name, a.Level, a.ParentCode); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "area.add", ObjectType: "area", ObjectID: a.Code, Summary: a})
	}))
}
