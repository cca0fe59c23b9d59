package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
)

// TestPanel: the expert pool holds available experts with an account only;
// a panel member added twice is one; the panel lists in draw order (ties by
// talent); a declaration is taken once, from a drawn member only; an
// expert's calls are those they were drawn for or confirmed on, newest
// first.
func TestPanel(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	e1 := mkUser(t, s, "e1", "", domain.RoleExpert)
	e2 := mkUser(t, s, "e2", "", domain.RoleExpert)
	e3 := mkUser(t, s, "e3", "", domain.RoleExpert)
	exec(t, s, `INSERT INTO talents (kind, name, level, district, available, user_id) VALUES
		('expert', '张伟', 'city', '市本级', true, $1),
		('expert', '李娜', 'city', '市本级', false, NULL),
		('expert', '王芳', 'city', '市本级', true, $2),
		('volunteer_leader', '赵敏', 'city', '市本级', true, NULL),
		('expert', '孙强', 'city', '市本级', false, $3),
		('expert', '周杰', 'city', '市本级', true, NULL)`, e1.UserID, e2.UserID, e3.UserID)
	pool, err := s.ExpertPool(ctx)
	must(t, err)
	wantKeys(t, "expert pool", keys(pool, func(x domain.Talent) int64 { return x.ID }), []int64{1, 3})

	callID := biddingCall(t, s, time.Now().Add(time.Hour))
	other := uuidN(2)
	_, err = s.InsertDraftCall(ctx, other, domain.CallDraft{Title: "另一个征集", Brand: domain.BrandCunCaoXin, District: "河西区", Budget: 100,
		Plan: domain.Plan{Mode: domain.ModeCompetition}}, e1)
	must(t, err)
	exec(t, s, `UPDATE calls SET created_at = now() + interval '1 hour' WHERE id = $1`, other)
	for _, m := range []domain.PanelMember{
		{CallID: callID, TalentID: 3, UserID: e2.UserID, Seq: 1, Status: domain.PanelDrawn, DrawKey: "d1"},
		{CallID: callID, TalentID: 1, UserID: e1.UserID, Seq: 1, Status: domain.PanelExcluded, Reason: "同一单位"},
		{CallID: callID, TalentID: 1, UserID: e1.UserID, Seq: 1, Status: domain.PanelExcluded, Reason: "同一单位"}, // again
		{CallID: callID, TalentID: 5, UserID: e3.UserID, Seq: 2, Status: domain.PanelDrawn, DrawKey: "d2"},
		{CallID: other, TalentID: 1, UserID: e1.UserID, Seq: 1, Status: domain.PanelDrawn},
		{CallID: other, TalentID: 3, UserID: e2.UserID, Seq: 2, Status: domain.PanelDrawn},
	} {
		must(t, s.AddPanelMember(ctx, m))
	}
	panel, err := s.PanelMembers(ctx, callID)
	must(t, err)
	wantKeys(t, "panel in draw order", keys(panel, func(m domain.PanelMember) int64 { return m.TalentID }), []int64{1, 3, 5})
	if panel[1].Name != "王芳" || panel[0].Reason != "同一单位" {
		t.Errorf("panel: %+v", panel)
	}

	errs := race(2, func(i int) error { return s.DeclarePanelMember(ctx, callID, e2.UserID, i == 1, "理由", e2) })
	mustAll(t, errs)
	must(t, s.DeclarePanelMember(ctx, callID, e1.UserID, false, "", e1)) // excluded: nothing to declare
	panel, _ = s.PanelMembers(ctx, callID)
	if panel[0].Status != domain.PanelExcluded || !panel[0].DeclaredAt.IsZero() {
		t.Errorf("an excluded member declared: %+v", panel[0])
	}
	if st := panel[1].Status; st != domain.PanelConfirmed && st != domain.PanelRecused {
		t.Errorf("declared member: %s", st)
	}
	var declarations int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'panel.declare'`).Scan(&declarations))
	if declarations != 1 {
		t.Errorf("%d declarations audited, want 1", declarations)
	}
	var members int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM panel_members`).Scan(&members))
	if members != 5 {
		t.Errorf("%d panel members, want 5", members)
	}

	callIDs := func(u domain.Actor) []string {
		cs, err := s.ExpertCalls(ctx, u.UserID)
		must(t, err)
		return keys(cs, func(c domain.Call) string { return c.ID })
	}
	wantKeys(t, "e1's calls (excluded from the first)", callIDs(e1), []string{other})
	if st := panel[1].Status; st == domain.PanelConfirmed {
		wantKeys(t, "e2's calls, newest first", callIDs(e2), []string{other, callID})
	} else {
		wantKeys(t, "e2's calls after recusal", callIDs(e2), []string{other})
	}
}

// TestReferencedKeys: which object keys a record refers to — bid parts,
// call attachments, payment vouchers — and which not.
func TestReferencedKeys(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	callID := biddingCall(t, s, time.Now().Add(time.Hour))
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	by := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	_, err := s.InsertBid(ctx, bid(uuidN(40), callID, org), by)
	must(t, err)
	must(t, s.InsertAttachment(ctx, domain.Attachment{ID: uuidN(41), CallID: callID, FileName: "说明.pdf", ContentType: "application/pdf", Size: 1,
		SHA256: "x", ObjectKey: "calls/att-1"}, by))
	got, err := s.ReferencedKeys(ctx, []string{"bids/" + uuidN(40), "calls/att-1", "bids/orphan", "calls/att-2"})
	must(t, err)
	if len(got) != 2 || !got["bids/"+uuidN(40)] || !got["calls/att-1"] {
		t.Errorf("referenced: %v", got)
	}
}
