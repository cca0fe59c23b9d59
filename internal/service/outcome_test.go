package service

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"

	"grantflow/internal/domain"
)

// TestOnlyARefusalIsKnown: files an update referred to are removed only
// after the workflow's own refusal, never after an error whose outcome is
// unknown.
func TestOnlyARefusalIsKnown(t *testing.T) {
	late := temporal.NewNonRetryableApplicationError("投标截止时间已过", string(domain.CodeConflict), nil)
	for _, c := range []struct {
		err  error
		want bool
	}{
		{temporalErr("submit-bid", late), true},
		{fmt.Errorf("update: %w", temporal.NewApplicationError("不合法", string(domain.CodeInvalid))), true},
		{temporalErr("submit-bid", context.Canceled), false},
		{temporalErr("submit-bid", context.DeadlineExceeded), false},
		{temporalErr("submit-bid", errors.New("connection reset by peer")), false},
		{temporal.NewApplicationError("activity failed", "internal"), false},
		{domain.Errorf(domain.CodeConflict, "征集已处于“已撤销”阶段，不能再办理此事项。"), false}, // the workflow ended: it may hold the update
	} {
		if got := refused(c.err); got != c.want {
			t.Errorf("refused(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	removed := 0
	remove := func(context.Context, string) error { removed++; return nil }
	removeIfRefused(context.Background(), remove, temporalErr("x", context.Canceled), "a", "b")
	if removed != 0 {
		t.Fatal("files removed after an unknown outcome")
	}
	removeIfRefused(context.Background(), remove, temporalErr("x", late), "a", "b")
	if removed != 2 {
		t.Fatalf("after a refusal %d of 2 files removed", removed)
	}
}
