package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// deliveryProject is a funded project in delivery, with its organisation's member.
func deliveryProject(t *testing.T, s *store.Store) (domain.Project, domain.Actor) {
	t.Helper()
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	p := seedGrant(t, s, 1, org, "照护者培训", "河西区", 10000)
	exec(t, s, `UPDATE projects SET stage = 'delivery' WHERE id = $1`, p.ID)
	u, err := s.UpsertUser(ctx, domain.User{Username: "member", DisplayName: "机构成员", Roles: []domain.Role{domain.RoleOrgMember}, District: "河西区", OrgID: org}, "x", domain.System)
	must(t, err)
	return p, domain.ActorOf(u, "127.0.0.1")
}

func session(projectID string, starts time.Time, module string) domain.TrainingSession {
	return domain.TrainingSession{ProjectID: projectID, Module: module, StartsAt: starts, EndsAt: starts.Add(2 * time.Hour),
		Place: "新兴社区活动室", Trainer: "李老师", Hours: 2, Code: "A1B2C3"}
}

func enrol(t *testing.T, s *store.Store, projectID string, by domain.Actor, n int) []int64 {
	t.Helper()
	var ids []int64
	var before int // trainees 学员1… are numbered on from those enrolled before
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM trainees WHERE project_id = $1`, projectID).Scan(&before))
	for i := before; i < before+n; i++ {
		id, err := s.InsertTrainee(ctx, projectID, domain.TraineeEntry{Name: fmt.Sprintf("学员%d", i+1), Relation: "子女", Community: "新兴社区", Consent: true},
			"k.id", fmt.Sprintf("ix%d", i), "k.ph", by)
		must(t, err)
		ids = append(ids, id)
	}
	return ids
}

// TestTrainingSessions: sessions in time order (ties by id) with their
// attended counts; the paged list newest first (ties by id, descending),
// its last page and past the end.
func TestTrainingSessions(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	p, by := deliveryProject(t, s)
	other := seedGrant(t, s, 2, seedOrg(t, s, "另一家", "52120103MJ0000009Z", "河西区"), "另一个项目", "河西区", 1000)
	d := time.Date(2026, 4, 1, 9, 0, 0, 0, domain.ChinaTime)
	var ids []int64
	for _, st := range []time.Time{d.AddDate(0, 0, 2), d, d.AddDate(0, 0, 2), d.AddDate(0, 0, 1)} { // 1 and 3 start together
		id, err := s.InsertSession(ctx, session(p.ID, st, "照护技能"), by)
		must(t, err)
		ids = append(ids, id)
	}
	_, err := s.InsertSession(ctx, session(other.ID, d, "别的项目"), by)
	must(t, err)
	tr := enrol(t, s, p.ID, by, 3)
	must(t, s.RecordAttendance(ctx, p.ID, []store.AttendanceRow{
		{SessionID: ids[1], TraineeID: tr[0], Hours: 2}, {SessionID: ids[1], TraineeID: tr[1], Hours: 1.5},
		{SessionID: ids[1], TraineeID: tr[2], Hours: 0}, // present on the list, not credited: not attended
		{SessionID: ids[3], TraineeID: tr[0], Hours: 2},
	}, domain.AttendWeb, by))
	id := func(x domain.TrainingSession) int64 { return x.ID }
	all, err := s.TrainingSessions(ctx, p.ID)
	must(t, err)
	wantKeys(t, "sessions in time order", keys(all, id), []int64{ids[1], ids[3], ids[0], ids[2]})
	wantKeys(t, "attended", keys(all, func(x domain.TrainingSession) int { return x.Attended }), []int{2, 1, 0, 0})
	for _, c := range []struct {
		page, perPage int
		want          []int64
	}{
		{1, 3, []int64{ids[2], ids[0], ids[3]}},
		{2, 3, []int64{ids[1]}},
		{3, 3, nil},
		{0, 0, []int64{ids[2], ids[0], ids[3], ids[1]}},
		{1, 201, []int64{ids[2], ids[0], ids[3], ids[1]}},
	} {
		got, total, err := s.TrainingSessionsPage(ctx, p.ID, c.page, c.perPage)
		must(t, err)
		wantKeys(t, fmt.Sprintf("page %d by %d", c.page, c.perPage), keys(got, id), c.want)
		if total != 4 {
			t.Errorf("total %d, want 4", total)
		}
	}

	trainees, total, err := s.TraineesPage(ctx, p.ID, 2, 2)
	must(t, err)
	if total != 3 || len(trainees) != 1 || trainees[0].ID != tr[2] {
		t.Errorf("trainees page 2 by 2: %+v of %d", trainees, total)
	}
	trainees, err = s.Trainees(ctx, p.ID)
	must(t, err)
	wantKeys(t, "trainees' hours", keys(trainees, func(x domain.Trainee) float64 { return x.Hours }), []float64{4, 1.5, 0})

	// a correction replaces the row (one per session and trainee), it does not add one
	must(t, s.RecordAttendance(ctx, p.ID, []store.AttendanceRow{{SessionID: ids[1], TraineeID: tr[1], Hours: 2}}, domain.AttendWeb, by))
	trainees, _ = s.Trainees(ctx, p.ID)
	if trainees[1].Hours != 2 {
		t.Errorf("corrected hours %v, want 2", trainees[1].Hours)
	}
	// a row of another project's session refuses the whole batch
	otherSessions, _ := s.TrainingSessions(ctx, other.ID)
	err = s.RecordAttendance(ctx, p.ID, []store.AttendanceRow{{SessionID: ids[0], TraineeID: tr[2], Hours: 2},
		{SessionID: otherSessions[0].ID, TraineeID: tr[2], Hours: 2}}, domain.AttendWeb, by)
	if domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("attendance at another project's session: %v", err)
	}
	trainees, _ = s.Trainees(ctx, p.ID)
	if trainees[2].Hours != 0 {
		t.Errorf("a refused batch was partly recorded: %v hours", trainees[2].Hours)
	}
}

// TestCheckIn: the check-in window (an hour either side), sign in, sign out
// with credited hours, a third check-in refused; two sign-outs at once (the
// attendance row is locked) credit once and refuse the other.
func TestCheckIn(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	p, by := deliveryProject(t, s)
	starts := time.Date(2026, 4, 1, 9, 0, 0, 0, domain.ChinaTime)
	_, err := s.InsertSession(ctx, session(p.ID, starts, "照护技能"), by)
	must(t, err)
	tr := enrol(t, s, p.ID, by, 1)
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{starts.Add(-61 * time.Minute), 0}, {starts.Add(-time.Hour), 1}, {starts.Add(3 * time.Hour), 1}, {starts.Add(3*time.Hour + time.Minute), 0},
	} {
		got, err := s.CheckInSessions(ctx, "A1B2C3", c.at)
		must(t, err)
		if len(got) != c.want {
			t.Errorf("sessions open at %v: %d, want %d", c.at.Format("15:04"), len(got), c.want)
		}
	}
	if got, _ := s.CheckInSessions(ctx, "ZZZZZZ", starts); len(got) != 0 {
		t.Errorf("another code found %d sessions", len(got))
	}
	sess, _ := s.CheckInSessions(ctx, "A1B2C3", starts)
	if _, _, err := s.CheckIn(ctx, sess[0], tr[0], "别人", starts); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("check-in under a wrong name: %v", err)
	}
	what, _, err := s.CheckIn(ctx, sess[0], tr[0], "学员1", starts)
	if err != nil || what != "in" {
		t.Fatalf("first check-in: %q %v", what, err)
	}
	what, hours, err := s.CheckIn(ctx, sess[0], tr[0], "学员1", starts.Add(2*time.Hour))
	if err != nil || what != "out" || hours != 2 {
		t.Fatalf("second check-in: %q %v %v", what, hours, err)
	}
	if _, _, err := s.CheckIn(ctx, sess[0], tr[0], "学员1", starts.Add(2*time.Hour)); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("third check-in: %v", err)
	}

	// every other trainee signed in, then signed out twice at once
	const pairs = 8
	more := enrol(t, s, p.ID, by, pairs)
	for i, id := range more {
		_, _, err := s.CheckIn(ctx, sess[0], id, fmt.Sprintf("学员%d", i+2), starts)
		must(t, err)
	}
	errs := race(2*pairs, func(i int) error {
		_, _, err := s.CheckIn(ctx, sess[0], more[i%pairs], fmt.Sprintf("学员%d", i%pairs+2), starts.Add(time.Duration(100+i)*time.Minute))
		return err
	})
	if oks, conflicts := count(errs); oks != pairs || conflicts != pairs {
		t.Fatalf("two sign-outs at once for each of %d trainees: %d signed out, %d refused (%v)", pairs, oks, conflicts, errs)
	}
	var outs int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'attendance.checkin.out'`).Scan(&outs))
	if outs != pairs+1 {
		t.Errorf("%d sign-outs audited, want %d", outs, pairs+1)
	}
}

// TestIssueCertificate: certificates are numbered from the project's
// counter: issuing to every trainee at once, twice each, numbers each
// trainee once, with no number given twice and none skipped.
func TestIssueCertificate(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	p, by := deliveryProject(t, s)
	const n = 6
	tr := enrol(t, s, p.ID, by, n)
	nos := make([]string, 2*n)
	errs := race(2*n, func(i int) error {
		var err error
		nos[i], _, err = s.IssueCertificate(ctx, p.ID, tr[i%n], by)
		return err
	})
	mustAll(t, errs)
	seen := map[string]int64{}
	for i, no := range nos {
		if nos[i%n] != no {
			t.Errorf("trainee %d got two numbers: %s and %s", tr[i%n], nos[i%n], no)
		}
		seen[no] = tr[i%n]
	}
	for k := 1; k <= n; k++ {
		want := fmt.Sprintf("%s-%04d", p.Number, k)
		if _, ok := seen[want]; !ok {
			t.Errorf("number %s not issued; issued %v", want, seen)
		}
	}
	if len(seen) != n {
		t.Errorf("%d numbers for %d trainees", len(seen), n)
	}
	var counter int
	must(t, s.Pool().QueryRow(ctx, `SELECT certificates_issued FROM projects WHERE id = $1`, p.ID).Scan(&counter))
	if counter != n {
		t.Errorf("counter %d, want %d", counter, n)
	}
	if _, _, err := s.IssueCertificate(ctx, p.ID, 999999, by); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("a trainee not in the project: %v", err)
	}
	if !strings.HasPrefix(nos[0], "XM") {
		t.Errorf("number %s", nos[0])
	}
}

// TestRequestKeys: a key binds once to its content — the same request sent
// at once by several goroutines binds it once and the others are told it
// was sent before; other content or another user under the key is a
// conflict; a freed key binds again; the sweep removes old keys only.
// A keyed insert (InsertSessionKeyed) sent twice at once plans one session.
func TestRequestKeys(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	const key = "6f1c2a3b-0000-4000-8000-000000000001"
	const n = 4
	again := make([]bool, n)
	errs := race(n, func(i int) error {
		var err error
		again[i], err = s.BindRequestKey(ctx, "bid", key, 7, "sha-a")
		return err
	})
	firsts := 0
	for i := range again {
		must(t, errs[i])
		if !again[i] {
			firsts++
		}
	}
	if firsts != 1 {
		t.Errorf("%d requests bound the key first, want 1 (%v)", firsts, again)
	}
	if _, err := s.BindRequestKey(ctx, "bid", key, 7, "sha-b"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("other content under the key: %v", err)
	}
	if _, err := s.BindRequestKey(ctx, "bid", key, 8, "sha-a"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("another user under the key: %v", err)
	}
	if again, err := s.BindRequestKey(ctx, "objection", key, 8, "sha-b"); err != nil || again {
		t.Errorf("the key in another scope: %v %v", again, err)
	}
	must(t, s.FreeRequestKey(ctx, "bid", key, "sha-other")) // not its content: stays bound
	if again, err := s.BindRequestKey(ctx, "bid", key, 7, "sha-a"); err != nil || !again {
		t.Errorf("freed with the wrong digest, yet: %v %v", again, err)
	}
	must(t, s.FreeRequestKey(ctx, "bid", key, "sha-a"))
	if again, err := s.BindRequestKey(ctx, "bid", key, 7, "sha-b"); err != nil || again {
		t.Errorf("a freed key bound to new content: %v %v", again, err)
	}

	p, by := deliveryProject(t, s)
	k := store.RequestKey{Scope: "session", Key: "6f1c2a3b-0000-4000-8000-000000000002", SHA256: "sha-s", UserID: by.UserID}
	ids := make([]int64, 2)
	errs = race(2, func(i int) error {
		var err error
		ids[i], err = s.InsertSessionKeyed(ctx, session(p.ID, time.Date(2026, 4, 1, 9, 0, 0, 0, domain.ChinaTime), "照护技能"), by, k)
		return err
	})
	must(t, errs[0])
	must(t, errs[1])
	if ids[0] != ids[1] || ids[0] == 0 {
		t.Errorf("the same keyed session twice at once: ids %v", ids)
	}
	all, _ := s.TrainingSessions(ctx, p.ID)
	if len(all) != 1 {
		t.Errorf("%d sessions planned, want 1", len(all))
	}
	if r, err := s.RequestKeyResult(ctx, k); err != nil || r != fmt.Sprint(ids[0]) {
		t.Errorf("key result %q %v, want %d", r, err, ids[0])
	}
	k2 := k
	k2.SHA256 = "sha-other"
	if _, err := s.InsertSessionKeyed(ctx, session(p.ID, time.Now(), "别的内容"), by, k2); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("the key with other content: %v", err)
	}
	if _, err := s.RequestKeyResult(ctx, k2); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("key result for other content: %v", err)
	}

	exec(t, s, `UPDATE request_keys SET created_at = now() - interval '31 days' WHERE scope = 'bid'`)
	must(t, s.DeleteRequestKeys(ctx, time.Now().Add(-store.RequestKeyRetention)))
	var left []string
	rows, err := s.Pool().Query(ctx, `SELECT scope FROM request_keys ORDER BY scope`)
	must(t, err)
	for rows.Next() {
		var sc string
		must(t, rows.Scan(&sc))
		left = append(left, sc)
	}
	wantKeys(t, "keys left after the sweep", left, []string{"objection", "session"})
}
