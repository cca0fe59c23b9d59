package activities

import "testing"

// The sweep looks only at what a request uploads before its update: never
// at documents the workflows write (notices, records, archives) nor at
// registration certificates or session evidence.
func TestSweptKeys(t *testing.T) {
	for key, want := range map[string]bool{
		"calls/c1/bids/b1/price.a1b2.sealed":           true,
		"calls/c1/attachments/a1":                      true,
		"calls/c1/objections/o1/证明.pdf":                true,
		"projects/p1/vouchers/1-v1":                    true,
		"projects/p1/evaluations/midterm-1":            true,
		"calls/c1/notice/r001-ZJ2026-000001.pdf":       false,
		"calls/c1/opening.pdf":                         false,
		"calls/c1/bids/b1":                             false,
		"calls/c1/attachments/a1/extra":                false,
		"projects/p1/evidence/e1":                      false,
		"organisations/1/certificate":                  false,
		"projects/p1/archive/manifest.json":            false,
		"imports/elderly/00000000-0000-0000-0000-0001": false,
	} {
		if got := swept(key); got != want {
			t.Errorf("swept(%q) = %v, want %v", key, got, want)
		}
	}
}
