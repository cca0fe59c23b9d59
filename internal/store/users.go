package store

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

const userColumns = `id, username, display_name, roles, district, created_at`

func scanUser(row pgx.Row) (domain.User, string, error) {
	var u domain.User
	var roles []string
	var hash string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &roles, &u.District, &u.CreatedAt, &hash)
	for _, r := range roles {
		u.Roles = append(u.Roles, domain.Role(r))
	}
	return u, hash, err
}

// UpsertUser creates a user or, if the username exists, updates its name,
// roles, district and password hash. Used by seeding.
func (s *Store) UpsertUser(ctx context.Context, u domain.User, passwordHash string) (domain.User, error) {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	row := s.pool.QueryRow(ctx, `
		INSERT INTO users (username, display_name, password_hash, roles, district)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (username) DO UPDATE
		SET display_name = EXCLUDED.display_name, password_hash = EXCLUDED.password_hash,
		    roles = EXCLUDED.roles, district = EXCLUDED.district
		RETURNING `+userColumns+`, password_hash`,
		u.Username, u.DisplayName, passwordHash, roles, u.District)
	out, _, err := scanUser(row)
	return out, mapErr("upsert user", err)
}

// UserByUsername returns a user and its password hash.
func (s *Store) UserByUsername(ctx context.Context, username string) (domain.User, string, error) {
	u, hash, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+`, password_hash FROM users WHERE username = $1`, username))
	return u, hash, mapErr("user by username", err)
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (domain.User, error) {
	u, _, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+`, password_hash FROM users WHERE id = $1`, id))
	return u, mapErr("user by id", err)
}

// CreateAPIToken stores the hash of a new API token.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, token, name string) error {
	sum := sha256.Sum256([]byte(token))
	_, err := s.pool.Exec(ctx,
		`INSERT INTO api_tokens (user_id, token_hash, name) VALUES ($1, $2, $3)`, userID, sum[:], name)
	return mapErr("create api token", err)
}

// UserByAPIToken returns the owner of a valid (not revoked) API token and
// notes its use.
func (s *Store) UserByAPIToken(ctx context.Context, token string) (domain.User, error) {
	sum := sha256.Sum256([]byte(token))
	u, _, err := scanUser(s.pool.QueryRow(ctx, `
		WITH t AS (
			UPDATE api_tokens SET last_used_at = $2
			WHERE token_hash = $1 AND revoked_at IS NULL
			RETURNING user_id
		)
		SELECT u.id, u.username, u.display_name, u.roles, u.district, u.created_at, u.password_hash
		FROM users u JOIN t ON t.user_id = u.id`, sum[:], time.Now()))
	if err != nil {
		return domain.User{}, domain.Wrap(err, domain.CodeUnauthorized, "API 令牌无效或已撤销，请重新申请令牌。")
	}
	return u, nil
}
