package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// seedCalls adds calls c1…c6 (uuidN(1…6)) with the stages, districts,
// budgets, deadlines and creation times the list tests expect:
//
//	c  title                 district stage           published budget deadline created
//	1  河西区助老服务项目      河西区    draft           no        300     —        t+1
//	2  和平区 50% 补贴项目     和平区    publish_review  no        100     t+9      t+2
//	3  南开区 a_b 陪伴计划     南开区    bidding         yes       300     t+7      t+3
//	4  河西区陪伴计划          河西区    bidding         yes       200     t+8      t+3 (tie with 3)
//	5  和平区培训项目          和平区    awarded         yes       300     —        t+5
//	6  南开区助老草稿          南开区    publish_review  no        500     —        t+6
func seedCalls(t *testing.T, s *store.Store) {
	t.Helper()
	planner := mkUser(t, s, "planner", "", domain.RoleCivilAffairs)
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, domain.ChinaTime)
	rows := []struct {
		title, district string
		stage           domain.CallStage
		published       bool
		budget          domain.Fen
		deadlineDays    int // 0: none
		createdHours    int
	}{
		{"河西区助老服务项目", "河西区", domain.StageDraft, false, 300, 0, 1},
		{"和平区 50% 补贴项目", "和平区", domain.StagePublishReview, false, 100, 9, 2},
		{"南开区 a_b 陪伴计划", "南开区", domain.StageBidding, true, 300, 7, 3},
		{"河西区陪伴计划", "河西区", domain.StageBidding, true, 200, 8, 3},
		{"和平区培训项目", "和平区", domain.StageAwarded, true, 300, 0, 5},
		{"南开区助老草稿", "南开区", domain.StagePublishReview, false, 500, 0, 6},
	}
	for i, r := range rows {
		id := uuidN(i + 1)
		_, err := s.InsertDraftCall(ctx, id, domain.CallDraft{Title: r.title, Brand: domain.BrandCunCaoXin, District: r.district,
			Budget: r.budget, Plan: domain.Plan{Mode: domain.ModeCompetition}}, planner)
		must(t, err)
		var deadline, published *time.Time
		if r.deadlineDays > 0 {
			d := base.AddDate(0, 0, r.deadlineDays)
			deadline = &d
		}
		if r.published {
			p := base
			published = &p
		}
		exec(t, s, `UPDATE calls SET stage = $2, published_at = $3, bid_deadline = $4, created_at = $5 WHERE id = $1`,
			id, r.stage, published, deadline, base.Add(time.Duration(r.createdHours)*time.Hour))
	}
}

func callKey(c domain.Call) int {
	for i := 1; i <= 9; i++ {
		if c.ID == uuidN(i) {
			return i
		}
	}
	return 0
}

func TestListCallsFiltersAndSorts(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedCalls(t, s)
	for _, c := range []struct {
		name string
		f    store.CallFilter
		want []int
	}{
		{"everything, newest first, a creation tie by id", store.CallFilter{}, []int{6, 5, 3, 4, 2, 1}},
		{"stage", store.CallFilter{Stage: domain.StageBidding}, []int{3, 4}},
		{"district", store.CallFilter{District: "河西区"}, []int{4, 1}},
		{"stage and district", store.CallFilter{Stage: domain.StageBidding, District: "河西区"}, []int{4}},
		{"a district without calls", store.CallFilter{District: "蓟州区"}, nil},
		{"published only", store.CallFilter{Published: true}, []int{5, 3, 4}},
		{"unpublished: none", store.CallFilter{Unpublished: &store.UnpublishedScope{}}, []int{5, 3, 4}},
		{"unpublished: one district's", store.CallFilter{Unpublished: &store.UnpublishedScope{Drafts: "河西区"}}, []int{5, 3, 4, 1}},
		{"unpublished: every review", store.CallFilter{Unpublished: &store.UnpublishedScope{Reviews: "*"}}, []int{6, 5, 3, 4, 2}},
		{"unpublished: one district's reviews", store.CallFilter{Unpublished: &store.UnpublishedScope{Reviews: "南开区"}}, []int{6, 5, 3, 4}},
		{"unpublished: all", store.CallFilter{Unpublished: &store.UnpublishedScope{Drafts: "*", Reviews: "*"}}, []int{6, 5, 3, 4, 2, 1}},
		{"search in Chinese", store.CallFilter{Search: "助老"}, []int{6, 1}},
		{"search trimmed", store.CallFilter{Search: "  陪伴计划 "}, []int{3, 4}},
		{"search and stage", store.CallFilter{Search: "陪伴", Stage: domain.StageBidding, District: "南开区"}, []int{3}},
		{"search without a match", store.CallFilter{Search: "不存在的项目"}, nil},
		{"search with a literal percent sign", store.CallFilter{Search: "50%"}, []int{2}},
		{"a percent sign alone matches itself, not everything", store.CallFilter{Search: "%"}, []int{2}},
		{"an underscore matches itself, not any character", store.CallFilter{Search: "区_"}, nil},
		{"search case-insensitively in the number", store.CallFilter{Search: "zj"}, []int{6, 5, 3, 4, 2, 1}},
		{"sort oldest first", store.CallFilter{Sort: "created_asc"}, []int{1, 2, 3, 4, 5, 6}},
		{"sort by budget, ties by id", store.CallFilter{Sort: "budget"}, []int{6, 1, 3, 5, 4, 2}},
		{"sort by budget ascending", store.CallFilter{Sort: "budget_asc"}, []int{2, 4, 1, 3, 5, 6}},
		{"sort by deadline, none last", store.CallFilter{Sort: "deadline"}, []int{3, 4, 2, 1, 5, 6}},
		{"sort by number", store.CallFilter{Sort: "number"}, []int{1, 2, 3, 4, 5, 6}},
		{"unknown sort: newest first", store.CallFilter{Sort: "budget; DROP TABLE calls"}, []int{6, 5, 3, 4, 2, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.ListCalls(ctx, c.f)
			must(t, err)
			wantKeys(t, "calls", keys(p.Calls, callKey), c.want)
			if p.Total != len(c.want) {
				t.Errorf("total %d, want %d", p.Total, len(c.want))
			}
		})
	}
}

func TestListCallsPaging(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedCalls(t, s)
	for _, c := range []struct {
		name             string
		page, perPage    int
		want             []int
		wantPage, wantPP int
	}{
		{"first page", 1, 4, []int{6, 5, 3, 4}, 1, 4},
		{"last page, short", 2, 4, []int{2, 1}, 2, 4},
		{"past the end", 3, 4, nil, 3, 4},
		{"page 0 is the first", 0, 4, []int{6, 5, 3, 4}, 1, 4},
		{"negative page is the first", -2, 4, []int{6, 5, 3, 4}, 1, 4},
		{"exact fit", 2, 3, []int{4, 2, 1}, 2, 3},
		{"per page 0: default 20", 1, 0, []int{6, 5, 3, 4, 2, 1}, 1, 20},
		{"per page at the maximum", 1, 200, []int{6, 5, 3, 4, 2, 1}, 1, 200},
		{"per page above the maximum: default 20", 1, 201, []int{6, 5, 3, 4, 2, 1}, 1, 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.ListCalls(ctx, store.CallFilter{Page: c.page, PerPage: c.perPage})
			must(t, err)
			wantKeys(t, "calls", keys(p.Calls, callKey), c.want)
			if p.Total != 6 || p.Page != c.wantPage || p.PerPage != c.wantPP {
				t.Errorf("total %d page %d per page %d, want 6, %d, %d", p.Total, p.Page, p.PerPage, c.wantPage, c.wantPP)
			}
		})
	}
	p, _ := s.ListCalls(ctx, store.CallFilter{PerPage: 4})
	if p.Pages() != 2 {
		t.Errorf("pages of 6 by 4: %d, want 2", p.Pages())
	}
	p, _ = s.ListCalls(ctx, store.CallFilter{PerPage: 3})
	if p.Pages() != 2 {
		t.Errorf("pages of 6 by 3: %d, want 2", p.Pages())
	}
	p, _ = s.ListCalls(ctx, store.CallFilter{District: "蓟州区"})
	if p.Pages() != 0 || p.Total != 0 {
		t.Errorf("pages of none: %d, want 0", p.Pages())
	}
}

// TestInsertDraftCallNumbers: call numbers come from a sequence, so calls
// created at once get distinct numbers, and inserting the same id again
// (an activity retried) neither takes a number nor writes a second row.
func TestInsertDraftCallNumbers(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	planner := mkUser(t, s, "planner", "", domain.RoleCivilAffairs)
	draft := domain.CallDraft{Title: "并发创建的征集", Brand: domain.BrandShouZuQing, District: "河西区", Budget: 100, Plan: domain.Plan{Mode: domain.ModeCompetition}}
	const n = 8
	numbers := make(chan string, 2*n)
	errs := make(chan error, 2*n)
	for i := 0; i < 2*n; i++ {
		go func(i int) {
			c, err := s.InsertDraftCall(ctx, uuidN(i%n+1), draft, planner) // each id twice
			errs <- err
			numbers <- c.ID + " " + c.Number
		}(i)
	}
	seen := map[string]string{}
	nums := map[string]bool{}
	for i := 0; i < 2*n; i++ {
		must(t, <-errs)
		var id, num string
		_, _ = fmtSscan(<-numbers, &id, &num)
		if prev, ok := seen[id]; ok && prev != num {
			t.Errorf("call %s answered with two numbers: %s and %s", id, prev, num)
		}
		seen[id] = num
		nums[num] = true
	}
	if len(seen) != n || len(nums) != n {
		t.Fatalf("%d ids with %d numbers, want %d of each", len(seen), len(nums), n)
	}
	var rows, audits int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM calls`).Scan(&rows))
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'call.create'`).Scan(&audits))
	if rows != n || audits != n {
		t.Errorf("%d calls and %d audit entries, want %d of each", rows, audits, n)
	}
}
