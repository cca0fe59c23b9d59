package chaos

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestScheduleReplays: a seed gives the same fault schedule every time, and
// another seed another one.
func TestScheduleReplays(t *testing.T) {
	a, b := schedule(7, 50, 6*time.Second), schedule(7, 50, 6*time.Second)
	kinds := map[string]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("fault %d differs: %+v / %+v", i, a[i], b[i])
		}
		if a[i].gap < 3*time.Second || a[i].gap >= 9*time.Second {
			t.Errorf("fault %d after %s, outside [3s, 9s)", i, a[i].gap)
		}
		kinds[a[i].kind] = true
	}
	if len(kinds) < 5 {
		t.Errorf("50 faults of only %d kinds", len(kinds))
	}
	c := schedule(8, 50, 6*time.Second)
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Error("seeds 7 and 8 give the same schedule")
	}
}

// TestSmallRound is `make test`'s fault-injection round: 6 lifecycles at once
// through two web and two worker processes of the production binary, 20
// faults of a fixed seed, then every invariant. It prints the figures.
func TestSmallRound(t *testing.T) {
	if testing.Short() {
		t.Skip("a round takes minutes")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	res, err := Run(ctx, Options{Lifecycles: 6, Faults: 20, Seed: 20261201, Root: root, FaultGap: 2500 * time.Millisecond,
		BidWindow: 60 * time.Second, Stagger: 4 * time.Second, Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Line())
	for _, p := range res.Problems {
		t.Error(p)
	}
	if !res.OK() {
		t.Fatalf("the round failed: %s", res.Line())
	}
	injected := 0
	for _, n := range res.Faults {
		injected += n
	}
	if injected < 10 {
		t.Errorf("only %d of 20 faults were injected before the lifecycles ended", injected)
	}
}
