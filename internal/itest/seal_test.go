package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"grantflow/internal/domain"
)

// assertAuditKeepsSecrets reads a call's audit log as the admin does
// (/api/v1/audit, the page and the export show the same entries) and checks
// that no readable field gives away what the law keeps secret for now: the
// parts' digests and sizes, who bid, who was drawn for the panel, who
// scored and how. The chain still binds those details: `audit verify` and
// the sealed details' check pass.
func assertAuditKeepsSecrets(t *testing.T, h *harness, callID string, receipts []domain.Receipt, people []string) {
	t.Helper()
	ctx := context.Background()
	r := h.api("admin", "GET", "/api/v1/audit?object_id="+callID+"&limit=500", nil, nil)
	mustStatus(t, r, http.StatusOK, "audit log")
	var page struct{ Items []domain.AuditEntry }
	r.json(t, &page)
	secretActions := map[string]bool{"bid.submit": true, "bid.withdraw": true, "panel.drawn": true, "panel.excluded": true,
		"panel.declare": true, "score.submit": true, "call.results": true}
	checked := 0
	for _, e := range page.Items {
		readable := fmt.Sprintf("%d|%s|%s|%s", e.ActorID, e.ActorName, e.IP, e.Summary)
		for _, rc := range receipts {
			for _, p := range rc.Parts {
				if strings.Contains(readable, p.SHA256) {
					t.Errorf("audit entry %d (%s) shows the digest of %s's %s", e.Seq, e.Action, rc.BidID, p.Part)
				}
			}
		}
		if !secretActions[e.Action] {
			continue
		}
		checked++
		for _, name := range people {
			if strings.Contains(readable, name) {
				t.Errorf("audit entry %d (%s) names %s: %s", e.Seq, e.Action, name, readable)
			}
		}
		var summary map[string]any
		if err := json.Unmarshal([]byte(e.Summary), &summary); err != nil {
			t.Fatalf("summary of %d: %v", e.Seq, err)
		}
		for _, k := range []string{"sha256", "size", "parts", "org", "talent", "user", "points", "reason", "recommended", "expert"} {
			if _, ok := summary[k]; ok {
				t.Errorf("audit entry %d (%s) shows %q: %s", e.Seq, e.Action, k, e.Summary)
			}
		}
		if s, _ := summary["detail_sha256"].(string); len(s) != 64 {
			t.Errorf("audit entry %d (%s) does not bind its sealed details: %s", e.Seq, e.Action, e.Summary)
		}
		if (e.Action == "bid.submit" || e.Action == "panel.declare" || e.Action == "score.submit") && (e.ActorID != 0 || e.IP != "") {
			t.Errorf("audit entry %d (%s) shows who acted: %s", e.Seq, e.Action, readable)
		}
	}
	if checked == 0 {
		t.Fatal("no bid, panel or score entries in the audit log")
	}
	if problem, _, err := h.app.Store.VerifyAudit(ctx); err != nil || problem != nil {
		t.Fatalf("audit chain: %+v, %v", problem, err)
	}
	problem, n, err := h.app.Store.VerifyAuditDetails(ctx, h.app.Calls.Keys.Open)
	if err != nil || problem != nil || n < int64(checked) {
		t.Fatalf("sealed audit details: %+v (%d checked of %d entries), %v", problem, n, checked, err)
	}
	// a sealed detail swapped for another entry's no longer matches
	var first int64
	var original string
	pool := h.app.Store.Pool()
	if err := pool.QueryRow(ctx, `SELECT seq, detail_sealed FROM audit_details ORDER BY seq LIMIT 1`).Scan(&first, &original); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_details SET detail_sealed = (SELECT detail_sealed FROM audit_details ORDER BY seq DESC LIMIT 1)
		WHERE seq = $1`, first); err != nil {
		t.Fatal(err)
	}
	if problem, _, _ := h.app.Store.VerifyAuditDetails(ctx, h.app.Calls.Keys.Open); problem == nil || problem.Seq != first {
		t.Errorf("a swapped sealed detail passed verification: %+v", problem)
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_details SET detail_sealed = $2 WHERE seq = $1`, first, original); err != nil {
		t.Fatal(err)
	}
}
