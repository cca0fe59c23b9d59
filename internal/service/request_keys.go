package service

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"

	"go.temporal.io/sdk/temporal"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// boundKey is an idempotency key bound to its request's content (see
// store.BindRequestKey): the same key with other content is refused
// before anything is stored, so a repeated key never overwrites, nor
// adds to, what its first request wrote.
type boundKey struct {
	st              *store.Store
	scope, key, sha string
	again           bool // the key came with this content before
}

// bindKey binds key (already checked by requestID; "" when the request
// came without one: nothing to bind) to the digest of parts, in order.
func bindKey(ctx context.Context, st *store.Store, by domain.Actor, scope, key string, parts ...[]byte) (*boundKey, error) {
	if key == "" {
		return &boundKey{}, nil
	}
	h := sha256.New()
	for _, p := range parts {
		_ = binary.Write(h, binary.BigEndian, uint64(len(p)))
		h.Write(p)
	}
	k := &boundKey{st: st, scope: scope, key: key, sha: hex.EncodeToString(h.Sum(nil))}
	again, err := st.BindRequestKey(ctx, scope, key, by.UserID, k.sha)
	if err != nil {
		return nil, err
	}
	k.again = again
	return k, nil
}

// done frees the key when its request is known to have written nothing
// (refused by the workflow, or by a check before it): it may then come
// again with corrected content. After an unknown outcome it stays bound.
func (k *boundKey) done(ctx context.Context, err error) {
	if k == nil || k.key == "" || err == nil || !refusedForSure(err) {
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	_ = k.st.FreeRequestKey(fctx, k.scope, k.key, k.sha)
}

// refusedForSure: the workflow refused the request (refused), or a check
// of the service's own refused it before anything was sent.
func refusedForSure(err error) bool {
	if refused(err) {
		return true
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return false
	}
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid, domain.CodeNotFound, domain.CodeForbidden, domain.CodeConflict, domain.CodeTooMany, domain.CodeUnauthorized:
		return true
	}
	return false
}
