package store_test

import (
	"fmt"
	"testing"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestListAudit: the audit log newest first, by action prefix, object and
// actor, paged backwards by sequence number, with its limits.
func TestListAudit(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ann := domain.Actor{UserID: 11, Name: "安"}
	bo := domain.Actor{UserID: 12, Name: "博"}
	for _, a := range []store.Audit{
		{By: ann, Action: "call.create", ObjectType: "call", ObjectID: "c1"},           // 1
		{By: bo, Action: "call.stage", ObjectType: "call", ObjectID: "c1"},             // 2
		{By: ann, Action: "calls.export", ObjectType: "report", ObjectID: "r1"},        // 3: "call." is not its prefix
		{By: bo, Action: "bid.submit", ObjectType: "call", ObjectID: "c2"},             // 4
		{By: domain.System, Action: "call.notice", ObjectType: "call", ObjectID: "c2"}, // 5
		{By: ann, Action: "login.failed", Summary: "中文摘要 100%"},                        // 6
	} {
		must(t, s.Record(ctx, a))
	}
	seq := func(e domain.AuditEntry) int64 { return e.Seq }
	for _, c := range []struct {
		name string
		f    store.AuditFilter
		want []int64
	}{
		{"all, newest first", store.AuditFilter{}, []int64{6, 5, 4, 3, 2, 1}},
		{"action prefix", store.AuditFilter{Action: "call."}, []int64{5, 2, 1}},
		{"whole action", store.AuditFilter{Action: "bid.submit"}, []int64{4}},
		{"object type", store.AuditFilter{ObjectType: "call"}, []int64{5, 4, 2, 1}},
		{"object", store.AuditFilter{ObjectType: "call", ObjectID: "c2"}, []int64{5, 4}},
		{"actor", store.AuditFilter{ActorID: ann.UserID}, []int64{6, 3, 1}},
		{"actor and action", store.AuditFilter{ActorID: bo.UserID, Action: "call."}, []int64{2}},
		{"first page of 4", store.AuditFilter{Limit: 4}, []int64{6, 5, 4, 3}},
		{"before 3", store.AuditFilter{Limit: 4, BeforeSeq: 3}, []int64{2, 1}},
		{"before 1: past the end", store.AuditFilter{BeforeSeq: 1}, nil},
		{"before, with a filter", store.AuditFilter{ObjectType: "call", BeforeSeq: 5, Limit: 1}, []int64{4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, c.f)
			must(t, err)
			wantKeys(t, "entries", keys(got, seq), c.want)
		})
	}
	got, _ := s.ListAudit(ctx, store.AuditFilter{Action: "login."})
	if len(got) != 1 || got[0].Summary != "中文摘要 100%" || got[0].ActorName != "安" {
		t.Errorf("entry: %+v", got)
	}
	got, _ = s.ListAudit(ctx, store.AuditFilter{Action: "call.notice"})
	if len(got) != 1 || got[0].ActorName != domain.System.Name || got[0].ActorID != 0 {
		t.Errorf("system entry: %+v", got)
	}
}

// TestAuditLimitsAndConcurrentAppends: entries written at once by many
// goroutines form one chain (the head row is locked): sequence numbers
// 1…n without gaps or repeats, and VerifyAudit finds it whole. The list's
// limit defaults to 50 and is at most 500.
func TestAuditLimitsAndConcurrentAppends(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	const writers, each = 6, 10
	errs := race(writers, func(w int) error {
		for i := 0; i < each; i++ {
			if err := s.Record(ctx, store.Audit{By: domain.Actor{UserID: int64(w + 1), Name: "写入者"}, Action: "test.append",
				ObjectID: fmt.Sprintf("%d-%d", w, i)}); err != nil {
				return err
			}
		}
		return nil
	})
	mustAll(t, errs)
	problem, n, err := s.VerifyAudit(ctx)
	must(t, err)
	if problem != nil || n != writers*each {
		t.Fatalf("chain after concurrent appends: %+v, %d entries checked, want none and %d", problem, n, writers*each)
	}
	all, err := s.ListAudit(ctx, store.AuditFilter{Limit: 500})
	must(t, err)
	objects := map[string]bool{}
	for i, e := range all {
		if e.Seq != int64(writers*each-i) {
			t.Fatalf("entry %d has seq %d, want %d", i, e.Seq, writers*each-i)
		}
		objects[e.ObjectID] = true
	}
	if len(all) != writers*each || len(objects) != writers*each {
		t.Errorf("%d entries for %d objects, want %d of each", len(all), len(objects), writers*each)
	}
	for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {10, 10}, {500, 60}, {501, 50}} {
		got, err := s.ListAudit(ctx, store.AuditFilter{Limit: c.limit})
		must(t, err)
		if len(got) != c.want {
			t.Errorf("limit %d: %d entries, want %d", c.limit, len(got), c.want)
		}
	}
	// the check can fail: an altered entry is found
	exec(t, s, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`)
	exec(t, s, `UPDATE audit_log SET object_id = 'altered' WHERE seq = 17`)
	if problem, _, err := s.VerifyAudit(ctx); err != nil || problem == nil || problem.Seq != 17 {
		t.Errorf("an altered entry 17: %+v %v", problem, err)
	}
}
