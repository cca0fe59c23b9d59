package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

var ctx = context.Background()

// exec runs seed SQL on the test's database.
func exec(t *testing.T, s *store.Store, sql string, args ...any) {
	t.Helper()
	if _, err := s.Pool().Exec(ctx, sql, args...); err != nil {
		t.Fatalf("seed %q: %v", sql, err)
	}
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustAll fails the test on any of errs.
func mustAll(t *testing.T, errs []error) {
	t.Helper()
	for _, err := range errs {
		must(t, err)
	}
}

// mkUser adds a user and returns them as the actor of what they do.
func mkUser(t *testing.T, s *store.Store, username string, district string, roles ...domain.Role) domain.Actor {
	t.Helper()
	if district == "" {
		district = "市本级"
	}
	u, err := s.UpsertUser(ctx, domain.User{Username: username, DisplayName: "用户" + username, Roles: roles, District: district}, "x", domain.System)
	must(t, err)
	return domain.ActorOf(u, "127.0.0.1")
}

// uuidN is a fixed UUID that sorts by n.
func uuidN(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// keys maps rows to what identifies them in an expectation.
func keys[T any, K comparable](rows []T, key func(T) K) []K {
	out := []K{}
	for _, r := range rows {
		out = append(out, key(r))
	}
	return out
}

// wantKeys fails unless got lists exactly want, in order.
func wantKeys[K comparable](t *testing.T, what string, got, want []K) {
	t.Helper()
	if want == nil {
		want = []K{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func fmtSscan(s string, a ...any) (int, error) { return fmt.Sscan(s, a...) }
