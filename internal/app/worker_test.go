package app

import (
	"strings"
	"testing"
	"time"

	"grantflow/internal/config"
)

// A worker without a stop timeout cancels every running activity the moment
// it stops: every deploy would cut archives and openings in half.
func TestWorkerOptionsGiveRunningActivitiesAGracePeriod(t *testing.T) {
	cfg, err := config.FromMap(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if got := WorkerOptions(cfg).WorkerStopTimeout; got != 30*time.Second {
		t.Fatalf("default worker stop timeout %v, want 30s", got)
	}
	cfg, err = config.FromMap(map[string]string{"GRANTFLOW_WORKER_STOP_TIMEOUT": "2m"})
	if err != nil {
		t.Fatal(err)
	}
	if got := WorkerOptions(cfg).WorkerStopTimeout; got != 2*time.Minute {
		t.Fatalf("GRANTFLOW_WORKER_STOP_TIMEOUT=2m gives %v", got)
	}
	cfg.WorkerStopTimeout = 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "GRANTFLOW_WORKER_STOP_TIMEOUT") {
		t.Fatalf("a zero stop timeout is accepted: %v", err)
	}
}
