package itest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"mime/multipart"
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

// The leak matrix: one world holds a call and a funded project at every
// stage of their lives, and every GET route of the server is read as every
// demo role, an anonymous visitor, a self-registered organisation nobody
// has verified and two experts drawn to evaluate a project (each call route
// for every call, each project route for every project). Each answer (HTML,
// JSON, PDF text, every sheet of a workbook) is searched for the secrets of
// that world; a secret may appear only where the law lets that viewer see
// it at that call's or project's stage. The law is written
// out by hand below (lawful), from docs/domain.md, not derived from the code:
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
// It also holds a funded project at every stage of its life (each won by
// zuzhi): a draft contract, delivery awaiting the mid-term report, the
// mid-term being scored, the mid-term passed, closing and archived. Their
// secrets:
//
//   - the draft contract (its terms, its PDF): civil affairs and the
//     organisation until it is signed; then public (实施条例 §50);
//   - the organisation's evaluation report: the organisation, the
//     officials and the project's drawn evaluators; never the public or
//     other organisations;
//   - evaluators' names: the officials (and the evaluator themself); never
//     the organisation or the public; their user IDs never leave the
//     server;
//   - a score sheet before the round is decided: the evaluator who wrote it
//     and the officials (as bid scores are not the bidder's before the
//     result).
//
// Outcomes and grades are public once recorded (实施条例 §45).
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
	"GET /ideas": noCallData, "GET /ideas.xlsx": noCallData, "GET /proposals": callData, "GET /proposals.xlsx": callData,
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
	sContract  secretKind = "draft contract"
	sReport    secretKind = "evaluation report"
	sEvaluator secretKind = "evaluator's name"
	sSheet     secretKind = "score sheet before the outcome"
	sEvalIDs   secretKind = "evaluators' user IDs"
)

// projStage is a stage the world holds a project in (several are
// domain.ProjectDelivery with their mid-term round at different steps).
type projStage string

const (
	pContracting projStage = "contracting (draft contract)"
	pDelivery    projStage = "delivery (mid-term report awaited)"
	pScoring     projStage = "delivery (mid-term being scored)"
	pMidterm     projStage = "delivery (mid-term passed)"
	pClosing     projStage = "closing"
	pArchived    projStage = "archived"
)

var leakProjects = []projStage{pContracting, pDelivery, pScoring, pMidterm, pClosing, pArchived}

type secret struct {
	kind    secretKind
	stage   domain.CallStage // the call it belongs to; "" for none
	project projStage        // the project it belongs to; "" for none
	text    string
	owner   string // the one viewer it belongs to (a bidder's own receipt, an expert's own name)
	re      *regexp.Regexp
	must    string // with re: text every match contains (a quick test first)
}

func (s secret) in(body string) bool {
	if s.re != nil {
		return strings.Contains(body, s.must) && s.re.MatchString(body)
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
	// projects: every project stage's project; drawn: the experts drawn
	// to evaluate it (any round)
	projects map[projStage]string
	drawn    map[projStage][]string
	number   string // the archived project's number
	orgID    int64  // the unverified organisation
	secrets  []secret
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
	case sContract:
		return viewer == "minzheng" || viewer == "hexi" || viewer == "zuzhi"
	case sReport:
		return official || viewer == "zuzhi" || slices.Contains(w.drawn[s.project], viewer)
	case sEvaluator, sSheet:
		return official
	}
	return false // sPII, sExpertIDs, sEvalIDs
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

	// sign every viewer in once: the demo roles and more, and two of the
	// experts drawn for the round being scored (the one whose sheet is in
	// and one who has not scored yet)
	viewers := slices.Clone(leakViewers)
	for _, u := range w.drawn[pScoring][:2] {
		if !slices.Contains(viewers, u) {
			viewers = append(viewers, u)
		}
	}
	cookies, tokens := map[string]string{}, map[string]string{}
	for _, v := range viewers {
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
	check := func(route, path, viewer string, callStage domain.CallStage, proj projStage, class leakClass) {
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
			case class == auditLog && (s.kind == sDraft || s.kind == sContract):
				ok = true // the record of who drafted what (a call, a contract's terms), for the operator
			case s.kind == sPII || s.kind == sExpertIDs || s.kind == sEvalIDs:
			case callStage != "" && s.stage != "" && s.stage != callStage:
				// another call's secret on this call's route
			case proj != "" && s.project != "" && s.project != proj:
				// another project's secret on this project's route
			default:
				ok = w.lawful(viewer, s)
			}
			if !ok {
				if leaks[route] == nil {
					leaks[route] = map[string][]string{}
				}
				of := fmt.Sprintf(" of the %s call", s.stage)
				switch {
				case s.project != "":
					of = fmt.Sprintf(" of the %s project", s.project)
				case s.stage == "":
					of = ""
				}
				leaks[route][viewer] = append(leaks[route][viewer], fmt.Sprintf("%s%s %q (HTTP %d, %s)", s.kind, of, s.text, status, path))
			}
		}
	}
	for _, route := range gets {
		_, pattern, _ := strings.Cut(route, " ")
		class := leakRoutes[route]
		callRoute := strings.Contains(pattern, "/calls/{id}")
		projectRoute := strings.Contains(pattern, "/awards/{id}") || strings.Contains(pattern, "/contracts/{id}")
		for _, v := range viewers {
			switch {
			case callRoute:
				for _, st := range leakStages {
					check(route, leakPath(pattern, w, st, w.award), v, st, "", class)
				}
			case projectRoute:
				for _, p := range leakProjects {
					check(route, leakPath(pattern, w, "", w.projects[p]), v, "", p, class)
				}
			default:
				check(route, leakPath(pattern, w, "", w.award), v, "", "", class)
			}
		}
	}
	for _, route := range gets {
		if leaks[route] == nil {
			continue
		}
		var lines []string
		for _, v := range viewers {
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
				k, _, _ := strings.Cut(x, ` "`)
				k, _, _ = strings.Cut(k, " of the ")
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
	pa := func(p projStage) string { return "/api/v1/awards/" + w.projects[p] }
	for _, want := range []struct {
		viewer, path string
		kind         secretKind
		stage        domain.CallStage
		project      projStage
	}{
		{"hexi", "/api/v1/calls/" + w.calls[domain.StageDraft], sDraft, domain.StageDraft, ""},
		{"hexi", "/api/v1/calls/" + w.calls[domain.StageCivilApproval], sScore, domain.StageCivilApproval, ""},
		{"", "/api/v1/public/calls/" + w.calls[domain.StageAwarded], sPrice, domain.StageAwarded, ""},
		{"", "/public/calls/" + w.calls[domain.StagePublicity], sScore, domain.StagePublicity, ""},
		{"hexi", "/calls/" + w.calls[domain.StagePublicity], sObjector, domain.StagePublicity, ""},
		{"zuzhi", "/calls/" + w.calls[domain.StageQualification] + "/opening.pdf", sPrice, domain.StageQualification, ""},
		// the project secrets, where the law lets them be seen
		{"zuzhi", pa(pContracting), sContract, "", pContracting},
		{"hexi", "/awards/" + w.projects[pContracting] + "/contract.pdf", sContract, "", pContracting},
		{"hexi", pa(pScoring) + "/evaluations", sReport, "", pScoring},
		{"zuzhi", "/awards/" + w.projects[pClosing], sReport, "", pClosing},
		{w.drawn[pScoring][0], "/awards/" + w.projects[pScoring] + "/evaluation", sReport, "", pScoring},
		{"hexi", pa(pMidterm) + "/evaluations/midterm/1/report-file", sReport, "", pMidterm},
		{"hexi", "/awards/" + w.projects[pScoring], sEvaluator, "", ""},
		{"caizheng", pa(pArchived) + "/evaluations", sEvaluator, "", ""},
		{"hexi", pa(pScoring) + "/evaluations", sSheet, "", pScoring},
		{w.drawn[pScoring][0], pa(pScoring) + "/evaluations", sSheet, "", pScoring},
	} {
		_, body := read(want.viewer, want.path)
		found := false
		for _, s := range w.secrets {
			found = found || s.kind == want.kind && s.stage == want.stage && s.project == want.project && s.in(body)
		}
		if !found {
			of := fmt.Sprintf("the %s call", want.stage)
			if want.project != "" {
				of = fmt.Sprintf("the %s project", want.project)
			}
			t.Errorf("%s as %q shows no %s of %s: the matrix does not reach the data", want.path, want.viewer, want.kind, of)
		}
	}
	// Finance sees that a draft exists, not what it says.
	if _, body := read("caizheng", "/awards/"+w.projects[pContracting]); !strings.Contains(body, "签订前只有民政部门和实施单位可以查看合同文本") {
		t.Errorf("the draft contract's project page does not tell finance why the contract is not shown")
	}
	if status, _ := read("caizheng", "/api/v1/awards/"+w.projects[pContracting]+"/contract.pdf"); status != http.StatusForbidden {
		t.Errorf("finance reading the draft contract: HTTP %d, want 403", status)
	}
	// Outcomes are public once recorded: the archived project's grade.
	var pub struct {
		Items []struct{ Number, Grade string }
	}
	readOnce(t, h.url+"/api/v1/public/results", "", nil).json(t, &pub)
	if !slices.ContainsFunc(pub.Items, func(g struct{ Number, Grade string }) bool { return g.Number == w.number && g.Grade != "" }) {
		t.Errorf("the archived project %s's grade is not among the public results: %+v", w.number, pub.Items)
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
	r := response{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
	checkExchange(t, req.URL.Scheme+"://"+req.URL.Host, "GET", req.URL.RequestURI(), token, "", "", header, r)
	return r
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
	began := time.Now()
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
		secret{kind: sExpertIDs, re: regexp.MustCompile(`"experts":\[\{"expert":[1-9]`), must: `"experts":[{"expert":`, text: `"expert":<user ID>`})

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
	// Every call of the world: one per call stage, and an awarded call for
	// each further project (zuzhi against org2; their call data is not
	// searched, the awarded stage's call covers it).
	type leakCall struct {
		id      string
		st      domain.CallStage // where it stops
		price   int              // its index for prices
		points  int              // and for points
		bidders []string
		extra   bool
	}
	var all []*leakCall
	for i, st := range leakStages {
		id := draft(st, i)
		w.calls[st] = id
		all = append(all, &leakCall{id: id, st: st, price: i, points: i - 6, bidders: []string{"zuzhi", "org2", "org3"}})
	}
	for m := range len(leakProjects) - 1 {
		var c apiCall
		r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": fmt.Sprintf("河西区照护者培训（立项%d）公益创投项目", m+1), "brand": "cuncaoxin",
			"district": "河西区", "budget_fen": 300000_00, "mode": "competition", "bid_deadline": deadline, "min_valid_bidders": 2}, key())
		mustStatus(t, r, http.StatusCreated, "draft a call for a project")
		r.json(t, &c)
		all = append(all, &leakCall{id: c.ID, st: domain.StageAwarded, price: 10 + m, points: 4 + m, bidders: []string{"zuzhi", "org2"}, extra: true})
	}
	reached := func(st domain.CallStage) []*leakCall {
		var out []*leakCall
		for _, c := range all {
			if slices.Index(leakStages, c.st) >= slices.Index(leakStages, st) {
				out = append(out, c)
			}
		}
		return out
	}
	for _, c := range reached(domain.StagePublishReview) {
		mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+c.id+"/submit", nil, key()), 200, "submit")
	}
	for _, c := range reached(domain.StageBidding) {
		mustStatus(t, h.api("minzheng", "POST", "/api/v1/calls/"+c.id+"/publication", map[string]any{"approve": true}, key()), 200, "publish")
	}
	// Sealed bids on every published call.
	for _, c := range reached(domain.StageBidding) {
		for j, u := range c.bidders {
			marker := fmt.Sprintf("方案暗记%d-%d号", c.price, j)
			if c.extra {
				marker = fmt.Sprintf("立项方案%d-%d号", c.price, j)
			}
			proposal := "面向友谊路街道失能老年人家庭照护者开展照护技能培训，" + marker + "，内容包括失能照护基础、压疮预防、转移搬运、进食与用药照护和心肺复苏，每名学员不少于 16 学时。"
			price := leakPrice(c.price, j)
			r := h.api(u, "POST", "/api/v1/calls/"+c.id+"/bids", bidJSON(proposal, price), key())
			mustStatus(t, r, http.StatusCreated, "bid")
			var rc domain.Receipt
			r.json(t, &rc)
			if c.extra {
				continue
			}
			if u == "zuzhi" {
				w.bids[c.st] = rc.BidID
			}
			// (the price in fen as a number of its own: seven digits turn up
			// inside the hex of the audit log's hashes now and then)
			fen := strconv.FormatInt(price, 10)
			w.secrets = append(w.secrets, secret{kind: sPrice, stage: c.st, text: fen, must: fen, re: regexp.MustCompile(`(^|[^0-9A-Za-z])` + fen + `($|[^0-9A-Za-z])`)},
				secret{kind: sPrice, stage: c.st, text: domain.Fen(price).Yuan()},
				secret{kind: sDigest, stage: c.st, text: rc.Parts[0].SHA256[:16], owner: u},
				secret{kind: sContent, stage: c.st, text: marker, owner: u})
		}
	}
	if time.Now().After(deadline) {
		t.Fatalf("the bids took longer than the deadline allowed")
	}
	t.Logf("bids in by %s", time.Since(began).Round(time.Second))
	for _, c := range reached(domain.StageQualification) {
		eventuallyWithin(t, 120*time.Second, "the opening of the "+string(c.st)+" call", func() bool {
			return h.bidCall("hexi", c.id).Stage == "qualification"
		})
	}
	// Qualification, the panels, declarations, scores.
	for _, c := range reached(domain.StagePanel) {
		var ds []map[string]any
		for _, b := range h.openedBids(t, c.id) {
			ds = append(ds, map[string]any{"bid_id": b.ID, "qualified": true})
		}
		mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+c.id+"/qualification", map[string]any{"decisions": ds}, key()), 200, "qualify")
	}
	seated := func(id string) map[string]string {
		out := map[string]string{}
		for _, u := range pool {
			if c := h.bidCall(u, id); c.MySeat != nil && (c.MySeat.Status == "drawn" || c.MySeat.Status == "confirmed") {
				out[u] = c.MySeat.Status
			}
		}
		return out
	}
	for _, c := range reached(domain.StagePanel) {
		eventually(t, "the panel of the "+string(c.st)+" call", func() bool { return len(seated(c.id)) == 5 })
		if c.st == domain.StagePanel {
			continue
		}
		for u := range seated(c.id) {
			mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+c.id+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare")
		}
	}
	for _, c := range reached(domain.StageCivilApproval) {
		eventually(t, "scoring", func() bool { return h.bidCall("hexi", c.id).Stage == "scoring" })
		bids := h.openedBids(t, c.id)
		k := float64(c.points)
		for u := range seated(c.id) {
			for j, b := range bids {
				pts := []float64{20 + 0.5*k, 19 - 0.5*float64(j), 15, 8, 7.5 + 0.5*float64((c.points+j)%3), 0} // zuzhi (j = 0) wins
				mustStatus(t, h.api(u, "POST", "/api/v1/calls/"+c.id+"/scores", map[string]any{"bid_id": b.ID, "points": pts,
					"comment": "方案完整，培训模块与需求契合，团队资质齐全。"}, key()), 200, "score")
			}
		}
	}
	for _, c := range reached(domain.StageCivilApproval) {
		eventually(t, "the results", func() bool { return h.bidCall("hexi", c.id).Stage == "ca_approval" })
	}
	for _, c := range reached(domain.StageFinanceApproval) {
		mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+c.id+"/approval", map[string]any{"approve": true}, key()), 200, "civil approval")
	}
	for _, c := range reached(domain.StagePublicity) {
		mustStatus(t, h.api("caizheng", "POST", "/api/v1/calls/"+c.id+"/approval", map[string]any{"approve": true}, key()), 200, "finance approval")
	}
	for _, c := range reached(domain.StageAwarded) {
		eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", c.id).Stage == "awarded" })
	}
	eventually(t, "publicity", func() bool { return h.bidCall("hexi", w.calls[domain.StagePublicity]).Stage == "publicity" })
	for _, st := range leakStages {
		if got := h.bidCall("hexi", w.calls[st]).Stage; got != string(st) {
			t.Fatalf("the %s call is in stage %s", st, got)
		}
	}
	t.Logf("calls at their stages by %s", time.Since(began).Round(time.Second))
	// An objection to the result under publicity.
	mustStatus(t, h.api("", "POST", "/api/v1/public/calls/"+w.calls[domain.StagePublicity]+"/objections",
		map[string]any{"name": "欧阳明华", "contact": "13700001234", "reason": "认为第一名的团队资质证明与实际不符，请求复核。"}, key()), http.StatusCreated, "object")
	w.secrets = append(w.secrets, secret{kind: sObjector, stage: domain.StagePublicity, text: "欧阳明华"},
		secret{kind: sContact, stage: domain.StagePublicity, text: "13700001234"})

	// Seats, scores and panel names as they now stand.
	scoreCalls := map[string]map[domain.CallStage]bool{}
	for _, c := range reached(domain.StagePanel) {
		at := c.st
		if c.extra {
			at = domain.CallStage(c.id) // a project's call: its scores only tell which are shared
		} else {
			w.seats[c.st] = seated(c.id)
			for u := range w.seats[c.st] {
				w.secrets = append(w.secrets, secret{kind: sExpert, stage: c.st, text: names[u], owner: u})
			}
		}
		for _, res := range h.bidCall("hexi", c.id).Results {
			s := strconv.FormatFloat(res.Result, 'f', 2, 64)
			if strings.HasSuffix(s, "0") {
				continue // 86.40 is 86.4 in JSON: too short to search for
			}
			if scoreCalls[s] == nil {
				scoreCalls[s] = map[domain.CallStage]bool{}
			}
			scoreCalls[s][at] = true
		}
	}
	for s, calls := range scoreCalls {
		if len(calls) == 1 { // a score two calls share says nothing about either
			for st := range calls {
				if slices.Contains(leakStages, st) {
					w.secrets = append(w.secrets, secret{kind: sScore, stage: st, text: s, must: s, re: regexp.MustCompile(`(^|[^0-9.,])` + regexp.QuoteMeta(s) + `($|[^0-9])`)})
				}
			}
		}
	}

	// The projects: the awarded stage's call's, and one per further call,
	// each carried to its stage through the API.
	w.projects, w.drawn = map[projStage]string{}, map[projStage][]string{}
	others := slices.DeleteFunc(slices.Clone(leakProjects), func(p projStage) bool { return p == pDelivery })
	for i, c := range reached(domain.StageAwarded) {
		aw := h.bidCall("zuzhi", c.id).Awards
		if len(aw) != 1 || aw[0].OrgID != h.actor("zuzhi").OrgID {
			t.Fatalf("awards of the call %s: %+v", c.id, aw)
		}
		p := pDelivery
		if c.extra {
			p = others[i-1]
		}
		w.projects[p] = aw[0].ID
	}
	w.award = w.projects[pDelivery]
	api := func(p projStage) string { return "/api/v1/awards/" + w.projects[p] }
	stage := func(p projStage) domain.ProjectStage {
		var pr domain.Project
		if r := h.api("hexi", "GET", api(p), nil, nil); r.status == http.StatusOK {
			r.json(t, &pr)
		}
		return pr.Stage
	}
	for _, p := range leakProjects {
		eventually(t, "the "+string(p)+" project", func() bool { return stage(p) == domain.ProjectContracting })
		terms := map[string]any{"trainees": 300, "hours_per_trainee": 16, "sessions": 12, "modules": domain.DefaultModules,
			"starts_on": time.Now().AddDate(0, 0, -2), "term_months": 12}
		if p == pContracting { // the draft contract's own deliverables
			terms["trainees"], terms["modules"] = 437, append(slices.Clone(domain.DefaultModules), "草约暗记认知症家庭照护")
		}
		mustStatus(t, h.api("hexi", "POST", api(p)+"/terms", terms, key()), 200, "terms")
		mustStatus(t, h.api("zuzhi", "POST", api(p)+"/confirmation", map[string]any{"revision": 1}, key()), 200, "the organisation confirms")
		if p != pContracting {
			mustStatus(t, h.api("hexi", "POST", api(p)+"/confirmation", map[string]any{"revision": 1}, key()), 200, "civil affairs confirms")
		}
	}
	w.secrets = append(w.secrets, secret{kind: sContract, project: pContracting, text: "草约暗记"},
		secret{kind: sContract, project: pContracting, text: "437 trainees", must: "437", re: regexp.MustCompile(`"trainees":437[,}]|437 ?人`)})
	for _, p := range leakProjects[1:] {
		eventually(t, "the "+string(p)+" project's delivery", func() bool { return stage(p) == domain.ProjectDelivery })
	}
	r = h.api("zuzhi", "POST", api(pDelivery)+"/trainees", map[string]any{"name": "李秀英", "id_number": "11010519491231002X", "phone": "13812345678",
		"relation": "配偶", "community": "平江里社区", "consent": true}, nil)
	mustStatus(t, r, http.StatusCreated, "enrol")
	var tr struct{ ID int64 }
	r.json(t, &tr)
	w.trainee = tr.ID
	w.secrets = append(w.secrets, secret{kind: sPII, text: "11010519491231002X"}, secret{kind: sPII, text: "13812345678"},
		secret{kind: sEvalIDs, must: `,"seq":`, re: regexp.MustCompile(`"(user_id|talent_id)":[1-9][0-9]*,"seq"`), text: `"user_id":<user ID> of an evaluator`})

	// The evaluations: a report with an attachment (each with a marker of
	// its own), three drawn evaluators, their sheets.
	report := func(p projStage, phase string, n int) {
		marker := fmt.Sprintf("自评暗记%d号", n)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("summary", evalReportText+marker)
		fw, _ := mw.CreateFormFile("file", "自评附件.csv")
		_, _ = fmt.Fprintf(fw, "项目,说明\n报告附件记号%d号,1\n", n)
		_ = mw.Close()
		mustStatus(t, h.do("POST", api(p)+"/evaluations/"+phase+"/report", h.token("zuzhi"), mw.FormDataContentType(), buf.String(), key()),
			200, "the "+phase+" report of the "+string(p)+" project")
		w.secrets = append(w.secrets, secret{kind: sReport, project: p, text: marker}, secret{kind: sReport, project: p, text: fmt.Sprintf("报告附件记号%d号", n)})
	}
	drawn := func(p projStage, phase string) []string {
		var d []string
		eventually(t, "the "+phase+" evaluators of the "+string(p)+" project", func() bool {
			d = h.drawnFor(t, pool, w.projects[p], phase)
			return len(d) == domain.EvaluatorsPerRound
		})
		w.drawn[p] = append(w.drawn[p], d...)
		return d
	}
	score := func(p projStage, phase, u string, sheet map[string]any) {
		mustStatus(t, h.api(u, "POST", api(p)+"/evaluations/"+phase+"/1/scores", sheet, key()), 200, "a "+phase+" sheet by "+u)
	}
	decided := func(p projStage, n int) {
		eventually(t, "the result of the "+string(p)+" project's round", func() bool {
			rs := h.rounds(t, "hexi", w.projects[p])
			return len(rs) >= n && rs[n-1].Outcome != nil
		})
	}
	evaluated := []projStage{pScoring, pMidterm, pClosing, pArchived}
	for i, p := range evaluated {
		eventually(t, "the mid-term round of the "+string(p)+" project", func() bool { return len(h.rounds(t, "hexi", w.projects[p])) == 1 })
		report(p, "midterm", 10*i+1)
	}
	// (after the round opened: the workflow has the signature by then)
	payTranche(t, h, w.projects[pArchived], 1)
	for _, p := range evaluated {
		d := drawn(p, "midterm")
		if p == pScoring { // one sheet in, the round undecided
			score(p, "midterm", d[0], map[string]any{"points": []float64{23.5, 13.5, 14.5, 21.5},
				"comment": "评分暗记：学员签到记录与培训照片对应不全。", "site_visit": "现场暗记：平江里社区活动室。"})
			w.secrets = append(w.secrets, secret{kind: sSheet, project: p, text: "评分暗记", owner: d[0]},
				secret{kind: sSheet, project: p, text: "现场暗记", owner: d[0]}, secret{kind: sSheet, project: p, text: "23.5,13.5,14.5,21.5", owner: d[0]})
			continue
		}
		for j, u := range d {
			score(p, "midterm", u, map[string]any{"points": []float64{24, 16, 16 + float64(j), 24}, "comment": "培训组织规范，签到与学时记录完整。"})
		}
	}
	for _, p := range evaluated[1:] {
		decided(p, 1)
	}
	payTranche(t, h, w.projects[pArchived], 2)
	for i, p := range evaluated[2:] {
		eventually(t, "the final round of the "+string(p)+" project", func() bool { return len(h.rounds(t, "hexi", w.projects[p])) == 2 })
		report(p, "final", 10*(i+2)+2)
	}
	for _, p := range evaluated[2:] {
		for _, u := range drawn(p, "final") {
			score(p, "final", u, map[string]any{"points": []float64{46, 27, 0, 9}, "comment": "产出与效益指标完成，资金使用合规。"})
		}
	}
	for _, p := range evaluated[2:] {
		decided(p, 2)
		eventually(t, "the "+string(p)+" project closing", func() bool { return stage(p) == domain.ProjectClosing })
	}
	payTranche(t, h, w.projects[pArchived], 3)
	eventuallyWithin(t, 2*time.Minute, "the archive", func() bool { return stage(pArchived) == domain.ProjectArchived })
	var archived domain.Project
	h.api("hexi", "GET", api(pArchived), nil, nil).json(t, &archived)
	w.number = archived.Number
	want := map[projStage]domain.ProjectStage{pContracting: domain.ProjectContracting, pDelivery: domain.ProjectDelivery, pScoring: domain.ProjectDelivery,
		pMidterm: domain.ProjectDelivery, pClosing: domain.ProjectClosing, pArchived: domain.ProjectArchived}
	for _, p := range leakProjects {
		if got := stage(p); got != want[p] {
			t.Fatalf("the %s project is in stage %s", p, got)
		}
	}
	// Evaluators' names, wherever a round lists them (a panel's seats list
	// names the same way, with a status).
	seen := map[string]bool{}
	for _, p := range leakProjects {
		for _, u := range w.drawn[p] {
			if !seen[u] {
				seen[u] = true
				n := regexp.QuoteMeta(names[u])
				w.secrets = append(w.secrets, secret{kind: sEvaluator, text: names[u], owner: u,
					must: names[u], re: regexp.MustCompile(`评估专家 ?\d+（` + n + `）|"seq":\d+,"name":"` + n + `"(,"(excluded|sheet|scored_at)"|\})`)})
			}
		}
	}
	t.Logf("projects at their stages by %s", time.Since(began).Round(time.Second))
	return w
}
