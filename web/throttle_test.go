package web

import (
	"testing"
	"time"
)

func TestFailureThrottle(t *testing.T) {
	th := newFailureThrottle(3, 10*time.Minute)
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if b, _ := th.blocked("203.0.113.9", now); b {
			t.Fatalf("blocked after %d failures", i)
		}
		th.fail("203.0.113.9", now)
	}
	if b, until := th.blocked("203.0.113.9", now.Add(time.Minute)); !b || !until.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("not blocked after 3 failures: %v %v", b, until)
	}
	if b, _ := th.blocked("203.0.113.10", now); b {
		t.Fatal("another address is blocked")
	}
	if b, _ := th.blocked("203.0.113.9", now.Add(11*time.Minute)); b {
		t.Fatal("still blocked after the window")
	}
	th.fail("203.0.113.9", now.Add(11*time.Minute)) // a new window, one failure
	if b, _ := th.blocked("203.0.113.9", now.Add(12*time.Minute)); b {
		t.Fatal("the old failures counted in the new window")
	}
}
