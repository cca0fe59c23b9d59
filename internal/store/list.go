package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// filter collects the WHERE conditions of a list query; each condition has
// one %d for its argument's position.
type filter struct {
	where []string
	args  []any
}

func (f *filter) add(cond string, v any) {
	f.args = append(f.args, v)
	f.where = append(f.where, strings.ReplaceAll(cond, "%d", fmt.Sprint(len(f.args))))
}

func (f *filter) sql() string {
	if len(f.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.where, " AND ")
}

// likeEscape makes a search text match itself inside a LIKE pattern
// ('%' || $n || '%'): its own %, _ and \ are escaped (PostgreSQL's default
// LIKE escape is the backslash), so searching "区_" finds "区_", not "区东".
func likeEscape(q string) string { return likeEscaper.Replace(q) }

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// clampPage applies the default and the maximum page size.
func clampPage(page, perPage, maxPerPage int) (int, int) {
	if perPage <= 0 || perPage > maxPerPage {
		perPage = 20
	}
	if page <= 0 {
		page = 1
	}
	return page, perPage
}

// pages is the number of pages of total items.
func pages(total, perPage int) int {
	if perPage == 0 {
		return 0
	}
	return (total + perPage - 1) / perPage
}

// listPage counts the rows of from (a FROM clause, joins included) that
// match f and reads one page of them in order: the one shape of every
// server-side paged list.
func listPage[T any](ctx context.Context, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, op, columns, from string, f filter, order string, page, perPage int, scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	var total int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+from+f.sql(), f.args...).Scan(&total); err != nil {
		return nil, 0, mapErr("count "+op, err)
	}
	args := append(f.args, perPage, (page-1)*perPage)
	rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s%s ORDER BY %s LIMIT $%d OFFSET $%d`,
		columns, from, f.sql(), order, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, mapErr(op, err)
	}
	out, err := pgx.CollectRows(rows, scan)
	return out, total, mapErr(op, err)
}

// sortOrder is the ORDER BY for a list's sort key: one of options (each
// already ending in a unique tiebreaker), or the default for an unknown or
// empty key — a key from a URL never reaches SQL.
func sortOrder(key string, options map[string]string, def string) string {
	if o, ok := options[key]; ok {
		return o
	}
	return def
}

// The sort keys each list accepts, with their ORDER BY.
var (
	CallSorts = map[string]string{"created": "created_at DESC, id", "created_asc": "created_at, id", "budget": "budget_fen DESC, id",
		"budget_asc": "budget_fen, id", "deadline": "bid_deadline NULLS LAST, id", "number": "number, id"}
	NeedSorts = map[string]string{"created": "created_at DESC, id", "created_asc": "created_at, id",
		"urgency": "CASE urgency WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, created_at DESC, id", "community": "community_code, id"}
	OrgSorts = map[string]string{"created": "o.created_at DESC, o.id", "created_asc": "o.created_at, o.id", "name": "o.name, o.id",
		"district": "o.district, o.name, o.id"}
	TalentSorts = map[string]string{"created": "t.id DESC", "created_asc": "t.id", "name": "t.name, t.id", "district": "t.district, t.name, t.id"}
	// Proposals and ideas share their sorts (same columns).
	ProposalSorts = map[string]string{"created": "created_at DESC, id", "created_asc": "created_at, id", "title": "title, id",
		"district": "district, created_at DESC, id"}
	ElderSorts = map[string]string{"id": "e.id", "community": "e.community_code, e.id", "age": "e.birth_year NULLS LAST, e.id",
		"age_desc": "e.birth_year DESC NULLS LAST, e.id"}
	VolunteerSorts = map[string]string{"id": "v.id", "name": "v.name, v.id", "community": "v.community_code, v.id",
		"hours": "(SELECT sum(c.minutes) FROM volunteer_credits c WHERE c.volunteer_id = v.id) DESC NULLS LAST, v.id"}
	ProjectSorts = map[string]string{"created": "p.created_at DESC, p.id", "created_asc": "p.created_at, p.id", "amount": "p.amount_fen DESC, p.id",
		"amount_asc": "p.amount_fen, p.id", "number": "p.number, p.id", "org": "o.name, p.id"}
)
