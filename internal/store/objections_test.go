package store_test

import (
	"fmt"
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// publicityCall is call uuidN(1) under publicity, its objection window open.
func publicityCall(t *testing.T, s *store.Store) string {
	t.Helper()
	id := biddingCall(t, s, time.Now().Add(time.Hour))
	exec(t, s, `UPDATE calls SET stage = 'publicity', objection_until = now() + interval '5 days' WHERE id = $1`, id)
	return id
}

// TestObjections: a pending objection is not listed until filed; filing
// twice at once files once; the list is in filing order (ties by id); an
// answer is taken once; a filed objection is never deleted as pending, and
// the sweep removes only stale pending ones.
func TestObjections(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	callID := publicityCall(t, s)
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	member := domain.Actor{UserID: ca.UserID, Name: "成员"}
	for i := 1; i <= 3; i++ {
		must(t, s.InsertPendingObjection(ctx, domain.Objection{ID: uuidN(60 + i), CallID: callID, Name: "阳光社工", Reason: fmt.Sprintf("理由%d", i),
			Attachment: fmt.Sprintf("obj/%d", i)}, "k.c"))
	}
	if got, _ := s.Objections(ctx, callID); len(got) != 0 {
		t.Fatalf("pending objections listed: %+v", got)
	}
	filedAt := at(1)
	errs := race(2, func(int) error { return s.FileObjection(ctx, callID, uuidN(62), org, "", filedAt, member) })
	mustAll(t, errs)
	must(t, s.FileObjection(ctx, callID, uuidN(61), org, "", filedAt, member)) // the same moment: by id
	if err := s.FileObjection(ctx, callID, uuidN(69), org, "", filedAt, member); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("filing an objection never written: %v", err)
	}
	got, err := s.Objections(ctx, callID)
	must(t, err)
	wantKeys(t, "filed objections", keys(got, func(o domain.Objection) string { return o.ID }), []string{uuidN(61), uuidN(62)})

	errs = race(2, func(i int) error {
		return s.AnswerObjection(ctx, callID, uuidN(61), i == 0, fmt.Sprintf("答复%d", i), domain.StageScoring, ca)
	})
	mustAll(t, errs)
	got, _ = s.Objections(ctx, callID)
	if got[0].Upheld == nil || got[0].Answer != map[bool]string{true: "答复0", false: "答复1"}[*got[0].Upheld] {
		t.Errorf("answer: upheld %v answer %q", got[0].Upheld, got[0].Answer)
	}
	if key, err := s.DeletePendingObjection(ctx, callID, uuidN(61)); err != nil || key != "" {
		t.Errorf("deleting a filed objection as pending: %q %v", key, err)
	}
	if key, err := s.DeletePendingObjection(ctx, callID, uuidN(63)); err != nil || key != "obj/3" {
		t.Errorf("deleting a pending objection: %q %v", key, err)
	}
	must(t, s.InsertPendingObjection(ctx, domain.Objection{ID: uuidN(64), CallID: callID, Name: "新", Reason: "理由"}, "k.c"))
	exec(t, s, `UPDATE objections SET filed_at = now() - interval '2 days' WHERE NOT filed`)
	exec(t, s, `UPDATE objections SET filed_at = now() - interval '2 days' WHERE id = $1`, uuidN(62)) // filed long ago
	must(t, s.DeleteStalePendingObjections(ctx, time.Now().Add(-24*time.Hour)))
	var left []string
	rows, err := s.Pool().Query(ctx, `SELECT id::text FROM objections ORDER BY id`)
	must(t, err)
	for rows.Next() {
		var id string
		must(t, rows.Scan(&id))
		left = append(left, id)
	}
	wantKeys(t, "objections after the sweep", left, []string{uuidN(61), uuidN(62)})
	var audited int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'objection.file') + 100 * count(*) FILTER (WHERE action = 'objection.answer') FROM audit_log`).Scan(&audited))
	if audited != 102 {
		t.Errorf("audit: %d (hundreds: answers, units: filings), want 102", audited)
	}
}

// TestPublicCommentLimit: comments from one address sent at once are
// counted under the call's lock: exactly the hourly allowance is taken, the
// rest refused; a call not under publicity takes none.
func TestPublicCommentLimit(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	callID := publicityCall(t, s)
	const n = 6
	errs := race(n, func(i int) error {
		return s.InsertPublicComment(ctx, store.PublicComment{ID: uuidN(70 + i), CallID: callID, Name: "市民", Body: "意见"}, "k.c", "client-1", domain.Actor{})
	})
	ok, tooMany := 0, 0
	for _, e := range errs {
		switch {
		case e == nil:
			ok++
		case domain.ErrorCode(e) == domain.CodeTooMany:
			tooMany++
		default:
			t.Errorf("comment: %v", e)
		}
	}
	if ok != domain.PublicCommentsPerAddressHour || tooMany != n-ok {
		t.Errorf("%d comments from one address at once: %d taken, %d refused, want %d taken", n, ok, tooMany, domain.PublicCommentsPerAddressHour)
	}
	must(t, s.InsertPublicComment(ctx, store.PublicComment{ID: uuidN(80), CallID: callID, Name: "另一位", Body: "意见"}, "k.c", "client-2", domain.Actor{}))
	comments, err := s.PublicComments(ctx, callID)
	must(t, err)
	if len(comments) != domain.PublicCommentsPerAddressHour+1 || comments[len(comments)-1].ID != uuidN(80) {
		t.Errorf("comments: %d, last %s", len(comments), comments[len(comments)-1].ID)
	}
	must(t, s.AnswerPublicComment(ctx, callID, uuidN(80), "已答复", domain.Actor{UserID: 1}))
	if err := s.AnswerPublicComment(ctx, callID, uuidN(80), "再答复", domain.Actor{UserID: 1}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("answering twice: %v", err)
	}
	exec(t, s, `UPDATE calls SET objection_until = now() - interval '1 second' WHERE id = $1`, callID)
	if err := s.InsertPublicComment(ctx, store.PublicComment{ID: uuidN(81), CallID: callID, Name: "晚到", Body: "意见"}, "k.c", "client-3", domain.Actor{}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a comment after the window: %v", err)
	}
}

// TestRecusalRequests: one bidder's requests or all, in filing order; an
// upheld decision marks the seat's expert recused, once.
func TestRecusalRequests(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	callID := biddingCall(t, s, time.Now().Add(time.Hour))
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "南开区")
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	e := mkUser(t, s, "e", "", domain.RoleExpert)
	exec(t, s, `INSERT INTO talents (kind, name, level, district, user_id) VALUES ('expert', '张伟', 'city', '市本级', $1)`, e.UserID)
	must(t, s.AddPanelMember(ctx, domain.PanelMember{CallID: callID, TalentID: 1, UserID: e.UserID, Seq: 1, Status: domain.PanelConfirmed}))
	for i, org := range []int64{sun, star, sun} {
		must(t, s.InsertRecusalRequest(ctx, domain.RecusalRequest{ID: uuidN(90 + i), CallID: callID, OrgID: org, Reason: "利害关系"}, ca))
	}
	must(t, s.InsertRecusalRequest(ctx, domain.RecusalRequest{ID: uuidN(90), CallID: callID, OrgID: sun, Reason: "again"}, ca))
	id := func(q domain.RecusalRequest) string { return q.ID }
	all, err := s.RecusalRequests(ctx, callID, 0)
	must(t, err)
	wantKeys(t, "all requests", keys(all, id), []string{uuidN(90), uuidN(91), uuidN(92)})
	mine, _ := s.RecusalRequests(ctx, callID, sun)
	wantKeys(t, "阳光社工's requests", keys(mine, id), []string{uuidN(90), uuidN(92)})

	errs := race(2, func(i int) error { return s.DecideRecusalRequest(ctx, callID, uuidN(90), i == 0, 1, "成立", ca) })
	mustAll(t, errs)
	all, _ = s.RecusalRequests(ctx, callID, sun)
	panel, _ := s.PanelMembers(ctx, callID)
	if all[0].Upheld == nil || (*all[0].Upheld) != (panel[0].Status == domain.PanelRecused) {
		t.Errorf("decision %v, panel seat %s", all[0].Upheld, panel[0].Status)
	}
	var decisions int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'recusal.decide'`).Scan(&decisions))
	if decisions != 1 {
		t.Errorf("%d decisions audited, want 1", decisions)
	}
}
