package store_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"grantflow/internal/devstack/pgtest"
	"grantflow/internal/store"
)

// pg is this test binary's PostgreSQL server: started once, migrated once
// into a template; every test gets a database copied from it (newStore).
var pg *pgtest.Server

func TestMain(m *testing.M) {
	// The tests wait on the database more than they compute: run 8 at a
	// time unless -parallel says otherwise (8 tests × 8 connections stay
	// well under the server's 200).
	flag.Parse()
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		_ = flag.Set("test.parallel", "8")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	var err error
	pg, err = pgtest.Start(ctx, func(ctx context.Context, url string) error {
		s, err := store.Open(ctx, url)
		if err != nil {
			return err
		}
		defer s.Close()
		return s.Migrate(ctx)
	})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "store tests need a real PostgreSQL and could not start one:", err)
		os.Exit(1)
	}
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// newStore is a Store on a fresh, migrated database of t's own. Tests
// call t.Parallel: each has its own database.
func newStore(t *testing.T) *store.Store {
	t.Helper()
	// at most 8 connections a test: tests run in parallel (one per CPU),
	// and the server takes 200
	url := pg.Database(t) + "&pool_max_conns=8"
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestHarnessDatabasesAreSeparate: each test's database is a copy of the
// migrated template, and what one test writes the next does not see.
func TestHarnessDatabasesAreSeparate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := newStore(t), newStore(t)
	if _, err := a.Pool().Exec(ctx, `INSERT INTO users (username, display_name, password_hash, roles) VALUES ('only_a', 'A', 'x', '{admin}')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.Pool().QueryRow(ctx, `SELECT count(*) FROM users WHERE username = 'only_a'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a row written in one test database is seen in another")
	}
	if err := a.Pool().QueryRow(ctx, `SELECT count(*) FROM areas WHERE level = 'district'`).Scan(&n); err != nil || n != 16 {
		t.Fatalf("template not migrated: %d districts (%v)", n, err)
	}
}
