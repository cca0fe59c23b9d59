package devstack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// An orphan is a server an earlier grantflow-dev started on the same data
// directory and could not stop (SIGKILL of it or of its process group, an
// out-of-memory kill, a closed terminal). It is found by its pid file and,
// should the kill have come between the start and the pid file, by
// scanning /proc; either way a pid counts only when /proc/<pid>/cmdline is
// that program started on that data directory, so a pid reused by another
// process is never signalled.

// Orphan is a process found as one of ours.
type Orphan struct {
	Pid     int
	Cmdline string
}

// ReapPostgres stops PostgreSQL servers left running on the cluster in dir
// (fast shutdown, SIGINT; after a minute immediate shutdown, SIGQUIT; then
// SIGKILL) and waits for them to end. It returns what it stopped.
func ReapPostgres(dir string) ([]Orphan, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	pidFiles := []string{filepath.Join(filepath.Dir(dir), "postgres.pid"), filepath.Join(dir, "postmaster.pid")}
	return reap(pidFiles, func(pid int) bool { return IsPostgresOf(pid, dir) },
		[]stopStep{{syscall.SIGINT, 60 * time.Second}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}})
}

// ReapMinIO stops MinIO servers left running on the data in dir (SIGTERM;
// after 15 seconds SIGKILL) and waits for them to end.
func ReapMinIO(dir string) ([]Orphan, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return reap([]string{filepath.Join(filepath.Dir(dir), "minio.pid")}, func(pid int) bool { return IsMinIOOf(pid, dir) },
		[]stopStep{{syscall.SIGTERM, 15 * time.Second}, {syscall.SIGKILL, 10 * time.Second}})
}

// IsPostgresOf reports whether pid is a postmaster started by StartPostgres
// on the cluster in dir: `postgres -D <dir> …`, and (when this user may read
// it) working in dir, as a postmaster does.
func IsPostgresOf(pid int, dir string) bool {
	argv := cmdline(pid)
	if len(argv) < 3 || filepath.Base(argv[0]) != "postgres" || !hasArgPair(argv, "-D", dir) {
		return false
	}
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil && !samePath(cwd, dir) {
		return false
	}
	return true
}

// IsMinIOOf reports whether pid is a MinIO server started by StartMinIO on
// the data in dir: `<…minio…> server <dir> …`.
func IsMinIOOf(pid int, dir string) bool {
	argv := cmdline(pid)
	return len(argv) >= 3 && strings.Contains(filepath.Base(argv[0]), "minio") && argv[1] == "server" && samePath(argv[2], dir)
}

type stopStep struct {
	sig  syscall.Signal
	wait time.Duration
}

func reap(pidFiles []string, ours func(pid int) bool, steps []stopStep) ([]Orphan, error) {
	found := map[int]bool{}
	for _, f := range pidFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// postmaster.pid: the pid is its first line
		line, _, _ := strings.Cut(string(b), "\n")
		if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && pid > 1 && ours(pid) {
			found[pid] = true
		}
	}
	for _, pid := range procPids() {
		if pid > 1 && pid != os.Getpid() && !found[pid] && ours(pid) {
			found[pid] = true
		}
	}
	var out []Orphan
	var errs []error
	for pid := range found {
		o := Orphan{Pid: pid, Cmdline: strings.Join(cmdline(pid), " ")}
		if err := stopPid(pid, steps); err != nil {
			errs = append(errs, fmt.Errorf("%s (pid %d): %w", o.Cmdline, pid, err))
			continue
		}
		out = append(out, o)
	}
	if len(errs) == 0 {
		// The first pid file is ours; PostgreSQL removes its own.
		_ = os.Remove(pidFiles[0])
	}
	return out, errors.Join(errs...)
}

// stopPid signals pid step by step until it has ended. SIGCONT follows each
// signal: a stopped orphan (Ctrl-Z) would not act on it otherwise.
func stopPid(pid int, steps []stopStep) error {
	for _, s := range steps {
		if err := syscall.Kill(pid, s.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return err
		}
		_ = syscall.Kill(pid, syscall.SIGCONT)
		for end := time.Now().Add(s.wait); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if !Alive(pid) {
				return nil
			}
		}
	}
	return fmt.Errorf("still running after %v", steps[len(steps)-1].sig)
}

// Alive reports whether pid is a process that has not ended (a zombie,
// ended but not yet reaped by its parent, counts as ended).
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// "pid (comm) state …"; comm may hold spaces and parentheses
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return true
	}
	st := b[i+2]
	return st != 'Z' && st != 'X'
}

func cmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

func hasArgPair(argv []string, flag, dir string) bool {
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag && samePath(argv[i+1], dir) {
			return true
		}
	}
	return false
}

func samePath(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

func procPids() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// LockDataDir takes the data directory's lock (an flock on dir/.lock,
// released by the kernel however the holder ends), so that only one
// grantflow-dev runs on one data directory and any server of ours found
// running there without it is an orphan. unlock releases it.
func LockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, ".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644) // close-on-exec: children never hold it
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			who := "another process"
			if pid > 0 {
				who = fmt.Sprintf("pid %d (%s)", pid, strings.Join(cmdline(pid), " "))
			}
			stop := "stop it first (Ctrl-C in its terminal)"
			if pid > 0 {
				stop = fmt.Sprintf("stop it first (Ctrl-C in its terminal, or `kill %d`)", pid)
			}
			return nil, fmt.Errorf("the dev stack on %s is in use by %s: is another `make run` still running? %s", dir, who, stop)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { f.Close() }, nil
}

// CheckPort returns nil when port is free on 127.0.0.1, else an error that
// names the port, what it is for, the process listening on it (from /proc,
// or `ss -ltnp`) and how to stop that process.
func CheckPort(port int, what string) error {
	if PortFree(port) {
		return nil
	}
	pid, cmd := PortHolder(port)
	if pid == 0 {
		return fmt.Errorf("port %d (%s) is in use on 127.0.0.1 by a process this user cannot see (`sudo ss -ltnp 'sport = :%d'` names it); "+
			"stop it, or start on other ports (grantflow-dev -port-base N)", port, what, port)
	}
	return fmt.Errorf("port %d (%s) is in use on 127.0.0.1 by pid %d (%s), which is not part of this dev stack; "+
		"stop it (`kill %d`), or start on other ports (grantflow-dev -port-base N)", port, what, pid, cmd, pid)
}

// PortHolder finds the process listening on TCP port: its socket's inode in
// /proc/net/tcp{,6}, then the process with that socket among /proc/*/fd;
// if /proc does not tell (another user's process), `ss -ltnp`. pid is 0
// when neither does.
func PortHolder(port int) (pid int, cmd string) {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		for _, ino := range listenInodes(f, port) {
			inodes["socket:["+ino+"]"] = true
		}
	}
	if len(inodes) > 0 {
		for _, p := range procPids() {
			fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p))
			if err != nil {
				continue
			}
			for _, fd := range fds {
				if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", p, fd.Name())); err == nil && inodes[l] {
					return p, strings.Join(cmdline(p), " ")
				}
			}
		}
	}
	if out, err := exec.Command("ss", "-Hltnp", fmt.Sprintf("sport = :%d", port)).Output(); err == nil {
		if m := ssPid.FindSubmatch(out); m != nil {
			p, _ := strconv.Atoi(string(m[2]))
			c := strings.Join(cmdline(p), " ")
			if c == "" {
				c = string(m[1])
			}
			return p, c
		}
	}
	return 0, ""
}

var ssPid = regexp.MustCompile(`users:\(\("([^"]*)",pid=(\d+)`)

// listenInodes reads a /proc/net/tcp table: the inodes of sockets
// listening (state 0A) on port.
func listenInodes(path string, port int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" {
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if p, err := strconv.ParseInt(hexPort, 16, 32); ok && err == nil && int(p) == port && fields[9] != "0" {
			out = append(out, fields[9])
		}
	}
	return out
}
