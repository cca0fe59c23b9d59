// Package app wires GrantFlow together from its configuration: the store,
// the object store, the Temporal client, the web server and the worker. The
// production binary (cmd/grantflow) and the embedded dev stack
// (cmd/grantflow-dev) both start GrantFlow through it, so they cannot drift.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"grantflow/activities"
	"grantflow/internal/blob"
	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/service"
	"grantflow/internal/store"
	"grantflow/internal/temporalconn"
	"grantflow/web"
	"grantflow/workflows"
)

// App is a configured GrantFlow.
type App struct {
	Config      config.Config
	Logger      *slog.Logger
	Store       *store.Store
	Blob        *blob.Store
	Archive     *blob.Store // the object-locked archive bucket
	Temporal    client.Client
	Calls       *service.Calls
	Contracts   *service.Contracts
	Delivery    *service.Delivery
	Evaluations *service.Evaluations
	Orgs        *service.Orgs
	Accounts    *service.Accounts
	Areas       *service.Areas
	Needs       *service.Needs
	Talents     *service.Talents
	Library     *service.Library
	Elderly     *service.Elderly
	Volunteers  *service.Volunteers
	Stats       *service.Stats
	// stopping turns true when the web server begins to stop: /readyz
	// answers 503 from then on, for the drain delay, before it stops
	// accepting work (a load balancer takes it out of rotation first).
	stopping *atomic.Bool
}

// Open connects to PostgreSQL, the object store and Temporal. The Temporal
// client connects lazily, so a web server can start (and say it is not
// ready) while Temporal is still coming up.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	keys, err := pii.Parse(cfg.PIIKeys)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	st.SealAuditDetailsWith(keys) // secret audit details (bids, panels, scores) sealed beside their entries
	bs, err := blob.Open(blob.Config{
		Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Bucket: cfg.S3Bucket, Region: cfg.S3Region, UseTLS: cfg.S3UseTLS,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	archive, err := blob.Open(blob.Config{
		Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Bucket: cfg.ArchiveBucket, Region: cfg.S3Region, UseTLS: cfg.S3UseTLS,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	// every payload and failure is sealed under the PII keys (temporalconn)
	topts, err := temporalconn.ClientOptions(cfg, keys, logger)
	if err != nil {
		st.Close()
		return nil, err
	}
	tc, err := client.NewLazyClient(topts)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("temporal client %s: %w", cfg.TemporalAddress, err)
	}
	a := &App{Config: cfg, Logger: logger, Store: st, Blob: bs, Archive: archive, Temporal: tc, stopping: new(atomic.Bool)}
	a.Contracts = &service.Contracts{Temporal: tc, Store: st, Blob: bs, Payloads: topts.DataConverter}
	a.Delivery = &service.Delivery{Contracts: a.Contracts, Store: st, Blob: bs, Keys: keys}
	a.Evaluations = &service.Evaluations{Contracts: a.Contracts, Store: st, Blob: bs, Archive: archive}
	a.Calls = &service.Calls{Temporal: tc, Store: st, Blob: bs, Keys: keys, Rules: cfg.Rules(), TaskQueue: cfg.TaskQueue,
		HistoryLimit: cfg.WorkflowHistoryLimit, OCDS: cfg.OCDS()}
	a.Orgs = &service.Orgs{Store: st, Blob: bs, Keys: keys}
	a.Accounts = &service.Accounts{Store: st}
	a.Areas = &service.Areas{Store: st}
	a.Needs = &service.Needs{Store: st, Temporal: tc, TaskQueue: cfg.TaskQueue}
	a.Talents = &service.Talents{Store: st, Keys: keys}
	a.Library = &service.Library{Store: st}
	a.Elderly = &service.Elderly{Store: st, Keys: keys, Temporal: tc, Blob: bs, TaskQueue: cfg.TaskQueue, Payloads: topts.DataConverter}
	a.Volunteers = &service.Volunteers{Store: st, Keys: keys}
	a.Stats = &service.Stats{Store: st}
	return a, nil
}

// Close releases the connections.
func (a *App) Close() {
	a.Temporal.Close()
	a.Store.Close()
}

// Migrate applies database migrations, creates the bucket (versioned) and
// registers the search attributes with the Temporal namespace. Each step is
// idempotent.
func (a *App) Migrate(ctx context.Context) error {
	if err := a.Store.Migrate(ctx); err != nil {
		return err
	}
	if err := a.Blob.EnsureBucket(ctx); err != nil {
		return err
	}
	if err := a.Archive.EnsureLockedBucket(ctx); err != nil {
		return err
	}
	if err := a.ensureCalendar(ctx); err != nil {
		return err
	}
	// Sealed values and blind indexes written before (older keys, rows from
	// before an index existed) are brought under the current key.
	if _, err := a.Orgs.ResealPII(ctx); err != nil {
		return err
	}
	if err := EnsureSearchAttributes(ctx, a.Temporal, a.Config.TemporalNamespace); err != nil {
		return err
	}
	return a.EnsureSchedules(ctx)
}

// ensureCalendar loads the 2026 holiday schedule (docs/domain.md §7) when no
// schedule for 2026 is loaded yet; admins keep it and later years current.
func (a *App) ensureCalendar(ctx context.Context) error {
	years, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(years, 2026) {
		return nil
	}
	return a.Store.SetCalendarYear(ctx, 2026, domain.Schedule2026(), domain.Actor{Name: "系统初始化"})
}

// EnsureSchedules creates the Temporal Schedules GrantFlow runs on, where
// missing: the quarterly needs reporting (at 00:00 China time on the first
// day of every quarter) and the daily sweep of unreferenced uploads.
func (a *App) EnsureSchedules(ctx context.Context) error {
	id := "needs-quarterly-" + a.Config.TaskQueue
	_, err := a.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Month:      []client.ScheduleRange{{Start: 1, End: 10, Step: 3}},
				DayOfMonth: []client.ScheduleRange{{Start: 1}},
				Hour:       []client.ScheduleRange{{Start: 0}},
				Minute:     []client.ScheduleRange{{Start: 0}},
				Second:     []client.ScheduleRange{{Start: 0}},
			}},
			TimeZoneName: "Asia/Shanghai",
		},
		Action: &client.ScheduleWorkflowAction{
			ID:        "needs-quarter-" + a.Config.TaskQueue,
			Workflow:  workflows.QuarterlyNeedsWorkflow,
			Args:      []any{workflows.QuarterlyNeedsInput{}},
			TaskQueue: a.Config.TaskQueue,
		},
	})
	if err := scheduleCreated(id, err); err != nil {
		return err
	}
	// The daily sweep of unreferenced uploads (03:30 China time).
	id = "blob-sweep-" + a.Config.TaskQueue
	_, err = a.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Hour:   []client.ScheduleRange{{Start: 3}},
				Minute: []client.ScheduleRange{{Start: 30}},
				Second: []client.ScheduleRange{{Start: 0}},
			}},
			TimeZoneName: "Asia/Shanghai",
		},
		Action: &client.ScheduleWorkflowAction{
			ID:        "blob-sweep-run-" + a.Config.TaskQueue,
			Workflow:  workflows.BlobSweepWorkflow,
			TaskQueue: a.Config.TaskQueue,
		},
	})
	return scheduleCreated(id, err)
}

// scheduleCreated treats a schedule that already exists as created.
func scheduleCreated(id string, err error) error {
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		var exists *serviceerror.AlreadyExists
		if !errors.As(err, &exists) {
			return fmt.Errorf("schedule %s: %w", id, err)
		}
	}
	return nil
}

// SweepBlobs removes unreferenced uploads now (`grantflow blob sweep`; the
// schedule does it daily), older than the configured grace period.
func (a *App) SweepBlobs(ctx context.Context) (activities.SweepResult, error) {
	return activities.SweepUnreferenced(ctx, a.Store, a.Blob, a.Config.BlobSweepGrace, time.Now())
}

// StartQuarterlyNeeds starts the needs reporting of a quarter now (the
// schedule does this each quarter; the demo does it for the current one).
func (a *App) StartQuarterlyNeeds(ctx context.Context, quarter string) error {
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       "needs-quarter-" + a.Config.TaskQueue + "-" + quarter,
		TaskQueue:                a.Config.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.QuarterlyNeedsWorkflow, workflows.QuarterlyNeedsInput{Quarter: quarter})
	return err
}

// EnsureSearchAttributes registers GrantFlow's search attributes with
// namespace where missing.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of %s: %w", namespace, err)
	}
	missing := map[string]enums.IndexedValueType{}
	for name, typ := range workflows.SearchAttributes {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("add search attributes to %s: %w", namespace, err)
	}
	return nil
}

// WorkerOptions are the worker's options from the configuration: on Stop
// (SIGTERM, a deploy) running activities get WorkerStopTimeout to finish
// before their contexts are cancelled; they see the stop at once through
// activity.GetWorkerStopChannel.
func WorkerOptions(cfg config.Config) worker.Options {
	return worker.Options{WorkerStopTimeout: cfg.WorkerStopTimeout}
}

// NewWorker builds the Temporal worker with every workflow and activity.
func (a *App) NewWorker() worker.Worker {
	w := worker.New(a.Temporal, a.Config.TaskQueue, WorkerOptions(a.Config))
	w.RegisterWorkflow(workflows.CallWorkflow)
	w.RegisterWorkflow(workflows.ProjectWorkflow)
	w.RegisterWorkflow(workflows.QuarterlyNeedsWorkflow)
	w.RegisterWorkflow(workflows.StreetReportWorkflow)
	w.RegisterWorkflow(workflows.ImportWorkflow)
	w.RegisterWorkflow(workflows.BlobSweepWorkflow)
	w.RegisterActivity(&service.ImportActivities{Elderly: a.Elderly})
	w.RegisterActivity(&activities.Activities{Store: a.Store, Blob: a.Blob, Keys: a.Calls.Keys, Rules: a.Config.Rules(),
		Archive: a.Archive, LockMode: blob.LockMode(a.Config.ArchiveLockMode), SweepGrace: a.Config.BlobSweepGrace})
	return w
}

// RunWorker runs the worker until ctx ends.
func (a *App) RunWorker(ctx context.Context) error {
	w := a.NewWorker()
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	a.Logger.Info("worker started", "task_queue", a.Config.TaskQueue, "namespace", a.Config.TemporalNamespace)
	<-ctx.Done()
	w.Stop() // running activities get WorkerStopTimeout to finish
	a.Logger.Info("worker stopped")
	return nil
}

// Handler builds the web application.
func (a *App) Handler() (http.Handler, error) {
	proxies, err := a.Config.TrustedProxyPrefixes()
	if err != nil {
		return nil, err
	}
	return web.New(web.Deps{
		Store: a.Store, Blob: a.Blob, Temporal: a.Temporal, Calls: a.Calls, Contracts: a.Contracts, Delivery: a.Delivery, Evaluations: a.Evaluations, Orgs: a.Orgs, Accounts: a.Accounts, Areas: a.Areas, Needs: a.Needs, Talents: a.Talents, Library: a.Library, Elderly: a.Elderly, Volunteers: a.Volunteers, Stats: a.Stats,
		Logger: a.Logger, SecureCookies: a.Config.SecureCookies(),
		PayloadCodec: temporalconn.OperatorCodec(a.Calls.Keys), TemporalUIOrigin: a.Config.Temporal.Origin(),
		TrustedProxies: proxies, TokenTTL: a.Config.APITokenTTL, Stopping: a.stopping.Load,
	})
}

// Serve serves the web application on l until ctx ends, then shuts down
// gracefully within the configured timeout.
func (a *App) Serve(ctx context.Context, l net.Listener) error {
	h, err := a.Handler()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	a.Logger.Info("web server listening", "addr", l.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("web server: %w", err)
	case <-ctx.Done():
	}
	// Not ready first, still serving: the load balancer's next readiness
	// probe takes this replica out before connections are refused.
	a.stopping.Store(true)
	if d := a.Config.DrainDelay; d > 0 {
		a.Logger.Info("web server draining", "delay", d)
		time.Sleep(d)
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("web server shutdown: %w", err)
	}
	a.Logger.Info("web server stopped")
	return nil
}
