// Package config is GrantFlow's one typed configuration, read from the
// environment (GRANTFLOW_*), with defaults, validation that says what to fix,
// and a String form that masks secrets for the start-up log.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"grantflow/internal/domain"
	"grantflow/internal/pii"
)

// Config is everything the production binary reads.
type Config struct {
	DatabaseURL string `env:"GRANTFLOW_DATABASE_URL"` // postgres://user:pass@host:5432/db

	TemporalAddress   string `env:"GRANTFLOW_TEMPORAL_ADDRESS" envDefault:"127.0.0.1:7233"`
	TemporalNamespace string `env:"GRANTFLOW_TEMPORAL_NAMESPACE" envDefault:"grantflow"`
	TaskQueue         string `env:"GRANTFLOW_TASK_QUEUE" envDefault:"grantflow"`
	// How the Temporal client connects and who may decode payloads in the
	// Temporal Web UI (see temporal.go).
	Temporal TemporalConn

	S3Endpoint  string `env:"GRANTFLOW_S3_ENDPOINT"` // host:port
	S3AccessKey string `env:"GRANTFLOW_S3_ACCESS_KEY"`
	S3SecretKey string `env:"GRANTFLOW_S3_SECRET_KEY"`
	S3Bucket    string `env:"GRANTFLOW_S3_BUCKET" envDefault:"grantflow"`
	S3Region    string `env:"GRANTFLOW_S3_REGION" envDefault:"us-east-1"`
	S3UseTLS    bool   `env:"GRANTFLOW_S3_USE_TLS" envDefault:"false"`
	// The archive bucket is created with object locking; archived objects
	// are locked in ArchiveLockMode until their class's retention ends.
	ArchiveBucket   string `env:"GRANTFLOW_ARCHIVE_BUCKET" envDefault:"grantflow-archive"`
	ArchiveLockMode string `env:"GRANTFLOW_ARCHIVE_LOCK_MODE" envDefault:"COMPLIANCE"`

	// PIIKeys seal ID numbers and phones at rest: "id:base64key,…", the
	// first seals, all open (see internal/pii for rotation).
	PIIKeys string `env:"GRANTFLOW_PII_KEYS"`

	HTTPAddr string `env:"GRANTFLOW_HTTP_ADDR" envDefault:":8080"`
	// WebURL is where people reach the site; an https URL makes cookies Secure.
	WebURL string `env:"GRANTFLOW_WEB_URL" envDefault:"http://127.0.0.1:8080"`

	// The competition mode's (创投大赛) bureau settings (docs/domain.md §3,
	// "practice"): the shortest bidding period and the result
	// publicity, in working days. The procurement modes' minima are law and
	// not configurable.
	CompetitionMinBiddingDays int `env:"GRANTFLOW_COMPETITION_MIN_BIDDING_DAYS" envDefault:"5"`
	CompetitionPublicityDays  int `env:"GRANTFLOW_COMPETITION_PUBLICITY_DAYS" envDefault:"5"`
	// EvalPassMark is the evaluations' pass mark of 100 (docs/domain.md §4).
	EvalPassMark int `env:"GRANTFLOW_EVAL_PASS_MARK" envDefault:"60"`

	// Sign-in: TrustedProxies are the reverse proxies (CIDRs or addresses,
	// comma-separated; none by default) whose X-Forwarded-For is believed;
	// APITokenTTL is how long an API token works.
	TrustedProxies string        `env:"GRANTFLOW_TRUSTED_PROXIES"`
	APITokenTTL    time.Duration `env:"GRANTFLOW_API_TOKEN_TTL" envDefault:"2160h"`

	LogLevel        slog.Level    `env:"GRANTFLOW_LOG_LEVEL" envDefault:"info"`
	ShutdownTimeout time.Duration `env:"GRANTFLOW_SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// DrainDelay is how long a stopping web server answers /readyz with 503
	// while still serving, before it stops accepting connections (set it
	// above the load balancer's readiness probe interval; 0 to skip).
	DrainDelay time.Duration `env:"GRANTFLOW_DRAIN_DELAY" envDefault:"5s"`
	// WorkerStopTimeout is how long a stopping worker lets running
	// activities finish before it cancels them (a deploy must not cut an
	// archive or an opening in half).
	WorkerStopTimeout time.Duration `env:"GRANTFLOW_WORKER_STOP_TIMEOUT" envDefault:"30s"`
	// WorkflowHistoryLimit is how many events a call's or project's
	// workflow run holds before it continues as new (Temporal's own limit
	// is 51,200; the server may suggest it sooner). Set per call when it is
	// created, and handed on to its projects.
	WorkflowHistoryLimit int `env:"GRANTFLOW_WORKFLOW_HISTORY_LIMIT" envDefault:"4000"`
	// BlobSweepGrace is how old an object under a bids, vouchers or
	// evaluation-report prefix must be before the daily sweep removes it
	// when no record refers to it (uploads whose request ended unclear).
	BlobSweepGrace time.Duration `env:"GRANTFLOW_BLOB_SWEEP_GRACE" envDefault:"24h"`

	// Open data (OCDS, docs/domain.md §8): the ocid prefix (a placeholder until
	// the bureau registers its own with the OCDS helpdesk), the license of
	// the published data and the publication policy (empty: the policy on
	// the public portal, GRANTFLOW_WEB_URL/public#open-data).
	OCDSPrefix            string `env:"GRANTFLOW_OCDS_PREFIX" envDefault:"ocds-gfcn01"`
	OCDSLicense           string `env:"GRANTFLOW_OCDS_LICENSE" envDefault:"https://creativecommons.org/licenses/by/4.0/"`
	OCDSPublicationPolicy string `env:"GRANTFLOW_OCDS_PUBLICATION_POLICY"`

	SMS SMS // text messages: provider, credentials, template codes (sms.go)
	// SMTP is the email relay (smtp.go); no host: no email.
	SMTP SMTP
}

// FromEnv reads the configuration from the process environment.
func FromEnv() (Config, error) {
	return env.ParseAs[Config]()
}

// FromMap reads the configuration from a map of variables (tests, dev stack).
func FromMap(vars map[string]string) (Config, error) {
	return env.ParseAsWithOptions[Config](env.Options{Environment: vars})
}

// Validate says, for every setting that is missing or malformed, which
// variable to set and how.
func (c Config) Validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("GRANTFLOW_DATABASE_URL is required (postgres://user:password@host:5432/grantflow)"))
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, errors.New("GRANTFLOW_DATABASE_URL must be a postgres:// URL"))
	}
	if c.TemporalAddress == "" || !strings.Contains(c.TemporalAddress, ":") {
		errs = append(errs, errors.New("GRANTFLOW_TEMPORAL_ADDRESS must be host:port of the Temporal frontend"))
	}
	if c.TemporalNamespace == "" {
		errs = append(errs, errors.New("GRANTFLOW_TEMPORAL_NAMESPACE must not be empty"))
	}
	if c.TaskQueue == "" {
		errs = append(errs, errors.New("GRANTFLOW_TASK_QUEUE must not be empty"))
	}
	errs = append(errs, c.Temporal.validate()...)
	errs = append(errs, c.SMS.validate()...)
	errs = append(errs, c.SMTP.validate()...)
	if c.S3Endpoint == "" || strings.Contains(c.S3Endpoint, "://") {
		errs = append(errs, errors.New("GRANTFLOW_S3_ENDPOINT is required, as host:port without scheme (use GRANTFLOW_S3_USE_TLS for https)"))
	}
	if c.S3AccessKey == "" || c.S3SecretKey == "" {
		errs = append(errs, errors.New("GRANTFLOW_S3_ACCESS_KEY and GRANTFLOW_S3_SECRET_KEY are required"))
	}
	if c.S3Bucket == "" {
		errs = append(errs, errors.New("GRANTFLOW_S3_BUCKET must not be empty"))
	}
	if c.ArchiveBucket == "" || c.ArchiveBucket == c.S3Bucket {
		errs = append(errs, errors.New("GRANTFLOW_ARCHIVE_BUCKET must name a bucket other than GRANTFLOW_S3_BUCKET (it is created with object locking)"))
	}
	if c.ArchiveLockMode != "COMPLIANCE" && c.ArchiveLockMode != "GOVERNANCE" {
		errs = append(errs, errors.New("GRANTFLOW_ARCHIVE_LOCK_MODE must be COMPLIANCE (nobody can delete before the date) or GOVERNANCE"))
	}
	if c.EvalPassMark < 1 || c.EvalPassMark > 100 {
		errs = append(errs, errors.New("GRANTFLOW_EVAL_PASS_MARK must be a score from 1 to 100 (60 by default)"))
	}
	if _, err := pii.Parse(c.PIIKeys); err != nil {
		errs = append(errs, fmt.Errorf("GRANTFLOW_PII_KEYS: %w", err))
	}
	if u, err := url.Parse(c.WebURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("GRANTFLOW_WEB_URL must be an http:// or https:// URL"))
	}
	if c.CompetitionMinBiddingDays < 0 || c.CompetitionMinBiddingDays > 60 || c.CompetitionPublicityDays < 0 || c.CompetitionPublicityDays > 30 {
		errs = append(errs, errors.New("GRANTFLOW_COMPETITION_MIN_BIDDING_DAYS (0–60) and GRANTFLOW_COMPETITION_PUBLICITY_DAYS (0–30) are working days"))
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if c.APITokenTTL < time.Hour || c.APITokenTTL > 366*24*time.Hour {
		errs = append(errs, errors.New("GRANTFLOW_API_TOKEN_TTL must be from 1h to 8784h (a year), e.g. 2160h for 90 days"))
	}
	if c.DrainDelay < 0 || c.DrainDelay > 5*time.Minute {
		errs = append(errs, errors.New("GRANTFLOW_DRAIN_DELAY must be from 0 to 5m, e.g. 5s (longer than the load balancer's readiness probe interval)"))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("GRANTFLOW_SHUTDOWN_TIMEOUT must be positive, e.g. 20s"))
	}
	if c.WorkerStopTimeout <= 0 {
		errs = append(errs, errors.New("GRANTFLOW_WORKER_STOP_TIMEOUT must be positive, e.g. 30s: running activities finish within it when the worker stops"))
	}
	if c.WorkflowHistoryLimit < 100 || c.WorkflowHistoryLimit > 40000 {
		errs = append(errs, errors.New("GRANTFLOW_WORKFLOW_HISTORY_LIMIT must be from 100 to 40000 events (4000 by default)"))
	}
	if c.BlobSweepGrace < time.Hour {
		errs = append(errs, errors.New("GRANTFLOW_BLOB_SWEEP_GRACE must be at least 1h (an update may still be under way), e.g. 24h"))
	}
	if !domain.ValidOCDSPrefix(c.OCDSPrefix) {
		errs = append(errs, errors.New("GRANTFLOW_OCDS_PREFIX must be an ocid prefix: ocds- and six lower-case letters or digits (register one with the OCDS helpdesk)"))
	}
	for _, s := range []struct{ name, v string }{{"GRANTFLOW_OCDS_LICENSE", c.OCDSLicense}, {"GRANTFLOW_OCDS_PUBLICATION_POLICY", c.OCDSPublicationPolicy}} {
		if u, err := url.Parse(s.v); (s.v != "" || s.name == "GRANTFLOW_OCDS_LICENSE") && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			errs = append(errs, fmt.Errorf("%s must be an absolute http:// or https:// URL", s.name))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return nil
}

// Rules are the bidding rules this deployment configures.
func (c Config) Rules() domain.Rules {
	return domain.Rules{CompetitionMinBiddingWorkingDays: c.CompetitionMinBiddingDays,
		CompetitionPublicityWorkingDays: c.CompetitionPublicityDays, EvalPassMark: c.EvalPassMark}
}

// OCDS is what this deployment says of itself in its OCDS packages.
func (c Config) OCDS() domain.OCDSPublisher {
	policy := c.OCDSPublicationPolicy
	if policy == "" {
		policy = strings.TrimRight(c.WebURL, "/") + "/public#open-data"
	}
	return domain.OCDSPublisher{Prefix: c.OCDSPrefix, BaseURL: c.WebURL, License: c.OCDSLicense, PublicationPolicy: policy}
}

// TrustedProxyPrefixes parses GRANTFLOW_TRUSTED_PROXIES.
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return nil, fmt.Errorf("GRANTFLOW_TRUSTED_PROXIES: %q is neither an address nor a CIDR (e.g. 10.0.0.0/8,192.0.2.7)", part)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.WebURL, "https://") }

// Env renders the configuration as GRANTFLOW_* variables, secrets included
// (for .data/dev.env, which only the developer reads).
func (c Config) Env() []string {
	vars := []string{
		"GRANTFLOW_DATABASE_URL=" + c.DatabaseURL,
		"GRANTFLOW_TEMPORAL_ADDRESS=" + c.TemporalAddress,
		"GRANTFLOW_TEMPORAL_NAMESPACE=" + c.TemporalNamespace,
		"GRANTFLOW_TASK_QUEUE=" + c.TaskQueue,
		"GRANTFLOW_S3_ENDPOINT=" + c.S3Endpoint,
		"GRANTFLOW_S3_ACCESS_KEY=" + c.S3AccessKey,
		"GRANTFLOW_S3_SECRET_KEY=" + c.S3SecretKey,
		"GRANTFLOW_S3_BUCKET=" + c.S3Bucket,
		"GRANTFLOW_S3_REGION=" + c.S3Region,
		fmt.Sprintf("GRANTFLOW_S3_USE_TLS=%t", c.S3UseTLS),
		"GRANTFLOW_ARCHIVE_BUCKET=" + c.ArchiveBucket,
		"GRANTFLOW_ARCHIVE_LOCK_MODE=" + c.ArchiveLockMode,
		fmt.Sprintf("GRANTFLOW_EVAL_PASS_MARK=%d", c.EvalPassMark),
		"GRANTFLOW_PII_KEYS=" + c.PIIKeys,
		"GRANTFLOW_HTTP_ADDR=" + c.HTTPAddr,
		"GRANTFLOW_WEB_URL=" + c.WebURL,
		"GRANTFLOW_TRUSTED_PROXIES=" + c.TrustedProxies,
		"GRANTFLOW_API_TOKEN_TTL=" + c.APITokenTTL.String(),
		"GRANTFLOW_LOG_LEVEL=" + strings.ToLower(c.LogLevel.String()),
		"GRANTFLOW_SHUTDOWN_TIMEOUT=" + c.ShutdownTimeout.String(),
		"GRANTFLOW_DRAIN_DELAY=" + c.DrainDelay.String(),
		"GRANTFLOW_WORKER_STOP_TIMEOUT=" + c.WorkerStopTimeout.String(),
		"GRANTFLOW_BLOB_SWEEP_GRACE=" + c.BlobSweepGrace.String(),
		fmt.Sprintf("GRANTFLOW_WORKFLOW_HISTORY_LIMIT=%d", c.WorkflowHistoryLimit),
		"GRANTFLOW_OCDS_PREFIX=" + c.OCDSPrefix,
		"GRANTFLOW_OCDS_LICENSE=" + c.OCDSLicense,
		"GRANTFLOW_OCDS_PUBLICATION_POLICY=" + c.OCDSPublicationPolicy,
	}
	vars = append(vars, c.SMTP.env()...)
	return append(append(vars, c.Temporal.env()...), c.SMS.env()...)
}

// LogValue masks secrets so the configuration can be logged at start.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("database_url", maskURL(c.DatabaseURL)),
		slog.String("temporal_address", c.TemporalAddress),
		slog.String("temporal_namespace", c.TemporalNamespace),
		slog.String("task_queue", c.TaskQueue),
		slog.Any("temporal", c.Temporal),
		slog.String("s3_endpoint", c.S3Endpoint),
		slog.String("s3_access_key", c.S3AccessKey),
		slog.String("s3_secret_key", mask(c.S3SecretKey)),
		slog.String("s3_bucket", c.S3Bucket),
		slog.Bool("s3_use_tls", c.S3UseTLS),
		slog.String("archive_bucket", c.ArchiveBucket),
		slog.String("archive_lock_mode", c.ArchiveLockMode),
		slog.Int("eval_pass_mark", c.EvalPassMark),
		slog.String("pii_keys", maskKeys(c.PIIKeys)),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("web_url", c.WebURL),
		slog.String("trusted_proxies", c.TrustedProxies),
		slog.Duration("api_token_ttl", c.APITokenTTL),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Duration("drain_delay", c.DrainDelay),
		slog.Duration("worker_stop_timeout", c.WorkerStopTimeout),
		slog.Duration("blob_sweep_grace", c.BlobSweepGrace),
		slog.Int("workflow_history_limit", c.WorkflowHistoryLimit),
		slog.String("ocds_prefix", c.OCDSPrefix),
		slog.Attr{Key: "sms", Value: c.SMS.LogValue()},
		slog.Attr{Key: "smtp", Value: c.SMTP.LogValue()},
	)
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "******"
}

// maskKeys shows the key IDs, never the keys.
func maskKeys(spec string) string {
	var ids []string
	for _, part := range strings.Split(spec, ",") {
		if id, _, ok := strings.Cut(strings.TrimSpace(part), ":"); ok {
			ids = append(ids, id+":******")
		}
	}
	return strings.Join(ids, ",")
}

func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return mask(raw)
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "******")
	}
	return u.Redacted()
}
