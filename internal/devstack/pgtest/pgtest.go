// Package pgtest gives a test binary one real PostgreSQL server of its own
// (started from the Debian packages by devstack, on a free loopback port,
// in a temporary directory), migrated once into a template database, and
// each test a fresh database copied from that template: CREATE DATABASE …
// TEMPLATE takes milliseconds, so tests are independent without paying for
// the migrations again. The cluster is a throwaway: it runs without fsync.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"grantflow/internal/devstack"
)

// Server is a running PostgreSQL cluster with a migrated template database.
type Server struct {
	pg       *devstack.Postgres
	dir      string
	admin    *pgxpool.Pool // on the postgres database: creates and drops test databases
	template string
	n        atomic.Int64
	drops    chan string   // databases of finished tests, to drop
	stopDrop func()        // ends dropper
	dropped  chan struct{} // closed when dropper has ended
}

// Start starts a cluster and runs migrate on its template database. Missing
// PostgreSQL binaries are an error that says how to install them.
func Start(ctx context.Context, migrate func(ctx context.Context, url string) error) (_ *Server, err error) {
	if _, err := devstack.PostgresBinDir(); err != nil {
		return nil, fmt.Errorf("%w (make test installs it: deploy/dev/ensure-packages.sh test)", err)
	}
	dir, err := os.MkdirTemp("", "grantflow-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, template: "tmpl", drops: make(chan string, 1024), dropped: make(chan struct{})}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	port, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	if s.pg, err = devstack.StartPostgres(ctx, filepath.Join(dir, "postgres"), port, logPath); err != nil {
		return nil, err
	}
	if s.admin, err = pgxpool.New(ctx, s.pg.URL("postgres")); err != nil {
		return nil, err
	}
	// a throwaway cluster: durability buys nothing and costs every commit a flush
	for _, q := range []string{`ALTER SYSTEM SET fsync = off`, `ALTER SYSTEM SET synchronous_commit = off`,
		`ALTER SYSTEM SET full_page_writes = off`, `SELECT pg_reload_conf()`} {
		if _, err := s.admin.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", q, err)
		}
	}
	if _, err := s.admin.Exec(ctx, `CREATE DATABASE `+s.template); err != nil {
		return nil, fmt.Errorf("pgtest: create template: %w", err)
	}
	if err := migrate(ctx, s.pg.URL(s.template)); err != nil {
		return nil, fmt.Errorf("pgtest: migrate the template (PostgreSQL log: %s): %w", logPath, err)
	}
	dctx, stop := context.WithCancel(context.Background())
	s.stopDrop = stop
	go s.dropper(dctx)
	return s, nil
}

// Stop stops the cluster and removes its directory (with the databases
// not dropped yet).
func (s *Server) Stop() {
	if s.stopDrop != nil {
		s.stopDrop()
		<-s.dropped
	}
	if s.admin != nil {
		s.admin.Close()
	}
	if s.pg != nil {
		s.immediateShutdown()
		_ = s.pg.Stop()
	}
	_ = os.RemoveAll(s.dir)
}

// immediateShutdown stops the postmaster without the shutdown checkpoint
// (SIGQUIT): nothing of a test cluster needs to reach the disk, and the
// checkpoint of a few dozen test databases takes tens of seconds on a busy
// machine. The postmaster is found by its postmaster.pid, and signalled only
// if that pid is still the postmaster of this cluster.
func (s *Server) immediateShutdown() {
	b, err := os.ReadFile(filepath.Join(s.pg.Dir, "postmaster.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || !devstack.IsPostgresOf(pid, s.pg.Dir) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
}

// Database creates a database of t's own from the template and returns its
// URL. When t ends the database is dropped in the background (DROP
// DATABASE waits for a checkpoint; no test should wait for it); close its
// connections in a cleanup registered after this call, so that it runs
// first.
func (s *Server) Database(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := fmt.Sprintf("t_%d", s.n.Add(1))
	if err := s.create(ctx, name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { s.drops <- name })
	return s.pg.URL(name)
}

// dropper drops the databases of finished tests, one at a time, until Stop.
func (s *Server) dropper(ctx context.Context) {
	defer close(s.dropped)
	for {
		select {
		case <-ctx.Done():
			return
		case name := <-s.drops:
			// an error leaves the database to the cluster's removal
			_, _ = s.admin.Exec(ctx, `DROP DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
		}
	}
}

// create copies the template. CREATE DATABASE fails while another copy of
// the same template is being made ("source database is being accessed by
// other users"), so it tries again for a while.
func (s *Server) create(ctx context.Context, name string) error {
	q := `CREATE DATABASE ` + pgx.Identifier{name}.Sanitize() + ` TEMPLATE ` + s.template
	for {
		_, err := s.admin.Exec(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "is being accessed by other users") {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
