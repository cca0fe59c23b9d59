// Command grantflow is GrantFlow's production binary. It connects to an
// existing Temporal cluster, PostgreSQL and any S3-compatible store, all
// configured from GRANTFLOW_* environment variables (see README).
//
//	grantflow serve     web server and Temporal worker in one process
//	grantflow web       web server only
//	grantflow worker    Temporal worker only
//	grantflow migrate   apply migrations, create the bucket, register search attributes
//	grantflow seed      write demo accounts and a demo call (never in production)
//	grantflow audit verify   check the audit log's hash chain
//	grantflow pii rotate     re-seal personal data under the newest key
//	grantflow archive verify <project>   re-read a project's archive package
//	grantflow blob sweep     remove unreferenced uploads older than the grace period
//	grantflow backup <dir>   back up the database and both buckets into dir
//	grantflow backup check <dir>   re-hash a backup against its manifest
//	grantflow restore <dir>  restore a backup into an empty database and buckets
//	grantflow reconcile      name calls and projects whose row and workflow disagree
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/google/uuid"

	"grantflow/internal/app"
	"grantflow/internal/backup"
	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

const usage = `grantflow — 公益创投管理平台 GrantFlow

Usage: grantflow <command>

Commands:
  serve     run the web server and the Temporal worker in one process
  web       run the web server only
  worker    run the Temporal worker only
  migrate   apply database migrations, create the bucket (versioned) and
            register Temporal search attributes; safe to run repeatedly
  seed      write demo accounts and a demo call (development and trials only)
  pii rotate
            re-seal personal data under the first key of GRANTFLOW_PII_KEYS
            (after adding a new key in front of the old ones)
  archive verify <project>
            re-read every object of a project's archive package (by project
            number, e.g. XM2026-000001, or ID) and name each one that is
            missing or altered (exit status 2 when one is found)
  blob sweep
            remove uploads (sealed bid parts, payment vouchers, evaluation
            reports) that no record refers to and that are older than
            GRANTFLOW_BLOB_SWEEP_GRACE (default 24h); a schedule does it daily
  backup <dir>
            write a consistent backup into the new directory dir: the
            database (pg_dump, directory format, one snapshot) and every
            version of every object of both buckets, with their SHA-256 and
            retention, and a manifest (see README, "Backup and restore")
  backup check <dir>
            re-read every file of a backup and check it against its manifest
            (exit status 2 when one is missing or altered)
  restore <dir>
            restore a backup into the configured database and buckets, which
            must be empty (a new database; new or empty buckets); object
            lock retention is applied again. Then run migrate.
  reconcile
            compare every call's and project's stage in the database with its
            workflow in Temporal and name each that disagrees (exit status 2
            when one does): after a restore, or Temporal restored elsewhere
  audit verify
            walk the audit log's hash chain and name the first entry that was
            altered, removed or inserted (exit status 2 when one is found)
  help      show this help

Configuration comes from GRANTFLOW_* environment variables; see README.md.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "grantflow:", err)
		if errors.Is(err, errAuditBroken) || errors.Is(err, errArchiveBroken) || errors.Is(err, backup.ErrDamaged) || errors.Is(err, errDisagree) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd := args[0]
	if err := checkArgs(args, stderr); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	logger.Info("starting", "command", cmd, "config", cfg)
	if cmd == "backup" || cmd == "restore" {
		return backupOrRestore(ctx, cfg, args, stdout)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()

	switch cmd {
	case "migrate":
		if err := a.Migrate(ctx); err != nil {
			return err
		}
		logger.Info("migrated")
		return nil
	case "seed":
		return seed(ctx, a, stdout)
	case "reconcile":
		return reconcile(ctx, a, stdout)
	case "audit":
		return verifyAudit(ctx, a, stdout)
	case "archive":
		return verifyArchive(ctx, a, args[2], stdout)
	case "blob":
		return sweepBlobs(ctx, a, stdout)
	case "pii":
		return rotatePII(ctx, a, stdout)
	}
	return serve(ctx, a, cmd)
}

// checkArgs refuses an unknown command or a known one with the wrong
// arguments, printing the usage to stderr.
func checkArgs(args []string, stderr io.Writer) error {
	cmd := args[0]
	switch cmd {
	case "serve", "web", "worker", "migrate", "seed", "reconcile":
	case "archive":
		if len(args) != 3 || args[1] != "verify" {
			fmt.Fprint(stderr, usage)
			return errors.New("usage: grantflow archive verify <project number or ID>")
		}
	case "backup", "restore":
		if len(args) != 2 && (cmd != "backup" || len(args) != 3 || args[1] != "check") {
			fmt.Fprint(stderr, usage)
			return fmt.Errorf("usage: grantflow %s <directory>", cmd)
		}
	case "audit", "pii", "blob":
		if want := map[string]string{"audit": "verify", "pii": "rotate", "blob": "sweep"}[cmd]; len(args) != 2 || args[1] != want {
			fmt.Fprint(stderr, usage)
			return fmt.Errorf("usage: grantflow %s %s", cmd, want)
		}
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	return nil
}

// serve runs the web server (serve, web) and the worker (serve, worker)
// until ctx ends.
func serve(ctx context.Context, a *app.App, cmd string) error {
	g, gctx := errgroup.WithContext(ctx)
	if cmd == "serve" || cmd == "web" {
		l, err := net.Listen("tcp", a.Config.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", a.Config.HTTPAddr, err)
		}
		g.Go(func() error { return a.Serve(gctx, l) })
	}
	if cmd == "serve" || cmd == "worker" {
		g.Go(func() error { return a.RunWorker(gctx) })
	}
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// sweepBlobs removes unreferenced uploads older than the grace period.
func sweepBlobs(ctx context.Context, a *app.App, stdout io.Writer) error {
	res, err := a.SweepBlobs(ctx)
	if err != nil {
		return err
	}
	for _, k := range res.Removed {
		fmt.Fprintf(stdout, "removed  %s\n", k)
	}
	fmt.Fprintf(stdout, "swept %d objects: %d removed (unreferenced, older than %s), %d kept\n", res.Checked, len(res.Removed), a.Config.BlobSweepGrace, res.Kept)
	return nil
}

// rotatePII re-seals personal data under the newest key.
func rotatePII(ctx context.Context, a *app.App, stdout io.Writer) error {
	n, err := a.Orgs.ResealPII(ctx)
	if err != nil {
		return err
	}
	for _, col := range store.SealedColumns() {
		table, _, _ := strings.Cut(col, ".")
		if c, ok := n[table]; ok {
			fmt.Fprintf(stdout, "%-14s %d rows re-sealed\n", table, c)
			delete(n, table)
		}
	}
	fmt.Fprintf(stdout, "every sealed value in the database is now under key %s. Temporal payloads are sealed under the key current when they were written: keep the older keys in GRANTFLOW_PII_KEYS until every workflow started before this rotation has closed and the namespace's retention has passed\n", a.Orgs.Keys.Current())
	return nil
}

// seed runs a worker while it seeds, since the demo call is a workflow.
func seed(ctx context.Context, a *app.App, stdout io.Writer) error {
	w := a.NewWorker()
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	users, err := a.Seed(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Demo accounts (password for all:", app.DemoPassword+"):")
	for _, u := range users {
		fmt.Fprintf(stdout, "  %-10s %s\n", u.Username, u.DisplayName)
	}
	return nil
}

// errAuditBroken makes `grantflow audit verify` exit with status 2.
var errAuditBroken = errors.New("audit log verification failed")

func verifyAudit(ctx context.Context, a *app.App, stdout io.Writer) error {
	problem, n, err := a.Store.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if problem != nil {
		fmt.Fprintf(stdout, "audit log BROKEN at entry %d: %s (%d entries read)\n", problem.Seq, problem.Reason, n)
		return errAuditBroken
	}
	problem, d, err := a.Store.VerifyAuditDetails(ctx, a.Calls.Keys.Open)
	if err != nil {
		return err
	}
	if problem != nil {
		fmt.Fprintf(stdout, "audit log BROKEN at entry %d: %s (%d sealed details read)\n", problem.Seq, problem.Reason, d)
		return errAuditBroken
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries, every hash checked; %d sealed details match their entries\n", n, d)
	return nil
}

// errArchiveBroken makes `grantflow archive verify` exit with status 2.
var errArchiveBroken = errors.New("archive verification failed")

func verifyArchive(ctx context.Context, a *app.App, project string, stdout io.Writer) error {
	p, err := a.Store.ProjectByNumber(ctx, project)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		if _, perr := uuid.Parse(project); perr == nil {
			p, err = a.Store.Project(ctx, project)
		}
	}
	if err != nil {
		return fmt.Errorf("project %s: %w", project, err)
	}
	rep, err := service.VerifyArchive(ctx, a.Store, a.Archive, p)
	if err != nil {
		return err
	}
	for _, pr := range rep.Problems {
		fmt.Fprintf(stdout, "%-8s %s\n         recorded sha256 %s\n", strings.ToUpper(pr.Problem), pr.Key, pr.Recorded)
		if pr.Read != "" {
			fmt.Fprintf(stdout, "         read     sha256 %s\n", pr.Read)
		}
	}
	if !rep.OK() {
		fmt.Fprintf(stdout, "archive of %s BROKEN: %d of %d objects missing or altered (bucket %s)\n", p.Number, len(rep.Problems), rep.Objects, a.Archive.Bucket())
		return errArchiveBroken
	}
	fmt.Fprintf(stdout, "archive of %s intact: %d objects, %d bytes re-read and hashed (bucket %s)\n", p.Number, rep.Objects, rep.Bytes, a.Archive.Bucket())
	return nil
}
