package itest

import (
	"net/http"
	"strings"
	"testing"
)

// TestCallProjectsAsDescribed: web/openapi.yaml says a draft's projects is
// at least 1 and 1 when left out. An explicit 0 (or less) is refused with a
// 422 naming the field — it was stored as 1 — and an omitted one is 1.
func TestCallProjectsAsDescribed(t *testing.T) {
	h := newHarness(t)
	draft := func(projects any) map[string]any {
		d := map[string]any{"title": "和平区家庭照护者培训", "brand": "cuncaoxin", "district": "和平区", "budget_fen": 100000}
		if projects != nil {
			d["projects"] = projects
		}
		return d
	}
	for _, n := range []int{0, -1} {
		r := h.api("minzheng", "POST", "/api/v1/calls", draft(n), nil)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("projects: %d: %d %s, want 422", n, r.status, r.body)
		}
		var e struct {
			Error struct {
				Code, Message string
				Fields        map[string]string
			}
		}
		r.json(t, &e)
		if e.Error.Fields["projects"] == "" || !strings.Contains(e.Error.Message, "projects") || !strings.Contains(e.Error.Message, "1 至 100") {
			t.Errorf("projects: %d: the refusal should name the field and the range: %s", n, r.body)
		}
	}
	for _, c := range []struct {
		projects any
		want     int
	}{{nil, 1}, {3, 3}} {
		r := h.api("minzheng", "POST", "/api/v1/calls", draft(c.projects), nil)
		if r.status != http.StatusCreated {
			t.Fatalf("projects %v: %d %s", c.projects, r.status, r.body)
		}
		var v struct {
			Plan struct{ Projects int } `json:"plan"`
		}
		r.json(t, &v)
		if v.Plan.Projects != c.want {
			t.Errorf("projects %v: stored %d, want %d", c.projects, v.Plan.Projects, c.want)
		}
	}
}
