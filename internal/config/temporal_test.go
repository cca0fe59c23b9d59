package config

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func validBase(t *testing.T, extra map[string]string) (Config, error) {
	t.Helper()
	vars := map[string]string{
		"GRANTFLOW_DATABASE_URL":  "postgres://gf@db:5432/grantflow",
		"GRANTFLOW_S3_ENDPOINT":   "minio:9000",
		"GRANTFLOW_S3_ACCESS_KEY": "ak",
		"GRANTFLOW_S3_SECRET_KEY": "sk",
		"GRANTFLOW_PII_KEYS":      "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	}
	for k, v := range extra {
		vars[k] = v
	}
	c, err := FromMap(vars)
	if err != nil {
		t.Fatal(err)
	}
	return c, c.Validate()
}

func TestTemporalConnectionSettingsAreCheckedAtStart(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"cert without key":          {map[string]string{"GRANTFLOW_TEMPORAL_TLS_CERT_FILE": junk}, "go together"},
		"key without cert":          {map[string]string{"GRANTFLOW_TEMPORAL_TLS_KEY_FILE": junk}, "go together"},
		"missing CA file":           {map[string]string{"GRANTFLOW_TEMPORAL_TLS_CA_FILE": missing}, "GRANTFLOW_TEMPORAL_TLS_CA_FILE"},
		"CA file not PEM":           {map[string]string{"GRANTFLOW_TEMPORAL_TLS_CA_FILE": junk}, "no PEM certificate"},
		"missing cert file":         {map[string]string{"GRANTFLOW_TEMPORAL_TLS_CERT_FILE": missing, "GRANTFLOW_TEMPORAL_TLS_KEY_FILE": missing}, "GRANTFLOW_TEMPORAL_TLS_CERT_FILE"},
		"broken key pair":           {map[string]string{"GRANTFLOW_TEMPORAL_TLS_CERT_FILE": junk, "GRANTFLOW_TEMPORAL_TLS_KEY_FILE": junk}, "GRANTFLOW_TEMPORAL_TLS_CERT_FILE"},
		"API key with a line break": {map[string]string{"GRANTFLOW_TEMPORAL_API_KEY": "abc\n"}, "GRANTFLOW_TEMPORAL_API_KEY"},
		"UI origin with a path":     {map[string]string{"GRANTFLOW_TEMPORAL_UI_ORIGIN": "https://ui.example/namespaces"}, "GRANTFLOW_TEMPORAL_UI_ORIGIN"},
		"UI origin without scheme":  {map[string]string{"GRANTFLOW_TEMPORAL_UI_ORIGIN": "ui.example:8233"}, "GRANTFLOW_TEMPORAL_UI_ORIGIN"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := validBase(t, tc.vars)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %q, got %v", tc.want, err)
			}
		})
	}
	c, err := validBase(t, map[string]string{"GRANTFLOW_TEMPORAL_API_KEY": "secret-api-key", "GRANTFLOW_TEMPORAL_UI_ORIGIN": "http://127.0.0.1:58233"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Temporal.UsesTLS() {
		t.Fatal("an API key must travel over TLS")
	}
	if c2, err := validBase(t, nil); err != nil || c2.Temporal.UsesTLS() {
		t.Fatalf("default: plain gRPC, got TLS=%v %v", c2.Temporal.UsesTLS(), err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("starting", "config", c)
	if strings.Contains(buf.String(), "secret-api-key") || !strings.Contains(buf.String(), `"api_key":"******"`) || !strings.Contains(buf.String(), `"tls":true`) {
		t.Fatalf("log: %s", buf.String())
	}
}
