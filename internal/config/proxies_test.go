package config

import (
	"strings"
	"testing"
	"time"
)

func TestTrustedProxiesAndTokenTTL(t *testing.T) {
	c := Config{TrustedProxies: " 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,"}
	got, err := c.TrustedProxyPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if strings.Join(s, " ") != "10.0.0.0/8 192.0.2.7/32 2001:db8::/32" {
		t.Fatalf("prefixes: %v", s)
	}
	if none, err := (Config{}).TrustedProxyPrefixes(); err != nil || len(none) != 0 {
		t.Fatalf("the default trusts %v (%v)", none, err)
	}
	if _, err := (Config{TrustedProxies: "proxy.internal"}).TrustedProxyPrefixes(); err == nil {
		t.Fatal("a host name was accepted as a proxy")
	}
	d, err := FromMap(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if d.APITokenTTL != 90*24*time.Hour || d.TrustedProxies != "" {
		t.Fatalf("defaults: ttl %v proxies %q", d.APITokenTTL, d.TrustedProxies)
	}
	d.APITokenTTL = 0
	d.TrustedProxies = "nonsense"
	err = d.Validate()
	if err == nil || !strings.Contains(err.Error(), "GRANTFLOW_API_TOKEN_TTL") || !strings.Contains(err.Error(), "GRANTFLOW_TRUSTED_PROXIES") {
		t.Fatalf("validate: %v", err)
	}
}
