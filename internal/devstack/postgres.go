package devstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a PostgreSQL cluster of GrantFlow's own, on loopback.
type Postgres struct {
	Port int
	Dir  string
	proc *process
	log  string
}

// PostgresBinDir finds the PostgreSQL 15 server binaries: $GRANTFLOW_PG_BINDIR,
// else Debian's /usr/lib/postgresql/15/bin.
func PostgresBinDir() (string, error) {
	dirs := []string{os.Getenv("GRANTFLOW_PG_BINDIR"), "/usr/lib/postgresql/15/bin"}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: PostgreSQL 15 server (initdb, postgres) not found in /usr/lib/postgresql/15/bin; install it with `apt-get install postgresql-15` (make run does this) or set GRANTFLOW_PG_BINDIR", ErrMissing)
}

// asPostgresUser makes cmd run as the `postgres` system user when we are
// root: initdb and postgres refuse to run as root.
func asPostgresUser(cmd *exec.Cmd, dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the `postgres` system user (created by the postgresql-15 package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := chownTree(dir, uid, gid); err != nil {
		return err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	return nil
}

func chownTree(dir string, uid, gid int) error {
	// every ancestor must be traversable by postgres too (temporary
	// directories are created 0700)
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
			_ = os.Chmod(p, fi.Mode().Perm()|0o011)
		}
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// StartPostgres initialises dir as a cluster if it is empty and starts it on
// port (127.0.0.1 only, trust authentication: loopback development only).
func StartPostgres(ctx context.Context, dir string, port int, logPath string) (*Postgres, error) {
	bin, err := PostgresBinDir()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if err := initCluster(ctx, bin, dir, logf, logPath); err != nil {
		return nil, err
	}
	sockDir := filepath.Join(dir, "sock")
	_ = os.MkdirAll(sockDir, 0o700)
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+sockDir,
		"-c", "max_connections=200", "-c", "fsync=on", "-c", "shared_buffers=128MB")
	if err := asPostgresUser(cmd, dir); err != nil {
		return nil, err
	}
	// SIGINT is PostgreSQL's fast shutdown: roll back open transactions, stop cleanly.
	proc, err := startProcess("postgres", filepath.Join(filepath.Dir(dir), "postgres.pid"), syscall.SIGINT, logf, cmd)
	if err != nil {
		return nil, err
	}
	pg := &Postgres{Port: port, Dir: dir, proc: proc, log: logPath}
	if err := waitFor(ctx, proc, "PostgreSQL", logPath, func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, pg.URL("postgres"))
		if err != nil {
			return err
		}
		return c.Close(ctx)
	}); err != nil {
		_ = proc.stop(5 * time.Second)
		return nil, err
	}
	return pg, nil
}

// initCluster makes dir a new cluster unless it is one. initdb works in a
// directory beside it that is renamed to dir when initdb has finished, so
// a kill during initdb leaves no half cluster that would never start: the
// next start begins again.
func initCluster(ctx context.Context, bin, dir string, logf *os.File, logPath string) error {
	if fileExists(filepath.Join(dir, "PG_VERSION")) {
		return nil
	}
	if ents, err := os.ReadDir(dir); err == nil {
		if len(ents) > 0 {
			return fmt.Errorf("%s is neither empty nor a PostgreSQL cluster (it has no PG_VERSION); move it away and start again", dir)
		}
		if err := os.Remove(dir); err != nil {
			return err
		}
	}
	tmp := dir + ".initdb"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", tmp, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := asPostgresUser(cmd, tmp); err != nil {
		return err
	}
	if err := runLocked(cmd); err != nil {
		return fmt.Errorf("initdb %s failed; see %s: %w", dir, logPath, err)
	}
	return os.Rename(tmp, dir)
}

// URL is the connection URL of database name.
func (p *Postgres) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, name)
}

// CreateDatabase creates database name if missing, optionally from template.
func (p *Postgres) CreateDatabase(ctx context.Context, name, template string) error {
	c, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	_, err = c.Exec(ctx, sql)
	return err
}

// Stop shuts the cluster down (fast shutdown).
func (p *Postgres) Stop() error { return p.proc.stop(30 * time.Second) }

// Restart stops the cluster and starts it again on the same port and data:
// a fast shutdown (SIGINT: open transactions roll back, clients are
// disconnected) or, if immediate, an immediate one (SIGQUIT: no checkpoint,
// the next start recovers from the WAL, as after a crash). The fault
// injection of internal/chaos uses it.
func (p *Postgres) Restart(ctx context.Context, immediate bool) error {
	sig := syscall.SIGINT
	if immediate {
		sig = syscall.SIGQUIT
	}
	if !p.proc.exited() {
		_ = p.proc.cmd.Process.Signal(sig)
		select {
		case <-p.proc.done:
		case <-time.After(60 * time.Second):
			_ = p.proc.cmd.Process.Kill()
			<-p.proc.done
		}
	}
	np, err := StartPostgres(ctx, p.Dir, p.Port, p.log)
	if err != nil {
		return err
	}
	p.proc = np.proc
	return nil
}
