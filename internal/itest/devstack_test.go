package itest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/app"
	"grantflow/internal/config"
	"grantflow/internal/devstack"
	"grantflow/internal/devstack/stack"
)

// devProcess is a running grantflow-dev, the leader of a process group of
// its own (as under `make run`, whose group a closed terminal or kill -9
// ends).
type devProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	line chan string // every line of its output
	env  map[string]string
	done chan error
}

func (p *devProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func buildDev(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "grantflow-dev")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/grantflow-dev")
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build grantflow-dev: %v\n%s", err, out)
	}
	return bin
}

// freePortBase finds stack.PortCount free consecutive ports for -port-base, below the
// range the kernel hands out for ports chosen by it (other tests).
func freePortBase(t *testing.T) int {
	t.Helper()
	for i := 0; i < 200; i++ {
		base := 20000 + stack.PortCount*rand.Intn(2000)
		free := true
		for p := base; p < base+stack.PortCount && free; p++ {
			free = devstack.PortFree(p)
		}
		if free {
			return base
		}
	}
	t.Fatalf("no %d free consecutive ports", stack.PortCount)
	return 0
}

// launchDev starts grantflow-dev on fixed ports from base — the path `make
// run` takes, with its port check — and returns at once.
func launchDev(t *testing.T, bin, data string, base int) *devProcess {
	t.Helper()
	cmd := exec.Command(bin, "-data", data, "-root", repoRoot(), "-port-base", strconv.Itoa(base))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, line: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		defer close(p.line)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.line <- sc.Text():
			default:
			}
		}
	}()
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return p
}

// waitLine waits for a line of output containing s.
func (p *devProcess) waitLine(t *testing.T, s string, within time.Duration) {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case l, ok := <-p.line:
			if !ok {
				err := <-p.done
				p.done <- err
				t.Fatalf("grantflow-dev exited (%v) before saying %q:\n%s", err, s, p.output())
			}
			if strings.Contains(l, s) {
				return
			}
		case <-timeout:
			t.Fatalf("grantflow-dev did not say %q in %v:\n%s", s, within, p.output())
		}
	}
}

// startDev starts grantflow-dev and waits until it runs.
func startDev(t *testing.T, bin, data string, base int) *devProcess {
	t.Helper()
	p := launchDev(t, bin, data, base)
	// the first start prepares the demo project (about a minute)
	p.waitLine(t, "Press Ctrl-C to stop", 4*time.Minute)
	raw, err := os.ReadFile(filepath.Join(data, "dev.env"))
	if err != nil {
		t.Fatal(err)
	}
	p.env = map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			p.env[k] = v
		}
	}
	return p
}

// killGroup kills grantflow-dev's whole process group without warning and
// waits for it to end.
func (p *devProcess) killGroup(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("grantflow-dev killed: %v", <-p.done)
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	return pid
}

// servicesOf lists the PostgreSQL, MinIO and Mailpit processes running on data.
func servicesOf(data string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if devstack.IsPostgresOf(pid, filepath.Join(data, "postgres")) || devstack.IsMinIOOf(pid, filepath.Join(data, "minio")) ||
			devstack.IsMailpitOf(pid, filepath.Join(data, "mailpit")) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			out = append(out, fmt.Sprintf("pid %d: %s", pid, strings.ReplaceAll(string(b), "\x00", " ")))
		}
	}
	return out
}

// setSubreaper makes the test process adopt its descendants' orphans
// (prctl PR_SET_CHILD_SUBREAPER), or stops doing so.
func setSubreaper(t *testing.T, on bool) {
	t.Helper()
	v := uintptr(0)
	if on {
		v = 1
	}
	const prSetChildSubreaper = 36
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, v, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
}

// TestDevStackSurvivesSIGKILL kills grantflow-dev's process group without
// warning — during the first start's preparation of the demo project, and
// later with its PostgreSQL, MinIO and Mailpit certain to outlive it — and starts it
// again each time on the same data and the same fixed ports, as `make run`
// does. Each restart stops what the killed run left, the demo project is
// finished exactly once, no call is lost or duplicated, the call's workflow
// carries on, and after a clean stop nothing of the stack runs.
func TestDevStackSurvivesSIGKILL(t *testing.T) {
	bin := buildDev(t)
	data := filepath.Join(t.TempDir(), "data")
	base := freePortBase(t)
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(data, "logs", "grantflow.log"))
			t.Logf("grantflow.log:\n%s", log)
		}
		for _, s := range servicesOf(data) { // never leave a failed test's servers behind
			var pid int
			if _, err := fmt.Sscanf(s, "pid %d", &pid); err == nil && pid > 0 { // pid 0 would be this test's own group
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	// 1. Killed in the middle of preparing the demo's funded project.
	dev := launchDev(t, bin, data, base)
	dev.waitLine(t, "demo project: three organisations bid", 4*time.Minute)
	time.Sleep(3 * time.Second) // the bids are being sealed and sent
	dev.killGroup(t)
	if strings.Contains(dev.output(), "Press Ctrl-C to stop") {
		t.Fatalf("the demo project was ready before the kill:\n%s", dev.output())
	}
	pgPid, minioPid := readPid(t, filepath.Join(data, "postgres.pid")), readPid(t, filepath.Join(data, "minio.pid"))
	mailpitPid := readPid(t, filepath.Join(data, "mailpit.pid"))

	// 2. The same ports again: the killed run's servers stopped (by their
	// parent-death signal or by this start), the demo project finished.
	dev = startDev(t, bin, data, base)
	web := dev.env["GRANTFLOW_WEB_URL"]
	if web != fmt.Sprintf("http://127.0.0.1:%d", base+5) {
		t.Fatalf("web at %s, want the fixed port %d", web, base+5)
	}
	for _, pid := range []int{pgPid, minioPid, mailpitPid} {
		if devstack.Alive(pid) {
			t.Fatalf("the killed run's server (pid %d) still runs beside the new one", pid)
		}
	}
	for _, k := range []string{"GRANTFLOW_DATABASE_URL", "GRANTFLOW_TEMPORAL_ADDRESS", "GRANTFLOW_TEMPORAL_NAMESPACE", "GRANTFLOW_S3_ENDPOINT", "GRANTFLOW_S3_SECRET_KEY", "GRANTFLOW_WEB_URL",
		"GRANTFLOW_SMTP_HOST", "GRANTFLOW_SMTP_PORT", "GRANTFLOW_SMTP_INBOX_URL"} {
		if dev.env[k] == "" {
			t.Fatalf("dev.env lacks %s", k)
		}
	}
	if r := doHTTP(t, web, "GET", "/readyz", "", "", "", nil); r.status != 200 {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	r := doHTTP(t, web, "POST", "/api/v1/tokens", "", "application/json", `{"username":"minzheng","password":"grantflow-demo"}`, nil)
	var tok struct{ Token string }
	r.json(t, &tok)
	// The demo's funded project, signed and in delivery, through the real
	// bidding (three bids, a drawn panel, two approvals) — exactly one.
	checkDemoProject := func(web string) {
		t.Helper()
		var awards struct {
			Total int
			Items []struct{ Stage, Title string }
		}
		doHTTP(t, web, "GET", "/api/v1/awards", tok.Token, "", "", nil).json(t, &awards)
		if awards.Total != 1 || len(awards.Items) != 1 || awards.Items[0].Stage != "delivery" {
			t.Fatalf("the demo's funded project: %+v\n%s", awards, dev.output())
		}
		var calls struct {
			Items []struct{ Title string }
		}
		doHTTP(t, web, "GET", "/api/v1/calls", tok.Token, "", "", nil).json(t, &calls)
		n := 0
		for _, c := range calls.Items {
			if strings.Contains(c.Title, "入户指导") {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("the demo project's call %d times: %+v", n, calls)
		}
	}
	checkDemoProject(web)
	key := uuid.NewString()
	r = doHTTP(t, web, "POST", "/api/v1/calls", tok.Token, "application/json",
		`{"title":"北辰区手足情结对助老照护培训项目","brand":"shouzuqing","district":"北辰区","budget_fen":18000000}`,
		map[string]string{"Idempotency-Key": key})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}

	// A second `make run` on the same data while this one runs is refused
	// (and stops nothing of the running one).
	second := exec.Command(bin, "-data", data, "-root", repoRoot(), "-port-base", strconv.Itoa(base))
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), fmt.Sprintf("in use by pid %d", dev.cmd.Process.Pid)) {
		t.Fatalf("a second grantflow-dev on the same data: %v\n%s", err, out)
	}
	if r := doHTTP(t, web, "GET", "/readyz", "", "", "", nil); r.status != 200 {
		t.Fatalf("readyz after the refused second start: %d %s", r.status, r.body)
	}

	// 3. Killed again, its PostgreSQL and MinIO certain to outlive it. Their
	// parent-death signal (SIGINT, SIGTERM) usually ends them at once; here
	// they are held stopped so that they are still there at the next start,
	// as when it comes before their shutdown ends (or the signal is never
	// delivered). The test adopts them meanwhile (a child subreaper), or the
	// kernel would wake their process groups, orphaned with stopped members,
	// with SIGHUP and SIGCONT.
	pgPid, minioPid = readPid(t, filepath.Join(data, "postgres.pid")), readPid(t, filepath.Join(data, "minio.pid"))
	mailpitPid = readPid(t, filepath.Join(data, "mailpit.pid"))
	setSubreaper(t, true)
	t.Cleanup(func() { setSubreaper(t, false) })
	for _, pid := range []int{pgPid, minioPid, mailpitPid} {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
	}
	dev.killGroup(t)
	time.Sleep(time.Second)
	for _, pid := range []int{pgPid, minioPid, mailpitPid} {
		if !devstack.Alive(pid) {
			t.Fatalf("pid %d ended with grantflow-dev: the restart finds no orphan", pid)
		}
	}
	dev = startDev(t, bin, data, base)
	web = dev.env["GRANTFLOW_WEB_URL"]
	for _, want := range []string{fmt.Sprintf("PostgreSQL  stopped pid %d", pgPid), fmt.Sprintf("MinIO       stopped pid %d", minioPid),
		fmt.Sprintf("Mailpit     stopped pid %d", mailpitPid)} {
		if !strings.Contains(dev.output(), want) {
			t.Fatalf("the restart does not say %q:\n%s", want, dev.output())
		}
	}
	for _, pid := range []int{pgPid, minioPid, mailpitPid} {
		if devstack.Alive(pid) {
			t.Fatalf("the orphan (pid %d) still runs beside the new stack", pid)
		}
	}
	for _, pid := range []int{pgPid, minioPid, mailpitPid} { // adopted: collect them
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &ws, 0, nil)
	}
	setSubreaper(t, false)
	checkDemoProject(web)
	var list struct {
		Total int
		Items []struct{ ID, Title string }
	}
	doHTTP(t, web, "GET", "/api/v1/calls", tok.Token, "", "", nil).json(t, &list)
	if list.Total != 4 { // the three demo calls and ours: nothing lost, nothing duplicated
		t.Fatalf("after SIGKILL and restart the calls are %+v", list)
	}
	// The workflow continues: it accepts an attachment and renders the notice again.
	h := &harness{t: t, url: web, tokens: map[string]string{"minzheng": tok.Token}, passwords: map[string]string{}}
	r = h.upload("minzheng", "/api/v1/calls/"+key+"/attachments", "结对名单.csv", []byte("姓名,楼栋\n王*,3号楼\n"))
	if r.status != http.StatusCreated {
		t.Fatalf("attach after restart: %d %s", r.status, r.body)
	}
	// (an activity lost with the killed worker is retried after its
	// 30-second attempt timeout)
	eventuallyWithin(t, 90*time.Second, "the notice after restart", func() bool {
		r := doHTTP(t, web, "GET", "/api/v1/calls/"+key+"/notice.pdf", tok.Token, "", "", nil)
		return r.status == 200 && strings.Contains(pdfText(t, r.body), "结对名单.csv")
	})

	// SIGTERM stops everything cleanly: nothing of the stack is left
	// running, every port is free.
	_ = dev.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-dev.done:
		if err != nil {
			t.Fatalf("grantflow-dev exited with %v on SIGTERM:\n%s", err, dev.output())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("grantflow-dev did not stop within 90s of SIGTERM:\n%s", dev.output())
	}
	if left := servicesOf(data); len(left) > 0 {
		t.Fatalf("still running after a clean stop: %v", left)
	}
	for p := base; p < base+stack.PortCount; p++ {
		if err := devstack.CheckPort(p, "stack"); err != nil {
			t.Errorf("after a clean stop: %v", err)
		}
	}
	if !strings.Contains(dev.output(), "all data kept") {
		t.Fatalf("no clean-stop message:\n%s", dev.output())
	}
}

// TestDevStackNamesForeignPortHolder starts grantflow-dev on fixed ports one
// of which another program holds: it stops before starting anything and
// names the port, what it is for, the program holding it and how to stop it.
func TestDevStackNamesForeignPortHolder(t *testing.T) {
	bin := buildDev(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(`package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	defer l.Close()
	fmt.Println("listening")
	time.Sleep(10 * time.Minute)
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	holderBin := filepath.Join(dir, "other-server")
	if out, err := exec.Command("go", "build", "-o", holderBin, src).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	base := freePortBase(t)
	ports := stack.PortsFrom(base)
	holder := exec.Command(holderBin, strconv.Itoa(ports.MinIO))
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatal(err)
	}

	data := filepath.Join(dir, "data")
	cmd := exec.Command(bin, "-data", data, "-root", repoRoot(), "-port-base", strconv.Itoa(base))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("grantflow-dev started beside a foreign listener:\n%s", out)
	}
	pid := holder.Process.Pid
	for _, want := range []string{
		fmt.Sprintf("port %d (MinIO) is in use", ports.MinIO),
		fmt.Sprintf("by pid %d (%s %d)", pid, holderBin, ports.MinIO),
		fmt.Sprintf("`kill %d`", pid),
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the message lacks %q:\n%s", want, out)
		}
	}
	if left := servicesOf(data); len(left) > 0 {
		t.Fatalf("started despite the held port: %v", left)
	}
	if !devstack.Alive(pid) {
		t.Fatal("the foreign listener was stopped")
	}
}

// TestDemoProjectFinishedAfterKill leaves the demo's funded project as a run
// killed while planning its sessions and enrolling its trainees leaves it
// (one session, one trainee): it does not count as prepared, and the next
// preparation adds what is missing — no session or trainee twice, still
// one call and one award.
func TestDemoProjectFinishedAfterKill(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { *c = app.DemoProjectConfig(*c) })
	ctx := context.Background()
	a := h.app
	if err := a.SeedFundedProject(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := a.Store.Pool().QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const project = `(SELECT p.id FROM projects p JOIN calls c ON c.id = p.call_id WHERE c.title LIKE '%入户指导%')`
	check := func() {
		t.Helper()
		if ready, err := a.DemoProjectReady(ctx); err != nil || !ready {
			t.Fatalf("not ready: %v", err)
		}
		for what, q := range map[string]string{
			"calls":    `SELECT count(*) FROM calls WHERE title LIKE '%入户指导%'`,
			"projects": `SELECT count(*) FROM projects WHERE id IN ` + project,
		} {
			if n := count(q); n != 1 {
				t.Fatalf("%d %s of the demo project", n, what)
			}
		}
		if n := count(`SELECT count(*) FROM training_sessions WHERE project_id IN ` + project); n != 2 {
			t.Fatalf("%d sessions, want 2", n)
		}
		if n := count(`SELECT count(DISTINCT module) FROM training_sessions WHERE project_id IN ` + project); n != 2 {
			t.Fatalf("%d modules, want 2", n)
		}
		if n := count(`SELECT count(*) FROM trainees WHERE project_id IN ` + project); n != 3 {
			t.Fatalf("%d trainees, want 3", n)
		}
	}
	check()

	// killed after the first session and the first trainee
	for _, q := range []string{
		`DELETE FROM training_sessions WHERE project_id IN ` + project + ` AND id > (SELECT min(id) FROM training_sessions WHERE project_id IN ` + project + `)`,
		`DELETE FROM trainees WHERE project_id IN ` + project + ` AND id > (SELECT min(id) FROM trainees WHERE project_id IN ` + project + `)`,
	} {
		if _, err := a.Store.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if ready, err := a.DemoProjectReady(ctx); err != nil || ready {
		t.Fatalf("a half-prepared demo project counts as ready (%v)", err)
	}
	if err := a.SeedFundedProject(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	check()
	// and once more: nothing left to do, nothing added
	if err := a.SeedFundedProject(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	check()
}
