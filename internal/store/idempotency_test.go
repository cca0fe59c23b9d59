package store_test

import (
	"fmt"
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestImportElderlyUpserts: an import adds new people and updates those
// already on the register (by the blind index of their ID number), all in
// one transaction; the same import twice at once leaves one row per person.
func TestImportElderlyUpserts(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	by := mkUser(t, s, "imp", "河西区", domain.RoleCivilAffairs)
	row := func(ix, name, community string, birth int) store.SealedElder {
		return store.SealedElder{ElderRow: domain.ElderRow{Name: name, IDCard: "k." + ix, CommunityCode: community, Categories: []domain.ElderCategory{domain.ElderVeryOld}},
			IDIndex: ix, District: "河西区", BirthYear: birth}
	}
	added, updated, err := s.ImportElderly(ctx, []store.SealedElder{row("a", "王大爷", "120103001001", 1940), row("b", "李奶奶", "120103001002", 1945)}, "一季度.xlsx", by)
	must(t, err)
	if added != 2 || updated != 0 {
		t.Errorf("first import: %d added, %d updated", added, updated)
	}
	added, updated, err = s.ImportElderly(ctx, []store.SealedElder{row("b", "李奶奶", "120103002001", 1945), row("c", "张爷爷", "120103002001", 1938)}, "二季度.xlsx", by)
	must(t, err)
	if added != 1 || updated != 1 {
		t.Errorf("second import: %d added, %d updated, want 1 and 1", added, updated)
	}
	places, err := s.ElderPlaces(ctx, []string{"a", "b", "zz"})
	must(t, err)
	if len(places) != 2 || places["b"] != "120103002001" || places["a"] != "120103001001" {
		t.Errorf("places: %v", places)
	}
	batch := []store.SealedElder{row("d", "赵奶奶", "120103001001", 1950), row("e", "孙大妈", "120103001001", 1955)}
	errs := race(2, func(int) error { _, _, err := s.ImportElderly(ctx, batch, "三季度.xlsx", by); return err })
	mustAll(t, errs)
	_, total, err := s.ListElderly(ctx, store.ElderFilter{})
	must(t, err)
	if total != 5 {
		t.Errorf("%d people on the register, want 5", total)
	}
	// a row in an unknown community refuses the whole file
	_, _, err = s.ImportElderly(ctx, []store.SealedElder{row("f", "新人", "120103001001", 1950), row("g", "错社区", "999999999999", 1950)}, "坏.xlsx", by)
	if err == nil {
		t.Fatal("an import with an unknown community was accepted")
	}
	if _, total, _ := s.ListElderly(ctx, store.ElderFilter{}); total != 5 {
		t.Errorf("a refused import wrote rows: %d people", total)
	}
}

// TestDecisionsAndScoresOnce: a call decision is recorded once per request
// ID, even sent at once; decisions list oldest first. A score sheet sent
// again unchanged is not audited again; a revision replaces it.
func TestDecisionsAndScoresOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ca := mkUser(t, s, "ca", "河西区", domain.RoleCivilAffairs)
	callID := biddingCall(t, s, time.Now().Add(time.Hour))
	errs := race(3, func(int) error {
		return s.RecordCallDecision(ctx, callID, "req-1", domain.CallDecision{Step: "publish", Approve: true}, ca)
	})
	mustAll(t, errs)
	must(t, s.RecordCallDecision(ctx, callID, "req-2", domain.CallDecision{Step: "civil", Approve: false, Reason: "预算不符"}, ca))
	ds, err := s.CallDecisions(ctx, callID)
	must(t, err)
	wantKeys(t, "decisions", keys(ds, func(d domain.CallDecision) string { return d.Step }), []string{"publish", "civil"})

	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	b, err := s.InsertBid(ctx, bid(uuidN(40), callID, org), ca)
	must(t, err)
	e1 := mkUser(t, s, "e1", "", domain.RoleExpert)
	e2 := mkUser(t, s, "e2", "", domain.RoleExpert)
	sheet := func(e domain.Actor, pts ...float64) domain.ScoreSheet {
		return domain.ScoreSheet{Expert: e.UserID, BidID: b.ID, Points: pts, Comment: "意见", At: time.Now()}
	}
	for _, x := range []struct {
		by domain.Actor
		sh domain.ScoreSheet
	}{{e1, sheet(e1, 30, 20)}, {e1, sheet(e1, 30, 20)}, {e2, sheet(e2, 25, 15)}, {e1, sheet(e1, 28, 20)}} {
		must(t, s.UpsertScore(ctx, callID, x.sh, x.by))
	}
	all, err := s.Scores(ctx, callID, 0)
	must(t, err)
	if len(all) != 2 || fmt.Sprint(all[0].Points) != "[28 20]" || all[1].Expert != e2.UserID {
		t.Errorf("scores: %+v", all)
	}
	mine, _ := s.Scores(ctx, callID, e2.UserID)
	if len(mine) != 1 || mine[0].Expert != e2.UserID {
		t.Errorf("one expert's scores: %+v", mine)
	}
	var decisions, scores int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action LIKE 'call.decision.%'), count(*) FILTER (WHERE action = 'score.submit') FROM audit_log`).Scan(&decisions, &scores))
	if decisions != 2 || scores != 3 {
		t.Errorf("%d decisions and %d scores audited, want 2 and 3", decisions, scores)
	}
}

// TestBeginArchiveOnce: the archive's start is recorded once — attempts at
// once all get the first moment.
func TestBeginArchiveOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	p := seedGrant(t, s, 1, seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区"), "项目", "河西区", 1000)
	moments := make([]time.Time, 4)
	errs := race(4, func(i int) error {
		var err error
		moments[i], err = s.BeginArchive(ctx, p.ID)
		return err
	})
	for i, e := range errs {
		must(t, e)
		if !moments[i].Equal(moments[0]) || moments[i].Nanosecond() != 0 {
			t.Errorf("attempt %d began at %v, the first at %v", i, moments[i], moments[0])
		}
	}
	time.Sleep(1100 * time.Millisecond)
	later, err := s.BeginArchive(ctx, p.ID)
	must(t, err)
	if !later.Equal(moments[0]) {
		t.Errorf("a later attempt moved the start to %v from %v", later, moments[0])
	}
	if _, err := s.BeginArchive(ctx, uuidN(999)); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("an unknown project: %v", err)
	}
}
