package itest

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"grantflow/internal/app"
	"grantflow/internal/pii"
	"grantflow/internal/store"
)

const (
	repID    = "12010319580101123" // + check digit below
	repPhone = "13912345678"
)

// validID is repID with its GB 11643 check character.
func validID() string { return idWithCheck(repID) }

// registerOrg registers an organisation through the public API.
func (h *harness) registerOrg(fields map[string]string, doc []byte) response {
	h.t.Helper()
	h.passwords[fields["username"]] = fields["password"]
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if doc != nil {
		fw, _ := mw.CreateFormFile("document", "登记证书.pdf")
		_, _ = fw.Write(doc)
	}
	_ = mw.Close()
	return h.do("POST", "/api/v1/organisations", "", mw.FormDataContentType(), buf.String(), nil)
}

func nankaiOrg(uscc, username string) map[string]string {
	return map[string]string{
		"name": "南开区乐龄志愿服务协会", "uscc": uscc, "org_type": "volunteer_org",
		"legal_rep_name": "周敏", "legal_rep_id": validID(), "contact_name": "周敏", "contact_phone": repPhone,
		"district": "南开区", "username": username, "password": "a-long-password-1", "consent": "yes",
	}
}

var pdfDoc = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

type apiOrgResp struct {
	ID           int64  `json:"id"`
	Status       string `json:"status"`
	LegalRepID   string `json:"legal_rep_id"`
	ContactPhone string `json:"contact_phone"`
	Debarred     bool   `json:"debarred"`
	Documents    []struct{ ID string }
}

func TestOrganisationRegistrationReviewAndPersonalData(t *testing.T) {
	h := newHarness(t)

	// bad input: every wrong field named, in Chinese, nothing saved
	bad := nankaiOrg("52120103MJ0000002Y", "nankai")
	bad["legal_rep_id"] = repID + "0"
	bad["contact_phone"] = "022-12345678"
	r := h.registerOrg(bad, pdfDoc)
	var e struct {
		Error struct {
			Code   string
			Fields map[string]string
		}
	}
	r.json(t, &e)
	if r.status != 422 || e.Error.Fields["uscc"] == "" || e.Error.Fields["legal_rep_id"] == "" || e.Error.Fields["contact_phone"] == "" {
		t.Fatalf("bad registration: %d %s", r.status, r.body)
	}
	if r := h.registerOrg(nankaiOrg("52120103MJ0000002X", "nankai"), []byte("MZ\x90\x00")); r.status != 422 || !strings.Contains(string(r.body), "document") {
		t.Fatalf("executable as certificate: %d %s", r.status, r.body)
	}

	noConsent := nankaiOrg("52120103MJ0000002X", "nankai")
	delete(noConsent, "consent")
	if r := h.registerOrg(noConsent, pdfDoc); r.status != 422 || !strings.Contains(string(r.body), "consent") {
		t.Fatalf("registration without consent: %d %s", r.status, r.body)
	}
	r = h.registerOrg(nankaiOrg("52120103MJ0000002X", "nankai"), pdfDoc)
	if r.status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	var reg struct{ Organisation apiOrgResp }
	r.json(t, &reg)
	org := reg.Organisation
	if org.Status != "pending" || org.LegalRepID != validID()[:3]+"***********"+validID()[14:] || org.ContactPhone != "139****5678" {
		t.Fatalf("registered as %+v", org)
	}
	// the pending registration waits in civil affairs' work queue (city: all
	// districts; 河西区: not theirs)
	if home := h.webPage("minzheng", "/"); !strings.Contains(home, `待审核的社会组织注册</a><span class="count ">1</span>`) {
		t.Errorf("the city's home page lacks the pending registration")
	}
	if home := h.webPage("hexi", "/"); !strings.Contains(home, `待审核的社会组织注册</a><span class="count ">0</span>`) {
		t.Errorf("河西区's home page counts another district's registration")
	}
	if r := h.registerOrg(nankaiOrg("52120103MJ0000002X", "nankai2"), pdfDoc); r.status != http.StatusConflict {
		t.Fatalf("same USCC again: %d %s", r.status, r.body)
	}
	var sealed string
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT legal_rep_id_sealed || contact_phone_sealed FROM organisations WHERE id = $1`, org.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, validID()) || strings.Contains(sealed, repPhone) {
		t.Fatal("personal data stored in clear")
	}

	orgPath := fmt.Sprintf("/api/v1/organisations/%d", org.ID)
	// masked for every role that may see the organisation, full only for
	// civil affairs of its district (here: the city level), audited
	for _, user := range []string{"nankai", "caizheng", "admin", "minzheng"} {
		var o apiOrgResp
		h.api(user, "GET", orgPath, nil, nil).json(t, &o)
		if o.LegalRepID == validID() || o.ContactPhone == repPhone || o.LegalRepID == "" {
			t.Errorf("%s sees %q %q", user, o.LegalRepID, o.ContactPhone)
		}
		page := h.webPage(user, fmt.Sprintf("/orgs/%d", org.ID))
		if strings.Contains(page, validID()) || strings.Contains(page, repPhone) {
			t.Errorf("%s's page shows the full ID or phone", user)
		}
	}
	for _, user := range []string{"nankai", "caizheng", "admin", "hexi", "zuzhi"} {
		if r := h.api(user, "POST", orgPath+"/reveal", nil, nil); r.status != http.StatusForbidden {
			t.Errorf("%s reveals: %d", user, r.status)
		}
	}
	if r := h.api("zuzhi", "GET", orgPath, nil, nil); r.status != http.StatusForbidden {
		t.Errorf("another organisation's member sees it: %d", r.status)
	}
	var withConsent struct {
		Consents []struct {
			SubjectName string `json:"subject_name"`
			Purpose     string `json:"purpose"`
			RecordedBy  int64  `json:"recorded_by"`
		}
	}
	h.api("minzheng", "GET", orgPath, nil, nil).json(t, &withConsent)
	if len(withConsent.Consents) != 1 || withConsent.Consents[0].SubjectName != "周*" || withConsent.Consents[0].Purpose == "" || withConsent.Consents[0].RecordedBy == 0 {
		t.Fatalf("consent record: %+v", withConsent)
	}
	var full apiOrgResp
	h.api("minzheng", "POST", orgPath+"/reveal", nil, nil).json(t, &full)
	if full.LegalRepID != validID() || full.ContactPhone != repPhone {
		t.Fatalf("reveal: %+v", full)
	}
	var views int
	if err := h.app.Store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE action = 'pii.view' AND object_id = $1 AND actor_name = '张敏（市民政局）'`, fmt.Sprint(org.ID)).Scan(&views); err != nil || views != 1 {
		t.Fatalf("pii.view audit entries: %d %v", views, err)
	}

	// review: district scope, reason for a rejection, only once
	if r := h.api("hexi", "POST", orgPath+"/review", map[string]string{"decision": "approve"}, nil); r.status != http.StatusForbidden {
		t.Fatalf("河西区 reviews a 南开区 organisation: %d", r.status)
	}
	if r := h.api("minzheng", "POST", orgPath+"/review", map[string]string{"decision": "reject", "reason": ""}, nil); r.status != 422 {
		t.Fatalf("reject without reason: %d %s", r.status, r.body)
	}
	if r := h.api("minzheng", "POST", orgPath+"/review", map[string]string{"decision": "approve"}, nil); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if r := h.api("minzheng", "POST", orgPath+"/review", map[string]string{"decision": "reject", "reason": "x"}, nil); r.status != http.StatusConflict {
		t.Fatalf("review twice: %d %s", r.status, r.body)
	}

	// debarment
	if r := h.api("minzheng", "POST", orgPath+"/debarments", map[string]string{"reason": "结项评估为差", "starts_on": "2026-01-01", "ends_on": "2025-01-01"}, nil); r.status != 422 {
		t.Fatalf("debarment ending before it starts: %d %s", r.status, r.body)
	}
	var debarred apiOrgResp
	r = h.api("minzheng", "POST", orgPath+"/debarments", map[string]string{"reason": "结项评估为差", "starts_on": "2026-01-01", "ends_on": "2029-12-31"}, nil)
	r.json(t, &debarred)
	if r.status != 200 || !debarred.Debarred || debarred.Status != "verified" {
		t.Fatalf("debar: %d %s", r.status, r.body)
	}
	// the qualification document is served to those who may see the organisation
	if r := h.api("caizheng", "GET", fmt.Sprintf("/orgs/%d/documents/%s", org.ID, debarred.Documents[0].ID), nil, nil); r.status == http.StatusForbidden {
		t.Fatalf("document: %d", r.status)
	}
}

// webPage signs in as user and returns the HTML of path.
func (h *harness) webPage(user, path string) string {
	h.t.Helper()
	r := h.do("GET", path, "", "", "", map[string]string{"Cookie": h.sessionCookie(user)})
	if r.status != 200 {
		h.t.Fatalf("%s GET %s: %d", user, path, r.status)
	}
	return string(r.body)
}

func (h *harness) sessionCookie(user string) string {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/login", strings.NewReader(url.Values{"username": {user}, "password": {h.password(user)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "grantflow_session" {
			return ck.Name + "=" + ck.Value
		}
	}
	h.t.Fatalf("login %s: no session cookie (%s)", user, resp.Status)
	return ""
}

func TestPIIKeyRotation(t *testing.T) {
	h := newHarness(t)
	r := h.registerOrg(nankaiOrg("52120103MJ0000002X", "nankai"), pdfDoc)
	var reg struct{ Organisation apiOrgResp }
	r.json(t, &reg)
	oldKeys := h.app.Config.PIIKeys
	newKey, _ := pii.NewKeySpec("k2")

	cfg := h.app.Config
	cfg.PIIKeys = newKey + "," + oldKeys // the new key first; the old one still opens
	rotated, err := app.Open(context.Background(), cfg, h.app.Logger)
	if err != nil {
		t.Fatal(err)
	}
	defer rotated.Close()
	// Every column of the schema that holds a sealed value is covered.
	var schemaCols []string
	rows, err := h.app.Store.Pool().Query(context.Background(), `SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND column_name LIKE '%\_sealed' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		_ = rows.Scan(&c)
		schemaCols = append(schemaCols, c)
	}
	rows.Close()
	covered := store.SealedColumns()
	for _, c := range schemaCols {
		if !slices.Contains(covered, c) {
			t.Errorf("sealed column %s is not re-sealed by a rotation", c)
		}
	}
	// A person on the register twice from before the blind index existed
	// (a row copied without its index) must not stop the rotation.
	if _, err := h.app.Store.Pool().Exec(context.Background(), `INSERT INTO elderly (name, id_sealed, phone_sealed, community_code, district,
		categories, address, birth_year, imported_by) SELECT name, id_sealed, phone_sealed, community_code, district, categories, address,
		birth_year, imported_by FROM elderly ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	n, err := rotated.Orgs.ResealPII(context.Background())
	if err != nil || n["organisations"] != 2 || n["talents"] == 0 { // the demo organisation and this one; the demo experts' phones
		t.Fatalf("reseal: %v %v", n, err)
	}
	again, _ := rotated.Orgs.ResealPII(context.Background())
	for table, c := range again {
		if c != 0 {
			t.Fatalf("second reseal re-sealed %d rows of %s", c, table)
		}
	}
	var dups int
	_ = h.app.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM elderly WHERE id_index LIKE '%.dup-%'`).Scan(&dups)
	if dups != 1 {
		t.Errorf("the legacy duplicate got %d markers", dups)
	}
	// Nothing is left under the old key anywhere.
	oldID, _, _ := strings.Cut(oldKeys, ":")
	for _, c := range schemaCols {
		table, col, _ := strings.Cut(c, ".")
		var left int
		if err := h.app.Store.Pool().QueryRow(context.Background(),
			fmt.Sprintf("SELECT count(*) FROM %s WHERE split_part(%s, '.', 1) = $1", table, col), oldID).Scan(&left); err != nil || left != 0 {
			t.Errorf("%s: %d values still under the old key (%v)", c, left, err)
		}
	}
	// now the old key can go
	cfg.PIIKeys = newKey
	only, err := app.Open(context.Background(), cfg, h.app.Logger)
	if err != nil {
		t.Fatal(err)
	}
	defer only.Close()
	full, err := only.Orgs.Reveal(context.Background(), h.actor("minzheng"), reg.Organisation.ID)
	if err != nil || full.LegalRepID != validID() || full.ContactPhone != repPhone {
		t.Fatalf("after rotation: %+v %v", full, err)
	}
	// the sealed audit details (the demo bid's) still match their entries
	if problem, n, err := only.Store.VerifyAuditDetails(context.Background(), only.Calls.Keys.Open); err != nil || problem != nil || n == 0 {
		t.Fatalf("sealed audit details after rotation: %+v (%d), %v", problem, n, err)
	}
}
