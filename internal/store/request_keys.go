package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// BindRequestKey binds an idempotency key (within scope: what kind of
// request it is) to the digest of the content it first came with. It
// reports whether the key was bound before to the same content (a
// request sent again, to be answered as the first was); a key bound to
// other content, or by another user, is a conflict that changes nothing.
func (s *Store) BindRequestKey(ctx context.Context, scope, key string, userID int64, bodySHA256 string) (again bool, err error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO request_keys (scope, key, user_id, body_sha256) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, scope, key, userID, bodySHA256)
	if err != nil {
		return false, mapErr("bind request key", err)
	}
	if tag.RowsAffected() == 1 {
		return false, nil
	}
	var by int64
	var sha string
	if err := s.pool.QueryRow(ctx, `SELECT user_id, body_sha256 FROM request_keys WHERE scope = $1 AND key = $2`, scope, key).Scan(&by, &sha); err != nil {
		return false, mapErr("bind request key", err) // freed meanwhile: the caller may send it again
	}
	if by != userID || sha != bodySHA256 {
		return false, errKeyUsed(key)
	}
	return true, nil
}

func errKeyUsed(key string) error {
	return domain.Errorf(domain.CodeConflict, "该请求编号（Idempotency-Key %s）已用于另一份内容，本次提交未被受理，已提交的内容没有任何改动。请刷新页面后重新提交（新的提交使用新的请求编号）。", key)
}

// RequestKey is an idempotency key with its scope and the digest of its
// request's content; an empty Key binds nothing.
type RequestKey struct {
	Scope, Key, SHA256 string
	UserID             int64
}

// RequestKeyResult is what the request first sent with k created ("" when
// the key is not bound yet); other content under the key is a conflict.
func (s *Store) RequestKeyResult(ctx context.Context, k RequestKey) (string, error) {
	if k.Key == "" {
		return "", nil
	}
	var by int64
	var sha, result string
	err := s.pool.QueryRow(ctx, `SELECT user_id, body_sha256, result FROM request_keys WHERE scope = $1 AND key = $2`, k.Scope, k.Key).Scan(&by, &sha, &result)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", nil
	case err != nil:
		return "", mapErr("request key", err)
	case by != k.UserID || sha != k.SHA256:
		return "", errKeyUsed(k.Key)
	}
	return result, nil
}

// bindKeyTx binds k inside tx, for a write in the same transaction: it
// returns the result of the request that bound it before (with the same
// content; the write is then not done again), or "" when this request
// binds it (then recordKeyResult records what it created). A concurrent
// request with the same key waits for this transaction.
func bindKeyTx(ctx context.Context, tx pgx.Tx, k RequestKey) (string, error) {
	if k.Key == "" {
		return "", nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO request_keys (scope, key, user_id, body_sha256) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		k.Scope, k.Key, k.UserID, k.SHA256)
	if err != nil || tag.RowsAffected() == 1 {
		return "", err
	}
	var by int64
	var sha, result string
	if err := tx.QueryRow(ctx, `SELECT user_id, body_sha256, result FROM request_keys WHERE scope = $1 AND key = $2`, k.Scope, k.Key).Scan(&by, &sha, &result); err != nil {
		return "", err
	}
	if by != k.UserID || sha != k.SHA256 || result == "" {
		return "", errKeyUsed(k.Key)
	}
	return result, nil
}

func recordKeyResult(ctx context.Context, tx pgx.Tx, k RequestKey, result string) error {
	if k.Key == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE request_keys SET result = $3 WHERE scope = $1 AND key = $2`, k.Scope, k.Key, result)
	return err
}

// FreeRequestKey unbinds a key whose request was refused (nothing was
// written): it may be sent again with corrected content.
func (s *Store) FreeRequestKey(ctx context.Context, scope, key, bodySHA256 string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM request_keys WHERE scope = $1 AND key = $2 AND body_sha256 = $3`, scope, key, bodySHA256)
	return mapErr("free request key", err)
}

// RequestKeyRetention is how long an idempotency key stays bound.
const RequestKeyRetention = 30 * 24 * time.Hour

// DeleteRequestKeys removes the keys bound before before (the daily sweep).
func (s *Store) DeleteRequestKeys(ctx context.Context, before time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM request_keys WHERE created_at < $1`, before)
	return mapErr("delete request keys", err)
}
