package itest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/ocdscheck"
)

// The leak matrix: one world holds a call at every stage of its life (and a
// funded project), and every GET route of the server is read as every demo
// role, an anonymous visitor and a self-registered organisation nobody has
// verified. Each answer (HTML, JSON, PDF text, every sheet of a workbook) is
// searched for the secrets of that world; a secret may appear only where
// the law lets that viewer see it at that call's stage. The law is written
// out by hand below (lawful), from DOMAIN.md, not derived from the code:
//
//   - drafts and calls awaiting publication review (title, budget, their
//     attachment): civil affairs of the district; finance of the district
//     too while the call awaits publication review (finance approves the
//     publication of a re-issue in another mode, 政府采购法 §36–37);
//   - bid prices and the digests of sealed parts: nobody before the opening
//     but the bidder its own receipt; from the opening the officials of the
//     district (civil affairs, finance), the drawn experts and the bidders
//     (the opening record, 招标投标法 §36); everyone from result publicity;
//   - bid contents (the technical proposal): the bidder; from the opening
//     the officials and the experts who declared no conflict; never public;
//   - scores (and with them ranks): the officials from civil approval on,
//     everyone from publicity on;
//   - panel members' names: only from publicity on (招标投标法 §37), except
//     to the expert themself; experts' user IDs never leave the server;
//   - an objector's name and contact: the officials of the district (the
//     public and other signed-in users see the name masked, PIPL §25);
//   - full ID numbers and phones: nowhere on a GET (a full view is a logged
//     POST).
//
// Every GET route of Routes() needs a line in leakRoutes; a new route
// without one fails the test. Other methods change state and are not walked
// (their answers reuse the GET read models).
type leakClass int

const (
	noCallData  leakClass = iota // must show no secret of any call
	callData                     // shows call data as the law allows (lawful)
	talentNames                  // the talent library: experts' names, but no panel and no other call data
	auditLog                     // the audit log: who drafted what (drafts' titles), the rest as the law allows
)

var leakRoutes = map[string]leakClass{
	"GET /healthz": noCallData, "GET /readyz": noCallData, "GET /static/*": noCallData, "GET /login": noCallData,
	"GET /register": noCallData, "GET /checkin": noCallData, "GET /lang": noCallData, "GET /api/v1/openapi.yaml": noCallData,
	// the portal and the public API: what anyone may read
	"GET /public": callData, "GET /public/calls/{id}": callData, "GET /public/contracts/{id}.pdf": callData,
	"GET /api/v1/public/calls": callData, "GET /api/v1/public/calls/{id}": callData, "GET /api/v1/public/calls/{id}/ocds.json": callData,
	"GET /api/v1/public/results": callData, "GET /api/v1/public/contracts/{id}.pdf": callData, "GET /api/v1/calendar/{year}": noCallData,
	// calls: pages, API, documents, exports
	"GET /": callData, "GET /calls": callData, "GET /calls/new": noCallData, "GET /calls/{id}": callData,
	"GET /calls/{id}/notice-status": callData, "GET /calls/{id}/notice.pdf": callData, "GET /calls/{id}/attachments/{aid}": callData,
	"GET /calls/{id}/bids/{bid}/documents/{part}": callData, "GET /calls/{id}/opening.pdf": callData, "GET /calls/{id}/report.pdf": callData,
	"GET /calls/{id}/awards/{aid}/notice.pdf": callData, "GET /calls.xlsx": callData,
	"GET /api/v1/calls": callData, "GET /api/v1/calls/{id}": callData, "GET /api/v1/calls/{id}/attachments/{aid}/content": callData,
	"GET /api/v1/calls/{id}/notice.pdf": callData, "GET /api/v1/calls/{id}/bids": callData, "GET /api/v1/calls/{id}/bids/mine": callData,
	"GET /api/v1/calls/{id}/bids/{bid}/documents/{part}": callData, "GET /api/v1/calls/{id}/opening.pdf": callData,
	"GET /api/v1/calls/{id}/report.pdf": callData, "GET /api/v1/calls/{id}/awards/{aid}/notice.pdf": callData,
	"GET /api/v1/calls.xlsx": callData, "GET /api/v1/notices": callData,
	// funded projects (after the award: amounts and winners are public)
	"GET /awards": callData, "GET /awards.xlsx": callData, "GET /awards/{id}": callData, "GET /awards/{id}/contract.pdf": callData,
	"GET /awards/{id}/sessions.xlsx": callData, "GET /awards/{id}/trainees.xlsx": callData, "GET /awards/{id}/evidence/{eid}": callData,
	"GET /awards/{id}/trainees/{tid}/certificate.pdf": callData, "GET /awards/{id}/evaluation": callData,
	"GET /awards/{id}/evaluations/{phase}/{attempt}/report-file": callData, "GET /awards/{id}/final-report.pdf": callData,
	"GET /api/v1/awards": callData, "GET /api/v1/awards.xlsx": callData, "GET /api/v1/awards/{id}": callData,
	"GET /api/v1/awards/{id}/contract.pdf": callData, "GET /api/v1/awards/{id}/sessions": callData, "GET /api/v1/awards/{id}/trainees": callData,
	"GET /api/v1/awards/{id}/kpis": callData, "GET /api/v1/awards/{id}/tranches": callData, "GET /api/v1/awards/{id}/evidence": callData,
	"GET /api/v1/awards/{id}/spot-checks": callData, "GET /api/v1/awards/{id}/reports": callData,
	"GET /api/v1/awards/{id}/trainees/{tid}/certificate.pdf": callData, "GET /api/v1/awards/{id}/evidence/{eid}": callData,
	"GET /api/v1/awards/{id}/evaluations": callData, "GET /api/v1/awards/{id}/evaluations/{phase}/{attempt}/report-file": callData,
	"GET /api/v1/awards/{id}/final-report.pdf": callData, "GET /api/v1/awards/{id}/archive": callData,
	"GET /evaluations": callData, "GET /api/v1/evaluations": callData,
	// administration: the audit log keeps bid and panel details out of its
	// readable summary until they are public (issue 13, finding 1)
	"GET /admin/calendar": noCallData, "GET /admin/audit": auditLog, "GET /admin/audit.xlsx": auditLog, "GET /api/v1/audit": auditLog,
	"GET /admin/users": noCallData, "GET /api/v1/users": noCallData, "GET /account": noCallData, "GET /api/v1/tokens": noCallData,
	"GET /api/v1/account/sessions": noCallData,
	// statistics count calls and money (awards are public)
	"GET /stats": callData, "GET /stats.pdf": callData, "GET /stats.xlsx": callData,
	"GET /api/v1/stats": callData, "GET /api/v1/stats.pdf": callData, "GET /api/v1/stats.xlsx": callData,
	// libraries and registers without call data
	"GET /needs": noCallData, "GET /needs.xlsx": noCallData, "GET /reports": noCallData, "GET /elderly": noCallData,
	"GET /elderly/imports/{id}": noCallData, "GET /elderly/export.xlsx": noCallData, "GET /elderly/template.xlsx": noCallData,
	"GET /volunteers": noCallData, "GET /volunteers/template.xlsx": noCallData, "GET /volunteers/export.xlsx": noCallData,
	"GET /volunteers/{id}": noCallData, "GET /teams/{id}": noCallData, "GET /volunteers/{id}/statement.pdf": noCallData,
	"GET /ideas": noCallData, "GET /ideas.xlsx": noCallData, "GET /projects": callData, "GET /projects.xlsx": callData,
	"GET /talents": talentNames, "GET /talents.xlsx": talentNames, "GET /talents/new": noCallData, "GET /talents/{id}": talentNames,
	"GET /areas": noCallData, "GET /orgs": noCallData, "GET /orgs.xlsx": noCallData, "GET /orgs/{id}": noCallData,
	"GET /orgs/{id}/documents/{did}": noCallData,
	"GET /api/v1/needs":              noCallData, "GET /api/v1/needs.xlsx": noCallData, "GET /api/v1/report-cycles": noCallData,
	"GET /api/v1/elderly": noCallData, "GET /api/v1/elderly/export.xlsx": noCallData, "GET /api/v1/elderly/template.xlsx": noCallData,
	"GET /api/v1/elderly/counts": noCallData, "GET /api/v1/volunteers": noCallData, "GET /api/v1/volunteers/template.xlsx": noCallData,
	"GET /api/v1/volunteers/export.xlsx": noCallData, "GET /api/v1/volunteer-organisations": noCallData, "GET /api/v1/volunteers/{id}": noCallData,
	"GET /api/v1/institutions": noCallData, "GET /api/v1/teams": noCallData, "GET /api/v1/teams/{id}": noCallData,
	"GET /api/v1/volunteers/{id}/statement.pdf": noCallData, "GET /api/v1/ideas": noCallData, "GET /api/v1/proposals": callData,
	"GET /api/v1/talents": talentNames, "GET /api/v1/talents/{id}": talentNames, "GET /api/v1/areas": noCallData,
	"GET /api/v1/organisations": noCallData, "GET /api/v1/organisations.xlsx": noCallData, "GET /api/v1/organisations/{id}": noCallData,
}

// leakStages are the stages the world holds a call in, in order.
var leakStages = []domain.CallStage{domain.StageDraft, domain.StagePublishReview, domain.StageBidding, domain.StageQualification,
	domain.StagePanel, domain.StageScoring, domain.StageCivilApproval, domain.StageFinanceApproval, domain.StagePublicity, domain.StageAwarded}

// leakViewers: the demo roles, an anonymous visitor ("") and an
// unverified, self-registered organisation.
var leakViewers = []string{"admin", "minzheng", "hexi", "caizheng", "zhuanjia", "zuzhi", "gaoxiao", "shequ", "", "weishen"}

type secretKind string

const (
	sDraft     secretKind = "draft call"
	sPrice     secretKind = "bid price"
	sDigest    secretKind = "digest of a sealed part"
	sContent   secretKind = "bid content"
	sScore     secretKind = "score"
	sExpert    secretKind = "panel member's name"
	sObjector  secretKind = "objector's full name"
	sContact   secretKind = "objector's contact"
	sPII       secretKind = "full ID number or phone"
	sExpertIDs secretKind = "experts' user IDs in results"
)

type secret struct {
	kind  secretKind
	stage domain.CallStage // the call it belongs to; "" for none
	text  string
	owner string // the one viewer it belongs to (a bidder's own receipt, an expert's own name)
	re    *regexp.Regexp
}

func (s secret) in(body string) bool {
	if s.re != nil {
		return s.re.MatchString(body)
	}
	return strings.Contains(body, s.text)
}

// leakWorld is the world the matrix reads.
type leakWorld struct {
	calls   map[domain.CallStage]string            // call IDs
	atts    map[domain.CallStage]string            // an attachment of the call
	bids    map[domain.CallStage]string            // zuzhi's bid on the call
	seats   map[domain.CallStage]map[string]string // viewer → seat status on the call's panel
	award   string                                 // the awarded call's award (= its project)
	trainee int64
	orgID   int64 // the unverified organisation
	secrets []secret
}

var officials = []string{"minzheng", "hexi", "caizheng"} // 河西区's civil affairs (and the city's), the city's finance
var bidders = []string{"zuzhi"}                          // the viewers who bid on every call

// lawful says whether viewer may see secret s: the law, by hand.
func (w *leakWorld) lawful(viewer string, s secret) bool {
	if s.owner != "" && s.owner == viewer {
		return true
	}
	i := slices.Index(leakStages, s.stage)
	opened := i >= slices.Index(leakStages, domain.StageQualification)
	public := s.stage == domain.StagePublicity || s.stage == domain.StageAwarded
	official := slices.Contains(officials, viewer)
	seat := w.seats[s.stage][viewer]
	switch s.kind {
	case sDraft:
		return viewer == "minzheng" || viewer == "hexi" || (viewer == "caizheng" && s.stage == domain.StagePublishReview)
	case sPrice, sDigest:
		return public || opened && (official || seat != "" || slices.Contains(bidders, viewer))
	case sContent:
		return opened && (official || seat == "confirmed")
	case sScore:
		return public || official && (s.stage == domain.StageCivilApproval || s.stage == domain.StageFinanceApproval)
	case sExpert:
		return public
	case sObjector, sContact:
		return official
	}
	return false // sPII, sExpertIDs
}

func leakPrice(stage, bidder int) int64 {
	return 2_000_000 + int64(stage)*100_000 + int64(bidder)*10_000 + 4_567
}

func TestLeakMatrix(t *testing.T) {
	start := time.Now()
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	w := buildLeakWorld(t, h)
	t.Logf("world built in %s", time.Since(start).Round(time.Second))

	srv, err := h.app.Handler()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := srv.(interface{ Routes() ([]string, error) }).Routes()
	if err != nil {
		t.Fatal(err)
	}
	var gets []string
	for _, r := range routes {
		if !strings.HasPrefix(r, "GET ") {
			continue
		}
		if _, ok := leakRoutes[r]; !ok {
			t.Errorf("route %s has no line in the leak matrix (leakRoutes): say which call data it may show", r)
			continue
		}
		gets = append(gets, r)
	}
	for r := range leakRoutes {
		if !slices.Contains(routes, r) {
			t.Errorf("leakRoutes lists %s, which the server no longer has", r)
		}
	}

	// sign every viewer in once
	cookies, tokens := map[string]string{}, map[string]string{}
	for _, v := range leakViewers {
		if v != "" {
			cookies[v], tokens[v] = h.sessionCookie(v), h.token(v)
		}
	}
	texts := map[[32]byte]string{}
	read := func(viewer, path string) (int, string) {
		hdr := map[string]string{}
		tok := ""
		if viewer != "" {
			if strings.HasPrefix(path, "/api/") {
				tok = tokens[viewer]
			} else {
				hdr["Cookie"] = cookies[viewer]
			}
		}
		r := readOnce(t, h.url+path, tok, hdr)
		return r.status, bodyText(t, r, texts)
	}

	leaks, requests := map[string]map[string][]string{}, 0 // route → viewer → what
	check := func(route, path, viewer string, callStage domain.CallStage, class leakClass) {
		status, body := read(viewer, path)
		requests++
		for _, s := range w.secrets {
			if !s.in(body) {
				continue
			}
			ok := false
			switch {
			case s.owner != "" && s.owner == viewer:
				ok = true // the bidder's own receipt, the expert's own name
			case s.kind == sExpert && s.stage != callStage:
				// Names are shared by every panel (and by the talent
				// library): they are checked on their own call's routes.
				ok = true
			case class == noCallData || class == talentNames:
			case class == auditLog && s.kind == sDraft:
				ok = true // the record of who drafted what, for the operator
			case s.kind == sPII || s.kind == sExpertIDs:
			case callStage != "" && s.stage != "" && s.stage != callStage:
				// another call's secret on this call's route
			default:
				ok = w.lawful(viewer, s)
			}
			if !ok {
				if leaks[route] == nil {
					leaks[route] = map[string][]string{}
				}
				leaks[route][viewer] = append(leaks[route][viewer], fmt.Sprintf("%s of the %s call %q (HTTP %d, %s)", s.kind, s.stage, s.text, status, path))
			}
		}
	}
	project := w.award
	for _, route := range gets {
		_, pattern, _ := strings.Cut(route, " ")
		class := leakRoutes[route]
		callRoute := strings.Contains(pattern, "/calls/{id}")
		for _, v := range leakViewers {
			if !callRoute {
				check(route, leakPath(pattern, w, "", project), v, "", class)
				continue
			}
			for _, st := range leakStages {
				check(route, leakPath(pattern, w, st, project), v, st, class)
			}
		}
	}
	for _, route := range gets {
		if leaks[route] == nil {
			continue
		}
		var lines []string
		for _, v := range leakViewers {
			what := leaks[route][v]
			if len(what) == 0 {
				continue
			}
			name := v
			if name == "" {
				name = "anonymous"
			}
			// one example of each kind of secret
			var kinds []string
			seen := map[string]bool{}
			for _, x := range what {
				k, _, _ := strings.Cut(x, " of the ")
				if !seen[k] {
					seen[k] = true
					kinds = append(kinds, x)
				}
			}
			lines = append(lines, fmt.Sprintf("\n\tto %s: %s", name, strings.Join(kinds, "; ")))
		}
		t.Errorf("%s leaks%s", route, strings.Join(lines, ""))
	}

	// The open data of the call at every published stage passes the
	// official OCDS checks (schema and Data Review Tool, ocdscheck).
	for _, st := range leakStages[2:] {
		r := readOnce(t, h.url+"/api/v1/public/calls/"+w.calls[st]+"/ocds.json", "", nil)
		if r.status != http.StatusOK {
			t.Errorf("OCDS of the %s call: HTTP %d", st, r.status)
		}
		for _, p := range ocdscheck.Problems(r.body, domain.OCDSDefaultPrefix) {
			t.Errorf("OCDS of the %s call: %s", st, p)
		}
	}

	// The walk itself must reach the data: lawful views show what they may.
	for _, want := range []struct {
		viewer, path string
		kind         secretKind
		stage        domain.CallStage
	}{
		{"hexi", "/api/v1/calls/" + w.calls[domain.StageDraft], sDraft, domain.StageDraft},
		{"hexi", "/api/v1/calls/" + w.calls[domain.StageCivilApproval], sScore, domain.StageCivilApproval},
		{"", "/api/v1/public/calls/" + w.calls[domain.StageAwarded], sPrice, domain.StageAwarded},
		{"", "/public/calls/" + w.calls[domain.StagePublicity], sScore, domain.StagePublicity},
		{"hexi", "/calls/" + w.calls[domain.StagePublicity], sObjector, domain.StagePublicity},
		{"zuzhi", "/calls/" + w.calls[domain.StageQualification] + "/opening.pdf", sPrice, domain.StageQualification},
	} {
		_, body := read(want.viewer, want.path)
		found := false
		for _, s := range w.secrets {
			found = found || s.kind == want.kind && s.stage == want.stage && s.in(body)
		}
		if !found {
			t.Errorf("%s as %q shows no %s of the %s call: the matrix does not reach the data", want.path, want.viewer, want.kind, want.stage)
		}
	}
	t.Logf("%d GET routes, %d requests, %d secrets, %s in all", len(gets), requests, len(w.secrets), time.Since(start).Round(time.Second))
}

// readOnce GETs a URL without following redirects: a redirect's target is
// a route of its own.
func readOnce(t *testing.T, url, token string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
}

var noRedirects = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// leakPath fills a route's parameters with the objects of the stage's call
// (or of the project), and harmless values elsewhere.
func leakPath(pattern string, w *leakWorld, st domain.CallStage, project string) string {
	none := "5f0a8a5e-0000-4000-8000-00000000beef"
	or := func(v string) string {
		if v == "" {
			return none
		}
		return v
	}
	awardOf := none
	if st == domain.StageAwarded {
		awardOf = w.award
	}
	r := strings.NewReplacer(
		"/calls/{id}/attachments/{aid}", "/calls/"+or(w.calls[st])+"/attachments/"+or(w.atts[st]),
		"/calls/{id}/awards/{aid}", "/calls/"+or(w.calls[st])+"/awards/"+awardOf,
		"/calls/{id}/bids/{bid}/documents/{part}", "/calls/"+or(w.calls[st])+"/bids/"+or(w.bids[st])+"/documents/doc-1",
		"/calls/{id}", "/calls/"+or(w.calls[st]),
		"/awards/{id}", "/awards/"+project,
		"/contracts/{id}", "/contracts/"+project,
		"{tid}", strconv.FormatInt(w.trainee, 10), "{eid}", none, "{phase}/{attempt}", "midterm/1",
		"/orgs/{id}/documents/{did}", fmt.Sprintf("/orgs/%d/documents/%s", w.orgID, none),
		"/orgs/{id}", fmt.Sprintf("/orgs/%d", w.orgID), "/organisations/{id}", fmt.Sprintf("/organisations/%d", w.orgID),
		"/imports/{id}", "/imports/"+none, "{year}", "2026", "/static/*", "/static/app.css",
		"{id}", "1",
	)
	return r.Replace(pattern)
}

// bodyText is what a person reads in an answer: PDFs as text, workbooks
// cell by cell, anything else as it is.
func bodyText(t *testing.T, r response, cache map[[32]byte]string) string {
	t.Helper()
	ct := r.header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/pdf") && !strings.Contains(ct, "spreadsheetml") {
		return string(r.body)
	}
	sum := sha256.Sum256(r.body)
	if s, ok := cache[sum]; ok {
		return s
	}
	text := string(r.body)
	if strings.HasPrefix(ct, "application/pdf") {
		f := filepath.Join(t.TempDir(), "doc.pdf")
		if err := os.WriteFile(f, r.body, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output(); err == nil {
			text += "\n" + strings.Join(strings.Fields(string(out)), "")
		}
	} else if x, err := excelize.OpenReader(bytes.NewReader(r.body)); err == nil {
		var b strings.Builder
		for _, sh := range x.GetSheetList() {
			rows, _ := x.GetRows(sh)
			for _, row := range rows {
				b.WriteString(strings.Join(row, "\t") + "\n")
			}
		}
		x.Close()
		text = b.String()
	}
	cache[sum] = text
	return text
}

// buildLeakWorld drives one call to each stage through the API (zero-day
// periods), with three bidders, a panel from the talent library, scores,
// approvals, an objection, and the awarded call's project with a trainee.
func buildLeakWorld(t *testing.T, h *harness) *leakWorld {
	w := &leakWorld{calls: map[domain.CallStage]string{}, atts: map[domain.CallStage]string{}, bids: map[domain.CallStage]string{},
		seats: map[domain.CallStage]map[string]string{}}
	for u, code := range map[string]string{"org2": usccWith("52120104MJ0000022"), "org3": usccWith("52120105MJ0000033")} {
		f := nankaiOrg(code, u)
		f["name"] = map[string]string{"org2": "南开区乐龄志愿服务协会", "org3": "红桥区康养照护服务中心"}[u]
		var reg struct{ Organisation apiOrgResp }
		h.registerOrg(f, pdfDoc).json(t, &reg)
		mustStatus(t, h.api("minzheng", "POST", fmt.Sprintf("/api/v1/organisations/%d/review", reg.Organisation.ID), map[string]string{"decision": "approve"}, nil), 200, "verify "+u)
	}
	unverified := nankaiOrg(usccWith("52120106MJ0000044"), "weishen")
	unverified["name"] = "未审核的自助注册社会组织"
	var reg struct{ Organisation apiOrgResp }
	r := h.registerOrg(unverified, pdfDoc)
	mustStatus(t, r, http.StatusCreated, "self-registration")
	r.json(t, &reg)
	w.orgID = reg.Organisation.ID
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	pool := append([]string{"zhuanjia"}, experts...)
	names := map[string]string{"zhuanjia": "赵华"}
	for i, u := range experts {
		names[u] = fmt.Sprintf("专家%c", '甲'+rune(i+1))
	}
	w.secrets = append(w.secrets, secret{kind: sPII, text: validID()}, secret{kind: sPII, text: repPhone},
		secret{kind: sExpertIDs, re: regexp.MustCompile(`"experts":\[\{"expert":[1-9]`), text: `"expert":<user ID>`})

	// Drafts: a title and budget nobody outside civil affairs may read yet.
	deadline := time.Now().Add(75 * time.Second).Truncate(time.Second)
	draft := func(st domain.CallStage, i int) string {
		body := map[string]any{"title": fmt.Sprintf("河西区照护者培训（%s）公益创投项目", st.Label()), "brand": "cuncaoxin", "district": "河西区",
			"budget_fen": 300000_00, "mode": "competition", "bid_deadline": deadline}
		switch st {
		case domain.StageDraft, domain.StagePublishReview:
			budget := []int64{876_543_21, 765_432_19}[i] // no budget is part of another's digits
			body["title"], body["budget_fen"] = fmt.Sprintf("保密草稿%d号·失能老人居家照护者培训", i), budget
			w.secrets = append(w.secrets, secret{kind: sDraft, stage: st, text: fmt.Sprintf("保密草稿%d号", i)},
				secret{kind: sDraft, stage: st, text: strconv.FormatInt(budget, 10)}, secret{kind: sDraft, stage: st, text: domain.Fen(budget).Yuan()},
				secret{kind: sDraft, stage: st, text: fmt.Sprintf("附件暗记%d", i)})
		case domain.StageBidding:
			body["bid_deadline"] = time.Now().Add(time.Hour).Truncate(time.Second)
		case domain.StagePublicity:
			body["publicity_working_days"] = 5
		}
		var c apiCall
		r := h.api("hexi", "POST", "/api/v1/calls", body, key())
		mustStatus(t, r, http.StatusCreated, "draft "+string(st))
		r.json(t, &c)
		if st == domain.StageDraft || st == domain.StagePublishReview {
			up := h.upload("hexi", "/api/v1/calls/"+c.ID+"/attachments", "预算说明.csv", []byte(fmt.Sprintf("科目,金额\n附件暗记%d,%d\n", i, i)))
			mustStatus(t, up, http.StatusCreated, "attach")
			var a struct{ ID string }
			up.json(t, &a)
			w.atts[st] = a.ID
		}
		return c.ID
	}
	for i, st := range leakStages {
		id := draft(st, i)
		w.calls[st] = id
		if st == domain.StageDraft {
			continue
		}
		mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+id+"/submit", nil, key()), 200, "submit")
		if st == domain.StagePublishReview {
			continue
		}
		mustStatus(t, h.api("minzheng", "POST", "/api/v1/calls/"+id+"/publication", map[string]any{"approve": true}, key()), 200, "publish")
	}
	// Sealed bids by three organisations on every published call.
	for i, st := range leakStages[2:] {
		k := i + 2
		for j, u := range []string{"zuzhi", "org2", "org3"} {
			marker := fmt.Sprintf("方案暗记%d-%d号", k, j)
			proposal := "面向友谊路街道失能老年人家庭照护者开展照护技能培训，" + marker + "，内容包括失能照护基础、压疮预防、转移搬运、进食与用药照护和心肺复苏，每名学员不少于 16 学时。"
			price := leakPrice(k, j)
			r := h.api(u, "POST", "/api/v1/calls/"+w.calls[st]+"/bids", bidJSON(proposal, price), key())
			mustStatus(t, r, http.StatusCreated, "bid")
			var rc domain.Receipt
			r.json(t, &rc)
			if u == "zuzhi" {
				w.bids[st] = rc.BidID
			}
			w.secrets = append(w.secrets, secret{kind: sPrice, stage: st, text: strconv.FormatInt(price, 10)},
				secret{kind: sPrice, stage: st, text: domain.Fen(price).Yuan()},
				secret{kind: sDigest, stage: st, text: rc.Parts[0].SHA256[:16], owner: u},
				secret{kind: sContent, stage: st, text: marker, owner: u})
		}
	}
	if time.Now().After(deadline) {
		t.Fatalf("the bids took longer than the deadline allowed")
	}
	opened := leakStages[3:]
	for _, st := range opened {
		eventuallyWithin(t, 120*time.Second, "the opening of the "+string(st)+" call", func() bool {
			return h.bidCall("hexi", w.calls[st]).Stage == "qualification"
		})
	}
	// Qualification, the panels, declarations, scores.
	for _, st := range opened[1:] {
		var ds []map[string]any
		for _, b := range h.openedBids(t, w.calls[st]) {
			ds = append(ds, map[string]any{"bid_id": b.ID, "qualified": true})
		}
		mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+w.calls[st]+"/qualification", map[string]any{"decisions": ds}, key()), 200, "qualify")
	}
	seated := func(st domain.CallStage) map[string]string {
		out := map[string]string{}
		for _, u := range pool {
			if c := h.bidCall(u, w.calls[st]); c.MySeat != nil && (c.MySeat.Status == "drawn" || c.MySeat.Status == "confirmed") {
				out[u] = c.MySeat.Status
			}
		}
		return out
	}
	for _, st := range opened[1:] {
		eventually(t, "the panel of the "+string(st)+" call", func() bool { return len(seated(st)) == 5 })
		if st == domain.StagePanel {
			continue
		}
		for u := range seated(st) {
			mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+w.calls[st]+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare")
		}
	}
	for k, st := range opened[3:] {
		eventually(t, "scoring", func() bool { return h.bidCall("hexi", w.calls[st]).Stage == "scoring" })
		bids := h.openedBids(t, w.calls[st])
		for u := range seated(st) {
			for j, b := range bids {
				pts := []float64{20 + 0.5*float64(k), 19 - 0.5*float64(j), 15, 8, 7.5 + 0.5*float64((k+j)%3), 0} // zuzhi (j = 0) wins
				mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+w.calls[st]+"/scores", map[string]any{"bid_id": b.ID, "points": pts,
					"comment": "方案完整，培训模块与需求契合，团队资质齐全。"}, key()), 200, "score")
			}
		}
	}
	for _, st := range opened[3:] {
		eventually(t, "the results", func() bool { return h.bidCall("hexi", w.calls[st]).Stage == "ca_approval" })
	}
	for _, st := range opened[4:] {
		mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+w.calls[st]+"/approval", map[string]any{"approve": true}, key()), 200, "civil approval")
	}
	for _, st := range opened[5:] {
		mustStatus(t, h.api("caizheng", "POST", "/api/v1/calls/"+w.calls[st]+"/approval", map[string]any{"approve": true}, key()), 200, "finance approval")
	}
	eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", w.calls[domain.StageAwarded]).Stage == "awarded" })
	eventually(t, "publicity", func() bool { return h.bidCall("hexi", w.calls[domain.StagePublicity]).Stage == "publicity" })
	for _, st := range leakStages {
		if got := h.bidCall("hexi", w.calls[st]).Stage; got != string(st) {
			t.Fatalf("the %s call is in stage %s", st, got)
		}
	}
	// An objection to the result under publicity.
	mustStatus(t, h.api("", "POST", "/api/v1/public/calls/"+w.calls[domain.StagePublicity]+"/objections",
		map[string]any{"name": "欧阳明华", "contact": "13700001234", "reason": "认为第一名的团队资质证明与实际不符，请求复核。"}, key()), http.StatusCreated, "object")
	w.secrets = append(w.secrets, secret{kind: sObjector, stage: domain.StagePublicity, text: "欧阳明华"},
		secret{kind: sContact, stage: domain.StagePublicity, text: "13700001234"})

	// Seats, scores and panel names as they now stand.
	scoreCalls := map[string]map[domain.CallStage]bool{}
	for _, st := range opened[1:] {
		w.seats[st] = seated(st)
		for u := range w.seats[st] {
			w.secrets = append(w.secrets, secret{kind: sExpert, stage: st, text: names[u], owner: u})
		}
		for _, res := range h.bidCall("hexi", w.calls[st]).Results {
			s := strconv.FormatFloat(res.Result, 'f', 2, 64)
			if strings.HasSuffix(s, "0") {
				continue // 86.40 is 86.4 in JSON: too short to search for
			}
			if scoreCalls[s] == nil {
				scoreCalls[s] = map[domain.CallStage]bool{}
			}
			scoreCalls[s][st] = true
		}
	}
	for s, calls := range scoreCalls {
		if len(calls) == 1 { // a score two calls share says nothing about either
			for st := range calls {
				w.secrets = append(w.secrets, secret{kind: sScore, stage: st, text: s, re: regexp.MustCompile(`(^|[^0-9.,])` + regexp.QuoteMeta(s) + `($|[^0-9])`)})
			}
		}
	}
	// The awarded call's project, signed, with a trainee.
	c := h.bidCall("zuzhi", w.calls[domain.StageAwarded])
	if len(c.Awards) != 1 {
		t.Fatalf("awards: %+v", c.Awards)
	}
	w.award = c.Awards[0].ID
	base := "/api/v1/awards/" + w.award
	eventually(t, "the project", func() bool { return h.api("hexi", "GET", base, nil, nil).status == 200 })
	mustStatus(t, h.api("hexi", "POST", base+"/terms", map[string]any{"trainees": 300, "hours_per_trainee": 16, "sessions": 12, "modules": domain.DefaultModules,
		"starts_on": time.Now().AddDate(0, 0, -2), "term_months": 12}, key()), 200, "terms")
	mustStatus(t, h.api("zuzhi", "POST", base+"/confirmation", map[string]any{"revision": 1}, key()), 200, "the organisation confirms")
	mustStatus(t, h.api("hexi", "POST", base+"/confirmation", map[string]any{"revision": 1}, key()), 200, "civil affairs confirms")
	eventually(t, "delivery", func() bool {
		return strings.Contains(string(h.api("hexi", "GET", base, nil, nil).body), `"stage":"delivery"`)
	})
	r = h.api("zuzhi", "POST", base+"/trainees", map[string]any{"name": "李秀英", "id_number": "11010519491231002X", "phone": "13812345678",
		"relation": "配偶", "community": "平江里社区", "consent": true}, nil)
	mustStatus(t, r, http.StatusCreated, "enrol")
	var tr struct{ ID int64 }
	r.json(t, &tr)
	w.trainee = tr.ID
	w.secrets = append(w.secrets, secret{kind: sPII, text: "11010519491231002X"}, secret{kind: sPII, text: "13812345678"})
	return w
}
