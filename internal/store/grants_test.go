package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// seedOrg adds a verified organisation and returns its id.
func seedOrg(t *testing.T, s *store.Store, name, uscc, district string) int64 {
	t.Helper()
	var id int64
	must(t, s.Pool().QueryRow(ctx, `INSERT INTO organisations (name, uscc, org_type, legal_rep_name, legal_rep_id_sealed, contact_name,
		contact_phone_sealed, district, status) VALUES ($1, $2, '社会服务机构', '法人', 'k.x', '联系人', 'k.y', $3, 'verified') RETURNING id`,
		name, uscc, district).Scan(&id))
	return id
}

var twoTranches = []domain.Tranche{{Percent: 40, Condition: domain.TrancheOnContract}, {Percent: 60, Condition: domain.TrancheOnFinal}}

// seedGrant makes the funded project n: a call, the organisation's opened
// bid, its award and the project (InsertProject), whose id is uuidN(300+n).
func seedGrant(t *testing.T, s *store.Store, n int, orgID int64, title, district string, amount domain.Fen) domain.Project {
	t.Helper()
	planner := mkUser(t, s, "planner", "", domain.RoleCivilAffairs)
	callID, bidID, awardID := uuidN(100+n), uuidN(200+n), uuidN(300+n)
	_, err := s.InsertDraftCall(ctx, callID, domain.CallDraft{Title: title, Brand: domain.BrandCunCaoXin, District: district, Budget: amount,
		Plan: domain.Plan{Mode: domain.ModeCompetition, Tranches: twoTranches}}, planner)
	must(t, err)
	exec(t, s, `INSERT INTO bids (id, call_id, org_id, version, status, parts, submitted_by) VALUES ($1, $2, $3, 1, 'opened', '{}', $4)`,
		bidID, callID, orgID, planner.UserID)
	exec(t, s, `INSERT INTO awards (id, call_id, bid_id, org_id, amount_fen, rank, notice_key, notice_sha256) VALUES ($1, $2, $3, $4, $5, 1, 'k', 's')`,
		awardID, callID, bidID, orgID, amount)
	p, err := s.InsertProject(ctx, awardID, time.Now().Add(30*24*time.Hour))
	must(t, err)
	return p
}

func grantKey(p domain.Project) int { return grantN(p.ID) }

// grantN is n of the project uuidN(300+n) (0 for another id).
func grantN(id string) int {
	for i := 1; i <= 20; i++ {
		if id == uuidN(300+i) {
			return i
		}
	}
	return 0
}

// TestListProjects: funded projects by organisation, district (the call's),
// stage and search (call title, project number, organisation name), the
// sorts with ties, paging.
func TestListProjects(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光_公益", "52120104MJ0000002B", "南开区")
	seedGrant(t, s, 1, sun, "河西区助老服务", "河西区", 5000)
	seedGrant(t, s, 2, star, "南开区陪伴计划", "南开区", 8000)
	seedGrant(t, s, 3, sun, "南开区助餐 100%", "南开区", 5000)
	seedGrant(t, s, 4, star, "河西区培训", "河西区", 3000)
	exec(t, s, `UPDATE projects SET stage = 'delivery' WHERE id IN ($1, $2)`, uuidN(302), uuidN(303))
	exec(t, s, `UPDATE projects SET created_at = $2 WHERE id = $1`, uuidN(301), at(1))
	exec(t, s, `UPDATE projects SET created_at = $2 WHERE id IN ($1, $3)`, uuidN(302), at(2), uuidN(303)) // a tie
	exec(t, s, `UPDATE projects SET created_at = $2 WHERE id = $1`, uuidN(304), at(4))
	var number3 string
	must(t, s.Pool().QueryRow(ctx, `SELECT number FROM projects WHERE id = $1`, uuidN(303)).Scan(&number3))
	for _, c := range []struct {
		name string
		f    store.ProjectFilter
		want []int
	}{
		{"all, newest first, tie by id", store.ProjectFilter{}, []int{4, 2, 3, 1}},
		{"an organisation's", store.ProjectFilter{OrgID: sun}, []int{3, 1}},
		{"the call's district", store.ProjectFilter{District: "南开区"}, []int{2, 3}},
		{"stage", store.ProjectFilter{Stage: domain.ProjectDelivery}, []int{2, 3}},
		{"organisation, district and stage", store.ProjectFilter{OrgID: sun, District: "南开区", Stage: domain.ProjectDelivery}, []int{3}},
		{"search the call title", store.ProjectFilter{Search: "助老"}, []int{1}},
		{"search the organisation", store.ProjectFilter{Search: "星光"}, []int{4, 2}},
		{"search the project number in lower case", store.ProjectFilter{Search: strings.ToLower(number3)}, []int{3}},
		{"search with a percent sign", store.ProjectFilter{Search: "100%"}, []int{3}},
		{"search with an underscore", store.ProjectFilter{Search: "星光_"}, []int{4, 2}},
		{"sort by amount, ties by id", store.ProjectFilter{Sort: "amount"}, []int{2, 1, 3, 4}},
		{"sort by amount ascending", store.ProjectFilter{Sort: "amount_asc"}, []int{4, 1, 3, 2}},
		{"sort by number", store.ProjectFilter{Sort: "number"}, []int{1, 2, 3, 4}},
		{"sort by organisation, ties by id", store.ProjectFilter{Sort: "org"}, []int{2, 4, 1, 3}},
		{"last page", store.ProjectFilter{Page: 2, PerPage: 3}, []int{1}},
		{"past the end", store.ProjectFilter{Page: 3, PerPage: 2}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.ListProjects(ctx, c.f)
			must(t, err)
			wantKeys(t, "projects", keys(p.Projects, grantKey), c.want)
		})
	}
}

// TestInsertProjectNumbers: funded projects numbered at once get distinct
// numbers; an award inserted again keeps its project and number.
func TestInsertProjectNumbers(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	first := seedGrant(t, s, 1, org, "助老服务一", "河西区", 5000)
	again, err := s.InsertProject(ctx, first.ID, time.Now())
	must(t, err)
	if again.Number != first.Number || !again.ContractDue.Equal(first.ContractDue) {
		t.Errorf("inserted again: %s due %v, want %s due %v", again.Number, again.ContractDue, first.Number, first.ContractDue)
	}
	if len(first.Tranches) != 2 || first.Tranches[1].Percent != 60 {
		t.Errorf("tranches copied from the call's plan: %+v", first.Tranches)
	}
	var n int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'project.create'`).Scan(&n))
	if n != 1 {
		t.Errorf("%d project.create entries, want 1", n)
	}
}

// TestTranches: a tranche is confirmed once — two civil servants confirming
// at once, one wins and the other is told who confirmed it; the same
// person again changes nothing — and paid once: two payments at once with
// different vouchers, one is recorded, the other a conflict naming the
// voucher; the same voucher again is no error. Payment before
// confirmation is refused.
func TestTranches(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	p := seedGrant(t, s, 1, org, "助老服务", "河西区", 10000)
	ca1 := mkUser(t, s, "ca1", "河西区", domain.RoleCivilAffairs)
	ca2 := mkUser(t, s, "ca2", "河西区", domain.RoleCivilAffairs)
	fin1 := mkUser(t, s, "fin1", "河西区", domain.RoleFinance)
	fin2 := mkUser(t, s, "fin2", "河西区", domain.RoleFinance)

	err := s.RecordPayment(ctx, p.ID, 0, "PZ-1", "v/1", "sha1", fin1)
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "尚未经民政部门确认") {
		t.Fatalf("payment before confirmation: %v", err)
	}

	errs := race(2, func(i int) error { return s.ConfirmTranche(ctx, p.ID, 0, 4000, []domain.Actor{ca1, ca2}[i]) })
	if oks, conflicts := count(errs); oks != 1 || conflicts != 1 {
		t.Fatalf("two confirmations at once: %v", errs)
	}
	for _, e := range errs {
		if e != nil && !strings.Contains(domain.ErrorMessage(e), "用户ca") {
			t.Errorf("the refused confirmation does not name who confirmed: %v", e)
		}
	}
	var winner domain.Actor
	must(t, s.Pool().QueryRow(ctx, `SELECT confirmed_by FROM project_tranches WHERE project_id = $1`, p.ID).Scan(&winner.UserID))
	if err := s.ConfirmTranche(ctx, p.ID, 0, 4000, winner); err != nil {
		t.Errorf("the same confirmation again: %v", err)
	}

	errs = race(2, func(i int) error {
		return s.RecordPayment(ctx, p.ID, 0, fmt.Sprintf("PZ-%d", i), fmt.Sprintf("v/%d", i), "sha", []domain.Actor{fin1, fin2}[i])
	})
	if oks, conflicts := count(errs); oks != 1 || conflicts != 1 {
		t.Fatalf("two payments at once: %v", errs)
	}
	var voucher, key string
	must(t, s.Pool().QueryRow(ctx, `SELECT voucher_no, voucher_key FROM project_tranches WHERE project_id = $1`, p.ID).Scan(&voucher, &key))
	for _, e := range errs {
		if e != nil && !strings.Contains(domain.ErrorMessage(e), voucher) {
			t.Errorf("the refused payment does not name voucher %s: %v", voucher, e)
		}
	}
	if err := s.RecordPayment(ctx, p.ID, 0, voucher, key, "sha", fin1); err != nil {
		t.Errorf("the same payment again: %v", err)
	}

	ts, err := s.Tranches(ctx, p)
	must(t, err)
	if len(ts) != 2 || ts[0].Amount != 4000 || ts[1].Amount != 6000 || ts[0].ConfirmedAt.IsZero() || ts[0].PaidAt.IsZero() ||
		ts[0].VoucherNo != voucher || !ts[1].ConfirmedAt.IsZero() || !ts[1].PaidAt.IsZero() {
		t.Errorf("tranches: %+v", ts)
	}
	var confirms, pays int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'tranche.confirm'), count(*) FILTER (WHERE action = 'tranche.pay') FROM audit_log`).Scan(&confirms, &pays))
	if confirms != 1 || pays != 1 {
		t.Errorf("%d confirmations and %d payments audited, want 1 and 1", confirms, pays)
	}
}

// race runs f(0…n-1) in n goroutines released together and returns their
// errors in order.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := 0; i < n; i++ {
		done.Add(1)
		go func(i int) {
			defer done.Done()
			start.Wait()
			errs[i] = f(i)
		}(i)
	}
	start.Done()
	done.Wait()
	return errs
}

// count counts successes and conflicts; any other error counts as neither.
func count(errs []error) (oks, conflicts int) {
	for _, e := range errs {
		switch {
		case e == nil:
			oks++
		case domain.ErrorCode(e) == domain.CodeConflict:
			conflicts++
		}
	}
	return oks, conflicts
}
