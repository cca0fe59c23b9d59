package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
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

// TestMapErrUnavailable: errors that say the database could not answer (a
// restart's "terminating connection", "starting up", a broken connection)
// map to unavailable — 503, try again — not to an internal error (500).
// (Found by the fault-injection round: a publication during a PostgreSQL
// fast shutdown answered 500.)
func TestMapErrUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want domain.Code
	}{
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, domain.CodeUnavailable},
		{&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, domain.CodeUnavailable},
		{&pgconn.PgError{Code: "08006"}, domain.CodeUnavailable},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), domain.CodeUnavailable},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), domain.CodeUnavailable},
		{&pgconn.PgError{Code: "23505"}, domain.CodeConflict},
		{&pgconn.PgError{Code: "22P02"}, domain.CodeInternal},
		{errors.New("something else"), domain.CodeInternal},
	} {
		if got := domain.ErrorCode(mapErr("op", c.err)); got != c.want {
			t.Errorf("mapErr(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
