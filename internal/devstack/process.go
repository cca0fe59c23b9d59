// Package devstack starts GrantFlow's real services on loopback for
// development (`make run`) and integration tests: a PostgreSQL cluster of its
// own, a MinIO server, and (package temporaldev) an embedded Temporal server.
// No Docker: PostgreSQL comes from Debian's postgresql-15 package, MinIO is
// built from its pinned source into bin/.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// process is a child server: started in its own process group, so a Ctrl-C
// in the terminal reaches only grantflow-dev, which stops children in order.
type process struct {
	name    string
	cmd     *exec.Cmd
	pidFile string
	done    chan struct{}
	stopSig syscall.Signal
}

// startProcess starts cmd in a process group of its own, with stopSig as its
// parent-death signal, and records its pid in pidFile. The caller has reaped
// any orphan of an earlier run first (ReapPostgres, ReapMinIO).
func startProcess(name, pidFile string, stopSig syscall.Signal, logw io.Writer, cmd *exec.Cmd) (*process, error) {
	cmd.Stdout = logw
	cmd.Stderr = logw
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = stopSig
	if err := startLocked(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if pidFile != "" {
		_ = writeFileAtomic(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	}
	p := &process{name: name, cmd: cmd, pidFile: pidFile, done: make(chan struct{}), stopSig: stopSig}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Children die with grantflow-dev where the kernel can arrange it: each is
// started with a parent-death signal (Pdeathsig) that is its own clean stop —
// SIGINT, PostgreSQL's fast shutdown; SIGTERM for MinIO — never SIGKILL, so
// a closed terminal or a kill -9 of grantflow-dev leaves nothing running
// and nothing half-written. Linux sends that signal when the *thread* that
// forked the child ends, not the process, and the Go runtime may end
// threads; so every child is forked from one goroutine locked to its OS
// thread that never returns (a locked goroutine's thread lives until the
// goroutine exits). The signal is only a courtesy: the child may still be
// shutting down when the next `make run` starts, or be stopped (Ctrl-Z), so
// the next start always looks for orphans by their pid files and data
// directories as well (ReapPostgres, ReapMinIO) and waits for them to end.
var (
	starterOnce sync.Once
	starts      chan startRequest
)

type startRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func startLocked(cmd *exec.Cmd) error {
	starterOnce.Do(func() {
		starts = make(chan startRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives as long as the process
			for r := range starts {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	starts <- startRequest{cmd, done}
	return <-done
}

// runLocked runs cmd to its end, forked like startProcess's children (a
// kill of grantflow-dev ends it too: initdb).
func runLocked(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := startLocked(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process to stop and waits, then kills it after timeout.
func (p *process) stop(timeout time.Duration) error {
	if p == nil || p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(p.stopSig)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if p.pidFile != "" {
		_ = os.Remove(p.pidFile)
	}
	return nil
}

// writeFileAtomic writes path whole or not at all (a kill mid-write leaves
// the old file or none).
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// FreePort returns a TCP port free on 127.0.0.1 now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// PortFree reports whether port can be bound on 127.0.0.1.
func PortFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// waitFor polls check until it succeeds, the process exits, or ctx ends.
func waitFor(ctx context.Context, p *process, what string, logPath string, check func(context.Context) error) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		if last = check(ctx); last == nil {
			return nil
		}
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited during start-up; see %s (last check: %v)", what, logPath, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(150 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not become ready in 60s; see %s: %w", what, logPath, last)
}

// ErrMissing says a program the stack needs is not installed.
var ErrMissing = errors.New("devstack: program not installed")
