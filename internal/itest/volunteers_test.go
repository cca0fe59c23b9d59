package itest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

func TestPairingAndTimeBank(t *testing.T) {
	h := newHarness(t)
	vol := map[string]any{"name": "李大伟", "phone": "13611112222", "birth_year": 1961, "community_code": "120103014001", "brand": "shouzuqing"}
	if r := h.api("hexi", "POST", "/api/v1/volunteers", map[string]any{"name": "李", "phone": "1", "birth_year": 1800, "community_code": "120103014001", "brand": "x"}, nil); r.status != 422 {
		t.Fatalf("bad volunteer: %d %s", r.status, r.body)
	}
	mustStatus(t, h.api("shequ", "POST", "/api/v1/volunteers", vol, nil), 422, "a volunteer without consent")
	vol["consent"] = true
	// A 寸草心 pupil needs a guardian's consent.
	pupil := map[string]any{"name": "张小雨", "phone": "13611113333", "birth_year": time.Now().Year() - 11, "community_code": "120103014001",
		"brand": "cuncaoxin", "consent": true}
	if r := h.api("shequ", "POST", "/api/v1/volunteers", pupil, nil); r.status != 422 || !strings.Contains(string(r.body), "监护人") {
		t.Fatalf("a pupil without a guardian: %d %s", r.status, r.body)
	}
	pupil["guardian_name"], pupil["guardian_relation"] = "张伟", "父亲"
	mustStatus(t, h.api("shequ", "POST", "/api/v1/volunteers", pupil, nil), http.StatusCreated, "a pupil with a guardian")
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

// TestVolunteersImportExport: a volunteers workbook is imported whole or
// not at all (every bad row named), the export masks phones, and the area's
// volunteer organisations are listed with their volunteers and hours.
func TestVolunteersImportExport(t *testing.T) {
	h := newHarness(t)
	demo, err := h.app.Store.Organisation(context.Background(), h.actor("zuzhi").OrgID)
	if err != nil {
		t.Fatal(err)
	}
	pupilYear := fmt.Sprint(time.Now().Year() - 10)
	head := []any{"姓名", "手机号", "出生年份", "社区代码", "品牌", "志愿服务组织代码", "监护人姓名", "监护人关系", "已同意"}
	bad := workbook(t, [][]any{head,
		{"李大伟", "13611112222", "1961", "120103014001", "手足情", demo.USCC, "", "", "是"},
		{"张小雨", "13611113333", pupilYear, "120103014001", "寸草心", "", "", "", "是"},
		{"王芳", "13611114444", "1963", "120104001001", "手足情", "", "", "", "否"},
		{"赵强", "13611115555", "1960", "120103014002", "手足情", "91120000MA05X0000Y", "", "", "是"},
	})
	r := h.upload("shequ", "/api/v1/volunteers/import", "志愿者.xlsx", bad)
	var failed struct{ Problems []domain.ImportProblem }
	r.json(t, &failed)
	var got []string
	for _, p := range failed.Problems {
		got = append(got, p.String())
	}
	joined := strings.Join(got, "\n")
	for _, w := range []string{"第 3 行「监护人姓名」", "第 3 行「监护人关系」", "第 4 行「社区代码」", "第 4 行「已同意」", "第 5 行「志愿服务组织代码」"} {
		if !strings.Contains(joined, w) {
			t.Errorf("problems lack %q:\n%s", w, joined)
		}
	}
	if r.status != 422 || strings.Contains(joined, "第 2 行") {
		t.Fatalf("bad import: %d\n%s", r.status, joined)
	}
	var list struct{ Total int }
	h.api("shequ", "GET", "/api/v1/volunteers", nil, nil).json(t, &list)
	if list.Total != 0 {
		t.Fatalf("a refused import registered %d volunteers", list.Total)
	}
	good := workbook(t, [][]any{head,
		{"李大伟", "13611112222", "1961", "120103014001", "手足情", demo.USCC, "", "", "是"},
		{"张小雨", "13611113333", pupilYear, "120103014001", "寸草心", "", "张伟", "父亲", "是"},
		{"王芳", "13611114444", "1963", "120103014002", "手足情", strings.ToLower(demo.USCC), "", "", "是"},
	})
	r = h.upload("shequ", "/api/v1/volunteers/import", "志愿者.xlsx", good)
	if r.status != http.StatusCreated || !strings.Contains(string(r.body), `"imported":3`) {
		t.Fatalf("good import: %d %s", r.status, r.body)
	}
	x := h.api("hexi", "GET", "/api/v1/volunteers/export.xlsx", nil, nil)
	f, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := f.GetRows("Sheet1")
	if len(all) != 4 || strings.Contains(fmt.Sprint(all), "13611112222") || !strings.Contains(fmt.Sprint(all), "136****2222") ||
		!strings.Contains(fmt.Sprint(all), "张伟（父亲）") {
		t.Fatalf("export: %v", all)
	}
	var orgs struct{ Items []store.VolunteerOrg }
	h.api("shequ", "GET", "/api/v1/volunteer-organisations", nil, nil).json(t, &orgs)
	if len(orgs.Items) != 2 || orgs.Items[0].OrgID != demo.ID || orgs.Items[0].Volunteers != 2 || orgs.Items[1].OrgID != 0 || orgs.Items[1].Volunteers != 1 {
		t.Fatalf("volunteer organisations: %+v", orgs.Items)
	}
	if page := h.webPage("shequ", "/volunteers"); !strings.Contains(page, demo.Name) || !strings.Contains(page, "监护人 张伟 同意") {
		t.Errorf("the volunteers page lacks the organisation or the guardian")
	}
}

// TestTeamPairedWithInstitution: a 寸草心 team of pupils is paired with an
// elderly-care institution; a team visit credits every participant.
func TestTeamPairedWithInstitution(t *testing.T) {
	h := newHarness(t)
	reg := func(body map[string]any) int64 {
		t.Helper()
		r := h.api("shequ", "POST", "/api/v1/volunteers", body, nil)
		mustStatus(t, r, http.StatusCreated, "register "+fmt.Sprint(body["name"]))
		var v struct{ ID int64 }
		r.json(t, &v)
		return v.ID
	}
	year := time.Now().Year() - 11
	a := reg(map[string]any{"name": "张小雨", "phone": "13611113333", "birth_year": year, "community_code": "120103014001", "brand": "cuncaoxin",
		"consent": true, "guardian_name": "张伟", "guardian_relation": "父亲"})
	b := reg(map[string]any{"name": "王小明", "phone": "13611113334", "birth_year": year, "community_code": "120103014001", "brand": "cuncaoxin",
		"consent": true, "guardian_name": "王芳", "guardian_relation": "母亲"})
	elder := reg(map[string]any{"name": "李大伟", "phone": "13611112222", "birth_year": 1961, "community_code": "120103014001", "brand": "shouzuqing", "consent": true})

	mustStatus(t, h.api("shequ", "POST", "/api/v1/institutions", map[string]any{"name": "养", "community_code": "120103014001"}, nil), 422, "an institution without a name")
	r := h.api("shequ", "POST", "/api/v1/institutions", map[string]any{"name": "河西区平江里养老院", "community_code": "120103014001", "address": "平江里 12 号", "beds": 80}, nil)
	mustStatus(t, r, http.StatusCreated, "register an institution")
	var inst struct{ ID int64 }
	r.json(t, &inst)

	team := map[string]any{"name": "平江里小学五年级二班寸草心服务队", "community_code": "120103014001", "members": []int64{a, b, elder}}
	if r := h.api("shequ", "POST", "/api/v1/teams", team, nil); r.status != 422 || !strings.Contains(string(r.body), "手足情") {
		t.Fatalf("a 手足情 volunteer in a 寸草心 team: %d %s", r.status, r.body)
	}
	team["members"] = []int64{a, b}
	r = h.api("shequ", "POST", "/api/v1/teams", team, nil)
	mustStatus(t, r, http.StatusCreated, "register a team")
	var tm struct{ ID int64 }
	r.json(t, &tm)
	base := fmt.Sprintf("/api/v1/teams/%d", tm.ID)
	visit := map[string]any{"kind": "chat", "visited_at": time.Now().Add(-2 * time.Hour), "minutes": 90, "note": "为老人表演节目并陪伴聊天", "participants": []int64{a, b}}
	mustStatus(t, h.api("shequ", "POST", base+"/visits", visit, nil), http.StatusConflict, "a visit before pairing")
	mustStatus(t, h.api("shequ", "POST", base+"/pairing", map[string]any{"institution_id": inst.ID}, nil), 200, "pair")
	visit["participants"] = []int64{a, elder}
	mustStatus(t, h.api("shequ", "POST", base+"/visits", visit, nil), 422, "a participant outside the team")
	visit["participants"] = []int64{a, b}
	mustStatus(t, h.api("shequ", "POST", base+"/visits", visit, nil), http.StatusCreated, "a team visit")
	visit["participants"], visit["minutes"] = []int64{a}, 60
	mustStatus(t, h.api("shequ", "POST", base+"/visits", visit, nil), http.StatusCreated, "a second visit, one pupil")

	var teams struct{ Items []domain.Team }
	h.api("hexi", "GET", "/api/v1/teams", nil, nil).json(t, &teams)
	if len(teams.Items) != 1 || teams.Items[0].InstitutionName != "河西区平江里养老院" || teams.Items[0].Hours != 4 || teams.Items[0].Members != 2 {
		t.Fatalf("teams: %+v", teams.Items)
	}
	var detail struct {
		Volunteer domain.Volunteer
		Visits    []domain.Visit
	}
	h.api("shequ", "GET", fmt.Sprintf("/api/v1/volunteers/%d", a), nil, nil).json(t, &detail)
	if detail.Volunteer.Hours != 2.5 || len(detail.Visits) != 2 || detail.Visits[0].ElderName != "河西区平江里养老院" || !detail.Visits[0].AtInstitution {
		t.Fatalf("a pupil's time bank: %+v", detail)
	}
	pdf := h.api("shequ", "GET", fmt.Sprintf("/api/v1/volunteers/%d/statement.pdf", b), nil, nil)
	if text := stripSpaces(pdfText(t, pdf.body)); !strings.Contains(text, "河西区平江里养老院") || !strings.Contains(text, "1.5小时") {
		t.Errorf("the hours statement: %.400s", text)
	}
	if page := h.webPage("shequ", fmt.Sprintf("/teams/%d", tm.ID)); !strings.Contains(page, "河西区平江里养老院") || !strings.Contains(page, "监护人 张伟 同意") {
		t.Errorf("the team page lacks the institution or a guardian")
	}
	mustStatus(t, h.api("zuzhi", "GET", base, nil, nil), http.StatusForbidden, "an organisation reading a team")
}

func stripSpaces(s string) string { return strings.Join(strings.Fields(s), "") }
