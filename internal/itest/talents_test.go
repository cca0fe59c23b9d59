package itest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"grantflow/internal/domain"
)

func TestTalentLibrary(t *testing.T) {
	h := newHarness(t)
	var list struct {
		Total int
		Items []domain.Talent
	}
	h.api("caizheng", "GET", "/api/v1/talents?kind=expert&available=true", nil, nil).json(t, &list)
	if list.Total < 5 {
		t.Fatalf("the seeded expert pool has %d experts", list.Total)
	}
	for _, x := range list.Items {
		if x.Phone != "" && !strings.Contains(x.Phone, "****") {
			t.Fatalf("phone shown in full: %q", x.Phone)
		}
	}
	h.api("minzheng", "GET", "/api/v1/talents?field=law", nil, nil).json(t, &list)
	if list.Total != 1 || list.Items[0].Name != "周建国" {
		t.Fatalf("field filter: %+v", list)
	}

	expert := map[string]any{"kind": "expert", "name": "王晓燕", "level": "district", "district": "河西区", "title": "护师",
		"phone": "13700001111", "fields": []string{"nursing"}, "available": true,
		"employment": []map[string]any{{"employer": "河西区夕阳红", "uscc": "52120103MJ0000001T", "from": "2022-01-01T00:00:00+08:00"}},
		"relations":  []map[string]any{{"uscc": "52120103MJ0000002X", "note": "丈夫任该协会理事"}}}
	// district staff add talents of their own district only
	cityExpert := map[string]any{"kind": "expert", "name": "市级专家", "level": "city", "district": "市本级", "fields": []string{"law"}}
	if r := h.api("hexi", "POST", "/api/v1/talents", cityExpert, nil); r.status != http.StatusForbidden {
		t.Fatalf("district staff add a city talent: %d %s", r.status, r.body)
	}
	r := h.api("hexi", "POST", "/api/v1/talents", expert, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	var saved domain.Talent
	r.json(t, &saved)
	if saved.Phone != "137****1111" || len(saved.Relations) != 1 || len(saved.Employment) != 1 {
		t.Fatalf("saved %+v", saved)
	}
	// the recusal data round-trips: ties to both organisations today
	day := time.Now()
	if ties := saved.TiesTo("52120103MJ0000001T", day); len(ties) != 1 {
		t.Fatalf("employment tie: %v", ties)
	}
	if ties := saved.TiesTo("52120103MJ0000002X", day); len(ties) != 1 {
		t.Fatalf("declared tie: %v", ties)
	}
	// editing with the masked phone keeps the number
	expert["phone"] = saved.Phone
	expert["available"] = false
	if r := h.api("hexi", "PUT", fmt.Sprintf("/api/v1/talents/%d", saved.ID), expert, nil); r.status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	var sealed string
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT phone_sealed FROM talents WHERE id = $1`, saved.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if plain, err := h.app.Talents.Keys.Open(sealed); err != nil || plain != "13700001111" {
		t.Fatalf("the phone after editing: %q %v", plain, err)
	}
	bad := map[string]any{"kind": "expert", "name": "某", "level": "district", "district": "河西区", "fields": []string{}}
	r = h.api("hexi", "POST", "/api/v1/talents", bad, nil)
	if r.status != 422 || !strings.Contains(string(r.body), "fields") || !strings.Contains(string(r.body), "name") {
		t.Fatalf("bad talent: %d %s", r.status, r.body)
	}
	if r := h.api("zuzhi", "GET", "/api/v1/talents", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("an organisation reads the expert pool: %d", r.status)
	}
}
