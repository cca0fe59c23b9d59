package web

import (
	"net/netip"
	"testing"
)

// TestSafeNext: only a path on this site survives; every known way of
// writing another host (as a browser or a proxy would read it) becomes "/".
func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/calls/12?tab=bids#panel", "/calls/12?tab=bids#panel"},
		{"/calls?q=%E5%AE%B6%E6%94%BF", "/calls?q=%E5%AE%B6%E6%94%BF"},
		{"/", "/"},
		{"", "/"},
		// the reported bypass: browsers drop the tab, leaving //evil.example
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\\/evil.example", "/"},
		{"\\/evil.example", "/"},
		{"/%5C/evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"https://evil.example", "/"},
		{"HTTPS://evil.example/", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"data:text/html,<script>", "/"},
		{"evil.example", "/"},
		{"@evil.example", "/"},
		{"/\u3000/evil.example", "/"},
		{"/\u2028/evil.example", "/"},
		{"/\uff0f\uff0fevil.example", "/"},
		{"/" + string(make([]byte, 3000)), "/"},
	} {
		if got := safeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// TestClientAddress: forwarded headers count only from a configured proxy,
// and then only the right-most address that is not a proxy.
func TestClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy configured: the header is ignored", "203.0.113.5:4711", []string{"198.51.100.1"}, nil, "203.0.113.5"},
		{"a stranger's header is ignored", "203.0.113.5:4711", []string{"10.1.1.1, 198.51.100.1"}, proxies, "203.0.113.5"},
		{"a proxy's header is believed", "10.0.0.2:80", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"the right-most untrusted hop, not the forged left part", "10.0.0.2:80", []string{"1.2.3.4, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"through two proxies", "10.0.0.2:80", []string{"1.2.3.4, 198.51.100.1, 192.0.2.7"}, proxies, "198.51.100.1"},
		{"several header lines", "10.0.0.2:80", []string{"1.2.3.4", "198.51.100.1"}, proxies, "198.51.100.1"},
		{"a proxy without the header", "10.0.0.2:80", nil, proxies, "10.0.0.2"},
		{"a malformed hop stops at the last trusted one", "10.0.0.2:80", []string{"198.51.100.1, garbage"}, proxies, "10.0.0.2"},
		{"IPv6 peer", "[2001:db8::1]:443", []string{"198.51.100.1"}, nil, "2001:db8::1"},
		{"IPv4-mapped IPv6 proxy", "[::ffff:10.0.0.2]:80", []string{"198.51.100.9"}, proxies, "198.51.100.9"},
		{"only proxies in the chain", "10.0.0.2:80", []string{"10.0.0.3"}, proxies, "10.0.0.3"},
	} {
		if got := clientAddress(tc.remote, tc.xff, tc.trusted); got != tc.want {
			t.Errorf("%s: clientAddress(%q, %q) = %q, want %q", tc.name, tc.remote, tc.xff, got, tc.want)
		}
	}
}

// TestLimitKey: the limits count an IPv6 client by its /64, so a fresh
// address from the same network is no fresh start.
func TestLimitKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.5":           "203.0.113.5",
		"::ffff:203.0.113.5":    "203.0.113.5",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":  "2001:db8:1:2::/64",
		"not an address (kept)": "not an address (kept)",
	} {
		if got := limitKey(in); got != want {
			t.Errorf("limitKey(%q) = %q, want %q", in, got, want)
		}
	}
	if signInLimitsFor("2001:db8:1:2::7", " HeXi ").pair != signInLimitsFor("2001:db8:1:2::8", "hexi").pair {
		t.Error("one /64 and one username (any case) are two counters")
	}
}
