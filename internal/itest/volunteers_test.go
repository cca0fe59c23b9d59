package itest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"grantflow/internal/domain"
)

func TestPairingAndTimeBank(t *testing.T) {
	h := newHarness(t)
	vol := map[string]any{"name": "李大伟", "phone": "13611112222", "birth_year": 1961, "community_code": "120103014001", "brand": "shouzuqing"}
	if r := h.api("hexi", "POST", "/api/v1/volunteers", map[string]any{"name": "李", "phone": "1", "birth_year": 1800, "community_code": "120103014001", "brand": "x"}, nil); r.status != 422 {
		t.Fatalf("bad volunteer: %d %s", r.status, r.body)
	}
	r := h.api("shequ", "POST", "/api/v1/volunteers", vol, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	var v domain.Volunteer
	r.json(t, &v)
	if v.Phone != "136****2222" {
		t.Fatalf("phone %q", v.Phone)
	}
	var elders struct{ Items []domain.Elder }
	h.api("shequ", "GET", "/api/v1/elderly?per_page=1", nil, nil).json(t, &elders)
	var pair struct{ ID int64 }
	r = h.api("shequ", "POST", "/api/v1/pairs", map[string]int64{"volunteer_id": v.ID, "elder_id": elders.Items[0].ID}, nil)
	r.json(t, &pair)
	if r.status != http.StatusCreated {
		t.Fatalf("pair: %d %s", r.status, r.body)
	}
	if r := h.api("shequ", "POST", "/api/v1/pairs", map[string]int64{"volunteer_id": v.ID, "elder_id": elders.Items[0].ID}, nil); r.status != http.StatusConflict {
		t.Fatalf("same pair twice: %d", r.status)
	}
	now := time.Now()
	for _, visit := range []map[string]any{
		{"pair_id": pair.ID, "kind": "home_visit", "visited_at": now.Add(-48 * time.Hour), "minutes": 90, "note": "陪同量血压"},
		{"pair_id": pair.ID, "kind": "phone_call", "visited_at": now.Add(-time.Hour), "minutes": 15},
	} {
		if r := h.api("shequ", "POST", "/api/v1/visits", visit, nil); r.status != http.StatusCreated {
			t.Fatalf("visit: %d %s", r.status, r.body)
		}
	}
	if r := h.api("shequ", "POST", "/api/v1/visits", map[string]any{"pair_id": pair.ID, "kind": "home_visit", "visited_at": now.Add(24 * time.Hour), "minutes": 30}, nil); r.status != 422 {
		t.Fatalf("a visit tomorrow: %d %s", r.status, r.body)
	}
	var detail struct {
		Volunteer domain.Volunteer
		Visits    []domain.Visit
	}
	h.api("hexi", "GET", fmt.Sprintf("/api/v1/volunteers/%d", v.ID), nil, nil).json(t, &detail)
	if detail.Volunteer.Hours != 1.7 || len(detail.Visits) != 2 || !strings.Contains(detail.Visits[0].ElderName, "*") {
		t.Fatalf("detail %+v", detail)
	}
	pdf := h.api("shequ", "GET", fmt.Sprintf("/api/v1/volunteers/%d/statement.pdf", v.ID), nil, nil)
	if pdf.status != 200 {
		t.Fatalf("statement: %d", pdf.status)
	}
	if text := pdfText(t, pdf.body); !strings.Contains(text, "1.7小时（105分钟）") || !strings.Contains(text, "李大伟") {
		t.Fatalf("statement text: %s", text)
	}
	// another district's staff cannot see or log for this volunteer
	if r := h.api("zuzhi", "GET", "/api/v1/volunteers", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("an organisation lists volunteers: %d", r.status)
	}
}
