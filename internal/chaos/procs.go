package chaos

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one `grantflow web` or `grantflow worker` process of the
// production binary, configured by environment only, which faults kill,
// pause and restart.
type proc struct {
	name  string
	bin   string
	args  []string
	env   []string
	log   *os.File
	ready string // URL answering 200 when a web process is ready

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	paused bool
	starts int
}

func (p *proc) start(ctx context.Context) error {
	p.mu.Lock()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = p.log, p.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.cmd, p.done, p.paused = cmd, done, false
	p.starts++
	fmt.Fprintf(p.log, "### chaos: %s started as pid %d (start %d)\n", p.name, cmd.Process.Pid, p.starts)
	p.mu.Unlock()
	if p.ready == "" {
		return nil
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("%s exited while starting; see %s", p.name, p.log.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := http.Get(p.ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s not ready in 90s; see %s", p.name, p.log.Name())
}

// kill SIGKILLs the process and waits for it to end.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	fmt.Fprintf(p.log, "### chaos: %s killed (SIGKILL)\n", p.name)
}

// pause stops the process (SIGSTOP) for d, then lets it go on (SIGCONT).
func (p *proc) pause(d time.Duration) {
	p.mu.Lock()
	cmd := p.cmd
	p.paused = true
	p.mu.Unlock()
	fmt.Fprintf(p.log, "### chaos: %s paused (SIGSTOP) for %s\n", p.name, d)
	_ = cmd.Process.Signal(syscall.SIGSTOP)
	time.Sleep(d)
	_ = cmd.Process.Signal(syscall.SIGCONT)
	p.mu.Lock()
	p.paused = false
	p.mu.Unlock()
	fmt.Fprintf(p.log, "### chaos: %s resumed (SIGCONT)\n", p.name)
}

func (p *proc) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// stop ends the process cleanly (SIGTERM), killing it after timeout.
func (p *proc) stop(timeout time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGCONT)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
