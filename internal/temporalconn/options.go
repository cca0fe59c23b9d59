package temporalconn

import (
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"grantflow/internal/config"
	"grantflow/internal/pii"
)

// ClientOptions are the options of every Temporal client GrantFlow makes:
// the frontend address and namespace, TLS / mutual TLS and the API key from
// cfg.Temporal, and the converters that seal payloads and failures under
// keys. logger may be nil (the SDK's default logger).
func ClientOptions(cfg config.Config, keys *pii.Keyring, logger *slog.Logger) (client.Options, error) {
	if keys == nil {
		return client.Options{}, fmt.Errorf("temporal client: no PII keyring to seal payloads with")
	}
	tlsConf, err := cfg.Temporal.TLSConfig()
	if err != nil {
		return client.Options{}, err
	}
	dc := DataConverter(keys)
	o := client.Options{
		HostPort:          cfg.TemporalAddress,
		Namespace:         cfg.TemporalNamespace,
		DataConverter:     dc,
		FailureConverter:  FailureConverter(dc),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsConf},
	}
	if cfg.Temporal.APIKey != "" {
		o.Credentials = client.NewAPIKeyStaticCredentials(cfg.Temporal.APIKey)
	}
	if logger != nil {
		o.Logger = tlog.NewStructuredLogger(logger.With("component", "temporal"))
	}
	return o, nil
}
