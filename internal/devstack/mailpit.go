package devstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// MailpitVersion is the pinned Mailpit (github.com/axllent/mailpit) the
// Makefile builds into bin/mailpit: the dev stack's SMTP server, with a web
// inbox and an HTTP API that the integration tests read mail back through.
const MailpitVersion = "v1.33.1"

// Mailpit is a Mailpit server on loopback: SMTP on SMTPPort, the web inbox
// and its API on UIPort.
type Mailpit struct {
	SMTPPort int
	UIPort   int
	proc     *process
}

// MailpitOptions start a Mailpit. Dir holds its database (Dir/mailpit.db);
// Args are further flags (a test's STARTTLS certificate or password file).
type MailpitOptions struct {
	Binary   string
	Dir      string
	SMTPPort int
	UIPort   int
	LogPath  string
	Args     []string
}

// MailpitBinary finds Mailpit: $GRANTFLOW_MAILPIT_BIN, else bin/mailpit
// under root, else mailpit on PATH.
func MailpitBinary(root string) (string, error) {
	if p := os.Getenv("GRANTFLOW_MAILPIT_BIN"); p != "" {
		return p, nil
	}
	if p := filepath.Join(root, "bin", "mailpit"); fileExists(p) {
		return p, nil
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: Mailpit not found in bin/mailpit; run `make mailpit` (builds it from its pinned version, about 3 minutes once) or set GRANTFLOW_MAILPIT_BIN", ErrMissing)
}

// mailpitDB is the database file of the Mailpit kept in dir.
func mailpitDB(dir string) string { return filepath.Join(dir, "mailpit.db") }

// StartMailpit starts Mailpit with its database in o.Dir and waits until
// its API answers. Without o.Args it takes mail without authentication or
// TLS, on loopback only.
func StartMailpit(ctx context.Context, o MailpitOptions) (*Mailpit, error) {
	dir, err := filepath.Abs(o.Dir) // IsMailpitOf finds it by its database
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--database", mailpitDB(dir),
		"--smtp", fmt.Sprintf("127.0.0.1:%d", o.SMTPPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", o.UIPort),
		"--disable-version-check", "--smtp-disable-rdns", "--quiet",
	}, o.Args...)
	cmd := exec.Command(o.Binary, args...)
	proc, err := startProcess("mailpit", filepath.Join(filepath.Dir(dir), "mailpit.pid"), syscall.SIGTERM, logf, cmd)
	if err != nil {
		return nil, err
	}
	m := &Mailpit{SMTPPort: o.SMTPPort, UIPort: o.UIPort, proc: proc}
	ready := m.UIURL() + "/readyz"
	if err := waitFor(ctx, proc, "Mailpit", o.LogPath, httpReady(ready)); err != nil {
		_ = proc.stop(5 * time.Second)
		return nil, err
	}
	return m, nil
}

// SMTPHost is the host the SMTP server listens on.
func (m *Mailpit) SMTPHost() string { return "127.0.0.1" }

// UIURL is the web inbox (and, under /api/v1, its API).
func (m *Mailpit) UIURL() string { return fmt.Sprintf("http://127.0.0.1:%d", m.UIPort) }

// Stop shuts Mailpit down.
func (m *Mailpit) Stop() error { return m.proc.stop(10 * time.Second) }

// ReapMailpit stops Mailpit servers left running on the database in dir
// (SIGTERM; after 10 seconds SIGKILL) and waits for them to end.
func ReapMailpit(dir string) ([]Orphan, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return reap([]string{filepath.Join(filepath.Dir(dir), "mailpit.pid")}, func(pid int) bool { return IsMailpitOf(pid, dir) },
		[]stopStep{{syscall.SIGTERM, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}})
}

// IsMailpitOf reports whether pid is a Mailpit started by StartMailpit with
// its database in dir: `<…mailpit…> --database <dir>/mailpit.db …`.
func IsMailpitOf(pid int, dir string) bool {
	argv := cmdline(pid)
	return len(argv) >= 3 && strings.Contains(filepath.Base(argv[0]), "mailpit") && hasArgPair(argv, "--database", mailpitDB(dir))
}
