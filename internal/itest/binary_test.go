package itest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"grantflow/internal/devstack"
)

// TestProductionBinary runs `grantflow` as an operator would, configured only
// by environment variables, against the real services.
func TestProductionBinary(t *testing.T) {
	bin := grantflowBinary(t)

	// help, and a clear refusal of a missing configuration
	if out, err := exec.Command(bin, "help").CombinedOutput(); err != nil || !strings.Contains(string(out), "migrate") {
		t.Fatalf("help: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "GRANTFLOW_DATABASE_URL is required") || !strings.Contains(string(out), "GRANTFLOW_S3_ENDPOINT") {
		t.Fatalf("serve without configuration: %v\n%s", err, out)
	}

	// its own database, bucket and task queue on the shared services
	n := counter.Add(1)
	db := fmt.Sprintf("bin%d_%d", os.Getpid(), n)
	if err := shared.Postgres.CreateDatabase(context.Background(), db, ""); err != nil {
		t.Fatal(err)
	}
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := shared.Config
	cfg.DatabaseURL = shared.Postgres.URL(db)
	cfg.S3Bucket = fmt.Sprintf("bin%d-%d", os.Getpid(), n)
	cfg.ArchiveBucket = cfg.S3Bucket + "-archive"
	cfg.TaskQueue = fmt.Sprintf("bin-%d-%d", os.Getpid(), n)
	cfg.HTTPAddr = fmt.Sprintf("127.0.0.1:%d", port)
	cfg.WebURL = "http://" + cfg.HTTPAddr
	env := append([]string{"PATH=" + os.Getenv("PATH")}, cfg.Env()...)
	run := func(args ...string) string {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("grantflow %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("migrate")
	out2 := run("migrate") // idempotent
	if strings.Contains(out2, cfg.S3SecretKey) {
		t.Fatalf("the log shows the S3 secret:\n%s", out2)
	}
	if seeded := run("seed"); !strings.Contains(seeded, "minzheng") {
		t.Fatalf("seed printed:\n%s", seeded)
	}

	serve := exec.Command(bin, "serve")
	serve.Env = env
	var logs strings.Builder
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	t.Cleanup(func() { _ = serve.Process.Kill() })
	eventually(t, "grantflow serve to be ready", func() bool {
		r, err := httpGet(cfg.WebURL + "/readyz")
		return err == nil && r == 200
	})
	if r, _ := httpGet(cfg.WebURL + "/healthz"); r != 200 {
		t.Fatalf("healthz: %d", r)
	}
	h := &harness{t: t, url: cfg.WebURL, tokens: map[string]string{}, passwords: map[string]string{}}
	var list struct{ Total int }
	h.api("minzheng", "GET", "/api/v1/calls", nil, nil).json(t, &list)
	if list.Total != 2 { // the demo draft and the demo call open for bids
		t.Fatalf("the seeded calls are missing: %+v", list)
	}
	h.api("caizheng", "GET", "/api/v1/calls", nil, nil).json(t, &list)
	if list.Total != 1 { // finance does not see civil affairs' draft
		t.Fatalf("finance lists %d calls, want the published one only", list.Total)
	}

	_ = serve.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v on SIGTERM:\n%s", err, logs.String())
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("serve did not stop within 45s of SIGTERM:\n%s", logs.String())
	}
	for _, want := range []string{"web server stopped", "worker stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("shutdown log lacks %q:\n%s", want, logs.String())
		}
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// grantflowBinary builds cmd/grantflow once per test binary.
func grantflowBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "grantflow-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "grantflow")
		build := exec.Command("go", "build", "-o", builtBin, "./cmd/grantflow")
		build.Dir = repoRoot()
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build grantflow: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func httpGet(url string) (int, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
