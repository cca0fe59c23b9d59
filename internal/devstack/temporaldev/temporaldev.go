// Package temporaldev embeds a Temporal server (and its Web UI) for
// development and integration tests, the way the Temporal CLI's dev server
// does: SQLite persistence in one file, one namespace created at start with a
// long retention and GrantFlow's search attributes. It links the whole
// Temporal server, so only cmd/grantflow-dev and the integration tests import
// it; the production binary talks to an existing cluster.
package temporaldev

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"

	"grantflow/internal/devstack"
)

// Retention keeps closed workflow histories for a year. (The SQLite default
// is 24 hours.) Business records live in PostgreSQL and MinIO for 15 years;
// Temporal's history is the execution log, not the archive.
const Retention = 365 * 24 * time.Hour

// Options configure the embedded server.
type Options struct {
	IP               string // default 127.0.0.1
	Port             int    // frontend gRPC
	UIPort           int    // 0: no Web UI
	DatabaseFile     string // SQLite file; created with the schema when missing
	Namespace        string
	SearchAttributes map[string]enums.IndexedValueType
	LogFile          string // server log (warnings and errors)
	// CodecEndpoint is the payload codec the Web UI decodes payloads with
	// (GrantFlow's /admin/temporal-codec, which needs an admin's session:
	// the UI sends its cookies along).
	CodecEndpoint string
}

// Server is a running embedded Temporal server.
type Server struct {
	server temporal.Server
	ui     *uiserver.Server
	Addr   string
	UIAddr string
}

// Start creates the schema and namespace when missing and starts the server.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	sqlConf, err := prepareDatabase(o)
	if err != nil {
		return nil, err
	}
	ports := map[string]int{"frontend": o.Port}
	for _, svc := range []string{"history", "matching", "worker", "frontend-http"} {
		p, err := devstack.FreePort()
		if err != nil {
			return nil, err
		}
		ports[svc] = p
	}
	host := func(svc string) string { return fmt.Sprintf("%s:%d", o.IP, ports[svc]) }

	logCfg := log.Config{Level: "warn", Format: "json", OutputFile: o.LogFile}
	if o.LogFile == "" {
		logCfg.Level = "error"
	}
	logger := log.NewZapLogger(log.BuildZapLogger(logCfg))

	dyn := dynamicconfig.StaticClient{
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8096,
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(serverConfig(o.IP, sqlConf, ports, host)),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(host("frontend")),
			primitives.MatchingService: static.SingleLocalHost(host("matching")),
			primitives.HistoryService:  static.SingleLocalHost(host("history")),
			primitives.WorkerService:   static.SingleLocalHost(host("worker")),
		}),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("temporal server start: %w", err)
	}
	s := &Server{server: srv, Addr: host("frontend")}
	if o.UIPort != 0 {
		s.UIAddr = fmt.Sprintf("%s:%d", o.IP, o.UIPort)
		s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(UIConfig(o, s.Addr)))
		go func() {
			if err := s.ui.Start(); err != nil {
				logger.Error("temporal ui stopped: " + err.Error())
			}
		}()
	}
	return s, nil
}

// prepareDatabase creates the SQLite file with the schema when it is
// missing, and the namespace when it is, and returns the file's
// persistence settings.
func prepareDatabase(o Options) (*config.SQL, error) {
	if err := os.MkdirAll(filepath.Dir(o.DatabaseFile), 0o755); err != nil {
		return nil, err
	}
	sqlConf := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: o.DatabaseFile,
		ConnectAttributes: map[string]string{
			"mode": "rwc", "_journal_mode": "wal", "_synchronous": "normal", "_busy_timeout": "10000",
		},
	}
	if _, err := os.Stat(o.DatabaseFile); os.IsNotExist(err) {
		// The schema is written to a file beside it, renamed when complete:
		// a kill meanwhile leaves no half schema that would never start.
		tmp := *sqlConf
		tmp.DatabaseName = o.DatabaseFile + ".new"
		for _, f := range []string{"", "-wal", "-shm", "-journal"} {
			_ = os.Remove(tmp.DatabaseName + f)
		}
		if err := sqliteschema.SetupSchema(&tmp); err != nil {
			return nil, fmt.Errorf("temporal sqlite schema: %w", err)
		}
		if _, err := os.Stat(tmp.DatabaseName + "-wal"); err == nil {
			if err := os.Rename(tmp.DatabaseName+"-wal", o.DatabaseFile+"-wal"); err != nil {
				return nil, err
			}
		}
		_ = os.Remove(tmp.DatabaseName + "-shm")
		if err := os.Rename(tmp.DatabaseName, o.DatabaseFile); err != nil {
			return nil, err
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig("active", o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("temporal namespace config: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(Retention)
	if err := sqliteschema.CreateNamespaces(sqlConf, ns); err != nil {
		return nil, fmt.Errorf("temporal namespace %s: %w", o.Namespace, err)
	}
	return sqlConf, nil
}

// serverConfig is the server's configuration: one cluster on ip, its
// services on ports (host names a service's address), SQLite persistence,
// no archival.
func serverConfig(ip string, sqlConf *config.SQL, ports map[string]int, host func(svc string) string) *config.Config {
	conf := &config.Config{}
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = ip
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        "active",
		CurrentClusterName:       "active",
		ClusterInformation: map[string]cluster.ClusterInformation{"active": {
			Enabled:                true,
			InitialFailoverVersion: 1,
			RPCAddress:             host("frontend"),
			HTTPAddress:            host("frontend-http"),
			ClusterID:              "grantflow-dev",
		}},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{}
	for _, svc := range []string{"frontend", "history", "matching", "worker"} {
		s := config.Service{}
		s.RPC.GRPCPort = ports[svc]
		s.RPC.BindOnIP = ip
		if svc == "frontend" {
			s.RPC.HTTPPort = ports["frontend-http"]
		}
		conf.Services[svc] = s
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = host("frontend")
	return conf
}

// UIConfig is the Web UI's configuration for a server at temporalAddr.
func UIConfig(o Options, temporalAddr string) *uiconfig.Config {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	return &uiconfig.Config{
		Host:                o.IP,
		Port:                o.UIPort,
		TemporalGRPCAddress: temporalAddr,
		EnableUI:            true,
		DefaultNamespace:    o.Namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
		Codec:               uiconfig.Codec{Endpoint: o.CodecEndpoint, IncludeCredentials: o.CodecEndpoint != ""},
	}
}

// Stop stops the UI and the server.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.server.Stop() // stopping: an error has no one to go to
}
