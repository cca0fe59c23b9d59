package service

import (
	"context"
	"errors"
	"testing"

	"grantflow/internal/domain"
)

func TestWhileDrawCatchesUp(t *testing.T) {
	notDrawn := domain.Errorf(domain.CodeForbidden, "您不在本次征集的评审小组中。")
	for _, tc := range []struct {
		name      string
		refusals  int   // times the workflow refuses before accepting
		recorded  bool  // the record says drawn
		other     error // another error from the workflow
		wantSends int
		wantErr   bool
	}{
		{"accepted at once", 0, true, nil, 1, false},
		{"the workflow catches up", 2, true, nil, 3, false},
		{"not drawn: refused at once", 5, false, nil, 1, true},
		{"another error is not retried", 0, true, errors.New("closed"), 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sends := 0
			err := whileDrawCatchesUp(context.Background(), func() error {
				sends++
				if tc.other != nil {
					return tc.other
				}
				if sends <= tc.refusals {
					return notDrawn
				}
				return nil
			}, func() (bool, error) { return tc.recorded, nil })
			if sends != tc.wantSends || (err != nil) != tc.wantErr {
				t.Errorf("%d sends, err %v; want %d sends, error %v", sends, err, tc.wantSends, tc.wantErr)
			}
		})
	}
}
