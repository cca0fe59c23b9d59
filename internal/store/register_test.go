package store_test

import (
	"testing"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestListElderly: the register by district, area prefix and category, its
// sorts (birth year with ties and missing years last), paging and the
// per-page limit of 1000; ElderCounts counts the same scope.
func TestListElderly(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	imp := mkUser(t, s, "imp", "河西区", domain.RoleCivilAffairs)
	for _, r := range []struct {
		name, community, district, cats string
		birth                           int
	}{
		{"王大爷", "120103001001", "河西区", "{very_old,living_alone}", 1940}, // 1
		{"李奶奶", "120103001002", "河西区", "{poor}", 1950},                  // 2
		{"张爷爷", "120103002001", "河西区", "{very_old}", 1940},              // 3 (same year as 1)
		{"赵奶奶", "120101001001", "和平区", "{living_alone}", 1960},          // 4
		{"孙大妈", "120103001001", "河西区", "{empty_nest,poor}", 1955},       // 5
	} {
		exec(t, s, `INSERT INTO elderly (name, id_sealed, community_code, district, categories, birth_year, imported_by) VALUES ($1, 'k.x', $2, $3, $4, $5, $6)`,
			r.name, r.community, r.district, r.cats, r.birth, imp.UserID)
	}
	id := func(e domain.Elder) int64 { return e.ID }
	for _, c := range []struct {
		name string
		f    store.ElderFilter
		want []int64
	}{
		{"all by id", store.ElderFilter{}, []int64{1, 2, 3, 4, 5}},
		{"district", store.ElderFilter{District: "和平区"}, []int64{4}},
		{"area prefix: a street", store.ElderFilter{AreaPrefix: "120103001"}, []int64{1, 2, 5}},
		{"area prefix: a community", store.ElderFilter{AreaPrefix: "120103001001"}, []int64{1, 5}},
		{"category", store.ElderFilter{Category: domain.ElderLivingAlone}, []int64{1, 4}},
		{"district and category", store.ElderFilter{District: "河西区", Category: domain.ElderPoor}, []int64{2, 5}},
		{"sort by community", store.ElderFilter{Sort: "community"}, []int64{4, 1, 5, 2, 3}},
		{"sort oldest first, ties by id", store.ElderFilter{Sort: "age"}, []int64{1, 3, 2, 5, 4}},
		{"sort youngest first, ties by id", store.ElderFilter{Sort: "age_desc"}, []int64{4, 5, 2, 1, 3}},
		{"unknown sort", store.ElderFilter{Sort: "e.name"}, []int64{1, 2, 3, 4, 5}},
		{"page 2 by 2", store.ElderFilter{Page: 2, PerPage: 2}, []int64{3, 4}},
		{"last page", store.ElderFilter{Page: 3, PerPage: 2}, []int64{5}},
		{"past the end", store.ElderFilter{Page: 4, PerPage: 2}, nil},
		{"per page 1000 is allowed", store.ElderFilter{PerPage: 1000}, []int64{1, 2, 3, 4, 5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, total, err := s.ListElderly(ctx, c.f)
			must(t, err)
			wantKeys(t, "elderly", keys(got, id), c.want)
			if c.f.Page == 0 && total != len(c.want) {
				t.Errorf("total %d, want %d", total, len(c.want))
			}
		})
	}
	got, _, err := s.ListElderly(ctx, store.ElderFilter{PerPage: 1001, AreaPrefix: "120103001001"})
	must(t, err)
	if len(got) != 2 || got[0].CommunityName != "新兴社区" || got[0].Name != "王大爷" {
		t.Errorf("rows %+v", got)
	}
	counts, total, err := s.ElderCounts(ctx, store.ElderFilter{District: "河西区"})
	must(t, err)
	if total != 4 || counts[domain.ElderVeryOld] != 2 || counts[domain.ElderPoor] != 2 || counts[domain.ElderLivingAlone] != 1 || counts[domain.ElderEmptyNest] != 1 || len(counts) != 4 {
		t.Errorf("counts in 河西区: %v of %d", counts, total)
	}
	counts, total, err = s.ElderCounts(ctx, store.ElderFilter{Category: domain.ElderLivingAlone})
	must(t, err)
	if total != 2 || counts[domain.ElderLivingAlone] != 2 || counts[domain.ElderVeryOld] != 1 {
		t.Errorf("counts of those living alone: %v of %d", counts, total)
	}
}

// TestVolunteers: volunteers by scope, brand and name search, sorted by
// name, community or hours (from visits; none last), paged.
func TestVolunteers(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	by := mkUser(t, s, "vc", "河西区", domain.RoleCivilAffairs)
	for _, r := range []struct{ name, community, district, brand string }{
		{"刘洋", "120103001001", "河西区", "cuncaoxin"},  // 1
		{"陈静", "120103002001", "河西区", "shouzuqing"}, // 2
		{"刘洋", "120101001001", "和平区", "cuncaoxin"},  // 3 (same name as 1)
		{"周_杰", "120103001002", "河西区", "cuncaoxin"}, // 4
	} {
		exec(t, s, `INSERT INTO volunteers (name, phone_sealed, birth_year, community_code, district, brand, created_by) VALUES ($1, 'k.p', 2008, $2, $3, $4, $5)`,
			r.name, r.community, r.district, r.brand, by.UserID)
	}
	exec(t, s, `INSERT INTO elderly (name, id_sealed, community_code, district, categories, birth_year, imported_by) VALUES ('王大爷', 'k.x', '120103001001', '河西区', '{}', 1940, $1)`, by.UserID)
	// hours: volunteer 2 has 90 minutes, volunteer 4 has 30, 1 and 3 none
	exec(t, s, `INSERT INTO pairs (volunteer_id, elder_id, created_by) VALUES (2, 1, $1), (4, 1, $1)`, by.UserID)
	exec(t, s, `INSERT INTO visits (pair_id, kind, visited_at, minutes, recorded_by) VALUES (1, 'home', now(), 60, $1), (1, 'home', now(), 30, $1), (2, 'home', now(), 30, $1)`, by.UserID)
	id := func(v domain.Volunteer) int64 { return v.ID }
	for _, c := range []struct {
		name string
		f    store.VolunteerFilter
		want []int64
	}{
		{"all by id", store.VolunteerFilter{}, []int64{1, 2, 3, 4}},
		{"district", store.VolunteerFilter{District: "河西区"}, []int64{1, 2, 4}},
		{"area prefix", store.VolunteerFilter{AreaPrefix: "120103001"}, []int64{1, 4}},
		{"brand", store.VolunteerFilter{Brand: domain.BrandCunCaoXin}, []int64{1, 3, 4}},
		{"search a Chinese name", store.VolunteerFilter{Search: " 刘洋 "}, []int64{1, 3}},
		{"search with an underscore", store.VolunteerFilter{Search: "周_"}, []int64{4}},
		{"search and district", store.VolunteerFilter{Search: "刘", District: "和平区"}, []int64{3}},
		{"sort by name, ties by id", store.VolunteerFilter{Sort: "name"}, []int64{1, 3, 4, 2}},
		{"sort by community", store.VolunteerFilter{Sort: "community"}, []int64{3, 1, 4, 2}},
		{"sort by hours, none last", store.VolunteerFilter{Sort: "hours"}, []int64{2, 4, 1, 3}},
		{"last page", store.VolunteerFilter{Page: 2, PerPage: 3}, []int64{4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := s.Volunteers(ctx, c.f)
			must(t, err)
			wantKeys(t, "volunteers", keys(got, id), c.want)
		})
	}
	got, total, err := s.Volunteers(ctx, store.VolunteerFilter{Sort: "hours", PerPage: 1})
	must(t, err)
	if total != 4 || len(got) != 1 || got[0].Hours != domain.Hours(90) {
		t.Errorf("top volunteer by hours: %+v of %d, want 90 minutes of 4", got, total)
	}
}
