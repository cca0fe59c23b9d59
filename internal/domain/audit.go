package domain

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// Actor is who does something: a signed-in person (with where they came
// from), or the system itself (UserID 0).
type Actor struct {
	UserID   int64
	Name     string
	Roles    []Role
	District string
	OrgID    int64
	AreaCode string
	IP       string
}

// System is the actor of what GrantFlow does by itself (rendering notices,
// timers, seeding).
var System = Actor{Name: "系统"}

// User is the actor as a user, for authorization.
func (a Actor) User() User {
	return User{ID: a.UserID, DisplayName: a.Name, Roles: a.Roles, District: a.District, OrgID: a.OrgID, AreaCode: a.AreaCode}
}

// ActorOf makes the actor of a signed-in user acting from ip.
func ActorOf(u User, ip string) Actor {
	return Actor{UserID: u.ID, Name: u.DisplayName, Roles: u.Roles, District: u.District, OrgID: u.OrgID, AreaCode: u.AreaCode, IP: ip}
}

// AuditEntry is one entry of the append-only, hash-chained audit log: who did
// what to which object, when, from where, a summary of the change, and the
// hash of the entry before it.
type AuditEntry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	IP         string    `json:"ip"`
	Summary    string    `json:"summary"`
	PrevHash   []byte    `json:"prev_hash"`
	Hash       []byte    `json:"hash"`
}

// AuditGenesis is the "previous hash" of the first entry.
var AuditGenesis = make([]byte, sha256.Size)

// ComputeHash is SHA-256 over the previous entry's hash and every field of
// this entry, each length-prefixed so no two entries encode alike. Times
// count in microseconds, the precision PostgreSQL keeps.
func (e AuditEntry) ComputeHash(prev []byte) []byte {
	h := sha256.New()
	write := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	write(string(prev))
	write(strconv.FormatInt(e.Seq, 10))
	write(strconv.FormatInt(e.At.UnixMicro(), 10))
	write(strconv.FormatInt(e.ActorID, 10))
	write(e.ActorName)
	write(e.Action)
	write(e.ObjectType)
	write(e.ObjectID)
	write(e.IP)
	write(e.Summary)
	return h.Sum(nil)
}
