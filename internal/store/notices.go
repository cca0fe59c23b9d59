package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// ---- notices ----

// AddNotice records a notice once per dedup key.
func (s *Store) AddNotice(ctx context.Context, callID string, to domain.NoticeTo, kind, text, dedup string) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO notices (call_id, org_id, user_id, role, district, kind, text, dedup_key)
		VALUES (nullif($1, '')::uuid, nullif($2, 0), nullif($3, 0), nullif($4, ''), nullif($5, ''), $6, $7, $8)
		ON CONFLICT (dedup_key) DO NOTHING`, callID, to.OrgID, to.UserID, string(to.Role), to.District, kind, text, dedup)
	return mapErr("add notice", err)
}

// NoticesFor lists the newest notices addressed to a user: to them, to their
// organisation, or to one of their roles in their district (city staff see
// every district's).
func (s *Store) NoticesFor(ctx context.Context, u domain.User, limit int) ([]domain.Notice, error) {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, coalesce(call_id::text, ''), kind, text, created_at FROM notices
		WHERE user_id = $1 OR ($2 <> 0 AND org_id = $2)
		   OR (role = ANY ($3) AND (district = $4 OR $4 = '市本级' OR district IS NULL))
		ORDER BY created_at DESC, id DESC LIMIT $5`, u.ID, u.OrgID, roles, u.District, limit)
	if err != nil {
		return nil, mapErr("notices", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Notice, error) {
		var n domain.Notice
		return n, r.Scan(&n.ID, &n.CallID, &n.Kind, &n.Text, &n.CreatedAt)
	})
	return out, mapErr("notices", err)
}
