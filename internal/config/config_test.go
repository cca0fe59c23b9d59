package config

import (
	"strings"
	"testing"
)

func TestValidateNamesEveryProblem(t *testing.T) {
	c, err := FromMap(map[string]string{"GRANTFLOW_S3_ENDPOINT": "https://s3.example"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"GRANTFLOW_DATABASE_URL", "GRANTFLOW_S3_ENDPOINT", "GRANTFLOW_S3_ACCESS_KEY", "GRANTFLOW_PII_KEYS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestDefaultsAndRoundTrip(t *testing.T) {
	c, err := FromMap(map[string]string{
		"GRANTFLOW_DATABASE_URL":     "postgres://gf:hunter2@db:5432/grantflow",
		"GRANTFLOW_S3_ENDPOINT":      "minio:9000",
		"GRANTFLOW_S3_ACCESS_KEY":    "ak",
		"GRANTFLOW_S3_SECRET_KEY":    "sk-secret",
		"GRANTFLOW_WEB_URL":          "https://grants.example.gov.cn",
		"GRANTFLOW_LOG_LEVEL":        "debug",
		"GRANTFLOW_SHUTDOWN_TIMEOUT": "5s",
		"GRANTFLOW_PII_KEYS":         "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.TemporalNamespace != "grantflow" || c.S3Bucket != "grantflow" || !c.SecureCookies() {
		t.Fatalf("defaults wrong: %+v", c)
	}
	vars := map[string]string{}
	for _, kv := range c.Env() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	c2, err := FromMap(vars)
	if err != nil {
		t.Fatal(err)
	}
	if c2 != c {
		t.Fatalf("Env() does not round-trip:\n%+v\n%+v", c, c2)
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	c := Config{DatabaseURL: "postgres://gf:hunter2@db:5432/grantflow", S3SecretKey: "sk-secret",
		PIIKeys: "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
	s := c.LogValue().String()
	if strings.Contains(s, "hunter2") || strings.Contains(s, "sk-secret") || strings.Contains(s, "AAECAwQF") || !strings.Contains(s, "k1:") {
		t.Fatalf("secret in log value: %s", s)
	}
}

func TestOCDSSettings(t *testing.T) {
	base := map[string]string{"GRANTFLOW_DATABASE_URL": "postgres://gf:pw@db:5432/grantflow", "GRANTFLOW_S3_ENDPOINT": "minio:9000",
		"GRANTFLOW_S3_ACCESS_KEY": "ak", "GRANTFLOW_S3_SECRET_KEY": "sk", "GRANTFLOW_WEB_URL": "https://grants.example.gov.cn/",
		"GRANTFLOW_PII_KEYS": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
	c, err := FromMap(base)
	if err != nil || c.Validate() != nil {
		t.Fatal(err, c.Validate())
	}
	// Defaults: the placeholder prefix, CC BY 4.0, the portal's policy.
	if o := c.OCDS(); o.Prefix != "ocds-gfcn01" || o.License != "https://creativecommons.org/licenses/by/4.0/" ||
		o.PublicationPolicy != "https://grants.example.gov.cn/public#open-data" || o.BaseURL != "https://grants.example.gov.cn/" {
		t.Fatalf("OCDS defaults: %+v", o)
	}
	base["GRANTFLOW_OCDS_PREFIX"], base["GRANTFLOW_OCDS_PUBLICATION_POLICY"] = "ocds-a1b2c3", "https://mzj.example.gov.cn/open-data-policy"
	if c, _ = FromMap(base); c.Validate() != nil || c.OCDS().Prefix != "ocds-a1b2c3" || c.OCDS().PublicationPolicy != "https://mzj.example.gov.cn/open-data-policy" {
		t.Fatalf("OCDS settings: %+v %v", c.OCDS(), c.Validate())
	}
	for k, v := range map[string]string{"GRANTFLOW_OCDS_PREFIX": "gfcn01", "GRANTFLOW_OCDS_LICENSE": "/license",
		"GRANTFLOW_OCDS_PUBLICATION_POLICY": "policy.html"} {
		bad := map[string]string{}
		for k2, v2 := range base {
			bad[k2] = v2
		}
		bad[k] = v
		c, _ := FromMap(bad)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
