package service

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"

	"grantflow/workflows"
)

// An update refused while its call continues as new is sent again until the
// next run takes it; any other outcome is returned at once.
func TestWhileDraining(t *testing.T) {
	draining := temporal.NewNonRetryableApplicationError("draining", workflows.ErrTypeDraining, nil)
	other := temporal.NewNonRetryableApplicationError("refused", "conflict", nil)
	for _, tc := range []struct {
		name      string
		refusals  int
		last      error
		wantSends int
	}{
		{"accepted at once", 0, nil, 1},
		{"the next run takes it", 3, nil, 4},
		{"a refusal is not retried", 0, other, 1},
		{"refused by the next run", 2, other, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sends := 0
			err := whileDraining(context.Background(), func() error {
				sends++
				if sends <= tc.refusals {
					return draining
				}
				return tc.last
			})
			if sends != tc.wantSends || !errors.Is(err, tc.last) && err != tc.last {
				t.Fatalf("sends %d (want %d), err %v (want %v)", sends, tc.wantSends, err, tc.last)
			}
		})
	}
}
