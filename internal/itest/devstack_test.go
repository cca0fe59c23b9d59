package itest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// devProcess is a running grantflow-dev.
type devProcess struct {
	cmd  *exec.Cmd
	out  *strings.Builder
	env  map[string]string
	done chan error
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

func startDev(t *testing.T, bin, data string) *devProcess {
	t.Helper()
	cmd := exec.Command(bin, "-data", data, "-root", repoRoot(), "-any-ports")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, out: &strings.Builder{}, done: make(chan error, 1)}
	ready := make(chan struct{})
	scanned := make(chan struct{}) // the output is read to its end
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.out.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Press Ctrl-C to stop") {
				close(ready)
			}
		}
	}()
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	select {
	case <-ready:
	case err := <-p.done:
		<-scanned // the last lines say why it exited
		t.Fatalf("grantflow-dev exited during start-up: %v\n%s", err, p.out)
	case <-time.After(4 * time.Minute): // the first start prepares the demo project (about a minute)
		_ = cmd.Process.Kill()
		t.Fatalf("grantflow-dev did not start in 4 minutes:\n%s", p.out)
	}
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

func pidAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	return pid
}

// TestDevStackSurvivesSIGKILL kills grantflow-dev without warning, starts it
// again on the same data, and checks that no call is lost or duplicated and
// that the call's workflow carries on.
func TestDevStackSurvivesSIGKILL(t *testing.T) {
	bin := buildDev(t)
	data := filepath.Join(t.TempDir(), "data")
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(data, "logs", "grantflow.log"))
			t.Logf("grantflow.log:\n%s", log)
		}
	})

	dev := startDev(t, bin, data)
	web := dev.env["GRANTFLOW_WEB_URL"]
	for _, k := range []string{"GRANTFLOW_DATABASE_URL", "GRANTFLOW_TEMPORAL_ADDRESS", "GRANTFLOW_TEMPORAL_NAMESPACE", "GRANTFLOW_S3_ENDPOINT", "GRANTFLOW_S3_SECRET_KEY", "GRANTFLOW_WEB_URL"} {
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
	// The first start prepared a funded project, signed and in delivery,
	// through the real bidding (three bids, a drawn panel, two approvals).
	var awards struct {
		Total int
		Items []struct{ Stage, Title string }
	}
	doHTTP(t, web, "GET", "/api/v1/awards", tok.Token, "", "", nil).json(t, &awards)
	if awards.Total != 1 || awards.Items[0].Stage != "delivery" {
		t.Fatalf("the demo's funded project: %+v\n%s", awards, dev.out)
	}
	key := uuid.NewString()
	r = doHTTP(t, web, "POST", "/api/v1/calls", tok.Token, "application/json",
		`{"title":"北辰区手足情结对助老照护培训项目","brand":"shouzuqing","district":"北辰区","budget_fen":18000000}`,
		map[string]string{"Idempotency-Key": key})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	pgPid := readPid(t, filepath.Join(data, "postgres.pid"))

	// SIGKILL: no chance to stop anything; PostgreSQL and MinIO are orphaned.
	if err := dev.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-dev.done

	dev = startDev(t, bin, data)
	web = dev.env["GRANTFLOW_WEB_URL"]
	if pidAlive(pgPid) {
		t.Fatalf("the orphaned PostgreSQL (pid %d) still runs beside the new one", pgPid)
	}
	var list struct {
		Total int
		Items []struct{ ID, Title string }
	}
	doHTTP(t, web, "GET", "/api/v1/calls", tok.Token, "", "", nil).json(t, &list)
	if list.Total != 4 { // the three seeded demo calls and ours: nothing lost, nothing duplicated
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

	// SIGTERM stops everything cleanly.
	pgPid = readPid(t, filepath.Join(data, "postgres.pid"))
	_ = dev.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-dev.done:
		if err != nil {
			t.Fatalf("grantflow-dev exited with %v on SIGTERM:\n%s", err, dev.out)
		}
	case <-time.After(90 * time.Second):
		_ = dev.cmd.Process.Kill()
		t.Fatalf("grantflow-dev did not stop within 90s of SIGTERM:\n%s", dev.out)
	}
	if pidAlive(pgPid) {
		t.Fatalf("PostgreSQL (pid %d) still runs after grantflow-dev stopped", pgPid)
	}
	if !strings.Contains(dev.out.String(), "all data kept") {
		t.Fatalf("no clean-stop message:\n%s", dev.out)
	}
}
