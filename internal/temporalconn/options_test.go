package temporalconn_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"grantflow/internal/config"
	"grantflow/internal/temporalconn"
)

// pki is a throwaway CA with a server certificate for temporal.test and a
// client certificate, written as PEM files.
type pki struct {
	dir                        string
	caFile, serverCert, srvKey string
	clientCert, clientKey      string
	pool                       *x509.CertPool
	server                     tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "grantflow test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	p := &pki{dir: dir, caFile: write("ca.pem", "CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	leaf := func(serial int64, name string, usage x509.ExtKeyUsage) (certFile, keyFile string) {
		k := key()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalPKCS8PrivateKey(k)
		return write(name+".pem", "CERTIFICATE", der), write(name+"-key.pem", "PRIVATE KEY", kder)
	}
	p.serverCert, p.srvKey = leaf(2, "temporal.test", x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf(3, "grantflow-worker", x509.ExtKeyUsageClientAuth)
	if p.server, err = tls.LoadX509KeyPair(p.serverCert, p.srvKey); err != nil {
		t.Fatal(err)
	}
	return p
}

// frontend is a gRPC server speaking TLS that answers what a Temporal
// client asks when it connects (system info, health) and records the
// authorization header and client certificate it saw.
type frontend struct {
	workflowservice.UnimplementedWorkflowServiceServer
	mu       sync.Mutex
	authz    []string
	clientCN string
	addr     string
}

func (f *frontend) GetSystemInfo(ctx context.Context, _ *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.authz = append(f.authz, md.Get("authorization")...)
	f.mu.Unlock()
	return &workflowservice.GetSystemInfoResponse{}, nil
}

func startFrontend(t *testing.T, p *pki, requireClientCert bool) *frontend {
	t.Helper()
	f := &frontend{}
	conf := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12}
	if requireClientCert {
		conf.ClientAuth, conf.ClientCAs = tls.RequireAndVerifyClientCert, p.pool
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				f.mu.Lock()
				f.clientCN = cs.PeerCertificates[0].Subject.CommonName
				f.mu.Unlock()
			}
			return nil
		}
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(conf)))
	workflowservice.RegisterWorkflowServiceServer(srv, f)
	hs := health.NewServer()
	hs.SetServingStatus("temporal.api.workflowservice.v1.WorkflowService", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	f.addr = l.Addr().String()
	return f
}

func cfgFor(t *testing.T, f *frontend, conn config.TemporalConn) config.Config {
	t.Helper()
	return config.Config{TemporalAddress: f.addr, TemporalNamespace: "grantflow", Temporal: conn}
}

func dial(t *testing.T, cfg config.Config) error {
	t.Helper()
	o, err := temporalconn.ClientOptions(cfg, ring(t, spec(t, "k1")), nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, o)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// The settings reach a real TLS handshake: the server's CA and name are
// checked, the client certificate is presented for mutual TLS, the API key
// arrives as a bearer token.
func TestClientConnectsWithTLSMutualTLSAndAPIKey(t *testing.T) {
	p := newPKI(t)
	mtls := startFrontend(t, p, true)
	good := config.TemporalConn{CAFile: p.caFile, ServerName: "temporal.test", CertFile: p.clientCert, KeyFile: p.clientKey, APIKey: "gf-test-key"}
	if err := dial(t, cfgFor(t, mtls, good)); err != nil {
		t.Fatalf("mutual TLS with API key: %v", err)
	}
	mtls.mu.Lock()
	cn, authz := mtls.clientCN, mtls.authz
	mtls.mu.Unlock()
	if cn != "grantflow-worker" {
		t.Errorf("server saw client certificate %q", cn)
	}
	if len(authz) == 0 || authz[0] != "Bearer gf-test-key" {
		t.Errorf("server saw authorization %q", authz)
	}

	noCert := good
	noCert.CertFile, noCert.KeyFile = "", ""
	if err := dial(t, cfgFor(t, mtls, noCert)); err == nil {
		t.Error("connected to a mutual-TLS frontend without a client certificate")
	}
	wrongName := good
	wrongName.ServerName = "other.test"
	if err := dial(t, cfgFor(t, mtls, wrongName)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a certificate for another name was accepted: %v", err)
	}
	// without the CA, the system's CAs do not trust the test CA
	noCA := good
	noCA.CAFile = ""
	if err := dial(t, cfgFor(t, mtls, noCA)); err == nil {
		t.Error("a certificate from an unknown CA was accepted")
	}
	// plain gRPC to a TLS frontend fails: TLS is really off by default
	if err := dial(t, cfgFor(t, mtls, config.TemporalConn{})); err == nil {
		t.Error("plain gRPC connected to a TLS frontend")
	}

	// server-only TLS, the API key alone turning TLS on (system roots
	// would refuse the test CA, so the CA is given)
	tlsOnly := startFrontend(t, p, false)
	if err := dial(t, cfgFor(t, tlsOnly, config.TemporalConn{CAFile: p.caFile, ServerName: "temporal.test", APIKey: "k"})); err != nil {
		t.Fatalf("TLS with API key: %v", err)
	}
}

func TestClientOptionsCarryTheCodec(t *testing.T) {
	o, err := temporalconn.ClientOptions(config.Config{TemporalAddress: "127.0.0.1:7233", TemporalNamespace: "grantflow"}, ring(t, spec(t, "k1")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.ConnectionOptions.TLS != nil || o.Credentials != nil {
		t.Fatalf("TLS or credentials without settings: %+v", o.ConnectionOptions)
	}
	p, err := o.DataConverter.ToPayload(secret)
	if err != nil || strings.Contains(string(p.Data), secret.Contact) {
		t.Fatalf("the client's data converter does not seal: %v", err)
	}
	if o.FailureConverter == nil {
		t.Fatal("no failure converter")
	}
	if _, err := temporalconn.ClientOptions(config.Config{}, nil, nil); err == nil {
		t.Fatal("options without a keyring")
	}
}
