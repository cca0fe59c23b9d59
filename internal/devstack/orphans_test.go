package devstack

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the processes the tests need: started with
// DEVSTACK_HELPER set it plays a server (argv[0] "postgres" or "minio", as
// the real ones are started) until SIGINT or SIGTERM, or listens on a port.
func TestMain(m *testing.M) {
	switch os.Getenv("DEVSTACK_HELPER") {
	case "":
		os.Exit(m.Run())
	case "listen":
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("DEVSTACK_PORT"))
		if err != nil {
			os.Exit(2)
		}
		fmt.Println("listening")
		defer l.Close()
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	<-c
	os.Exit(0)
}

// helper starts the test binary as argv (argv[0] is what /proc shows) in dir.
func helper(t *testing.T, dir string, env []string, argv ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Args = argv
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"DEVSTACK_HELPER=serve"}, env...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// reaped by us (they are our children), so Alive sees them end
	go func() { _ = cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	// wait until it runs the helper (its signal handler is set)
	time.Sleep(300 * time.Millisecond)
	return cmd
}

func TestReapStopsOwnOrphansOnly(t *testing.T) {
	data := t.TempDir()
	pgDir, minioDir := filepath.Join(data, "postgres"), filepath.Join(data, "minio")
	otherPg := filepath.Join(t.TempDir(), "postgres")
	for _, d := range []string{pgDir, minioDir, otherPg} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Ours: a postmaster named by its pid file, one found by /proc alone
	// (killed before the pid file was written), and it stopped (Ctrl-Z);
	// a MinIO named by its pid file.
	pg := helper(t, pgDir, nil, "postgres", "-D", pgDir, "-p", "55432")
	pgNoFile := helper(t, pgDir, nil, "/usr/lib/postgresql/15/bin/postgres", "-D", pgDir)
	_ = syscall.Kill(pgNoFile.Process.Pid, syscall.SIGSTOP)
	mn := helper(t, data, nil, "minio", "server", minioDir, "--address", "127.0.0.1:59000")
	// Not ours: a pid reused by another program, a postgres of another
	// cluster, a postgres naming our directory but working elsewhere, a
	// MinIO on other data.
	reused := helper(t, data, nil, "sleep", "1000")
	otherCluster := helper(t, otherPg, nil, "postgres", "-D", otherPg)
	elsewhere := helper(t, otherPg, nil, "postgres", "-D", pgDir)
	otherMinio := helper(t, data, nil, "minio", "server", otherPg)

	write := func(name string, pid int) {
		if err := os.WriteFile(filepath.Join(data, name), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("postgres.pid", pg.Process.Pid)
	write("minio.pid", mn.Process.Pid)

	stopped, err := ReapPostgres(pgDir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]bool{}
	for _, o := range stopped {
		got[o.Pid] = true
	}
	if len(stopped) != 2 || !got[pg.Process.Pid] || !got[pgNoFile.Process.Pid] {
		t.Fatalf("stopped %+v, want pids %d and %d", stopped, pg.Process.Pid, pgNoFile.Process.Pid)
	}
	stopped, err = ReapMinIO(minioDir)
	if err != nil || len(stopped) != 1 || stopped[0].Pid != mn.Process.Pid || !strings.Contains(stopped[0].Cmdline, "minio server "+minioDir) {
		t.Fatalf("minio: stopped %+v, %v", stopped, err)
	}
	for _, c := range []*exec.Cmd{pg, pgNoFile, mn} {
		if Alive(c.Process.Pid) {
			t.Errorf("%v (pid %d) still runs", c.Args, c.Process.Pid)
		}
	}
	for _, f := range []string{"postgres.pid", "minio.pid"} {
		if fileExists(filepath.Join(data, f)) {
			t.Errorf("%s left behind", f)
		}
	}

	// A pid file naming a process that is not ours: spared, the file removed.
	write("postgres.pid", reused.Process.Pid)
	write("minio.pid", reused.Process.Pid)
	if err := os.WriteFile(filepath.Join(pgDir, "postmaster.pid"), []byte(strconv.Itoa(elsewhere.Process.Pid)+"\n"+pgDir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := ReapPostgres(pgDir); err != nil || len(s) != 0 {
		t.Fatalf("stopped %+v, %v: none of them is ours", s, err)
	}
	if s, err := ReapMinIO(minioDir); err != nil || len(s) != 0 {
		t.Fatalf("stopped %+v, %v: none of them is ours", s, err)
	}
	for _, c := range []*exec.Cmd{reused, otherCluster, elsewhere, otherMinio} {
		if !Alive(c.Process.Pid) {
			t.Errorf("%v (pid %d) was stopped: it is not ours", c.Args, c.Process.Pid)
		}
	}
}

func TestCheckPortNamesTheHolder(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPort(port, "PostgreSQL"); err != nil {
		t.Fatalf("free port: %v", err)
	}
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Args = []string{"foreign-server", "--listen", strconv.Itoa(port)}
	cmd.Env = append(os.Environ(), "DEVSTACK_HELPER=listen", "DEVSTACK_PORT="+strconv.Itoa(port))
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	buf := make([]byte, 9)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	err = CheckPort(port, "PostgreSQL")
	if err == nil {
		t.Fatal("a held port passed the check")
	}
	pid := cmd.Process.Pid
	for _, want := range []string{
		fmt.Sprintf("port %d (PostgreSQL)", port),
		fmt.Sprintf("pid %d (foreign-server --listen %d)", pid, port),
		fmt.Sprintf("`kill %d`", pid),
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func TestLockDataDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDataDir(dir)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(err.Error(), "another `make run`") {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	unlock, err = LockDataDir(dir)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	unlock()
}
