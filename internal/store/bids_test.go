package store_test

import (
	"errors"
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// biddingCall is call uuidN(1) in bidding until deadline.
func biddingCall(t *testing.T, s *store.Store, deadline time.Time) string {
	t.Helper()
	planner := mkUser(t, s, "planner", "", domain.RoleCivilAffairs)
	id := uuidN(1)
	_, err := s.InsertDraftCall(ctx, id, domain.CallDraft{Title: "助老服务征集", Brand: domain.BrandCunCaoXin, District: "河西区", Budget: 10000,
		Plan: domain.Plan{Mode: domain.ModeCompetition}}, planner)
	must(t, err)
	exec(t, s, `UPDATE calls SET stage = 'bidding', published_at = now(), bid_deadline = $2 WHERE id = $1`, id, deadline)
	return id
}

func bid(id, callID string, orgID int64) domain.Bid {
	return domain.Bid{ID: id, CallID: callID, OrgID: orgID, Parts: []domain.SealedPart{{PartDigest: domain.PartDigest{Part: "technical", Label: "技术方案"}, ObjectKey: "bids/" + id}}}
}

// TestBids: an organisation's bids replace one another, numbered 1, 2, …
// even when sent at once (the call's row is locked), so exactly one stays
// live; receipts list newest first; a withdrawn bid leaves the live list;
// a bid after the deadline is refused; the same bid again is one bid.
func TestBids(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	callID := biddingCall(t, s, time.Now().Add(time.Hour))
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "南开区")
	by := domain.Actor{UserID: 1, Name: "planner"}

	const n = 4
	errs := race(n, func(i int) error {
		_, err := s.InsertBid(ctx, bid(uuidN(10+i), callID, sun), by)
		return err
	})
	mustAll(t, errs)
	receipts, err := s.OrgBids(ctx, callID, sun)
	must(t, err)
	wantKeys(t, "versions, newest first", keys(receipts, func(b domain.Bid) int { return b.Version }), []int{4, 3, 2, 1})
	live := 0
	for _, b := range receipts {
		if b.Status == domain.BidSubmitted {
			live++
		}
	}
	if live != 1 || receipts[0].Status != domain.BidSubmitted || receipts[0].OrgName != "阳光社工" {
		t.Errorf("after %d bids at once: %d live, newest %s", n, live, receipts[0].Status)
	}

	// the same bid sent twice at once (an activity retried while its first
	// attempt still runs) is one bid, replaces nothing, and both attempts
	// are answered with it (the second asks again once it holds the call's
	// lock; before, it was answered "already exists")
	errs = race(2, func(int) error { _, err := s.InsertBid(ctx, bid(uuidN(15), callID, sun), by); return err })
	if oks, _ := count(errs); oks != 2 {
		t.Errorf("the same bid twice at once: %v", errs)
	}
	receipts, _ = s.OrgBids(ctx, callID, sun)
	wantKeys(t, "versions after the same bid twice", keys(receipts, func(b domain.Bid) int { return b.Version }), []int{5, 4, 3, 2, 1})
	again, err := s.InsertBid(ctx, bid(receipts[0].ID, callID, sun), by)
	must(t, err)
	if again.Version != 5 {
		t.Errorf("the same bid again: version %d, want 5", again.Version)
	}
	_, err = s.InsertBid(ctx, bid(uuidN(20), callID, star), by)
	must(t, err)
	liveBids, err := s.LiveBids(ctx, callID)
	must(t, err)
	wantKeys(t, "live bids in order of submission", keys(liveBids, func(b domain.Bid) int64 { return b.OrgID }), []int64{sun, star})
	if c, _ := s.CountLiveBids(ctx, callID); c != 2 {
		t.Errorf("count live %d, want 2", c)
	}

	must(t, s.WithdrawBid(ctx, callID, sun, by))
	liveBids, _ = s.LiveBids(ctx, callID)
	wantKeys(t, "live bids after a withdrawal", keys(liveBids, func(b domain.Bid) int64 { return b.OrgID }), []int64{star})
	if c, _ := s.CountLiveBids(ctx, callID); c != 1 {
		t.Errorf("count live %d, want 1", c)
	}
	if others, _ := s.OrgBids(ctx, callID, star); len(others) != 1 {
		t.Errorf("another organisation's receipts: %d, want 1", len(others))
	}

	exec(t, s, `UPDATE calls SET bid_deadline = now() - interval '1 second' WHERE id = $1`, callID)
	if _, err := s.InsertBid(ctx, bid(uuidN(30), callID, sun), by); !errors.Is(err, store.ErrLate) {
		t.Errorf("a bid after the deadline: %v", err)
	}
	if err := s.WithdrawBid(ctx, callID, star, by); !errors.Is(err, store.ErrLate) {
		t.Errorf("a withdrawal after the deadline: %v", err)
	}
	// The withdrawal retried after the deadline (its first attempt had
	// committed) is done, not refused; the live bid's is still refused.
	must(t, s.WithdrawBid(ctx, callID, sun, by))
	if c, _ := s.CountLiveBids(ctx, callID); c != 1 {
		t.Errorf("count live after the retried withdrawal %d, want 1", c)
	}
	if c, _ := s.CountLiveBids(ctx, callID); c != 1 {
		t.Errorf("count live after the refused bid %d, want 1", c)
	}
}

// TestSameBidTwiceAtOnce: the same bid sent twice at once, many times
// over — each pair is one bid, and both attempts are answered with it.
func TestSameBidTwiceAtOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	callID := biddingCall(t, s, time.Now().Add(time.Hour))
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	by := domain.Actor{UserID: 1, Name: "planner"}
	const pairs = 10
	for i := range pairs {
		errs := race(2, func(int) error { _, err := s.InsertBid(ctx, bid(uuidN(100+i), callID, sun), by); return err })
		if oks, _ := count(errs); oks != 2 {
			t.Errorf("pair %d: %v", i, errs)
		}
	}
	receipts, err := s.OrgBids(ctx, callID, sun)
	must(t, err)
	if len(receipts) != pairs || receipts[0].Version != pairs {
		t.Errorf("%d bids, newest version %d; want %d", len(receipts), receipts[0].Version, pairs)
	}
}

// TestNotices: a notice is recorded once per dedup key, even when added at
// once; NoticesFor finds a user's own, their organisation's and their
// roles' in their district (city staff: every district), newest first,
// ties by id, up to the limit.
func TestNotices(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "南开区")
	member, err := s.UpsertUser(ctx, domain.User{Username: "m", DisplayName: "成员", Roles: []domain.Role{domain.RoleOrgMember}, District: "河西区", OrgID: sun}, "x", domain.System)
	must(t, err)
	hx := mkUser(t, s, "ca_hx", "河西区", domain.RoleCivilAffairs).User()
	city := mkUser(t, s, "ca_city", "市本级", domain.RoleCivilAffairs).User()
	fin := mkUser(t, s, "fin_hx", "河西区", domain.RoleFinance).User()

	errs := race(3, func(int) error {
		return s.AddNotice(ctx, "", domain.NoticeTo{OrgID: sun}, "receipt", "投标回执", "receipt-1")
	})
	mustAll(t, errs)
	for _, n := range []struct {
		to    domain.NoticeTo
		text  string
		dedup string
	}{
		{domain.NoticeTo{OrgID: star}, "别家的回执", "receipt-2"},                                  // 2
		{domain.NoticeTo{UserID: member.ID}, "给成员本人", "user-1"},                               // 3
		{domain.NoticeTo{Role: domain.RoleCivilAffairs, District: "河西区"}, "河西区民政提醒", "ca-hx"}, // 4
		{domain.NoticeTo{Role: domain.RoleCivilAffairs, District: "南开区"}, "南开区民政提醒", "ca-nk"}, // 5
		{domain.NoticeTo{Role: domain.RoleCivilAffairs}, "全市民政提醒", "ca-all"},                  // 6
		{domain.NoticeTo{Role: domain.RoleFinance, District: "河西区"}, "河西区财政提醒", "fin-hx"},     // 7
	} {
		must(t, s.AddNotice(ctx, "", n.to, "reminder", n.text, n.dedup))
	}
	must(t, s.AddNotice(ctx, "", domain.NoticeTo{OrgID: sun}, "receipt", "同一键的第二条", "receipt-1"))
	var rows int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM notices WHERE dedup_key = 'receipt-1'`).Scan(&rows))
	if rows != 1 {
		t.Fatalf("%d notices under one dedup key, want 1", rows)
	}
	// notices 1 and 3 at the same moment: newest first, then the higher id
	exec(t, s, `UPDATE notices SET created_at = $1`, at(0))
	exec(t, s, `UPDATE notices SET created_at = $1 WHERE dedup_key IN ('receipt-1', 'user-1')`, at(1))
	text := func(n domain.Notice) string { return n.Text }
	for _, c := range []struct {
		name  string
		u     domain.User
		limit int
		want  []string
	}{
		{"an organisation member", member, 10, []string{"给成员本人", "投标回执"}},
		{"a district's civil affairs", hx, 10, []string{"全市民政提醒", "河西区民政提醒"}},
		{"the city's civil affairs", city, 10, []string{"全市民政提醒", "南开区民政提醒", "河西区民政提醒"}},
		{"a district's finance", fin, 10, []string{"河西区财政提醒"}},
		{"the limit", city, 2, []string{"全市民政提醒", "南开区民政提醒"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.NoticesFor(ctx, c.u, c.limit)
			must(t, err)
			wantKeys(t, "notices", keys(got, text), c.want)
		})
	}
}
