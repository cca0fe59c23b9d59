package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
)

// TemporalConn is how GrantFlow reaches the Temporal frontend: plain gRPC on
// a trusted network (the default, and the embedded dev server), TLS with the
// system's or a given CA, mutual TLS with a client certificate, and/or an API
// key (sent as a bearer token; it always travels over TLS). It also names
// the Temporal Web UI's origin, which may call the payload codec endpoint.
type TemporalConn struct {
	// TLS turns TLS on with the system's CAs. Setting a CA file, a server
	// name, a client certificate or an API key turns it on as well.
	TLS bool `env:"GRANTFLOW_TEMPORAL_TLS" envDefault:"false"`
	// CAFile is a PEM file of the CA(s) that signed the frontend's
	// certificate (instead of the system's CAs).
	CAFile string `env:"GRANTFLOW_TEMPORAL_TLS_CA_FILE"`
	// ServerName is the name the frontend's certificate must carry, when it
	// is not the host of GRANTFLOW_TEMPORAL_ADDRESS.
	ServerName string `env:"GRANTFLOW_TEMPORAL_TLS_SERVER_NAME"`
	// CertFile and KeyFile are the client certificate and key (PEM) for
	// mutual TLS. They are read again when the files change (certificate
	// renewal), without a restart.
	CertFile string `env:"GRANTFLOW_TEMPORAL_TLS_CERT_FILE"`
	KeyFile  string `env:"GRANTFLOW_TEMPORAL_TLS_KEY_FILE"`
	// APIKey authenticates to Temporal Cloud or a frontend that checks API
	// keys.
	APIKey string `env:"GRANTFLOW_TEMPORAL_API_KEY"`
	// UIOrigin is the Temporal Web UI's origin (scheme://host[:port]). It
	// may call the payload codec endpoint (/admin/temporal-codec/) from the
	// browser of a signed-in admin; every other origin is refused.
	UIOrigin string `env:"GRANTFLOW_TEMPORAL_UI_ORIGIN"`
}

// UsesTLS reports whether the connection to Temporal uses TLS.
func (t TemporalConn) UsesTLS() bool {
	return t.TLS || t.CAFile != "" || t.ServerName != "" || t.CertFile != "" || t.KeyFile != "" || t.APIKey != ""
}

// TLSConfig builds the client's TLS configuration, or nil for plain gRPC. It
// reads the CA file and the client certificate now, so that a missing or
// broken file stops the start-up, and reads the certificate again on a
// handshake after its files changed.
func (t TemporalConn) TLSConfig() (*tls.Config, error) {
	if !t.UsesTLS() {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("GRANTFLOW_TEMPORAL_TLS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("GRANTFLOW_TEMPORAL_TLS_CA_FILE: %s holds no PEM certificate", t.CAFile)
		}
		conf.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("GRANTFLOW_TEMPORAL_TLS_CERT_FILE and GRANTFLOW_TEMPORAL_TLS_KEY_FILE go together: set both (mutual TLS) or neither")
	}
	if t.CertFile != "" {
		kp := &keyPair{cert: t.CertFile, key: t.KeyFile}
		if _, err := kp.get(); err != nil {
			return nil, fmt.Errorf("GRANTFLOW_TEMPORAL_TLS_CERT_FILE/KEY_FILE: %w", err)
		}
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return kp.get() }
	}
	return conf, nil
}

// keyPair is a client certificate read from files, read again when either
// file's modification time changes. If a changed file cannot be read (a
// renewal half written), the certificate read before is kept.
type keyPair struct {
	cert, key string
	mu        sync.Mutex
	loaded    *tls.Certificate
	stamp     [2]time.Time
}

func (k *keyPair) get() (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var stamp [2]time.Time
	for i, f := range []string{k.cert, k.key} {
		fi, err := os.Stat(f)
		if err != nil {
			if k.loaded != nil {
				return k.loaded, nil
			}
			return nil, err
		}
		stamp[i] = fi.ModTime()
	}
	if k.loaded != nil && stamp == k.stamp {
		return k.loaded, nil
	}
	c, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		if k.loaded != nil {
			return k.loaded, nil
		}
		return nil, err
	}
	k.loaded, k.stamp = &c, stamp
	return k.loaded, nil
}

func (t TemporalConn) validate() []error {
	var errs []error
	if _, err := t.TLSConfig(); err != nil {
		errs = append(errs, err)
	}
	if strings.ContainsFunc(t.APIKey, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		errs = append(errs, errors.New("GRANTFLOW_TEMPORAL_API_KEY must not contain spaces or line breaks (check how the secret was pasted)"))
	}
	if t.UIOrigin != "" {
		if u, err := url.Parse(t.UIOrigin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			errs = append(errs, errors.New("GRANTFLOW_TEMPORAL_UI_ORIGIN must be the Temporal Web UI's origin, scheme://host[:port] without a path, e.g. https://temporal.example.gov.cn"))
		}
	}
	return errs
}

// Origin is UIOrigin without a trailing slash, as browsers send it.
func (t TemporalConn) Origin() string { return strings.TrimSuffix(t.UIOrigin, "/") }

func (t TemporalConn) env() []string {
	return []string{
		fmt.Sprintf("GRANTFLOW_TEMPORAL_TLS=%t", t.TLS),
		"GRANTFLOW_TEMPORAL_TLS_CA_FILE=" + t.CAFile,
		"GRANTFLOW_TEMPORAL_TLS_SERVER_NAME=" + t.ServerName,
		"GRANTFLOW_TEMPORAL_TLS_CERT_FILE=" + t.CertFile,
		"GRANTFLOW_TEMPORAL_TLS_KEY_FILE=" + t.KeyFile,
		"GRANTFLOW_TEMPORAL_API_KEY=" + t.APIKey,
		"GRANTFLOW_TEMPORAL_UI_ORIGIN=" + t.UIOrigin,
	}
}

// LogValue shows how Temporal is reached, never the API key.
func (t TemporalConn) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("tls", t.UsesTLS()),
		slog.String("tls_ca_file", t.CAFile),
		slog.String("tls_server_name", t.ServerName),
		slog.String("tls_cert_file", t.CertFile),
		slog.String("tls_key_file", t.KeyFile),
		slog.String("api_key", mask(t.APIKey)),
		slog.String("ui_origin", t.UIOrigin),
	)
}
