package auth

import (
	"testing"

	"grantflow/internal/domain"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("正确的密码 correct horse")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := CheckPassword(h, "正确的密码 correct horse")
	if err != nil || !ok {
		t.Fatalf("right password refused: %v", err)
	}
	ok, err = CheckPassword(h, "wrong")
	if err != nil || ok {
		t.Fatalf("wrong password accepted: %v", err)
	}
	if _, err := CheckPassword("$bcrypt$x", "x"); err == nil {
		t.Fatal("malformed hash accepted")
	}
	h2, _ := HashPassword("正确的密码 correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestAuthorize(t *testing.T) {
	cityCA := domain.User{Roles: []domain.Role{domain.RoleCivilAffairs}, District: domain.CityLevel}
	hexiCA := domain.User{Roles: []domain.Role{domain.RoleCivilAffairs}, District: "河西区"}
	finance := domain.User{Roles: []domain.Role{domain.RoleFinance}, District: domain.CityLevel}
	org := domain.User{Roles: []domain.Role{domain.RoleOrgMember}, District: "河西区"}
	tests := []struct {
		name     string
		user     domain.User
		action   Action
		district string
		allowed  bool
	}{
		{"city civil affairs drafts anywhere", cityCA, ActionCreateCall, "南开区", true},
		{"district civil affairs drafts at home", hexiCA, ActionCreateCall, "河西区", true},
		{"district civil affairs not elsewhere", hexiCA, ActionCreateCall, "南开区", false},
		{"district civil affairs not at city level", hexiCA, ActionCreateCall, domain.CityLevel, false},
		{"finance cannot draft", finance, ActionCreateCall, "河西区", false},
		{"finance views", finance, ActionViewCall, "河西区", true},
		{"organisation cannot attach", org, ActionAttachDocument, "河西区", false},
		{"organisation cannot cancel", org, ActionCancelCall, "河西区", false},
		{"no roles, nothing", domain.User{}, ActionViewCall, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Authorize(tc.user, tc.action, tc.district)
			if (err == nil) != tc.allowed {
				t.Fatalf("Authorize = %v, want allowed=%v", err, tc.allowed)
			}
			if err != nil && domain.ErrorCode(err) != domain.CodeForbidden {
				t.Fatalf("want forbidden, got %v", err)
			}
		})
	}
}

func TestAuthorizeOwnOrganisation(t *testing.T) {
	member := domain.User{Roles: []domain.Role{domain.RoleOrgMember}, District: "河西区", OrgID: 7}
	if err := AuthorizeTarget(member, ActionViewOrg, Target{District: "河西区", OrgID: 7}); err != nil {
		t.Fatalf("member cannot see own organisation: %v", err)
	}
	if err := AuthorizeTarget(member, ActionViewOrg, Target{District: "河西区", OrgID: 8}); err == nil {
		t.Fatal("member sees another organisation")
	}
	if err := AuthorizeTarget(member, ActionRevealPII, Target{District: "河西区", OrgID: 7}); err == nil {
		t.Fatal("member reveals personal data")
	}
	if err := AuthorizeTarget(domain.User{Roles: []domain.Role{domain.RoleOrgMember}}, ActionViewOrg, Target{OrgID: 0}); err == nil {
		t.Fatal("a member without organisation matches an object without one")
	}
}

func TestSeparationOfDuties(t *testing.T) {
	civil := domain.Actor{UserID: 1}
	finance := domain.Actor{UserID: 2}
	member := domain.Actor{UserID: 3, OrgID: 40}
	tests := []struct {
		name  string
		actor domain.Actor
		d     Decision
		ok    bool
	}{
		{"first approval", civil, Decision{Orgs: []int64{40, 41}}, true},
		{"second approval by another person", finance, Decision{Earlier: []int64{1}, Orgs: []int64{40}}, true},
		{"second approval by the same person", civil, Decision{Earlier: []int64{1}, Orgs: []int64{40}}, false},
		{"member of a bidder approves", member, Decision{Orgs: []int64{41, 40}}, false},
		{"member of an unrelated organisation", member, Decision{Orgs: []int64{41}}, true},
		{"declared relation to a bidder", finance, Decision{Orgs: []int64{41}, Relations: []int64{41}}, false},
		{"relation to someone else", finance, Decision{Orgs: []int64{41}, Relations: []int64{99}}, true},
	}
	for _, tc := range tests {
		err := SeparationOfDuties(tc.actor, tc.d)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("%s: code %s", tc.name, domain.ErrorCode(err))
		}
	}
}
