package itest

import (
	"net/http"
	"testing"

	"grantflow/internal/domain"
)

func TestAreaTree(t *testing.T) {
	h := newHarness(t)
	var tree struct{ Items []domain.Area }
	h.api("shequ", "GET", "/api/v1/areas", nil, nil).json(t, &tree)
	var districts []string
	for _, a := range tree.Items {
		if a.Level == domain.LevelDistrict {
			districts = append(districts, a.Name)
		}
	}
	if len(districts) != 16 {
		t.Fatalf("districts: %v", districts)
	}
	for _, d := range domain.TianjinDistricts {
		found := false
		for _, x := range districts {
			found = found || x == d
		}
		if !found {
			t.Errorf("%s is missing from the area tree", d)
		}
	}
	if tree.Items[0].Level != domain.LevelCity {
		t.Fatalf("the tree does not start with the city: %+v", tree.Items[0])
	}
	shequ, _, _ := h.app.Store.UserByUsername(t.Context(), "shequ")
	if shequ.AreaCode != "120103014" {
		t.Fatalf("the demo reporter is not tied to her street: %q", shequ.AreaCode)
	}

	add := func(user string, body map[string]string) response {
		return h.api(user, "POST", "/api/v1/areas", body, nil)
	}
	if r := add("minzheng", map[string]string{"parent_code": "120104", "code": "120104001", "name": "长虹街道"}); r.status != http.StatusForbidden {
		t.Fatalf("civil affairs adds an area: %d", r.status)
	}
	if r := add("admin", map[string]string{"parent_code": "120104", "code": "120103001", "name": "长虹街道"}); r.status != 422 {
		t.Fatalf("code of another district: %d %s", r.status, r.body)
	}
	if r := add("admin", map[string]string{"parent_code": "120104", "code": "120104001", "name": "长虹街道"}); r.status != http.StatusCreated {
		t.Fatalf("add street: %d %s", r.status, r.body)
	}
	if r := add("admin", map[string]string{"parent_code": "120104001", "code": "120104001001", "name": "长虹社区"}); r.status != http.StatusCreated {
		t.Fatalf("add community: %d %s", r.status, r.body)
	}
	if r := add("admin", map[string]string{"parent_code": "120104001001", "code": "120104001001001", "name": "某楼栋"}); r.status != 422 {
		t.Fatalf("below a community: %d %s", r.status, r.body)
	}
	if r := add("admin", map[string]string{"parent_code": "120104", "code": "120104001", "name": "重复街道"}); r.status != http.StatusConflict {
		t.Fatalf("same code twice: %d %s", r.status, r.body)
	}
}
