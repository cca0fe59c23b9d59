package store

import (
	"context"

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
		return false, domain.Errorf(domain.CodeConflict, "该请求编号（Idempotency-Key %s）已用于另一份内容，本次提交未被受理，已提交的内容没有任何改动。请刷新页面后重新提交（新的提交使用新的请求编号）。", key)
	}
	return true, nil
}

// FreeRequestKey unbinds a key whose request was refused (nothing was
// written): it may be sent again with corrected content.
func (s *Store) FreeRequestKey(ctx context.Context, scope, key, bodySHA256 string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM request_keys WHERE scope = $1 AND key = $2 AND body_sha256 = $3`, scope, key, bodySHA256)
	return mapErr("free request key", err)
}
