package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// Session is a signed-in browser session of a user.
type Session struct {
	Token     string    `json:"-"`
	ID        string    `json:"id"` // a short, non-secret handle of the token
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	CreatedAt time.Time `json:"created_at"`
	Expiry    time.Time `json:"expiry"`
}

// sessionHandle is a non-secret name for a session token (the start of its
// SHA-256), so pages and the API can name a session without showing it.
func sessionHandle(token string) string {
	return hashHex(token)[:16]
}

// RecordSession notes that token is a session of a user (at sign-in).
func (s *Store) RecordSession(ctx context.Context, token string, by domain.Actor, userAgent string) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO user_sessions (token, user_id, ip, user_agent) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token) DO NOTHING`, token, by.UserID, by.IP, truncate(userAgent, 300))
	return mapErr("record session", err)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ForgetSession drops the record of a session that ends (sign-out).
func (s *Store) ForgetSession(ctx context.Context, token string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM user_sessions WHERE token = $1`, token)
	return mapErr("forget session", err)
}

// Sessions lists a user's live sessions, newest first.
func (s *Store) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT u.token, u.ip, u.user_agent, u.created_at, s.expiry
		FROM user_sessions u JOIN sessions s ON s.token = u.token
		WHERE u.user_id = $1 AND s.expiry > now()
		ORDER BY u.created_at DESC, u.token`, userID)
	if err != nil {
		return nil, mapErr("sessions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Session, error) {
		var x Session
		err := r.Scan(&x.Token, &x.IP, &x.UserAgent, &x.CreatedAt, &x.Expiry)
		x.ID = sessionHandle(x.Token)
		return x, err
	})
	return out, mapErr("sessions", err)
}

// RevokeSession ends one of a user's sessions, named by its handle.
func (s *Store) RevokeSession(ctx context.Context, handle string, by domain.Actor) error {
	sessions, err := s.Sessions(ctx, by.UserID)
	if err != nil {
		return err
	}
	for _, x := range sessions {
		if x.ID == handle {
			return mapErr("revoke session", s.tx(ctx, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, x.Token); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE token = $1`, x.Token); err != nil {
					return err
				}
				return appendAudit(ctx, tx, Audit{By: by, Action: "auth.session.revoke", ObjectType: "user",
					ObjectID: strconv.FormatInt(by.UserID, 10), Summary: map[string]string{"session": handle}})
			}))
		}
	}
	return domain.Errorf(domain.CodeNotFound, "找不到该登录会话，它可能已经结束。")
}

// endSessions ends every session of a user except keep (inside tx).
func endSessions(ctx context.Context, tx pgx.Tx, userID int64, keep string) error {
	if _, err := tx.Exec(ctx, `
		DELETE FROM sessions WHERE token IN (SELECT token FROM user_sessions WHERE user_id = $1 AND token <> $2)`, userID, keep); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND token <> $2`, userID, keep)
	return err
}

// SetPassword replaces a user's password hash, clears any lockout, ends
// every other session and revokes every API token of the user (a token made
// with the old password must not outlive it). reset tells an
// administrator's reset from a person's own change (for the audit log).
func (s *Store) SetPassword(ctx context.Context, userID int64, hash, keepSession string, reset bool, by domain.Actor) error {
	return mapErr("set password", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1`, userID, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeNotFound, "找不到该用户。")
		}
		if err := endSessions(ctx, tx, userID, keepSession); err != nil {
			return err
		}
		if err := revokeTokens(ctx, tx, userID); err != nil {
			return err
		}
		action := "auth.password.change"
		if reset {
			action = "auth.password.reset"
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10)})
	}))
}

func revokeTokens(ctx context.Context, tx pgx.Tx, userID int64) error {
	_, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	return err
}

// SetDisabled disables (or re-enables) an account. Disabling ends every
// session of the user and revokes every API token at once.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool, by domain.Actor) error {
	return mapErr("set disabled", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END WHERE id = $1`, userID, disabled)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeNotFound, "找不到该用户。")
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if err := endSessions(ctx, tx, userID, ""); err != nil {
				return err
			}
			if err := revokeTokens(ctx, tx, userID); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10)})
	}))
}

// APIToken is an issued API token (never the token itself).
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
}

// APITokens lists a user's API tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, name, created_at, last_used_at, revoked_at, expires_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, mapErr("api tokens", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[APIToken])
	return out, mapErr("api tokens", err)
}

// RevokeAPIToken revokes one of the user's own API tokens.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64, by domain.Actor) error {
	return mapErr("revoke api token", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, id, by.UserID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeNotFound, "找不到该令牌，或它已被撤销。")
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "auth.token.revoke", ObjectType: "api_token", ObjectID: strconv.FormatInt(id, 10)})
	}))
}

// Users lists accounts by username, limit at a time after the username
// after (keyset paging for administrators).
func (s *Store) Users(ctx context.Context, after string, limit int) ([]domain.User, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE username > $1 ORDER BY username LIMIT $2`, after, limit)
	if err != nil {
		return nil, mapErr("users", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.User, error) {
		u, _, err := scanUser(r)
		return u, err
	})
	return out, mapErr("users", err)
}
