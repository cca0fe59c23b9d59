package store_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"grantflow/internal/domain"
)

// TestDebarmentsAndDocuments: an organisation's debarments latest-ending
// first (ties newest id first) and its documents oldest first, others'
// left out.
func TestDebarmentsAndDocuments(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "南开区")
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	d := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	for _, x := range []struct {
		org      int64
		reason   string
		from, to time.Time
	}{
		{sun, "一", d(2024, 1), d(2024, 12)}, {sun, "二", d(2025, 1), d(2026, 12)}, {star, "别家", d(2025, 1), d(2027, 1)}, {sun, "三", d(2026, 1), d(2026, 12)},
	} {
		must(t, s.AddDebarment(ctx, x.org, x.reason, x.from, x.to, ca))
	}
	if err := s.AddDebarment(ctx, sun, "倒序", d(2026, 1), d(2025, 1), ca); err == nil {
		t.Errorf("a debarment ending before it starts was accepted")
	}
	ds, err := s.Debarments(ctx, sun)
	must(t, err)
	wantKeys(t, "debarments", keys(ds, func(x domain.Debarment) string { return x.Reason }), []string{"三", "二", "一"})

	exec(t, s, `INSERT INTO organisation_documents (id, org_id, file_name, content_type, size_bytes, sha256, object_key, created_at) VALUES
		($1, $4, '章程.pdf', 'application/pdf', 1, 'a', 'k1', $5), ($2, $4, '登记证书.pdf', 'application/pdf', 1, 'b', 'k2', $6),
		($3, $7, '别家.pdf', 'application/pdf', 1, 'c', 'k3', $5)`, uuidN(1), uuidN(2), uuidN(3), sun, at(2), at(1), star)
	docs, err := s.OrgDocuments(ctx, sun)
	must(t, err)
	wantKeys(t, "documents", keys(docs, func(a domain.Attachment) string { return a.FileName }), []string{"登记证书.pdf", "章程.pdf"})
}

// TestAttachmentsAndEvidence: a call's attachments oldest first (inserted
// again: once); a project's evidence, of one session or all.
func TestAttachmentsAndEvidence(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	callID := biddingCall(t, s, time.Now().Add(time.Hour))
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	for i, name := range []string{"征集公告.pdf", "附件二.docx", "附件一.xlsx"} {
		a := domain.Attachment{ID: uuidN(10 + i), CallID: callID, FileName: name, ContentType: "application/octet-stream", Size: 1, SHA256: "x", ObjectKey: name}
		must(t, s.InsertAttachment(ctx, a, ca))
		must(t, s.InsertAttachment(ctx, a, ca))
	}
	exec(t, s, `UPDATE call_attachments SET created_at = $1 WHERE id <> $2`, at(2), uuidN(10)) // a tie: by id
	exec(t, s, `UPDATE call_attachments SET created_at = $1 WHERE id = $2`, at(1), uuidN(10))
	as, err := s.Attachments(ctx, callID)
	must(t, err)
	wantKeys(t, "attachments", keys(as, func(a domain.Attachment) string { return a.FileName }), []string{"征集公告.pdf", "附件二.docx", "附件一.xlsx"})
	if a, err := s.Attachment(ctx, uuidN(2), uuidN(11)); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("an attachment under another call: %+v %v", a, err)
	}

	p, by := deliveryProject(t, s)
	s1, err := s.InsertSession(ctx, session(p.ID, time.Now(), "照护技能"), by)
	must(t, err)
	s2, err := s.InsertSession(ctx, session(p.ID, time.Now().Add(time.Hour), "应急救护"), by)
	must(t, err)
	for i, sid := range []int64{s1, s2, s1} {
		must(t, s.InsertEvidence(ctx, domain.Evidence{ID: uuidN(20 + i), ProjectID: p.ID, SessionID: sid, Kind: domain.EvidenceKind("photo"),
			FileName: "现场.jpg", ContentType: "image/jpeg", Size: 1, SHA256: "x", ObjectKey: "e"}, by))
	}
	id := func(e domain.Evidence) string { return e.ID }
	all, err := s.Evidence(ctx, p.ID, 0)
	must(t, err)
	wantKeys(t, "all evidence", keys(all, id), []string{uuidN(20), uuidN(21), uuidN(22)})
	one, _ := s.Evidence(ctx, p.ID, s1)
	wantKeys(t, "one session's evidence", keys(one, id), []string{uuidN(20), uuidN(22)})
}

// TestAreaScopeAndCalendar: the communities under a prefix and in a
// district; a year's calendar replaced whole, listed by day, years in
// order.
func TestAreaScopeAndCalendar(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	for _, c := range []struct {
		prefix, district, code string
		ok                     bool
	}{
		{"", "", "120103001001", true},
		{"120103001", "", "120103001002", true},
		{"120103001", "", "120103002001", false},
		{"", "和平区", "120103001001", false},
		{"", "和平区", "120101001001", true},
		{"", "", "120103001", false}, // a street, not a community
		{"", "", "999", false},
	} {
		in, err := s.AreaScope(ctx, c.prefix, c.district)
		must(t, err)
		if ok, why := in(c.code); ok != c.ok || (!ok && !strings.Contains(why, c.code)) {
			t.Errorf("scope %q %q, code %s: %v %q, want %v", c.prefix, c.district, c.code, ok, why, c.ok)
		}
	}
	ca := mkUser(t, s, "ca", "", domain.RoleAdmin)
	must(t, s.SetCalendarYear(ctx, 2026, []domain.CalendarDay{{Date: "2026-10-01", Kind: domain.DayOff, Name: "国庆节"}, {Date: "2026-01-01", Kind: domain.DayOff, Name: "元旦"}}, ca))
	must(t, s.SetCalendarYear(ctx, 2025, []domain.CalendarDay{{Date: "2025-10-11", Kind: domain.DayWork, Name: "调休"}}, ca))
	must(t, s.SetCalendarYear(ctx, 2026, []domain.CalendarDay{{Date: "2026-10-01", Kind: domain.DayOff, Name: "国庆节"}, {Date: "2026-09-27", Kind: domain.DayWork, Name: "调休"}}, ca))
	days, err := s.CalendarDays(ctx, 2026)
	must(t, err)
	wantKeys(t, "2026 replaced whole, by day", keys(days, func(d domain.CalendarDay) string { return d.Date }), []string{"2026-09-27", "2026-10-01"})
	all, _ := s.CalendarDays(ctx, 0)
	wantKeys(t, "every year", keys(all, func(d domain.CalendarDay) string { return d.Date }), []string{"2025-10-11", "2026-09-27", "2026-10-01"})
	years, err := s.CalendarYears(ctx)
	must(t, err)
	wantKeys(t, "years", years, []int{2025, 2026})
}

// TestResealPII: a rotation re-seals every value under an older key, once
// each even when two rotations run at once (the batch's rows are locked and
// re-read) — every value of a row holding one under an older key — leaves
// rows wholly under the current key and empty values alone, and a second
// run finds nothing to do.
func TestResealPII(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	for i, v := range []struct{ rep, phone string }{{"k1.a", "k1.b"}, {"k2.c", ""}, {"k2.d", "k2.e"}, {"k1.f", "k2.g"}} {
		exec(t, s, `INSERT INTO organisations (name, uscc, org_type, legal_rep_name, legal_rep_id_sealed, contact_name, contact_phone_sealed, district)
			VALUES ('机构', $1, '社会服务机构', '法人', $2, '联系人', $3, '河西区')`, "52120103MJ000000"+string(rune('A'+i))+"X", v.rep, v.phone)
	}
	var calls atomic.Int64
	reseal := func(sealed string) (string, error) {
		calls.Add(1)
		return "k2." + strings.SplitN(sealed, ".", 2)[1], nil
	}
	index := func(string) (string, error) { return "k2.ix", nil }
	counts := make([]map[string]int, 2)
	errs := race(2, func(i int) error {
		var err error
		counts[i], err = s.ResealPII(ctx, "k2", reseal, index)
		return err
	})
	mustAll(t, errs)
	if n := counts[0]["organisations"] + counts[1]["organisations"]; n != 2 {
		t.Errorf("two rotations at once re-sealed %d organisations, want 2 in all (%v)", n, counts)
	}
	rows, err := s.Pool().Query(ctx, `SELECT legal_rep_id_sealed || '|' || contact_phone_sealed FROM organisations ORDER BY id`)
	must(t, err)
	var got []string
	for rows.Next() {
		var v string
		must(t, rows.Scan(&v))
		got = append(got, v)
	}
	wantKeys(t, "sealed values", got, []string{"k2.a|k2.b", "k2.c|", "k2.d|k2.e", "k2.f|k2.g"})
	again, err := s.ResealPII(ctx, "k2", reseal, index)
	must(t, err)
	for table, n := range again {
		if n != 0 {
			t.Errorf("a second rotation re-sealed %d rows of %s", n, table)
		}
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("%d values re-sealed, want 4: every value of the two rows with one under k1", n)
	}
}
