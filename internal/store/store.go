// Package store keeps GrantFlow's records in PostgreSQL through pgx. SQL is
// plain text next to the method that runs it; driver errors become domain
// errors (unique violation → conflict, no rows → not found).
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"grantflow/internal/domain"
	"grantflow/migrations"
)

// Store is GrantFlow's PostgreSQL database.
type Store struct {
	pool    *pgxpool.Pool
	details Sealer // seals secret audit details (SealAuditDetailsWith)
}

// Open connects to url and checks the connection.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: ping %s@%s:%d/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &Store{pool: pool}, nil
}

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// Pool is the connection pool (for the session store).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	return migrations.Up(ctx, db)
}

// mapErr turns driver errors into domain errors.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Wrap(fmt.Errorf("%s: %w", op, err), domain.CodeNotFound, "找不到该记录，它可能已被删除或编号有误。")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return domain.Wrap(fmt.Errorf("%s: %w", op, err), domain.CodeConflict, "该记录已存在，请勿重复提交。")
	}
	if errors.As(err, &pgErr) && pgErr.Code == "23514" {
		return domain.Wrap(fmt.Errorf("%s: %w", op, err), domain.CodeConflict, "该操作违反了数据规则（如累计拨付超过资助金额），未被执行。")
	}
	if Unavailable(err) {
		return domain.Wrap(fmt.Errorf("%s: %w", op, err), domain.CodeUnavailable, "数据库暂时不可用，请稍后重试。")
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Unavailable reports an error that says the database could not answer —
// it is restarting, shutting down, unreachable, or the connection broke —
// rather than anything about the request: the caller may try again.
func Unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception; 57P01–57P03: admin/crash shutdown, cannot connect now
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
