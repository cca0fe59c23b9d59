// Package stack starts the whole real GrantFlow stack on loopback —
// PostgreSQL, MinIO, an embedded Temporal server with its Web UI and Mailpit
// (SMTP with a web inbox) — and
// says how to reach it as a config.Config. cmd/grantflow-dev (`make run`)
// and the integration tests start services through it alone.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"grantflow/internal/config"
	"grantflow/internal/devstack"
	"grantflow/internal/devstack/temporaldev"
	"grantflow/internal/pii"
	"grantflow/workflows"
)

// Ports of the stack; zero picks a free port.
type Ports struct {
	Postgres     int
	MinIO        int
	MinIOConsole int
	Temporal     int
	TemporalUI   int // -1: no Web UI
	Web          int
	SMTP         int // Mailpit's SMTP server
	MailUI       int // Mailpit's web inbox and API
}

// DevPorts are the fixed ports of `make run`.
var DevPorts = Ports{Postgres: 55432, MinIO: 59000, MinIOConsole: 59001, Temporal: 57233, TemporalUI: 58233, Web: 8080,
	SMTP: 51025, MailUI: 58025}

// PortCount is how many ports PortsFrom takes.
const PortCount = 8

// PortsFrom are fixed ports base, base+1, … base+7 (PostgreSQL, MinIO, its
// console, Temporal, its Web UI, web, Mailpit's SMTP, its web inbox):
// grantflow-dev -port-base, for a second stack beside `make run`'s and for
// tests that take its path.
func PortsFrom(base int) Ports {
	return Ports{Postgres: base, MinIO: base + 1, MinIOConsole: base + 2, Temporal: base + 3, TemporalUI: base + 4, Web: base + 5,
		SMTP: base + 6, MailUI: base + 7}
}

// Options configure a stack.
type Options struct {
	Root     string // repository root (to find bin/minio and bin/mailpit)
	DataDir  string // all state lives here
	Ports    Ports
	Database string // default "grantflow"
	Progress func(format string, args ...any)
}

// Stack is a running stack.
type Stack struct {
	Postgres *devstack.Postgres
	MinIO    *devstack.MinIO
	Temporal *temporaldev.Server
	Mailpit  *devstack.Mailpit
	Options  Options
	Config   config.Config
	unlock   func()
}

// Start starts PostgreSQL, MinIO, Temporal and Mailpit, in that order, reusing the
// state under DataDir. On error, whatever started is stopped again.
func Start(ctx context.Context, o Options) (s *Stack, err error) {
	if o.Database == "" {
		o.Database = "grantflow"
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, err
	}
	logDir := filepath.Join(o.DataDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	s = &Stack{Options: o}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err = s.claimDataDir(); err != nil {
		return s, err
	}
	if err = assignPorts(&s.Options.Ports); err != nil {
		return s, err
	}
	minioBin, err := devstack.MinIOBinary(o.Root)
	if err != nil {
		return s, err
	}
	mailpitBin, err := devstack.MailpitBinary(o.Root)
	if err != nil {
		return s, err
	}
	if err = s.startPostgres(ctx, logDir); err != nil {
		return s, err
	}
	if err = s.startMinIO(ctx, minioBin, logDir); err != nil {
		return s, err
	}
	uiOrigin, err := s.startTemporal(ctx, logDir)
	if err != nil {
		return s, err
	}
	if err = s.startMailpit(ctx, mailpitBin, logDir); err != nil {
		return s, err
	}
	return s, s.configure(uiOrigin)
}

// claimDataDir takes the data directory's lock: one grantflow-dev per data
// directory. Holding it, any server found running on this directory's data
// is an orphan of an earlier run that was killed, and is stopped before the
// ports are checked.
func (s *Stack) claimDataDir() error {
	o := s.Options
	var err error
	if s.unlock, err = devstack.LockDataDir(o.DataDir); err != nil {
		return err
	}
	for _, r := range []struct {
		what string
		reap func(string) ([]devstack.Orphan, error)
		dir  string
	}{{"PostgreSQL", devstack.ReapPostgres, "postgres"}, {"MinIO", devstack.ReapMinIO, "minio"}, {"Mailpit", devstack.ReapMailpit, "mailpit"}} {
		stopped, err := r.reap(filepath.Join(o.DataDir, r.dir))
		for _, x := range stopped {
			o.Progress("%-11s stopped pid %d, left running by an earlier run that was killed", r.what, x.Pid)
		}
		if err != nil {
			return fmt.Errorf("could not stop the %s left running by an earlier run: %w", r.what, err)
		}
	}
	return nil
}

// assignPorts gives every wanted port that is zero a free one, and checks
// that each is free.
func assignPorts(p *Ports) error {
	for _, c := range []struct {
		port *int
		what string
	}{{&p.Postgres, "PostgreSQL"}, {&p.MinIO, "MinIO"}, {&p.MinIOConsole, "MinIO console"}, {&p.Temporal, "Temporal"},
		{&p.TemporalUI, "Temporal UI"}, {&p.Web, "web"}, {&p.SMTP, "Mailpit SMTP"}, {&p.MailUI, "Mailpit inbox"}} {
		if *c.port < 0 {
			continue // not wanted (no Temporal UI)
		}
		if *c.port == 0 {
			var err error
			if *c.port, err = devstack.FreePort(); err != nil {
				return err
			}
		}
		if err := devstack.CheckPort(*c.port, c.what); err != nil {
			return err
		}
	}
	return nil
}

// startPostgres starts PostgreSQL and creates the database when missing.
func (s *Stack) startPostgres(ctx context.Context, logDir string) error {
	o, p := s.Options, s.Options.Ports
	o.Progress("PostgreSQL  starting on 127.0.0.1:%d (data %s)", p.Postgres, filepath.Join(o.DataDir, "postgres"))
	var err error
	if s.Postgres, err = devstack.StartPostgres(ctx, filepath.Join(o.DataDir, "postgres"), p.Postgres, filepath.Join(logDir, "postgres.log")); err != nil {
		return err
	}
	if err = s.Postgres.CreateDatabase(ctx, o.Database, ""); err != nil {
		return fmt.Errorf("create database %s: %w", o.Database, err)
	}
	return nil
}

// startMinIO starts MinIO with the data directory's secret (made on the
// first start).
func (s *Stack) startMinIO(ctx context.Context, minioBin, logDir string) error {
	o, p := s.Options, s.Options.Ports
	secret, err := readOrCreate(filepath.Join(o.DataDir, "minio-secret"), func() (string, error) {
		raw := make([]byte, 16)
		_, err := rand.Read(raw)
		return hex.EncodeToString(raw), err
	})
	if err != nil {
		return err
	}
	o.Progress("MinIO       starting on 127.0.0.1:%d (console :%d)", p.MinIO, p.MinIOConsole)
	s.MinIO, err = devstack.StartMinIO(ctx, minioBin, filepath.Join(o.DataDir, "minio"), p.MinIO, p.MinIOConsole,
		"grantflow", secret, filepath.Join(logDir, "minio.log"))
	return err
}

// startTemporal starts the embedded Temporal server and, when wanted, its
// Web UI, and returns the UI's origin ("" without one).
func (s *Stack) startTemporal(ctx context.Context, logDir string) (string, error) {
	o, p := s.Options, s.Options.Ports
	uiPort := p.TemporalUI
	if uiPort < 0 {
		uiPort = 0
	}
	// the Web UI decodes the sealed payloads through the web server's codec
	// endpoint, with the browser's admin session
	codec, uiOrigin := "", ""
	if uiPort > 0 {
		codec, uiOrigin = fmt.Sprintf("http://127.0.0.1:%d/admin/temporal-codec", p.Web), fmt.Sprintf("http://127.0.0.1:%d", uiPort)
	}
	o.Progress("Temporal    starting on 127.0.0.1:%d (Web UI :%d)", p.Temporal, uiPort)
	var err error
	s.Temporal, err = temporaldev.Start(ctx, temporaldev.Options{
		Port: p.Temporal, UIPort: uiPort,
		DatabaseFile:     filepath.Join(o.DataDir, "temporal", "temporal.db"),
		Namespace:        "grantflow",
		SearchAttributes: workflows.SearchAttributes,
		LogFile:          filepath.Join(logDir, "temporal.log"),
		CodecEndpoint:    codec,
	})
	return uiOrigin, err
}

// startMailpit starts Mailpit, the stack's SMTP server and web inbox, with
// its database under the data directory.
func (s *Stack) startMailpit(ctx context.Context, mailpitBin, logDir string) error {
	o, p := s.Options, s.Options.Ports
	o.Progress("Mailpit     starting on 127.0.0.1:%d (inbox :%d)", p.SMTP, p.MailUI)
	var err error
	s.Mailpit, err = devstack.StartMailpit(ctx, devstack.MailpitOptions{Binary: mailpitBin, Dir: filepath.Join(o.DataDir, "mailpit"),
		SMTPPort: p.SMTP, UIPort: p.MailUI, LogPath: filepath.Join(logDir, "mailpit.log")})
	return err
}

// configure sets the stack's Config (with the data directory's PII keys,
// made on the first start) and validates it.
func (s *Stack) configure(uiOrigin string) error {
	o, p := s.Options, s.Options.Ports
	piiKeys, err := readOrCreate(filepath.Join(o.DataDir, "pii-keys"), func() (string, error) { return pii.NewKeySpec("dev1") })
	if err != nil {
		return err
	}
	s.Config, err = config.FromMap(map[string]string{
		"GRANTFLOW_PII_KEYS":           piiKeys,
		"GRANTFLOW_DATABASE_URL":       s.Postgres.URL(o.Database),
		"GRANTFLOW_TEMPORAL_ADDRESS":   s.Temporal.Addr,
		"GRANTFLOW_TEMPORAL_NAMESPACE": "grantflow",
		"GRANTFLOW_S3_ENDPOINT":        s.MinIO.Endpoint(),
		"GRANTFLOW_S3_ACCESS_KEY":      s.MinIO.AccessKey,
		"GRANTFLOW_S3_SECRET_KEY":      s.MinIO.SecretKey,
		"GRANTFLOW_S3_BUCKET":          "grantflow",
		"GRANTFLOW_HTTP_ADDR":          fmt.Sprintf("127.0.0.1:%d", p.Web),
		"GRANTFLOW_WEB_URL":            fmt.Sprintf("http://127.0.0.1:%d", p.Web),
		"GRANTFLOW_SHUTDOWN_TIMEOUT":   "10s",
		"GRANTFLOW_TEMPORAL_UI_ORIGIN": uiOrigin,
		// Mailpit on loopback takes mail without TLS or a password
		"GRANTFLOW_SMTP_HOST":      s.Mailpit.SMTPHost(),
		"GRANTFLOW_SMTP_PORT":      fmt.Sprint(s.Mailpit.SMTPPort),
		"GRANTFLOW_SMTP_TLS":       "none",
		"GRANTFLOW_SMTP_FROM":      "GrantFlow 公益创投 <noreply@grantflow.localhost>",
		"GRANTFLOW_SMTP_INBOX_URL": s.Mailpit.UIURL(),
	})
	if err != nil {
		return err
	}
	return s.Config.Validate()
}

// WriteEnv writes the stack's settings as GRANTFLOW_* variables (plus the
// PG* variables psql reads) so that `set -a; . .data/dev.env` points any
// grantflow subcommand, psql or S3 client at this stack.
func (s *Stack) WriteEnv(path string) error {
	lines := append([]string{"# written by grantflow-dev; the running dev stack's settings"}, s.Config.Env()...)
	lines = append(lines,
		fmt.Sprintf("PGHOST=127.0.0.1\nPGPORT=%d\nPGUSER=postgres\nPGDATABASE=%s", s.Postgres.Port, s.Options.Database),
		"AWS_ACCESS_KEY_ID="+s.MinIO.AccessKey,
		"AWS_SECRET_ACCESS_KEY="+s.MinIO.SecretKey,
		"AWS_ENDPOINT_URL=http://"+s.MinIO.Endpoint(),
		"TEMPORAL_ADDRESS="+s.Temporal.Addr,
		"TEMPORAL_NAMESPACE=grantflow",
	)
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// Stop stops Mailpit, Temporal, MinIO and PostgreSQL, in that order.
func (s *Stack) Stop() {
	if s.Mailpit != nil {
		_ = s.Mailpit.Stop()
	}
	if s.Temporal != nil {
		s.Temporal.Stop()
	}
	if s.MinIO != nil {
		_ = s.MinIO.Stop()
	}
	if s.Postgres != nil {
		_ = s.Postgres.Stop()
	}
	if s.unlock != nil {
		s.unlock()
		s.unlock = nil
	}
}

// readOrCreate returns the secret kept in path, creating it on first use.
func readOrCreate(path string, create func() (string, error)) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	secret, err := create()
	if err != nil {
		return "", err
	}
	// whole or not at all: a kill between create and write must not leave
	// an empty file (that would be replaced by another secret)
	if err := os.WriteFile(path+".tmp", []byte(secret+"\n"), 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return "", err
	}
	return secret, nil
}

// WaitTemporal waits until the Temporal frontend answers health checks.
func WaitTemporal(ctx context.Context, check func(context.Context) error) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("temporal did not become healthy in 60s: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
