package web

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// failureThrottle refuses an address after too many failed attempts in a
// window: the phone check-in has no account, so a wrong code, number or
// name is all that stands between a guesser and someone's attendance.
// Successes are not counted — a whole session checks in from the venue's
// one Wi-Fi address.
type failureThrottle struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	entries map[string]*throttleEntry
	swept   time.Time
}

type throttleEntry struct {
	failures int
	until    time.Time
}

func newFailureThrottle(max int, window time.Duration) *failureThrottle {
	return &failureThrottle{max: max, window: window, entries: map[string]*throttleEntry{}}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// blocked reports whether the address has used up its failures, and until when.
func (t *failureThrottle) blocked(addr string, now time.Time) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[addr]
	if e == nil || now.After(e.until) {
		return false, time.Time{}
	}
	return e.failures >= t.max, e.until
}

// fail counts a failed attempt from the address.
func (t *failureThrottle) fail(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.swept) > t.window {
		for k, e := range t.entries {
			if now.After(e.until) {
				delete(t.entries, k)
			}
		}
		t.swept = now
	}
	e := t.entries[addr]
	if e == nil || now.After(e.until) {
		e = &throttleEntry{until: now.Add(t.window)}
		t.entries[addr] = e
	}
	e.failures++
}
