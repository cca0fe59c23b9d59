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
	"path/filepath"
	"strconv"
	"strings"
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

func startProcess(name, pidFile string, stopSig syscall.Signal, logw io.Writer, cmd *exec.Cmd) (*process, error) {
	reapStale(pidFile, filepath.Base(cmd.Path))
	cmd.Stdout = logw
	cmd.Stderr = logw
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if pidFile != "" {
		_ = os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	}
	p := &process{name: name, cmd: cmd, pidFile: pidFile, done: make(chan struct{}), stopSig: stopSig}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
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

// reapStale stops a server left running by a grantflow-dev that was killed
// (SIGKILL leaves its children behind): the pid file names it, and
// /proc/<pid>/cmdline must still name the same program.
func reapStale(pidFile, program string) {
	if pidFile == "" {
		return
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), program) {
		_ = os.Remove(pidFile)
		return
	}
	_ = syscall.Kill(pid, syscall.SIGINT)
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	_ = os.Remove(pidFile)
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
