package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

const userColumns = `id, username, display_name, roles, district, created_at, locked_until, org_id, coalesce(area_code, ''), disabled_at IS NOT NULL`

func scanUser(row pgx.Row) (domain.User, string, error) {
	var u domain.User
	var roles []string
	var hash string
	var locked *time.Time
	var orgID *int64
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &roles, &u.District, &u.CreatedAt, &locked, &orgID, &u.AreaCode, &u.Disabled, &hash)
	if locked != nil {
		u.LockedUntil = *locked
	}
	if orgID != nil {
		u.OrgID = *orgID
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, domain.Role(r))
	}
	return u, hash, err
}

// UpsertUser creates a user or, if the username exists, updates its name,
// roles, district and password hash. Used by seeding.
func (s *Store) UpsertUser(ctx context.Context, u domain.User, passwordHash string, by domain.Actor) (domain.User, error) {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	var out domain.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, _, err = scanUser(tx.QueryRow(ctx, `
			INSERT INTO users (username, display_name, password_hash, roles, district, org_id, area_code)
			VALUES ($1, $2, $3, $4, $5, nullif($6, 0), nullif($7, ''))
			ON CONFLICT (username) DO UPDATE
			SET display_name = EXCLUDED.display_name, password_hash = EXCLUDED.password_hash,
			    roles = EXCLUDED.roles, district = EXCLUDED.district, org_id = EXCLUDED.org_id, area_code = EXCLUDED.area_code
			RETURNING `+userColumns+`, password_hash`,
			u.Username, u.DisplayName, passwordHash, roles, u.District, u.OrgID, u.AreaCode))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "user.upsert", ObjectType: "user", ObjectID: u.Username,
			Summary: map[string]any{"display_name": u.DisplayName, "roles": roles, "district": u.District}})
	})
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

// CreateAPIToken stores the hash of a new API token that expires after ttl
// and returns when it expires.
func (s *Store) CreateAPIToken(ctx context.Context, token, name string, ttl time.Duration, by domain.Actor) (time.Time, error) {
	sum := sha256.Sum256([]byte(token))
	expires := time.Now().Add(ttl).Truncate(time.Second)
	return expires, mapErr("create api token", s.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, token_hash, name, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			by.UserID, sum[:], name, expires).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "auth.token.create", ObjectType: "api_token",
			ObjectID: strconv.FormatInt(id, 10), Summary: map[string]string{"name": name, "expires_at": expires.Format(time.RFC3339)}})
	}))
}

// UserByAPIToken returns the owner of a valid API token (not revoked, not
// expired, of an account that is not disabled) and notes its use.
func (s *Store) UserByAPIToken(ctx context.Context, token string) (domain.User, error) {
	sum := sha256.Sum256([]byte(token))
	u, _, err := scanUser(s.pool.QueryRow(ctx, `
		WITH t AS (
			UPDATE api_tokens SET last_used_at = $2
			WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2
			  AND user_id IN (SELECT id FROM users WHERE disabled_at IS NULL)
			RETURNING user_id
		)
		SELECT u.id, u.username, u.display_name, u.roles, u.district, u.created_at, u.locked_until, u.org_id, coalesce(u.area_code, ''), u.disabled_at IS NOT NULL, u.password_hash
		FROM users u JOIN t ON t.user_id = u.id`, sum[:], time.Now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.User{}, domain.Wrap(err, domain.CodeUnauthorized, "API 令牌无效、已过期或已撤销，请重新申请令牌。")
	}
	if err != nil {
		// the database could not answer (restarting, unreachable): the
		// token may be fine, so the caller is told to try again, not to
		// apply for another token
		return domain.User{}, mapErr("api token", err)
	}
	return u, nil
}

// LoginFailed records a wrong password for a user in the audit log. It no
// longer locks the account: anyone who knows a username could lock its owner
// out that way. Failures are limited per address and username instead (see
// RateLimited); limited says that this failure used a limit up.
func (s *Store) LoginFailed(ctx context.Context, by domain.Actor, limited bool) error {
	return mapErr("login failed", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1`, by.UserID); err != nil {
			return err
		}
		action := "auth.login_failed"
		if limited {
			action = "auth.locked"
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(by.UserID, 10)})
	}))
}

// LoginSucceeded clears the failure count and records the sign-in.
func (s *Store) LoginSucceeded(ctx context.Context, by domain.Actor, via string) error {
	return mapErr("login succeeded", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, by.UserID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "auth.login", ObjectType: "user",
			ObjectID: strconv.FormatInt(by.UserID, 10), Summary: map[string]string{"via": via}})
	}))
}
