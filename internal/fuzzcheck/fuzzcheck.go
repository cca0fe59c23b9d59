// Package fuzzcheck holds the properties every fuzz target of outside input
// asserts: reading one input allocates under a stated bound, and a refusal
// is a domain error whose message (and every field message) is Chinese.
// Only tests import it.
package fuzzcheck

import (
	"runtime"
	"testing"
	"unicode"

	"grantflow/internal/domain"
)

// Bounded runs f and fails t when f allocated more than limit bytes in all
// (runtime.MemStats.TotalAlloc: what a reader pays, freed or not).
func Bounded(t testing.TB, limit uint64, f func()) {
	t.Helper()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	if n := b.TotalAlloc - a.TotalAlloc; n > limit {
		t.Fatalf("one input allocated %d KB, the bound is %d KB", n>>10, limit>>10)
	}
}

// DomainError fails t unless err is a domain error of one of codes
// (CodeInvalid when none is given) whose message and field messages say
// something in Chinese.
func DomainError(t testing.TB, err error, codes ...domain.Code) {
	t.Helper()
	if len(codes) == 0 {
		codes = []domain.Code{domain.CodeInvalid}
	}
	code, ok := domain.ErrorCode(err), false
	for _, c := range codes {
		ok = ok || c == code
	}
	if !ok {
		t.Fatalf("error %v: code %q, want one of %q", err, code, codes)
	}
	Chinese(t, domain.ErrorMessage(err))
	for field, m := range domain.FieldsOf(err) {
		Chinese(t, field+": "+m)
	}
}

// Chinese fails t unless s has a Han character (a message users read).
func Chinese(t testing.TB, s string) {
	t.Helper()
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return
		}
	}
	t.Fatalf("message %q is not Chinese", s)
}
