package itest

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"grantflow/internal/config"
)

// A stopping web server says it is not ready while it still serves, for
// GRANTFLOW_DRAIN_DELAY, before it refuses connections: a load balancer
// takes the replica out of rotation first, so no person's request meets a
// closed port during a deploy.
func TestReadinessTurnsFalseBeforeStop(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.DrainDelay = 3 * time.Second })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.app.Serve(ctx, l) }()
	get := func(path string) (int, string) {
		r, err := http.Get(url + path)
		if err != nil {
			return 0, err.Error()
		}
		defer r.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := r.Body.Read(buf)
		b.Write(buf[:n])
		return r.StatusCode, b.String()
	}
	eventually(t, "ready", func() bool { st, _ := get("/readyz"); return st == http.StatusOK })
	stop()
	time.Sleep(300 * time.Millisecond)
	if st, body := get("/readyz"); st != http.StatusServiceUnavailable || !strings.Contains(body, "stopping") {
		t.Errorf("/readyz while stopping: %d %s, want 503 stopping", st, body)
	}
	if st, _ := get("/healthz"); st != http.StatusOK {
		t.Errorf("a request during the drain: %d, want served", st)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop after its drain delay")
	}
	if st, _ := get("/healthz"); st != 0 {
		t.Errorf("after the stop the port still answers %d", st)
	}
}
