// Command grantflow-chaos runs a fault-injection round (internal/chaos): N
// whole lifecycles through the production binary's web and worker
// processes while their processes, PostgreSQL and MinIO are killed,
// restarted and paused, then checks that nothing was lost or done twice.
// It prints one line of figures and exits 1 when a check failed.
//
//	go run ./cmd/grantflow-chaos -n 100 -faults 300 -seed 1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"grantflow/internal/chaos"
)

func main() {
	o := chaos.Options{Progress: os.Stderr}
	flag.IntVar(&o.Lifecycles, "n", 6, "lifecycles driven at once")
	flag.IntVar(&o.Faults, "faults", 20, "faults to inject while they run")
	flag.Int64Var(&o.Seed, "seed", 0, "seed of the fault schedule (0: from the clock; printed to replay)")
	flag.StringVar(&o.Root, "root", ".", "repository root (bin/minio, ./cmd/grantflow)")
	flag.StringVar(&o.Binary, "bin", "", "the grantflow binary (built from -root when empty)")
	flag.StringVar(&o.DataDir, "data", "", "keep the stack's data and the processes' logs here (a temporary directory, removed, when empty)")
	flag.DurationVar(&o.FaultGap, "gap", 6*time.Second, "mean time between faults")
	flag.DurationVar(&o.BidWindow, "bid-window", 60*time.Second, "how long each call takes bids")
	flag.DurationVar(&o.Stagger, "stagger", 2*time.Second, "time between the starts of two lifecycles")
	flag.Parse()
	if o.Seed == 0 {
		o.Seed = time.Now().UnixNano() % 1_000_000
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := chaos.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grantflow-chaos:", err)
		os.Exit(1)
	}
	for _, p := range res.Problems {
		fmt.Fprintln(os.Stderr, "problem:", p)
	}
	fmt.Println(res.Line())
	if !res.OK() {
		os.Exit(1)
	}
}
