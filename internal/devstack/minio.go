package devstack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// MinIOVersion is the pinned MinIO source the Makefile builds into bin/ (the
// final community commit; AGPL, so it runs as a separate process, never linked).
const MinIOVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// MinIO is a MinIO server on loopback.
type MinIO struct {
	Port        int
	ConsolePort int
	AccessKey   string
	SecretKey   string
	proc        *process
	restart     func(context.Context) (*MinIO, error)
}

// MinIOBinary finds the MinIO server: $GRANTFLOW_MINIO_BIN, else bin/minio
// under root, else minio on PATH.
func MinIOBinary(root string) (string, error) {
	if p := os.Getenv("GRANTFLOW_MINIO_BIN"); p != "" {
		return p, nil
	}
	if p := filepath.Join(root, "bin", "minio"); fileExists(p) {
		return p, nil
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: MinIO server not found in bin/minio; run `make minio` (builds it from pinned source, about 6 minutes once) or set GRANTFLOW_MINIO_BIN", ErrMissing)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// StartMinIO starts MinIO on port with its data in dir.
func StartMinIO(ctx context.Context, binary, dir string, port, consolePort int, accessKey, secretKey, logPath string) (*MinIO, error) {
	dir, err := filepath.Abs(dir) // IsMinIOOf finds it by this argument
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "server", dir,
		"--address", fmt.Sprintf("127.0.0.1:%d", port),
		"--console-address", fmt.Sprintf("127.0.0.1:%d", consolePort), "--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+accessKey, "MINIO_ROOT_PASSWORD="+secretKey,
		"MINIO_BROWSER_REDIRECT=false", "MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off")
	proc, err := startProcess("minio", filepath.Join(filepath.Dir(dir), "minio.pid"), syscall.SIGTERM, logf, cmd)
	if err != nil {
		return nil, err
	}
	m := &MinIO{Port: port, ConsolePort: consolePort, AccessKey: accessKey, SecretKey: secretKey, proc: proc,
		restart: func(ctx context.Context) (*MinIO, error) {
			return StartMinIO(ctx, binary, dir, port, consolePort, accessKey, secretKey, logPath)
		}}
	url := fmt.Sprintf("http://127.0.0.1:%d/minio/health/ready", port)
	if err := waitFor(ctx, proc, "MinIO", logPath, httpReady(url)); err != nil {
		_ = proc.stop(5 * time.Second)
		return nil, err
	}
	return m, nil
}

// Endpoint is host:port of the S3 API.
func (m *MinIO) Endpoint() string { return fmt.Sprintf("127.0.0.1:%d", m.Port) }

// Stop shuts MinIO down.
func (m *MinIO) Stop() error { return m.proc.stop(15 * time.Second) }

// Restart stops MinIO (SIGTERM) and starts it again on the same port and
// data (the fault injection of internal/chaos).
func (m *MinIO) Restart(ctx context.Context) error {
	if err := m.Stop(); err != nil {
		return err
	}
	n, err := m.restart(ctx)
	if err != nil {
		return err
	}
	m.proc = n.proc
	return nil
}

// httpReady is a readiness probe: a GET of url that answers 200.
func httpReady(url string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	}
}
