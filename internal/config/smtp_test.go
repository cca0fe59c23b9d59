package config

import (
	"strings"
	"testing"
)

func TestSMTPSettings(t *testing.T) {
	base := map[string]string{"GRANTFLOW_DATABASE_URL": "postgres://gf:pw@db:5432/grantflow", "GRANTFLOW_S3_ENDPOINT": "minio:9000",
		"GRANTFLOW_S3_ACCESS_KEY": "ak", "GRANTFLOW_S3_SECRET_KEY": "sk",
		"GRANTFLOW_PII_KEYS": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := FromMap(base)
	if err != nil || c.Validate() != nil || c.SMTP.Enabled() {
		t.Fatalf("no SMTP host must mean email off and valid: %v %v", err, c.Validate())
	}
	if c.SMTP.Port != 587 || c.SMTP.TLS != SMTPStartTLS {
		t.Fatalf("defaults: %+v", c.SMTP)
	}
	good := []string{"GRANTFLOW_SMTP_HOST", "smtp.example.org", "GRANTFLOW_SMTP_FROM", "GrantFlow 公益创投 <noreply@example.org>",
		"GRANTFLOW_SMTP_USERNAME", "noreply", "GRANTFLOW_SMTP_PASSWORD", "hunter2"}
	for _, tc := range []struct {
		vars []string
		want string // "" valid, else part of the error
	}{
		{good, ""},
		{append(good, "GRANTFLOW_SMTP_TLS", "tls", "GRANTFLOW_SMTP_PORT", "465"), ""},
		{append(good, "GRANTFLOW_SMTP_TLS", "none"), "GRANTFLOW_SMTP_TLS=none is only allowed"},
		{append(good, "GRANTFLOW_SMTP_TLS", "none", "GRANTFLOW_SMTP_HOST", "127.0.0.1"), ""},
		{append(good, "GRANTFLOW_SMTP_TLS", "none", "GRANTFLOW_SMTP_HOST", "::1"), ""},
		{append(good, "GRANTFLOW_SMTP_TLS", "none", "GRANTFLOW_SMTP_HOST", "localhost"), ""},
		{append(good, "GRANTFLOW_SMTP_TLS", "ssl"), "GRANTFLOW_SMTP_TLS must be"},
		{append(good, "GRANTFLOW_SMTP_HOST", "smtp.example.org:25"), "GRANTFLOW_SMTP_HOST must be"},
		{append(good, "GRANTFLOW_SMTP_PORT", "0"), "GRANTFLOW_SMTP_PORT"},
		{append(good, "GRANTFLOW_SMTP_FROM", "noreply"), "GRANTFLOW_SMTP_FROM"},
		{append(good, "GRANTFLOW_SMTP_FROM", ""), "GRANTFLOW_SMTP_FROM"},
		{append(good, "GRANTFLOW_SMTP_PASSWORD", ""), "go together"},
		{append(good, "GRANTFLOW_SMTP_INBOX_URL", "127.0.0.1:8025"), "GRANTFLOW_SMTP_INBOX_URL"},
	} {
		c, err := FromMap(with(tc.vars...))
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.vars, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: want an error with %q, got %v", tc.vars, tc.want, err)
		}
	}
	c, _ = FromMap(with(good...))
	if s := c.LogValue().String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "smtp.example.org") {
		t.Fatalf("log value: %s", s)
	}
}
