package domain

import (
	"bytes"
	"testing"
	"time"
)

func TestAuditHashCoversEveryField(t *testing.T) {
	base := AuditEntry{Seq: 7, At: time.Date(2026, 11, 28, 10, 0, 0, 123456000, time.UTC), ActorID: 3,
		ActorName: "李静", Action: "call.create", ObjectType: "call", ObjectID: "abc", IP: "10.0.0.1", Summary: `{"title":"x"}`}
	prev := bytes.Repeat([]byte{1}, 32)
	h := base.ComputeHash(prev)
	if !bytes.Equal(h, base.ComputeHash(prev)) {
		t.Fatal("hash not stable")
	}
	same := base
	same.At = same.At.Add(400 * time.Nanosecond) // below microseconds: PostgreSQL drops it
	if !bytes.Equal(h, same.ComputeHash(prev)) {
		t.Fatal("sub-microsecond time changes the hash")
	}
	mutations := map[string]func(*AuditEntry){
		"seq":     func(e *AuditEntry) { e.Seq++ },
		"at":      func(e *AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor":   func(e *AuditEntry) { e.ActorID++ },
		"name":    func(e *AuditEntry) { e.ActorName = "李" },
		"action":  func(e *AuditEntry) { e.Action = "call.cancel" },
		"type":    func(e *AuditEntry) { e.ObjectType = "bid" },
		"object":  func(e *AuditEntry) { e.ObjectID = "abd" },
		"ip":      func(e *AuditEntry) { e.IP = "10.0.0.2" },
		"summary": func(e *AuditEntry) { e.Summary = `{"title":"y"}` },
		// moving a boundary between fields must not give the same encoding
		"boundary": func(e *AuditEntry) { e.ActorName, e.Action = "李静call.create", "" },
	}
	for name, m := range mutations {
		e := base
		m(&e)
		if bytes.Equal(h, e.ComputeHash(prev)) {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
	if bytes.Equal(h, base.ComputeHash(AuditGenesis)) {
		t.Error("the previous hash is not covered")
	}
}
