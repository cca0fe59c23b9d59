package itest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheet downloads a page route's Excel export as user and returns its rows.
func (h *harness) sheet(user, path string) [][]string {
	h.t.Helper()
	r := h.do("GET", path, "", "", "", map[string]string{"Cookie": h.sessionCookie(user)})
	if r.status != 200 {
		h.t.Fatalf("%s GET %s: %d %.200s", user, path, r.status, r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		h.t.Fatalf("%s: %v", path, err)
	}
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		h.t.Fatal(err)
	}
	return rows
}

// column is one column of a sheet's data rows.
func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// TestListsSortFilterAndExport: the talent library, the project library,
// the ideas, the audit log, the elderly register and the volunteers each
// filter, sort and export on the server, in the database's order.
func TestListsSortFilterAndExport(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	dbOrder := func(query string, args ...any) []string {
		t.Helper()
		rows, err := h.app.Store.Pool().Query(ctx, query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	same := func(what string, got, want []string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", what, got, want)
		}
	}

	// Talents: sorted by name as the database sorts; a search narrows the export.
	all := h.sheet("hexi", "/talents.xlsx?sort=name")
	if all[0][1] != "姓名" || len(all) < 6 {
		t.Fatalf("talents export: %v", all)
	}
	same("talents by name", column(all, 1), dbOrder(`SELECT name FROM talents ORDER BY name, id`))
	if one := h.sheet("hexi", "/talents.xlsx?q=周建国"); len(one) != 2 || one[1][1] != "周建国" {
		t.Errorf("talents searched: %v", one)
	}
	for _, phone := range column(all, 8) {
		if phone != "" && !strings.Contains(phone, "****") {
			t.Errorf("a talent's phone exported in full: %q", phone)
		}
	}
	if pg := h.webPage("hexi", "/talents?sort=district"); !strings.Contains(pg, `aria-sort="ascending"`) || !strings.Contains(pg, "sort=district") {
		t.Error("the talents page does not say how it is sorted")
	}

	// The project library and the ideas.
	props := h.sheet("minzheng", "/proposals.xlsx?sort=title")
	same("proposals by title", column(props, 1), dbOrder(`SELECT title FROM proposals ORDER BY title, id`))
	hexi := h.sheet("minzheng", "/proposals.xlsx?district=河西区")
	for _, d := range column(hexi, 4) {
		if d != "河西区" {
			t.Errorf("a proposal of %s in the 河西区 export", d)
		}
	}
	if pg := h.webPage("hexi", "/proposals?q=不存在的项目"); !strings.Contains(pg, "没有符合条件的记录") {
		t.Error("the project library's search")
	}
	ideas := h.sheet("minzheng", "/ideas.xlsx?sort=title")
	same("ideas by title", column(ideas, 1), dbOrder(`SELECT title FROM ideas ORDER BY title, id`))
	if pg := h.webPage("minzheng", "/ideas?status=declined"); strings.Contains(pg, `class="stage stage-idea-submitted"`) {
		t.Error("the ideas page ignores its status filter")
	}

	// The audit log: newest first, with the action filter and the hashes.
	audit := h.sheet("admin", "/admin/audit.xlsx?action=auth.")
	if len(audit) < 2 || audit[0][0] != "序号" {
		t.Fatalf("audit export: %v", audit)
	}
	same("audit entries", column(audit, 0), dbOrder(`SELECT seq::text FROM audit_log WHERE action LIKE 'auth.%' ORDER BY seq DESC`))
	for _, r := range audit[1:] {
		if len(r[10]) != 64 {
			t.Fatalf("an audit row without its hash: %v", r)
		}
	}

	// The registers: by birth year, by time credited.
	elders := h.sheet("hexi", "/elderly/export.xlsx?sort=age")
	if len(elders) < 3 {
		t.Fatalf("elderly export: %v", elders)
	}
	if pg := h.webPage("hexi", "/elderly?sort=age_desc"); !strings.Contains(pg, `aria-sort="descending"`) {
		t.Error("the register does not say how it is sorted")
	}
	for _, name := range []string{"李大伟", "王秀兰"} {
		mustStatus(t, h.api("shequ", "POST", "/api/v1/volunteers", map[string]any{"name": name, "phone": "13611112222", "birth_year": 1961,
			"community_code": "120103014001", "brand": "shouzuqing", "consent": true}, nil), 201, "register a volunteer")
	}
	vols := h.sheet("shequ", "/volunteers/export.xlsx?sort=name&brand=shouzuqing")
	same("volunteers by name", column(vols, 1), dbOrder(`SELECT name FROM volunteers WHERE brand = 'shouzuqing' ORDER BY name, id`))
	if none := h.sheet("shequ", "/volunteers/export.xlsx?brand=cuncaoxin"); len(none) != 1 {
		t.Errorf("the brand filter in the export: %v", none)
	}
	if pg := h.webPage("shequ", "/volunteers?sort=hours&brand=shouzuqing"); !strings.Contains(pg, `aria-sort="descending"`) || !strings.Contains(pg, "brand=shouzuqing&amp;sort=name") {
		t.Error("the volunteers page: sort links keep the filters")
	}
}
