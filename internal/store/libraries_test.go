package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Text sorts follow the cluster's collation, C.UTF-8 (initdb --locale, as
// devstack makes it): Chinese by code point, so 南 (U+5357) < 和 (U+548C)
// < 河 (U+6CB3) and 张 (U+5F20) < 李 (U+674E).

var seedBase = time.Date(2026, 3, 1, 9, 0, 0, 0, domain.ChinaTime)

// at is seedBase plus h hours.
func at(h int) time.Time { return seedBase.Add(time.Duration(h) * time.Hour) }

// TestIdeas: the ideas list by submitter, status and search (title or
// institution, Chinese, LIKE characters), every sort with its tiebreaker,
// and paging.
func TestIdeas(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	a := mkUser(t, s, "uni_a", "", domain.RoleIdeaSubmitter)
	b := mkUser(t, s, "uni_b", "", domain.RoleIdeaSubmitter)
	// id title institution district status submitter created
	for _, r := range []struct {
		title, inst, district, status string
		by                            domain.Actor
		h                             int
	}{
		{"青少年助老行动", "南开大学", "南开区", "submitted", a, 1},       // 1
		{"社区陪伴计划", "天津大学", "河西区", "adopted", b, 2},          // 2
		{"100% 覆盖的探访", "南开大学_社工系", "和平区", "declined", a, 2}, // 3 (creation tie with 2)
		{"低龄助高龄互助", "天津医科大学", "河西区", "submitted", b, 4},     // 4
	} {
		exec(t, s, `INSERT INTO ideas (title, summary, brand, district, institution, need_ids, status, submitted_by, created_at)
			VALUES ($1, '摘要', 'cuncaoxin', $2, $3, '{}', $4, $5, $6)`, r.title, r.district, r.inst, r.status, r.by.UserID, at(r.h))
	}
	id := func(i domain.Idea) int64 { return i.ID }
	for _, c := range []struct {
		name string
		f    store.IdeaFilter
		want []int64
	}{
		{"all, newest first, tie by id", store.IdeaFilter{}, []int64{4, 2, 3, 1}},
		{"a submitter's own", store.IdeaFilter{SubmittedBy: a.UserID}, []int64{3, 1}},
		{"status", store.IdeaFilter{Status: domain.IdeaSubmitted}, []int64{4, 1}},
		{"submitter and status", store.IdeaFilter{SubmittedBy: b.UserID, Status: domain.IdeaAdopted}, []int64{2}},
		{"search the title", store.IdeaFilter{Search: "助老"}, []int64{1}},
		{"search the institution", store.IdeaFilter{Search: "南开大学"}, []int64{3, 1}},
		{"search with a percent sign", store.IdeaFilter{Search: "100%"}, []int64{3}},
		{"search with an underscore", store.IdeaFilter{Search: "大学_社工"}, []int64{3}},
		{"search for nothing", store.IdeaFilter{Search: "复旦"}, nil},
		{"sort oldest first", store.IdeaFilter{Sort: "created_asc"}, []int64{1, 2, 3, 4}},
		{"sort by title", store.IdeaFilter{Sort: "title"}, []int64{3, 4, 2, 1}},
		{"sort by district, then newest", store.IdeaFilter{Sort: "district"}, []int64{1, 3, 4, 2}},
		{"page 2 of 3 per page", store.IdeaFilter{Page: 2, PerPage: 3}, []int64{1}},
		{"past the end", store.IdeaFilter{Page: 3, PerPage: 3}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, total, err := s.Ideas(ctx, c.f)
			must(t, err)
			wantKeys(t, "ideas", keys(got, id), c.want)
			if c.f.Page == 0 && total != len(c.want) {
				t.Errorf("total %d, want %d", total, len(c.want))
			}
			if c.f.Page > 0 && total != 4 {
				t.Errorf("total %d, want 4", total)
			}
		})
	}
}

// TestProposals: the project library by status, district and search, its
// sorts and paging.
func TestProposals(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ca := mkUser(t, s, "ca", "", domain.RoleCivilAffairs)
	for _, r := range []struct {
		title, inst, district, status string
		h                             int
	}{
		{"寸草心助老", "", "河西区", "candidate", 3},            // 1
		{"手足情互助", "天津大学", "南开区", "in_call", 1},          // 2
		{"助老_试点", "", "河西区", "funded", 3},               // 3 (tie with 1)
		{"陪伴老人", "南开大学", "河西区", "returned_unfunded", 2}, // 4
		{"助餐服务", "", "和平区", "candidate", 5},             // 5
	} {
		exec(t, s, `INSERT INTO proposals (title, summary, brand, district, institution, need_ids, status, created_by, created_at)
			VALUES ($1, '摘要', 'cuncaoxin', $2, $3, '{}', $4, $5, $6)`, r.title, r.district, r.inst, r.status, ca.UserID, at(r.h))
	}
	id := func(p domain.Proposal) int64 { return p.ID }
	for _, c := range []struct {
		name string
		f    store.ProposalFilter
		want []int64
	}{
		{"all, newest first, tie by id", store.ProposalFilter{}, []int64{5, 1, 3, 4, 2}},
		{"status", store.ProposalFilter{Status: domain.ProposalCandidate}, []int64{5, 1}},
		{"district", store.ProposalFilter{District: "河西区"}, []int64{1, 3, 4}},
		{"status and district", store.ProposalFilter{Status: domain.ProposalCandidate, District: "河西区"}, []int64{1}},
		{"search title", store.ProposalFilter{Search: "助老"}, []int64{1, 3}},
		{"search institution", store.ProposalFilter{Search: "大学"}, []int64{4, 2}},
		{"search with an underscore", store.ProposalFilter{Search: "助老_"}, []int64{3}},
		{"search and district", store.ProposalFilter{Search: "大学", District: "南开区"}, []int64{2}},
		{"sort oldest first", store.ProposalFilter{Sort: "created_asc"}, []int64{2, 4, 1, 3, 5}},
		{"sort by district", store.ProposalFilter{Sort: "district"}, []int64{2, 5, 1, 3, 4}},
		{"unknown sort", store.ProposalFilter{Sort: "nonsense"}, []int64{5, 1, 3, 4, 2}},
		{"last page", store.ProposalFilter{Page: 3, PerPage: 2}, []int64{2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := s.Proposals(ctx, c.f)
			must(t, err)
			wantKeys(t, "proposals", keys(got, id), c.want)
		})
	}
}

// seedAreas adds two streets with communities under 河西区 and 和平区.
func seedAreas(t *testing.T, s *store.Store) {
	t.Helper()
	exec(t, s, `INSERT INTO areas (code, name, level, parent_code) VALUES
		('120103001', '大营门街道', 'street', '120103'),
		('120103001001', '新兴社区', 'community', '120103001'),
		('120103001002', '下瓦房社区', 'community', '120103001'),
		('120103002', '友谊路街道', 'street', '120103'),
		('120103002001', '天塔社区', 'community', '120103002'),
		('120101001', '劝业场街道', 'street', '120101'),
		('120101001001', '花园社区', 'community', '120101001')`)
}

// TestListNeeds: needs by district, street, area prefix, quarter and
// category; the urgency sort with ties; paging and its limits.
func TestListNeeds(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	rep := mkUser(t, s, "rep", "河西区", domain.RoleReporter)
	for _, r := range []struct {
		community, street, district, quarter, category, urgency string
		h                                                       int
	}{
		{"120103001001", "120103001", "河西区", "2026Q1", "meal_help", "low", 1},        // 1
		{"120103001002", "120103001", "河西区", "2026Q1", "home_visits", "high", 2},     // 2
		{"120103002001", "120103002", "河西区", "2026Q2", "meal_help", "high", 2},       // 3 (tie with 2)
		{"120101001001", "120101001", "和平区", "2026Q1", "meal_help", "medium", 4},     // 4
		{"120103001001", "120103001", "河西区", "2026Q2", "companionship", "medium", 5}, // 5
	} {
		exec(t, s, `INSERT INTO needs (community_code, street_code, district, quarter, category, urgency, affected, description, recorded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, '{}', '描述', $7, $8)`, r.community, r.street, r.district, r.quarter, r.category, r.urgency, rep.UserID, at(r.h))
	}
	id := func(n domain.Need) int64 { return n.ID }
	for _, c := range []struct {
		name string
		f    store.NeedFilter
		want []int64
	}{
		{"all, newest first", store.NeedFilter{}, []int64{5, 4, 2, 3, 1}},
		{"district", store.NeedFilter{District: "河西区"}, []int64{5, 2, 3, 1}},
		{"street", store.NeedFilter{StreetCode: "120103001"}, []int64{5, 2, 1}},
		{"area prefix of a street", store.NeedFilter{AreaPrefix: "120103001"}, []int64{5, 2, 1}},
		{"area prefix of a community", store.NeedFilter{AreaPrefix: "120103001001"}, []int64{5, 1}},
		{"area prefix of a district", store.NeedFilter{AreaPrefix: "120103"}, []int64{5, 2, 3, 1}},
		{"quarter", store.NeedFilter{Quarter: "2026Q1"}, []int64{4, 2, 1}},
		{"category", store.NeedFilter{Category: domain.NeedMealHelp}, []int64{4, 3, 1}},
		{"district, quarter and category", store.NeedFilter{District: "河西区", Quarter: "2026Q1", Category: domain.NeedMealHelp}, []int64{1}},
		{"sort by urgency, then newest, then id", store.NeedFilter{Sort: "urgency"}, []int64{2, 3, 5, 4, 1}},
		{"sort by community", store.NeedFilter{Sort: "community"}, []int64{4, 1, 5, 2, 3}},
		{"sort oldest first", store.NeedFilter{Sort: "created_asc"}, []int64{1, 2, 3, 4, 5}},
		{"page 2 by 2", store.NeedFilter{Page: 2, PerPage: 2}, []int64{2, 3}},
		{"per page 500 is allowed", store.NeedFilter{PerPage: 500}, []int64{5, 4, 2, 3, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.ListNeeds(ctx, c.f)
			must(t, err)
			wantKeys(t, "needs", keys(p.Needs, id), c.want)
		})
	}
	p, err := s.ListNeeds(ctx, store.NeedFilter{PerPage: 500})
	must(t, err)
	if p.PerPage != 500 || p.Total != 5 || p.Needs[0].CommunityName != "新兴社区" {
		t.Errorf("per page %d total %d community %q, want 500, 5, 新兴社区", p.PerPage, p.Total, p.Needs[0].CommunityName)
	}
	if p, _ := s.ListNeeds(ctx, store.NeedFilter{PerPage: 501}); p.PerPage != 20 {
		t.Errorf("per page 501 became %d, want the default 20", p.PerPage)
	}
}

// TestListTalents: talents by kind, field, district, availability and
// search; sorts by name and district with ties; paging.
func TestListTalents(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	for _, r := range []struct {
		kind, name, district, employer, fields string
		available                              bool
	}{
		{"expert", "张伟", "河西区", "天津大学", "{elderly_care,finance}", true}, // 1
		{"expert", "李娜", "南开区", "南开大学", "{finance}", false},             // 2
		{"volunteer_leader", "张伟", "和平区", "和平区志愿者协会", "{}", true},       // 3 (same name as 1)
		{"expert", "王芳", "河西区", "天津医科大学 100%", "{elderly_care}", true},  // 4
		{"philanthropist", "赵敏", "河西区", "", "{}", true},                 // 5
	} {
		exec(t, s, `INSERT INTO talents (kind, name, level, district, employer, fields, available) VALUES ($1, $2, 'district', $3, $4, $5, $6)`,
			r.kind, r.name, r.district, r.employer, r.fields, r.available)
	}
	yes, no := true, false
	id := func(x domain.Talent) int64 { return x.ID }
	for _, c := range []struct {
		name string
		f    store.TalentFilter
		want []int64
	}{
		{"all by id", store.TalentFilter{}, []int64{1, 2, 3, 4, 5}},
		{"kind", store.TalentFilter{Kind: domain.TalentExpert}, []int64{1, 2, 4}},
		{"field", store.TalentFilter{Field: "finance"}, []int64{1, 2}},
		{"district", store.TalentFilter{District: "河西区"}, []int64{1, 4, 5}},
		{"available", store.TalentFilter{Available: &yes}, []int64{1, 3, 4, 5}},
		{"unavailable", store.TalentFilter{Available: &no}, []int64{2}},
		{"expert, field, available", store.TalentFilter{Kind: domain.TalentExpert, Field: "elderly_care", Available: &yes}, []int64{1, 4}},
		{"search name", store.TalentFilter{Search: "张伟"}, []int64{1, 3}},
		{"search employer", store.TalentFilter{Search: "大学"}, []int64{1, 2, 4}},
		{"search with a percent sign", store.TalentFilter{Search: "100%"}, []int64{4}},
		{"sort newest first", store.TalentFilter{Sort: "created"}, []int64{5, 4, 3, 2, 1}},
		{"sort by name, ties by id", store.TalentFilter{Sort: "name"}, []int64{1, 3, 2, 4, 5}},
		{"sort by district then name", store.TalentFilter{Sort: "district"}, []int64{2, 3, 1, 4, 5}},
		{"last page", store.TalentFilter{Page: 2, PerPage: 3}, []int64{4, 5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.ListTalents(ctx, c.f)
			must(t, err)
			wantKeys(t, "talents", keys(p.Talents, id), c.want)
		})
	}
}

// TestListOrganisations: organisations by status, district and search
// (name, or the USCC exactly in any case), sorts and paging.
func TestListOrganisations(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	for _, r := range []struct {
		name, uscc, district, status string
		h                            int
	}{
		{"河西区阳光养老服务中心", "52120103MJ0000001A", "河西区", "verified", 1}, // 1
		{"南开区社工事务所", "52120104MJ0000002B", "南开区", "pending", 2},     // 2
		{"和平区 50% 公益社", "52120101MJ0000003C", "和平区", "rejected", 2}, // 3 (tie with 2)
		{"河西区助老_协会", "52120103MJ0000004D", "河西区", "pending", 4},     // 4
	} {
		exec(t, s, `INSERT INTO organisations (name, uscc, org_type, legal_rep_name, legal_rep_id_sealed, contact_name, contact_phone_sealed, district, status, created_at)
			VALUES ($1, $2, '社会服务机构', '法人', 'k.x', '联系人', 'k.y', $3, $4, $5)`, r.name, r.uscc, r.district, r.status, at(r.h))
	}
	id := func(o domain.Organisation) int64 { return o.ID }
	for _, c := range []struct {
		name string
		f    store.OrgFilter
		want []int64
	}{
		{"all, newest first", store.OrgFilter{}, []int64{4, 2, 3, 1}},
		{"status", store.OrgFilter{Status: domain.OrgPending}, []int64{4, 2}},
		{"district", store.OrgFilter{District: "河西区"}, []int64{4, 1}},
		{"status and district", store.OrgFilter{Status: domain.OrgPending, District: "河西区"}, []int64{4}},
		{"search name", store.OrgFilter{Search: "河西区"}, []int64{4, 1}},
		{"search the USCC in lower case", store.OrgFilter{Search: "52120104mj0000002b"}, []int64{2}},
		{"part of a USCC does not match", store.OrgFilter{Search: "52120104"}, nil},
		{"search with an underscore", store.OrgFilter{Search: "助老_"}, []int64{4}},
		{"search with a percent sign", store.OrgFilter{Search: "50%"}, []int64{3}},
		{"sort by name", store.OrgFilter{Sort: "name"}, []int64{2, 3, 4, 1}},
		{"sort by district then name", store.OrgFilter{Sort: "district"}, []int64{2, 3, 4, 1}},
		{"sort oldest first", store.OrgFilter{Sort: "created_asc"}, []int64{1, 2, 3, 4}},
		{"page 2 by 3", store.OrgFilter{Page: 2, PerPage: 3}, []int64{1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.ListOrganisations(ctx, c.f)
			must(t, err)
			wantKeys(t, "organisations", keys(p.Orgs, id), c.want)
		})
	}
}
