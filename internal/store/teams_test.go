package store_test

import (
	"testing"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestTeamsAndVisits: institutions and teams by district and area prefix;
// a team visit credits its participants only if every one is a member (a
// stranger refuses the whole visit); volunteers of a brand up to a limit;
// volunteer organisations by size (those without one last); pairs and the
// visits of a volunteer newest first, ties by id, up to a limit.
func TestTeamsAndVisits(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	seedAreas(t, s)
	by := mkUser(t, s, "vc", "河西区", domain.RoleCivilAffairs)
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "河西区")
	for _, v := range []struct {
		name, community, district, brand string
		org                              *int64
	}{
		{"刘洋", "120103001001", "河西区", "cuncaoxin", &sun},   // 1
		{"陈静", "120103001002", "河西区", "cuncaoxin", &sun},   // 2
		{"周杰", "120103002001", "河西区", "shouzuqing", &star}, // 3
		{"吴敏", "120101001001", "和平区", "cuncaoxin", nil},    // 4
		{"郑浩", "120103001001", "河西区", "cuncaoxin", &sun},   // 5
		{"王磊", "120103002001", "河西区", "shouzuqing", &star}, // 6
	} {
		exec(t, s, `INSERT INTO volunteers (name, phone_sealed, birth_year, community_code, district, brand, org_id, created_by) VALUES ($1, 'k.p', 2008, $2, $3, $4, $5, $6)`,
			v.name, v.community, v.district, v.brand, v.org, by.UserID)
	}
	i1, err := s.InsertInstitution(ctx, domain.InstitutionEntry{Name: "新兴养老院", CommunityCode: "120103001001", Beds: 80}, "河西区", by)
	must(t, err)
	_, err = s.InsertInstitution(ctx, domain.InstitutionEntry{Name: "天塔养老院", CommunityCode: "120103002001"}, "河西区", by)
	must(t, err)
	_, err = s.InsertInstitution(ctx, domain.InstitutionEntry{Name: "花园养老院", CommunityCode: "120101001001"}, "和平区", by)
	must(t, err)
	team, err := s.InsertTeam(ctx, domain.TeamEntry{Name: "新兴服务队", CommunityCode: "120103001001", Members: []int64{1, 2, 2}}, "河西区", by)
	must(t, err)
	_, err = s.InsertTeam(ctx, domain.TeamEntry{Name: "花园服务队", CommunityCode: "120101001001", Members: []int64{4}}, "和平区", by)
	must(t, err)
	must(t, s.PairTeam(ctx, team, i1, by))

	inst := func(d, prefix string) []int64 {
		got, err := s.Institutions(ctx, d, prefix)
		must(t, err)
		return keys(got, func(i domain.Institution) int64 { return i.ID })
	}
	wantKeys(t, "institutions of 河西区", inst("河西区", ""), []int64{1, 2})
	wantKeys(t, "institutions of a street", inst("", "120103001"), []int64{1})
	wantKeys(t, "every institution", inst("", ""), []int64{1, 2, 3})
	teams, err := s.Teams(ctx, "河西区", "")
	must(t, err)
	if len(teams) != 1 || teams[0].Members != 2 || teams[0].InstitutionName != "新兴养老院" {
		t.Errorf("teams of 河西区: %+v", teams)
	}
	if got, _ := s.Teams(ctx, "", "120101"); len(got) != 1 || got[0].Name != "花园服务队" {
		t.Errorf("teams under 120101: %+v", got)
	}

	visit := domain.TeamVisitEntry{TeamID: team, Kind: domain.VisitKind("companionship"), VisitedAt: at(1), Minutes: 60, Participants: []int64{1, 3}}
	if _, err := s.InsertTeamVisit(ctx, visit, i1, by); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("a visit with a stranger among the participants: %v", err)
	}
	visit.Participants = []int64{1}
	_, err = s.InsertTeamVisit(ctx, visit, i1, by)
	must(t, err)
	teams, _ = s.Teams(ctx, "河西区", "")
	if teams[0].Hours != domain.Hours(60) {
		t.Errorf("team hours %v, want 60 minutes (the refused visit counted?)", teams[0].Hours)
	}

	vob, err := s.VolunteersOfBrand(ctx, "河西区", "", domain.BrandCunCaoXin, 2)
	must(t, err)
	wantKeys(t, "cuncaoxin volunteers of 河西区, limit 2", keys(vob, func(v domain.Volunteer) int64 { return v.ID }), []int64{1, 2})
	vob, _ = s.VolunteersOfBrand(ctx, "", "120103001", domain.BrandCunCaoXin, 10)
	wantKeys(t, "cuncaoxin volunteers of a street", keys(vob, func(v domain.Volunteer) int64 { return v.ID }), []int64{1, 2, 5})

	orgs, err := s.VolunteerOrgs(ctx, "", "")
	must(t, err)
	wantKeys(t, "volunteer organisations by size, none last", keys(orgs, func(o store.VolunteerOrg) int64 { return o.OrgID }), []int64{sun, star, 0})
	if orgs[0].Volunteers != 3 || orgs[0].Hours != domain.Hours(60) {
		t.Errorf("阳光社工: %+v", orgs[0])
	}
	orgs, _ = s.VolunteerOrgs(ctx, "河西区", "120103002")
	wantKeys(t, "volunteer organisations of a street", keys(orgs, func(o store.VolunteerOrg) int64 { return o.OrgID }), []int64{star})

	exec(t, s, `INSERT INTO elderly (name, id_sealed, community_code, district, categories, birth_year, imported_by) VALUES
		('王大爷', 'k.x', '120103001001', '河西区', '{}', 1940, $1), ('李奶奶', 'k.y', '120103001002', '河西区', '{}', 1945, $1)`, by.UserID)
	p1, err := s.InsertPair(ctx, 1, 1, by)
	must(t, err)
	p2, err := s.InsertPair(ctx, 1, 2, by)
	must(t, err)
	if _, err := s.InsertPair(ctx, 1, 1, by); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("the same pair twice: %v", err)
	}
	pairs, err := s.Pairs(ctx, 1)
	must(t, err)
	if len(pairs) != 2 || pairs[0].ID != p1 || pairs[0].Community != "新兴社区" || pairs[1].ElderName != "李奶奶" {
		t.Errorf("pairs: %+v", pairs)
	}
	var visits []int64
	for _, v := range []struct {
		pair int64
		h    int
	}{{p1, 3}, {p2, 5}, {p1, 5}} { // the last two at the same time
		id, err := s.InsertVisit(ctx, domain.VisitEntry{PairID: v.pair, Kind: domain.VisitKind("companionship"), VisitedAt: at(v.h), Minutes: 30}, by)
		must(t, err)
		visits = append(visits, id)
	}
	got, err := s.Visits(ctx, 1, 3)
	must(t, err)
	// team visit 1 at hour 1 is the oldest; pair visits 2 and 3 tie at hour 5
	wantKeys(t, "visits newest first", keys(got, func(v domain.Visit) int64 { return v.ID }), []int64{visits[2], visits[1], visits[0]})
	got, _ = s.Visits(ctx, 1, 10)
	if len(got) != 4 || !got[3].AtInstitution || got[3].ElderName != "新兴养老院" {
		t.Errorf("visits with the team's: %+v", got)
	}

	// Without an organisation is last even when it is the largest group.
	for _, name := range []string{"孙丽", "钱坤"} {
		exec(t, s, `INSERT INTO volunteers (name, phone_sealed, birth_year, community_code, district, brand, created_by) VALUES ($1, 'k.p', 2008, '120101001001', '和平区', 'cuncaoxin', $2)`, name, by.UserID)
	}
	orgs, _ = s.VolunteerOrgs(ctx, "", "")
	wantKeys(t, "volunteer organisations, none last though largest", keys(orgs, func(o store.VolunteerOrg) int64 { return o.OrgID }), []int64{sun, star, 0})
}
