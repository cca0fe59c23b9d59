package store_test

import (
	"fmt"
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestUsersKeyset: accounts by username, a page at a time after the last
// username seen, with the limit's default and maximum.
func TestUsersKeyset(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	for _, u := range []string{"wang", "li", "zhang", "chen", "liu"} {
		mkUser(t, s, u, "", domain.RoleAdmin)
	}
	name := func(u domain.User) string { return u.Username }
	for _, c := range []struct {
		after string
		limit int
		want  []string
	}{
		{"", 2, []string{"chen", "li"}},
		{"li", 2, []string{"liu", "wang"}},
		{"wang", 2, []string{"zhang"}},
		{"zhang", 2, nil},
		{"", 0, []string{"chen", "li", "liu", "wang", "zhang"}},
		{"", 201, []string{"chen", "li", "liu", "wang", "zhang"}},
	} {
		got, err := s.Users(ctx, c.after, c.limit)
		must(t, err)
		wantKeys(t, fmt.Sprintf("after %q limit %d", c.after, c.limit), keys(got, name), c.want)
	}
}

// TestSessionsAndTokens: a user's live sessions newest first (expired ones
// and other users' left out); revoking one by its handle; a password change
// ends the others and revokes every token; API tokens newest first, ties by
// id.
func TestSessionsAndTokens(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ann := mkUser(t, s, "ann", "", domain.RoleCivilAffairs)
	bo := mkUser(t, s, "bo", "", domain.RoleCivilAffairs)
	for i, x := range []struct {
		token   string
		by      domain.Actor
		expires string
		created time.Time
	}{
		{"tok-a1", ann, "1 hour", at(1)},
		{"tok-a2", ann, "1 hour", at(3)},
		{"tok-a3", ann, "-1 hour", at(4)}, // expired
		{"tok-b1", bo, "1 hour", at(2)},
		{"tok-a4", ann, "1 hour", at(2)},
	} {
		exec(t, s, `INSERT INTO sessions (token, data, expiry) VALUES ($1, '\x00', now() + $2::interval)`, x.token, x.expires)
		must(t, s.RecordSession(ctx, x.token, x.by, fmt.Sprintf("浏览器 %d", i)))
		exec(t, s, `UPDATE user_sessions SET created_at = $2 WHERE token = $1`, x.token, x.created)
	}
	must(t, s.RecordSession(ctx, "tok-a1", ann, "again")) // recorded once
	token := func(x store.Session) string { return x.Token }
	got, err := s.Sessions(ctx, ann.UserID)
	must(t, err)
	wantKeys(t, "ann's live sessions", keys(got, token), []string{"tok-a2", "tok-a4", "tok-a1"})
	if got[2].UserAgent != "浏览器 0" || len(got[0].ID) != 16 {
		t.Errorf("session %+v", got[2])
	}
	if err := s.RevokeSession(ctx, got[1].ID, bo); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("revoking another user's session: %v", err)
	}
	must(t, s.RevokeSession(ctx, got[1].ID, ann))
	got, _ = s.Sessions(ctx, ann.UserID)
	wantKeys(t, "after a revocation", keys(got, token), []string{"tok-a2", "tok-a1"})

	for _, n := range []string{"脚本一", "脚本二", "脚本三"} {
		_, err := s.CreateAPIToken(ctx, "secret-"+n, n, time.Hour, ann)
		must(t, err)
	}
	exec(t, s, `UPDATE api_tokens SET created_at = $1`, at(1)) // all at once: newest id first
	tokens, err := s.APITokens(ctx, ann.UserID)
	must(t, err)
	wantKeys(t, "tokens", keys(tokens, func(x store.APIToken) string { return x.Name }), []string{"脚本三", "脚本二", "脚本一"})
	if _, err := s.UserByAPIToken(ctx, "secret-脚本一"); err != nil {
		t.Errorf("a valid token: %v", err)
	}

	must(t, s.SetPassword(ctx, ann.UserID, "new-hash", "tok-a2", false, ann))
	got, _ = s.Sessions(ctx, ann.UserID)
	wantKeys(t, "after a password change", keys(got, token), []string{"tok-a2"})
	if others, _ := s.Sessions(ctx, bo.UserID); len(others) != 1 {
		t.Errorf("another user's sessions ended too: %d left", len(others))
	}
	if _, err := s.UserByAPIToken(ctx, "secret-脚本一"); domain.ErrorCode(err) != domain.CodeUnauthorized {
		t.Errorf("a token after the password change: %v", err)
	}
}

// TestRateLimits: hits counted at once by many goroutines are all counted
// (one upsert each), the hit that reaches the maximum — exactly one — says
// so, and RateLimited then refuses; another address or username has a
// counter of its own; a window that ended starts again at 1.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	l := store.RateLimit{Bucket: "login", Addr: "10.0.0.1", Username: "ann", Max: 5, Window: time.Minute}
	full := make([]int, 8)
	errs := race(8, func(i int) error {
		f, err := s.CountHits(ctx, l)
		full[i] = len(f)
		return err
	})
	used := 0
	for i := range errs {
		must(t, errs[i])
		used += full[i]
	}
	if used != 1 {
		t.Errorf("%d hits said they used the limit up, want exactly 1", used)
	}
	var hits int
	must(t, s.Pool().QueryRow(ctx, `SELECT hits FROM rate_limits WHERE bucket = 'login' AND addr = '10.0.0.1' AND username = 'ann'`).Scan(&hits))
	if hits != 8 {
		t.Errorf("%d hits counted, want 8", hits)
	}
	other := l
	other.Addr = "10.0.0.2"
	lim, until, err := s.RateLimited(ctx, other, l)
	must(t, err)
	if lim != l || until.Before(time.Now()) {
		t.Errorf("limited by %+v until %v, want the first address's limit", lim, until)
	}
	if lim, _, _ := s.RateLimited(ctx, other); lim.Bucket != "" {
		t.Errorf("another address is limited: %+v", lim)
	}
	exec(t, s, `UPDATE rate_limits SET window_end = now() - interval '1 second'`)
	if lim, _, _ := s.RateLimited(ctx, l); lim.Bucket != "" {
		t.Errorf("limited after the window: %+v", lim)
	}
	_, err = s.CountHits(ctx, l)
	must(t, err)
	must(t, s.Pool().QueryRow(ctx, `SELECT hits FROM rate_limits WHERE addr = '10.0.0.1'`).Scan(&hits))
	if hits != 1 {
		t.Errorf("a new window starts at %d, want 1", hits)
	}
	must(t, s.ClearRateLimits(ctx, "ann", "login"))
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM rate_limits`).Scan(&hits))
	if hits != 0 {
		t.Errorf("%d counters left after clearing", hits)
	}
}

// TestDecideIdeaOnce: two officials deciding one idea at once (the idea's
// row is locked): one decision is taken and makes one proposal, the other
// is a conflict; DecideIdea on a decided idea changes nothing.
func TestDecideIdeaOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	uni := mkUser(t, s, "uni", "", domain.RoleIdeaSubmitter)
	ca1 := mkUser(t, s, "ca1", "", domain.RoleCivilAffairs)
	ca2 := mkUser(t, s, "ca2", "", domain.RoleCivilAffairs)
	id, err := s.InsertIdea(ctx, domain.ProposalDraft{Title: "青少年助老行动", Summary: "摘要", Brand: domain.BrandCunCaoXin, District: "河西区", NeedIDs: []int64{}}, uni)
	must(t, err)
	proposals := make([]int64, 2)
	errs := race(2, func(i int) error {
		var err error
		proposals[i], err = s.DecideIdea(ctx, id, i == 0, "理由", []domain.Actor{ca1, ca2}[i])
		return err
	})
	if oks, conflicts := count(errs); oks != 1 || conflicts != 1 {
		t.Fatalf("two decisions at once: %v", errs)
	}
	_, total, err := s.Proposals(ctx, store.ProposalFilter{})
	must(t, err)
	idea, err := s.Idea(ctx, id)
	must(t, err)
	switch {
	case errs[0] == nil && (idea.Status != domain.IdeaAdopted || total != 1 || idea.ProposalID != proposals[0]):
		t.Errorf("adopted: status %s, %d proposals, proposal %d/%d", idea.Status, total, idea.ProposalID, proposals[0])
	case errs[1] == nil && (idea.Status != domain.IdeaDeclined || total != 0):
		t.Errorf("declined: status %s, %d proposals", idea.Status, total)
	}
	if _, err := s.DecideIdea(ctx, id, true, "", ca1); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("deciding again: %v", err)
	}
	if _, err := s.InsertIdea(ctx, domain.ProposalDraft{Title: "不存在的需求", Summary: "摘要", Brand: domain.BrandCunCaoXin, District: "河西区", NeedIDs: []int64{999}}, uni); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("an idea on a need that does not exist: %v", err)
	}
}

// TestReviewAndStageOnce: reviewing a pending organisation twice at once
// reviews it once; setting a call's stage twice at once records one change.
func TestReviewAndStageOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	exec(t, s, `INSERT INTO organisations (name, uscc, org_type, legal_rep_name, legal_rep_id_sealed, contact_name, contact_phone_sealed, district)
		VALUES ('阳光社工', '52120103MJ0000001A', '社会服务机构', '法人', 'k.x', '联系人', 'k.y', '河西区')`)
	errs := race(2, func(i int) error {
		return s.ReviewOrganisation(ctx, 1, []domain.OrgStatus{domain.OrgVerified, domain.OrgRejected}[i], "审核意见", ca)
	})
	if oks, _ := count(errs); oks != 1 {
		t.Errorf("two reviews at once: %v", errs)
	}
	_, err := s.InsertDraftCall(ctx, uuidN(1), domain.CallDraft{Title: "助老服务征集", Brand: domain.BrandCunCaoXin, District: "河西区", Budget: 100,
		Plan: domain.Plan{Mode: domain.ModeCompetition}}, ca)
	must(t, err)
	errs = race(3, func(int) error { return s.SetCallStage(ctx, uuidN(1), domain.StagePublishReview, "", ca) })
	mustAll(t, errs)
	var reviews, stages int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action LIKE 'org.%'), count(*) FILTER (WHERE action = 'call.stage') FROM audit_log`).Scan(&reviews, &stages))
	if reviews != 1 || stages != 1 {
		t.Errorf("%d reviews and %d stage changes audited, want 1 and 1", reviews, stages)
	}
}
