package store

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"grantflow/internal/domain"
)

// TestTokenCheckWithoutDatabase: when the database cannot answer (restarting,
// unreachable), a token is not declared invalid — the client would apply for
// another one instead of trying again — but the service unavailable.
// (Found by the fault-injection round: every API call during a PostgreSQL
// restart answered 401.)
func TestTokenCheckWithoutDatabase(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := &Store{pool: pool}
	_, err = s.UserByAPIToken(context.Background(), "some-token")
	if code := domain.ErrorCode(err); code != domain.CodeUnavailable {
		t.Fatalf("token check without a database: code %q (%v), want %q", code, err, domain.CodeUnavailable)
	}
}
