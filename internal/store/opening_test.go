package store_test

import (
	"errors"
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestPublishOpenDiscard: publication is recorded once (a second keeps the
// first key and deadline); the key is sealed before the deadline; openings
// at once record one opening and all return the key; discarding an opened
// call changes nothing, discarding an unopened one destroys the key and
// marks its live bids discarded, once.
func TestPublishOpenDiscard(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	planner := mkUser(t, s, "planner", "", domain.RoleCivilAffairs)
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	mk := func(n int) string {
		id := uuidN(n)
		_, err := s.InsertDraftCall(ctx, id, domain.CallDraft{Title: "征集", Brand: domain.BrandCunCaoXin, District: "河西区", Budget: 100,
			Plan: domain.Plan{Mode: domain.ModeCompetition}}, planner)
		must(t, err)
		return id
	}
	a, b := mk(1), mk(2)
	deadline := time.Now().Add(time.Hour).Truncate(time.Second)
	errs := race(2, func(i int) error {
		return s.PublishCall(ctx, a, deadline.Add(time.Duration(i)*time.Hour), []byte{byte(i)}, []string{"sealed-0", "sealed-1"}[i])
	})
	mustAll(t, errs)
	key, err := s.CallPublicKey(ctx, a)
	must(t, err)
	c, _ := s.Call(ctx, a)
	if want := deadline.Add(time.Duration(key[0]) * time.Hour); !c.BidDeadline.Equal(want) {
		t.Errorf("deadline %v does not belong to the key kept (%d): want %v", c.BidDeadline, key[0], want)
	}
	if _, err := s.OpenCall(ctx, a); !errors.Is(err, store.ErrSealed) {
		t.Errorf("opening before the deadline: %v", err)
	}
	if _, err := s.OpenedCallKey(ctx, a); !errors.Is(err, store.ErrSealed) {
		t.Errorf("the key before the opening: %v", err)
	}
	exec(t, s, `UPDATE calls SET stage = 'bidding' WHERE id = $1`, a)
	_, err = s.InsertBid(ctx, bid(uuidN(10), a, org), planner)
	must(t, err)
	exec(t, s, `UPDATE calls SET bid_deadline = now() - interval '1 second' WHERE id = $1`, a)
	keys := make([]string, 3)
	errs = race(3, func(i int) error {
		var err error
		keys[i], err = s.OpenCall(ctx, a)
		return err
	})
	for i, e := range errs {
		must(t, e)
		if keys[i] != keys[0] || keys[i] == "" {
			t.Errorf("openings returned %q", keys)
		}
	}
	if k, err := s.OpenedCallKey(ctx, a); err != nil || k != keys[0] {
		t.Errorf("the key after the opening: %q %v", k, err)
	}
	if n, err := s.DiscardSealedBids(ctx, a); err != nil || n != 0 {
		t.Errorf("discarding an opened call: %d %v", n, err)
	}
	if k, _ := s.OpenedCallKey(ctx, a); k != keys[0] {
		t.Errorf("discarding an opened call destroyed its key")
	}

	must(t, s.PublishCall(ctx, b, deadline, []byte{9}, "sealed-b"))
	exec(t, s, `UPDATE calls SET stage = 'bidding' WHERE id = $1`, b)
	_, err = s.InsertBid(ctx, bid(uuidN(20), b, org), planner)
	must(t, err)
	counts := make([]int, 2)
	errs = race(2, func(i int) error {
		var err error
		counts[i], err = s.DiscardSealedBids(ctx, b)
		return err
	})
	mustAll(t, errs)
	if counts[0]+counts[1] != 1 {
		t.Errorf("two discards at once discarded %v bids, want 1 in all", counts)
	}
	if live, _ := s.CountLiveBids(ctx, b); live != 0 {
		t.Errorf("%d live bids after the discard", live)
	}
	exec(t, s, `UPDATE calls SET bid_deadline = now() - interval '1 second' WHERE id = $1`, b)
	if _, err := s.OpenCall(ctx, b); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("opening a call whose key was destroyed: %v", err)
	}
	var opens, publishes, discards int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'call.open'), count(*) FILTER (WHERE action = 'call.publish'),
		count(*) FILTER (WHERE action = 'bid.discard') FROM audit_log`).Scan(&opens, &publishes, &discards))
	if opens != 2 || publishes != 2 || discards != 1 {
		t.Errorf("audited %d openings, %d publications, %d discards; want 2, 2, 1", opens, publishes, discards)
	}
}

// TestClarificationsAndAwards: clarifications listed in publication order;
// one that moves the deadline moves it, and is refused once bidding has
// closed; awards by rank, once per bid; an unfunded bid returns to the
// library once.
func TestClarificationsAndAwards(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	deadline := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	callID := biddingCall(t, s, deadline)
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	later := deadline.Add(48 * time.Hour)
	for i, c := range []domain.Clarification{
		{Title: "答疑一", Body: "正文", DeadlineFrom: deadline, DeadlineTo: deadline},
		{Title: "延期", Body: "正文", Material: true, DeadlineFrom: deadline, DeadlineTo: later},
	} {
		c.ID, c.CallID = uuidN(30+i), callID
		must(t, s.InsertClarification(ctx, c, ca))
		must(t, s.InsertClarification(ctx, c, ca)) // again: once
	}
	cl, err := s.Clarifications(ctx, callID)
	must(t, err)
	wantKeys(t, "clarifications", keys(cl, func(c domain.Clarification) string { return c.Title }), []string{"答疑一", "延期"})
	if c, _ := s.Call(ctx, callID); !c.BidDeadline.Equal(later) {
		t.Errorf("deadline %v, want %v", c.BidDeadline, later)
	}
	exec(t, s, `UPDATE calls SET bid_deadline = now() - interval '1 second' WHERE id = $1`, callID)
	err = s.InsertClarification(ctx, domain.Clarification{ID: uuidN(33), CallID: callID, Title: "再延期", Body: "正文", DeadlineFrom: later, DeadlineTo: later.Add(time.Hour)}, ca)
	if domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("moving the deadline after it passed: %v", err)
	}
	if cl, _ := s.Clarifications(ctx, callID); len(cl) != 2 {
		t.Errorf("%d clarifications after the refused one, want 2", len(cl))
	}

	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "南开区")
	exec(t, s, `INSERT INTO bids (id, call_id, org_id, version, status, parts, submitted_by) VALUES
		($1, $3, $4, 1, 'opened', '[]', $6), ($2, $3, $5, 1, 'opened', '[]', $6)`, uuidN(40), uuidN(41), callID, sun, star, ca.UserID)
	for _, a := range []domain.Award{
		{ID: uuidN(51), BidID: uuidN(41), OrgID: star, Amount: 300, Rank: 2},
		{ID: uuidN(50), BidID: uuidN(40), OrgID: sun, Amount: 500, Rank: 1},
		{ID: uuidN(52), BidID: uuidN(40), OrgID: sun, Amount: 500, Rank: 1}, // the same bid again
	} {
		a.CallID, a.NoticeKey, a.NoticeSHA256 = callID, "k", "s"
		must(t, s.InsertAward(ctx, a))
	}
	awards, err := s.Awards(ctx, callID)
	must(t, err)
	wantKeys(t, "awards by rank", keys(awards, func(a domain.Award) string { return a.OrgName }), []string{"阳光社工", "星光公益"})
	errs := race(2, func(int) error { return s.ReturnBidToLibrary(ctx, callID, uuidN(41), "星光的方案", "摘要") })
	mustAll(t, errs)
	ps, total, err := s.Proposals(ctx, store.ProposalFilter{Status: domain.ProposalReturned})
	must(t, err)
	if total != 1 || ps[0].Institution != "星光公益" || ps[0].District != "河西区" {
		t.Errorf("returned proposals: %+v", ps)
	}
}
