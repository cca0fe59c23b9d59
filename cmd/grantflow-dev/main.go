// Command grantflow-dev is GrantFlow's embedded default (`make run`): it
// starts a PostgreSQL cluster, MinIO and a Temporal server (with Web UI) of
// its own on loopback, all state under .data/, migrates, seeds demo data,
// and runs the web server and the Temporal worker in-process. Ctrl-C stops
// everything cleanly; the next start resumes with the same data, and every
// workflow continues where it was.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"grantflow/internal/app"
	"grantflow/internal/config"
	"grantflow/internal/devstack"
	"grantflow/internal/devstack/stack"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "grantflow-dev:", err)
		if errors.Is(err, devstack.ErrMissing) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parseFlags(args)
	if err != nil {
		return err
	}
	// SIGHUP: the terminal was closed; stop as cleanly as on Ctrl-C.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	say := func(format string, a ...any) { fmt.Fprintf(stdout, "==> "+format+"\n", a...) }
	if err := os.MkdirAll(filepath.Join(f.data, "logs"), 0o755); err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(f.data, "logs", "grantflow.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logger := slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))

	started := time.Now()
	// stack.Start stops what an earlier, killed run left on this data
	// directory and then checks every port, whichever way they were chosen.
	st, err := stack.Start(ctx, stack.Options{Root: f.root, DataDir: f.data, Ports: f.ports, Progress: say})
	if err != nil {
		return err
	}
	defer func() {
		say("stopping Temporal, MinIO and PostgreSQL …")
		st.Stop()
		say("stopped; all data kept in %s", f.data)
	}()

	a, err := app.Open(ctx, st.Config, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := migrate(ctx, a, say); err != nil {
		return err
	}
	envPath := filepath.Join(f.data, "dev.env")
	if err := st.WriteEnv(envPath); err != nil {
		return err
	}

	l, err := net.Listen("tcp", st.Config.HTTPAddr)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.Serve(gctx, l) })
	users, err := seedAndWork(gctx, g, a, st.Config, logger, say)
	if err != nil {
		stop()
		_ = g.Wait()
		return fmt.Errorf("seed: %w", err)
	}
	printRunning(stdout, st, f.data, envPath, time.Since(started), users)

	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// devFlags are grantflow-dev's command line.
type devFlags struct {
	data  string // the data directory, absolute
	root  string
	ports stack.Ports
}

func parseFlags(args []string) (devFlags, error) {
	fs := flag.NewFlagSet("grantflow-dev", flag.ContinueOnError)
	dataDir := fs.String("data", ".data", "directory holding all state of the dev stack")
	root := fs.String("root", ".", "repository root (where bin/minio is)")
	anyPorts := fs.Bool("any-ports", false, "pick free ports instead of the fixed ones (tests; read them from dev.env)")
	portBase := fs.Int("port-base", 0, "fixed ports N…N+7 (PostgreSQL, MinIO, MinIO console, Temporal, Temporal UI, web, Mailpit SMTP, Mailpit inbox) instead of make run's")
	if err := fs.Parse(args); err != nil {
		return devFlags{}, err
	}
	data, err := filepath.Abs(*dataDir)
	if err != nil {
		return devFlags{}, err
	}
	f := devFlags{data: data, root: *root, ports: stack.DevPorts}
	switch {
	case *anyPorts:
		f.ports = stack.Ports{}
	case *portBase != 0:
		if last := 65535 - (stack.PortCount - 1); *portBase < 1024 || *portBase > last {
			return devFlags{}, fmt.Errorf("-port-base %d: give a port from 1024 to %d", *portBase, last)
		}
		f.ports = stack.PortsFrom(*portBase)
	}
	return f, nil
}

// migrate waits for Temporal and migrates the database, bucket and search
// attributes.
func migrate(ctx context.Context, a *app.App, say func(string, ...any)) error {
	if err := stack.WaitTemporal(ctx, func(ctx context.Context) error {
		_, err := a.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	}); err != nil {
		return err
	}
	say("migrating the database, bucket and search attributes")
	return a.Migrate(ctx)
}

// seedAndWork seeds the demo data and starts the worker in g: at once when
// the demo's funded project is ready, after firstStart prepared it
// otherwise.
func seedAndWork(ctx context.Context, g *errgroup.Group, a *app.App, cfg config.Config, logger *slog.Logger, say func(string, ...any)) ([]app.DemoUser, error) {
	ready, err := a.DemoProjectReady(ctx)
	if err != nil {
		return nil, err
	}
	if !ready {
		users, err := firstStart(ctx, a, cfg, logger, say)
		if err == nil {
			g.Go(func() error { return a.RunWorker(ctx) })
		}
		return users, err
	}
	g.Go(func() error { return a.RunWorker(ctx) })
	say("seeding demo data")
	return a.Seed(ctx)
}

// printRunning says where everything is and who can sign in.
func printRunning(stdout io.Writer, st *stack.Stack, data, envPath string, took time.Duration, users []app.DemoUser) {
	fmt.Fprintf(stdout, `
GrantFlow 公益创投管理平台 is running (started in %s).

  Web            %s
  Temporal UI    http://%s  (namespace grantflow)
  Temporal gRPC  %s
  PostgreSQL     %s
  MinIO (S3)     http://%s  console http://127.0.0.1:%d  (user %s, secret in %s)
  Mail inbox     %s  (Mailpit; SMTP %s:%d takes all mail sent)
  Logs           %s
  Settings       %s   →  set -a; . %s; set +a

Demo accounts (password for all: %s):
`, took.Round(100*time.Millisecond), st.Config.WebURL, st.Temporal.UIAddr, st.Temporal.Addr,
		st.Config.DatabaseURL, st.MinIO.Endpoint(), st.MinIO.ConsolePort, st.MinIO.AccessKey,
		filepath.Join(data, "minio-secret"), st.Mailpit.UIURL(), st.Mailpit.SMTPHost(), st.Mailpit.SMTPPort, filepath.Join(data, "logs"), envPath, envPath, app.DemoPassword)
	for _, u := range users {
		fmt.Fprintf(stdout, "  %-10s %s — %s\n", u.Username, u.DisplayName, u.RoleLabel())
	}
	fmt.Fprintln(stdout, "\nPress Ctrl-C to stop.")
}

// firstStart seeds the demo data and prepares the demo's funded project: a
// call bid, scored, approved and awarded through the real workflows in
// about a minute. That needs the competition mode's periods at zero, so
// until it is done the only worker polling the task queue is a short-lived
// one with app.DemoProjectConfig — from the first task on, so that a task
// of the demo call left over from a run killed during its preparation is
// never done with the bureau's real periods (a week's bidding: the demo
// would never finish). The seed's own calls come out the same under either
// worker (their deadlines are weeks away). It runs on every start until the
// project is complete; every step is keyed, so a run killed half-way is
// finished, not repeated. Everything after it is the stack's own worker's.
func firstStart(ctx context.Context, a *app.App, cfg config.Config, logger *slog.Logger, say func(string, ...any)) ([]app.DemoUser, error) {
	d, err := app.Open(ctx, app.DemoProjectConfig(cfg), logger)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	wctx, stopDemo := context.WithCancel(ctx)
	wdone := make(chan error, 1)
	go func() { wdone <- d.RunWorker(wctx) }()
	stopWorker := func() error {
		stopDemo()
		if werr := <-wdone; werr != nil && !errors.Is(werr, context.Canceled) {
			return werr
		}
		return nil
	}
	say("seeding demo data")
	users, err := a.Seed(ctx)
	if err != nil {
		_ = stopWorker()
		return nil, err
	}
	say("preparing the demo's funded project (first start only, about a minute)")
	err = d.SeedFundedProject(ctx, func(step string) { say("  demo project: %s", step) })
	if werr := stopWorker(); err == nil {
		err = werr
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		// The demo works without it: say so and go on.
		say("the demo project could not be prepared (%v); the stack runs without it", err)
	}
	return users, nil
}
