package itest

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The role matrix, written out by hand: which demo account may use which
// route. It is deliberately not derived from internal/auth's policy, so that
// changing a policy line without changing this table fails the test.
//
//	admin 管理员 · minzheng 民政(市) · hexi 民政(河西区) · caizheng 财政 ·
//	zhuanjia 专家 · zuzhi 社会组织 · gaoxiao 高校 · shequ 社区
var everyone = []string{"admin", "minzheng", "hexi", "caizheng", "zhuanjia", "zuzhi", "gaoxiao", "shequ"}

// hexiCivil may see a 河西区 call before it is published (drafts are civil
// affairs' working papers: service/callview.go).
var hexiCivil = []string{"minzheng", "hexi"}

type matrixRoute struct {
	name    string
	method  string
	path    string // {hexi} is a 河西区 draft, {nankai} a 南开区 draft, {att} an attachment of the 河西区 draft, {open} a published 河西区 call
	body    string // form or JSON body; "file" sends an empty upload
	allowed []string
}

var webRoutes = []matrixRoute{
	{"home", "GET", "/", "", everyone},
	{"list calls", "GET", "/calls", "", everyone},
	{"view a draft", "GET", "/calls/{hexi}", "", hexiCivil},
	{"view a published call", "GET", "/calls/{open}", "", everyone},
	{"notice status", "GET", "/calls/{hexi}/notice-status", "", hexiCivil},
	{"notice", "GET", "/calls/{hexi}/notice.pdf", "", hexiCivil},
	{"attachment", "GET", "/calls/{hexi}/attachments/{att}", "", hexiCivil},
	{"draft form", "GET", "/calls/new", "", []string{"minzheng", "hexi"}},
	{"draft 河西区 call", "POST", "/calls", "title=&brand=cuncaoxin&district=河西区&budget=1", []string{"minzheng", "hexi"}},
	{"draft 南开区 call", "POST", "/calls", "title=&brand=cuncaoxin&district=南开区&budget=1", []string{"minzheng"}},
	{"attach to 河西区 call", "POST", "/calls/{hexi}/attachments", "file", []string{"minzheng", "hexi"}},
	{"attach to 南开区 call", "POST", "/calls/{nankai}/attachments", "file", []string{"minzheng"}},
	{"cancel 河西区 call", "POST", "/calls/{hexi}/cancel", "reason=", []string{"minzheng", "hexi"}},
	{"cancel 南开区 call", "POST", "/calls/{nankai}/cancel", "reason=", []string{"minzheng"}},
	{"audit log", "GET", "/admin/audit", "", []string{"admin"}},
	{"export the audit log", "GET", "/admin/audit.xlsx", "", []string{"admin"}},
	{"decode Temporal payloads", "POST", "/admin/temporal-codec/decode", "", []string{"admin"}},
	{"encode Temporal payloads", "POST", "/admin/temporal-codec/encode", "", []string{"admin"}},
	{"organisations", "GET", "/orgs", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"export organisations", "GET", "/orgs.xlsx", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"河西区 organisation", "GET", "/orgs/{org}", "", []string{"admin", "minzheng", "hexi", "caizheng", "zuzhi"}},
	{"南开区 organisation", "GET", "/orgs/{nkorg}", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"organisation document", "GET", "/orgs/{org}/documents/{doc}", "", []string{"admin", "minzheng", "hexi", "caizheng", "zuzhi"}},
	{"reveal 河西区 personal data", "POST", "/orgs/{org}/reveal", "", []string{"minzheng", "hexi"}},
	{"reveal 南开区 personal data", "POST", "/orgs/{nkorg}/reveal", "", []string{"minzheng"}},
	{"review 南开区 organisation", "POST", "/orgs/{nkorg}/review", "decision=reject&reason=", []string{"minzheng"}},
	{"debar 河西区 organisation", "POST", "/orgs/{org}/debarments", "reason=", []string{"minzheng", "hexi"}},
	{"debar 南开区 organisation", "POST", "/orgs/{nkorg}/debarments", "reason=", []string{"minzheng"}},
	{"my account", "GET", "/account", "", everyone},
	{"change my password", "POST", "/account/password", "current=&new=", everyone},
	{"end a session", "POST", "/account/sessions/{sid}/revoke", "", everyone},
	{"revoke a token", "POST", "/account/tokens/{tid}/revoke", "", everyone},
	{"users", "GET", "/admin/users", "", []string{"admin"}},
	{"areas", "GET", "/areas", "", everyone},
	{"statistics", "GET", "/stats", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"statistics PDF", "GET", "/stats.pdf", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"statistics Excel", "GET", "/stats.xlsx", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"volunteers", "GET", "/volunteers", "", []string{"minzheng", "hexi", "shequ"}},
	{"register a volunteer", "POST", "/volunteers", "name=&phone=&community_code=120103014001", []string{"minzheng", "hexi", "shequ"}},
	{"a volunteer", "GET", "/volunteers/0", "", []string{"minzheng", "hexi", "shequ"}},
	{"pair", "POST", "/volunteers/0/pairs", "elder_id=0", []string{"minzheng", "hexi", "shequ"}},
	{"log a visit", "POST", "/volunteers/0/visits", "pair_id=0", []string{"minzheng", "hexi", "shequ"}},
	{"hours statement", "GET", "/volunteers/0/statement.pdf", "", []string{"minzheng", "hexi", "shequ"}},
	{"volunteers template", "GET", "/volunteers/template.xlsx", "", everyone},
	{"export volunteers", "GET", "/volunteers/export.xlsx", "", []string{"minzheng", "hexi", "shequ"}},
	{"import volunteers", "POST", "/volunteers/import", "file", []string{"minzheng", "hexi", "shequ"}},
	{"register an institution", "POST", "/institutions", "name=", []string{"minzheng", "hexi", "shequ"}},
	{"register a team", "POST", "/teams", "name=", []string{"minzheng", "hexi", "shequ"}},
	{"a team", "GET", "/teams/0", "", []string{"minzheng", "hexi", "shequ"}},
	{"pair a team", "POST", "/teams/0/pairing", "institution_id=0", []string{"minzheng", "hexi", "shequ"}},
	{"log a team visit", "POST", "/teams/0/visits", "minutes=0", []string{"minzheng", "hexi", "shequ"}},
	{"elderly register", "GET", "/elderly", "", []string{"minzheng", "hexi", "shequ"}},
	{"import the register", "POST", "/elderly/import", "file", []string{"minzheng", "hexi", "shequ"}},
	{"an import's progress", "GET", "/elderly/imports/00000000-0000-0000-0000-000000000000", "", []string{"minzheng", "hexi", "shequ"}},
	{"export the register", "GET", "/elderly/export.xlsx", "", []string{"minzheng", "hexi", "shequ"}},
	{"import template", "GET", "/elderly/template.xlsx", "", everyone},
	{"reveal an elder", "POST", "/elderly/0/reveal", "", []string{"minzheng", "hexi"}},
	{"ideas", "GET", "/ideas", "", []string{"minzheng", "hexi", "gaoxiao"}},
	{"export ideas", "GET", "/ideas.xlsx", "", []string{"minzheng", "hexi", "gaoxiao"}},
	{"submit an idea", "POST", "/ideas", "title=&summary=&brand=cuncaoxin&district=河西区&need_ids=1", []string{"gaoxiao"}},
	{"decide an idea", "POST", "/ideas/0/decision", "decision=decline&reason=", []string{"minzheng", "hexi"}},
	{"project library", "GET", "/proposals", "", []string{"minzheng", "hexi", "caizheng"}},
	{"export the project library", "GET", "/proposals.xlsx", "", []string{"minzheng", "hexi", "caizheng"}},
	{"add a proposal", "POST", "/proposals", "title=&summary=&brand=cuncaoxin&district=河西区&need_ids=1", []string{"minzheng", "hexi"}},
	{"talents", "GET", "/talents", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"export talents", "GET", "/talents.xlsx", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"talent form", "GET", "/talents/new", "", []string{"minzheng", "hexi"}},
	{"a talent", "GET", "/talents/{talent}", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"add a talent", "POST", "/talents", "kind=expert&name=&level=city&district=市本级", []string{"minzheng", "hexi"}},
	{"edit a city talent", "POST", "/talents/{talent}", "kind=expert&name=&level=city&district=市本级", []string{"minzheng"}},
	{"needs", "GET", "/needs", "", []string{"minzheng", "hexi", "shequ", "gaoxiao"}},
	{"export needs", "GET", "/needs.xlsx", "", []string{"minzheng", "hexi", "shequ", "gaoxiao"}},
	{"record a need", "POST", "/needs", "community_code=120103014001&category=&urgency=high&description=", []string{"shequ"}},
	{"reports", "GET", "/reports", "", []string{"minzheng", "hexi", "shequ"}},
	{"submit a report", "POST", "/reports/{street}/2026Q4/submit", "", []string{"shequ"}},
	{"add an area", "POST", "/areas", "parent_code=120103&code=&name=", []string{"admin"}},
	{"reset a password", "POST", "/admin/users/{uid}/reset-password", "", []string{"admin"}},
	{"disable an account", "POST", "/admin/users/{uid}/disable", "", []string{"admin"}},
	{"enable an account", "POST", "/admin/users/{uid}/enable", "", []string{"admin"}},
	// Bidding, on a cancelled 河西区 call ({closed}): allowed roles get 409.
	{"submit for publication", "POST", "/calls/{closed}/submit", "", []string{"minzheng", "hexi"}},
	{"review publication", "POST", "/calls/{closed}/publication", "decision=approve", []string{"minzheng", "hexi", "caizheng"}},
	{"clarify", "POST", "/calls/{closed}/clarifications", "title=&body=", []string{"minzheng", "hexi"}},
	{"submit a bid", "POST", "/calls/{closed}/bids", "file", []string{"zuzhi"}},
	{"withdraw a bid", "POST", "/calls/{closed}/bids/withdraw", "", []string{"zuzhi"}},
	{"read a sealed bid's document", "GET", "/calls/{hexi}/bids/{bid}/documents/doc-1", "", nil},
	{"qualify", "POST", "/calls/{closed}/qualification", "", []string{"minzheng", "hexi"}},
	{"redraw the panel", "POST", "/calls/{closed}/panel/redraw", "", []string{"minzheng", "hexi"}},
	{"declare", "POST", "/calls/{closed}/declaration", "conflict=no", []string{"zhuanjia"}},
	{"score", "POST", "/calls/{closed}/scores", "bid_id=", []string{"zhuanjia"}},
	{"approve", "POST", "/calls/{closed}/approval", "decision=approve", []string{"minzheng", "hexi", "caizheng"}},
	{"answer an objection or a complaint", "POST", "/calls/{closed}/objections/{bid}/answer", "upheld=no", []string{"minzheng", "hexi", "caizheng"}},
	{"answer a public comment", "POST", "/calls/{closed}/comments/{bid}/answer", "answer=", []string{"minzheng", "hexi"}},
	{"request a recusal", "POST", "/calls/{closed}/recusal-requests", "reason=", []string{"zuzhi"}},
	{"decide a recusal request", "POST", "/calls/{closed}/recusal-requests/{bid}/decision", "upheld=no", []string{"minzheng", "hexi"}},
	{"opening record", "GET", "/calls/{hexi}/opening.pdf", "", hexiCivil},
	{"scoring report", "GET", "/calls/{hexi}/report.pdf", "", hexiCivil},
	{"award notice", "GET", "/calls/{hexi}/awards/{bid}/notice.pdf", "", hexiCivil},
	{"working-day calendar", "GET", "/admin/calendar", "", []string{"admin"}},
	{"funded projects", "GET", "/awards", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"export funded projects", "GET", "/awards.xlsx", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"export calls", "GET", "/calls.xlsx", "", everyone},
	{"a funded project", "GET", "/awards/{project}", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"set contract terms", "POST", "/awards/{project}/terms", "trainees=", []string{"minzheng", "hexi"}},
	{"confirm a contract", "POST", "/awards/{project}/confirmation", "revision=1", []string{"minzheng", "hexi", "zuzhi"}},
	{"a contract", "GET", "/awards/{project}/contract.pdf", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"plan a session", "POST", "/awards/{project}/sessions", "module=", []string{"minzheng", "hexi", "zuzhi"}},
	{"enrol a trainee", "POST", "/awards/{project}/trainees", "name=", []string{"minzheng", "hexi", "zuzhi"}},
	{"export the sessions", "GET", "/awards/{project}/sessions.xlsx", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"export the roster", "GET", "/awards/{project}/trainees.xlsx", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"mark attendance", "POST", "/awards/{project}/sessions/1/attendance", "", []string{"minzheng", "hexi", "zuzhi"}},
	{"import attendance", "POST", "/awards/{project}/attendance/import", "file", []string{"minzheng", "hexi", "zuzhi"}},
	{"confirm a tranche", "POST", "/awards/{project}/tranches/1/confirm", "", []string{"minzheng", "hexi"}},
	{"upload evidence", "POST", "/awards/{project}/sessions/1/evidence", "file", []string{"minzheng", "hexi", "zuzhi"}},
	{"record results", "POST", "/awards/{project}/results", "trainee=1", []string{"minzheng", "hexi", "zuzhi"}},
	{"record a spot-check", "POST", "/awards/{project}/spot-checks", "trainee=1", []string{"minzheng", "hexi"}},
	{"file a progress report", "POST", "/awards/{project}/reports", "month=", []string{"minzheng", "hexi", "zuzhi"}},
	{"a certificate", "GET", "/awards/{project}/trainees/1/certificate.pdf", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"issue a certificate", "POST", "/awards/{project}/trainees/1/certificate", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"a piece of evidence", "GET", "/awards/{project}/evidence/{bid}", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"record a payment", "POST", "/awards/{project}/tranches/1/payment", "file", []string{"caizheng"}},
	{"evaluation page", "GET", "/awards/{project}/evaluation", "", []string{"minzheng", "hexi", "caizheng", "zuzhi", "zhuanjia"}},
	{"file an evaluation report", "POST", "/awards/{project}/evaluations/midterm/report", "summary=", []string{"zuzhi"}},
	{"score an evaluation", "POST", "/awards/{project}/evaluations/midterm/1/scores", "comment=", []string{"zhuanjia"}},
	{"an evaluation report file", "GET", "/awards/{project}/evaluations/midterm/1/report-file", "", []string{"minzheng", "hexi", "caizheng", "zuzhi", "zhuanjia"}},
	{"a final report", "GET", "/awards/{project}/final-report.pdf", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"verify an archive", "POST", "/awards/{project}/archive/verify", "", []string{"minzheng", "hexi"}},
	{"my evaluations", "GET", "/evaluations", "", []string{"zhuanjia"}},
	{"edit the calendar", "POST", "/admin/calendar", "year=2026&days=bad", []string{"admin"}},
}

var apiRoutes = []matrixRoute{
	{"list calls", "GET", "/api/v1/calls", "", everyone},
	{"view a draft", "GET", "/api/v1/calls/{hexi}", "", hexiCivil},
	{"view a published call", "GET", "/api/v1/calls/{open}", "", everyone},
	{"notice", "GET", "/api/v1/calls/{hexi}/notice.pdf", "", hexiCivil},
	{"attachment", "GET", "/api/v1/calls/{hexi}/attachments/{att}/content", "", hexiCivil},
	{"draft 河西区 call", "POST", "/api/v1/calls", `{"title":"","brand":"cuncaoxin","district":"河西区","budget_fen":1}`, []string{"minzheng", "hexi"}},
	{"draft 南开区 call", "POST", "/api/v1/calls", `{"title":"","brand":"cuncaoxin","district":"南开区","budget_fen":1}`, []string{"minzheng"}},
	{"attach to 河西区 call", "POST", "/api/v1/calls/{hexi}/attachments", "file", []string{"minzheng", "hexi"}},
	{"attach to 南开区 call", "POST", "/api/v1/calls/{nankai}/attachments", "file", []string{"minzheng"}},
	{"cancel 河西区 call", "POST", "/api/v1/calls/{hexi}/cancel", `{"reason":""}`, []string{"minzheng", "hexi"}},
	{"cancel 南开区 call", "POST", "/api/v1/calls/{nankai}/cancel", `{"reason":""}`, []string{"minzheng"}},
	{"audit log", "GET", "/api/v1/audit", "", []string{"admin"}},
	{"organisations", "GET", "/api/v1/organisations", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"export organisations", "GET", "/api/v1/organisations.xlsx", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"河西区 organisation", "GET", "/api/v1/organisations/{org}", "", []string{"admin", "minzheng", "hexi", "caizheng", "zuzhi"}},
	{"南开区 organisation", "GET", "/api/v1/organisations/{nkorg}", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"reveal 河西区 personal data", "POST", "/api/v1/organisations/{org}/reveal", "", []string{"minzheng", "hexi"}},
	{"reveal 南开区 personal data", "POST", "/api/v1/organisations/{nkorg}/reveal", "", []string{"minzheng"}},
	{"review 南开区 organisation", "POST", "/api/v1/organisations/{nkorg}/review", `{"decision":"reject","reason":""}`, []string{"minzheng"}},
	{"debar 河西区 organisation", "POST", "/api/v1/organisations/{org}/debarments", `{"reason":""}`, []string{"minzheng", "hexi"}},
	{"debar 南开区 organisation", "POST", "/api/v1/organisations/{nkorg}/debarments", `{"reason":""}`, []string{"minzheng"}},
	{"my tokens", "GET", "/api/v1/tokens", "", everyone},
	{"revoke a token", "DELETE", "/api/v1/tokens/{tid}", "", everyone},
	{"my sessions", "GET", "/api/v1/account/sessions", "", everyone},
	{"end a session", "DELETE", "/api/v1/account/sessions/{sid}", "", everyone},
	{"change my password", "POST", "/api/v1/account/password", `{"current":"","new":""}`, everyone},
	{"users", "GET", "/api/v1/users", "", []string{"admin"}},
	{"areas", "GET", "/api/v1/areas", "", everyone},
	{"statistics", "GET", "/api/v1/stats", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"statistics PDF", "GET", "/api/v1/stats.pdf", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"statistics Excel", "GET", "/api/v1/stats.xlsx", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"volunteers", "GET", "/api/v1/volunteers", "", []string{"minzheng", "hexi", "shequ"}},
	{"register a volunteer", "POST", "/api/v1/volunteers", `{"name":"","phone":"","community_code":"120103014001"}`, []string{"minzheng", "hexi", "shequ"}},
	{"a volunteer", "GET", "/api/v1/volunteers/0", "", []string{"minzheng", "hexi", "shequ"}},
	{"hours statement", "GET", "/api/v1/volunteers/0/statement.pdf", "", []string{"minzheng", "hexi", "shequ"}},
	{"volunteers template", "GET", "/api/v1/volunteers/template.xlsx", "", everyone},
	{"export volunteers", "GET", "/api/v1/volunteers/export.xlsx", "", []string{"minzheng", "hexi", "shequ"}},
	{"import volunteers", "POST", "/api/v1/volunteers/import", "file", []string{"minzheng", "hexi", "shequ"}},
	{"volunteer organisations", "GET", "/api/v1/volunteer-organisations", "", []string{"minzheng", "hexi", "shequ"}},
	{"institutions", "GET", "/api/v1/institutions", "", []string{"minzheng", "hexi", "shequ"}},
	{"register an institution", "POST", "/api/v1/institutions", `{"name":""}`, []string{"minzheng", "hexi", "shequ"}},
	{"teams", "GET", "/api/v1/teams", "", []string{"minzheng", "hexi", "shequ"}},
	{"register a team", "POST", "/api/v1/teams", `{"name":""}`, []string{"minzheng", "hexi", "shequ"}},
	{"a team", "GET", "/api/v1/teams/0", "", []string{"minzheng", "hexi", "shequ"}},
	{"pair a team", "POST", "/api/v1/teams/0/pairing", `{"institution_id":0}`, []string{"minzheng", "hexi", "shequ"}},
	{"log a team visit", "POST", "/api/v1/teams/0/visits", `{"minutes":0}`, []string{"minzheng", "hexi", "shequ"}},
	{"pair", "POST", "/api/v1/pairs", `{"volunteer_id":0,"elder_id":0}`, []string{"minzheng", "hexi", "shequ"}},
	{"log a visit", "POST", "/api/v1/visits", `{"pair_id":0}`, []string{"minzheng", "hexi", "shequ"}},
	{"elderly register", "GET", "/api/v1/elderly", "", []string{"minzheng", "hexi", "shequ"}},
	{"import the register", "POST", "/api/v1/elderly/import", "file", []string{"minzheng", "hexi", "shequ"}},
	{"export the register", "GET", "/api/v1/elderly/export.xlsx", "", []string{"minzheng", "hexi", "shequ"}},
	{"import template", "GET", "/api/v1/elderly/template.xlsx", "", everyone},
	{"register counts", "GET", "/api/v1/elderly/counts", "", []string{"minzheng", "hexi", "shequ"}},
	{"reveal an elder", "POST", "/api/v1/elderly/0/reveal", "", []string{"minzheng", "hexi"}},
	{"ideas", "GET", "/api/v1/ideas", "", []string{"minzheng", "hexi", "gaoxiao"}},
	{"submit an idea", "POST", "/api/v1/ideas", `{"title":"","summary":"","brand":"cuncaoxin","district":"河西区","need_ids":[1]}`, []string{"gaoxiao"}},
	{"decide an idea", "POST", "/api/v1/ideas/0/decision", `{"decision":"decline","reason":""}`, []string{"minzheng", "hexi"}},
	{"project library", "GET", "/api/v1/proposals", "", []string{"minzheng", "hexi", "caizheng"}},
	{"add a proposal", "POST", "/api/v1/proposals", `{"title":"","summary":"","brand":"cuncaoxin","district":"河西区","need_ids":[1]}`, []string{"minzheng", "hexi"}},
	{"talents", "GET", "/api/v1/talents", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"a talent", "GET", "/api/v1/talents/{talent}", "", []string{"admin", "minzheng", "hexi", "caizheng"}},
	{"add a talent", "POST", "/api/v1/talents", `{"kind":"expert","name":"","level":"city","district":"市本级"}`, []string{"minzheng", "hexi"}},
	{"edit a city talent", "PUT", "/api/v1/talents/{talent}", `{"kind":"expert","name":"","level":"city","district":"市本级"}`, []string{"minzheng"}},
	{"needs", "GET", "/api/v1/needs", "", []string{"minzheng", "hexi", "shequ", "gaoxiao"}},
	{"export needs", "GET", "/api/v1/needs.xlsx", "", []string{"minzheng", "hexi", "shequ", "gaoxiao"}},
	{"record a need", "POST", "/api/v1/needs", `{"community_code":"120103014001","category":"","urgency":"high","affected":{},"description":""}`, []string{"shequ"}},
	{"report cycles", "GET", "/api/v1/report-cycles", "", []string{"minzheng", "hexi", "shequ"}},
	{"submit a report", "POST", "/api/v1/report-cycles/{street}/2026Q4/submit", "", []string{"shequ"}},
	{"add an area", "POST", "/api/v1/areas", `{"parent_code":"120103","code":"","name":""}`, []string{"admin"}},
	{"reset a password", "POST", "/api/v1/users/{uid}/reset-password", "", []string{"admin"}},
	{"disable an account", "POST", "/api/v1/users/{uid}/disable", "", []string{"admin"}},
	{"enable an account", "POST", "/api/v1/users/{uid}/enable", "", []string{"admin"}},
	{"submit for publication", "POST", "/api/v1/calls/{closed}/submit", `{}`, []string{"minzheng", "hexi"}},
	{"review publication", "POST", "/api/v1/calls/{closed}/publication", `{"approve":true}`, []string{"minzheng", "hexi", "caizheng"}},
	{"clarify", "POST", "/api/v1/calls/{closed}/clarifications", `{"title":"","body":""}`, []string{"minzheng", "hexi"}},
	{"submit a bid", "POST", "/api/v1/calls/{closed}/bids", `{}`, []string{"zuzhi"}},
	{"read the bids (sealed)", "GET", "/api/v1/calls/{hexi}/bids", "", nil},
	{"my bids", "GET", "/api/v1/calls/{open}/bids/mine", "", []string{"zuzhi"}},
	{"withdraw a bid", "DELETE", "/api/v1/calls/{closed}/bids/mine", "", []string{"zuzhi"}},
	{"read a sealed bid's document", "GET", "/api/v1/calls/{hexi}/bids/{bid}/documents/doc-1", "", nil},
	{"qualify", "POST", "/api/v1/calls/{closed}/qualification", `{"decisions":[]}`, []string{"minzheng", "hexi"}},
	{"redraw the panel", "POST", "/api/v1/calls/{closed}/panel/redraw", `{}`, []string{"minzheng", "hexi"}},
	{"declare", "POST", "/api/v1/calls/{closed}/declaration", `{"conflict":false}`, []string{"zhuanjia"}},
	{"score", "POST", "/api/v1/calls/{closed}/scores", `{"bid_id":""}`, []string{"zhuanjia"}},
	{"approve", "POST", "/api/v1/calls/{closed}/approval", `{"approve":true}`, []string{"minzheng", "hexi", "caizheng"}},
	{"answer an objection or a complaint", "POST", "/api/v1/calls/{closed}/objections/{bid}/answer", `{"upheld":false}`, []string{"minzheng", "hexi", "caizheng"}},
	{"request a recusal", "POST", "/api/v1/calls/{closed}/recusal-requests", `{"reason":""}`, []string{"zuzhi"}},
	{"decide a recusal request", "POST", "/api/v1/calls/{closed}/recusal-requests/{bid}/decision", `{"upheld":false}`, []string{"minzheng", "hexi"}},
	{"opening record", "GET", "/api/v1/calls/{hexi}/opening.pdf", "", hexiCivil},
	{"scoring report", "GET", "/api/v1/calls/{hexi}/report.pdf", "", hexiCivil},
	{"award notice", "GET", "/api/v1/calls/{hexi}/awards/{bid}/notice.pdf", "", hexiCivil},
	{"edit the calendar", "PUT", "/api/v1/calendar/2026", `[{"date":"bad"}]`, []string{"admin"}},
	{"my notices", "GET", "/api/v1/notices", "", everyone},
	{"funded projects", "GET", "/api/v1/awards", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"export funded projects", "GET", "/api/v1/awards.xlsx", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"export calls", "GET", "/api/v1/calls.xlsx", "", everyone},
	{"a funded project", "GET", "/api/v1/awards/{project}", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"set contract terms", "POST", "/api/v1/awards/{project}/terms", `{"trainees":0}`, []string{"minzheng", "hexi"}},
	{"confirm a contract", "POST", "/api/v1/awards/{project}/confirmation", `{"revision":1}`, []string{"minzheng", "hexi", "zuzhi"}},
	{"a contract", "GET", "/api/v1/awards/{project}/contract.pdf", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"sessions", "GET", "/api/v1/awards/{project}/sessions", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"plan a session", "POST", "/api/v1/awards/{project}/sessions", `{"module":""}`, []string{"minzheng", "hexi", "zuzhi"}},
	{"trainees", "GET", "/api/v1/awards/{project}/trainees", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"enrol a trainee", "POST", "/api/v1/awards/{project}/trainees", `{"name":""}`, []string{"minzheng", "hexi", "zuzhi"}},
	{"mark attendance", "POST", "/api/v1/awards/{project}/sessions/1/attendance", `{"trainee_ids":[]}`, []string{"minzheng", "hexi", "zuzhi"}},
	{"import attendance", "POST", "/api/v1/awards/{project}/attendance/import", "file", []string{"minzheng", "hexi", "zuzhi"}},
	{"indicators", "GET", "/api/v1/awards/{project}/kpis", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"tranches", "GET", "/api/v1/awards/{project}/tranches", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"evidence", "GET", "/api/v1/awards/{project}/evidence", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"record results", "POST", "/api/v1/awards/{project}/trainees/1/results", `{"satisfaction":0}`, []string{"minzheng", "hexi", "zuzhi"}},
	{"spot-checks", "GET", "/api/v1/awards/{project}/spot-checks", "", []string{"minzheng", "hexi"}},
	{"record a spot-check", "POST", "/api/v1/awards/{project}/spot-checks", `{"trainee_id":1}`, []string{"minzheng", "hexi"}},
	{"progress reports", "GET", "/api/v1/awards/{project}/reports", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"file a progress report", "POST", "/api/v1/awards/{project}/reports", `{"month":""}`, []string{"minzheng", "hexi", "zuzhi"}},
	{"a certificate", "GET", "/api/v1/awards/{project}/trainees/1/certificate.pdf", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"issue a certificate", "POST", "/api/v1/awards/{project}/trainees/1/certificate", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"upload evidence", "POST", "/api/v1/awards/{project}/sessions/1/evidence", "file", []string{"minzheng", "hexi", "zuzhi"}},
	{"a piece of evidence", "GET", "/api/v1/awards/{project}/evidence/{bid}", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"confirm a tranche", "POST", "/api/v1/awards/{project}/tranches/1/confirm", "", []string{"minzheng", "hexi"}},
	{"record a payment", "POST", "/api/v1/awards/{project}/tranches/1/payment", "file", []string{"caizheng"}},
	{"evaluations", "GET", "/api/v1/awards/{project}/evaluations", "", []string{"minzheng", "hexi", "caizheng", "zuzhi", "zhuanjia"}},
	{"file an evaluation report", "POST", "/api/v1/awards/{project}/evaluations/midterm/report", `{"summary":""}`, []string{"zuzhi"}},
	{"score an evaluation", "POST", "/api/v1/awards/{project}/evaluations/midterm/1/scores", `{"points":[]}`, []string{"zhuanjia"}},
	{"an evaluation report file", "GET", "/api/v1/awards/{project}/evaluations/midterm/1/report-file", "", []string{"minzheng", "hexi", "caizheng", "zuzhi", "zhuanjia"}},
	{"a final report", "GET", "/api/v1/awards/{project}/final-report.pdf", "", []string{"minzheng", "hexi", "caizheng", "zuzhi"}},
	{"an archive", "GET", "/api/v1/awards/{project}/archive", "", []string{"minzheng", "hexi"}},
	{"verify an archive", "POST", "/api/v1/awards/{project}/archive/verify", "", []string{"minzheng", "hexi"}},
	{"my evaluations", "GET", "/api/v1/evaluations", "", []string{"zhuanjia"}},
}

// publicRoutes need no sign-in (or are the sign-in itself).
var publicRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /static/*", "GET /login", "POST /login", "POST /logout",
	"GET /api/v1/openapi.yaml", "POST /api/v1/tokens", "GET /register", "POST /register", "POST /api/v1/organisations",
	"GET /public", "GET /public/calls/{id}", "GET /public/contracts/{id}.pdf", "GET /api/v1/public/contracts/{id}.pdf", "POST /public/calls/{id}/objections", "GET /api/v1/public/calls",
	"GET /api/v1/public/calls/{id}", "POST /api/v1/public/calls/{id}/objections", "GET /api/v1/calendar/{year}",
	"GET /checkin", "POST /checkin", "POST /api/v1/checkin", "GET /lang", "GET /api/v1/public/results", "GET /api/v1/public/calls/{id}/ocds.json",
	// the codec endpoint's CORS preflights (browsers send no credentials)
	"OPTIONS /admin/temporal-codec/decode", "OPTIONS /admin/temporal-codec/encode",
}

// TestRoleMatrixCoversEveryRoute fails when a route is added without a line
// in the matrix.
func TestRoleMatrixCoversEveryRoute(t *testing.T) {
	h := newHarness(t)
	srv, err := h.app.Handler()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := srv.(interface{ Routes() ([]string, error) }).Routes()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, p := range publicRoutes {
		covered[p] = true
	}
	pattern := strings.NewReplacer("{hexi}", "{id}", "{open}", "{id}", "{nankai}", "{id}", "{att}", "{aid}", "{org}", "{id}", "{nkorg}", "{id}", "{doc}", "{did}", "{uid}", "{id}", "2026Q4", "{quarter}", "{talent}", "{id}", "{closed}", "{id}", "/bids/{bid}/", "/bids/{bid}/", "/objections/{bid}/", "/objections/{oid}/", "/comments/{bid}/", "/comments/{cid}/", "/awards/{bid}/", "/awards/{aid}/", "/recusal-requests/{bid}/", "/recusal-requests/{rid}/", "/awards/{project}", "/awards/{id}", "/evaluations/midterm/1/", "/evaluations/{phase}/{attempt}/", "/evaluations/midterm/", "/evaluations/{phase}/", "/sessions/1/", "/sessions/{sid}/", "/tranches/1/", "/tranches/{n}/", "/evidence/{bid}", "/evidence/{eid}", "/trainees/1/", "/trainees/{tid}/", "/calendar/2026", "/calendar/{year}", "documents/doc-1", "documents/{part}", "/ideas/0/", "/ideas/{id}/", "/elderly/0/", "/elderly/{id}/", "/volunteers/0", "/volunteers/{id}", "/teams/0", "/teams/{id}", "/imports/00000000-0000-0000-0000-000000000000", "/imports/{id}").Replace
	for _, rt := range append(webRoutes, apiRoutes...) {
		covered[rt.method+" "+pattern(rt.path)] = true
	}
	spec, err := os.ReadFile(filepath.Join(repoRoot(), "web", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(spec), "\n") {
		if strings.HasPrefix(line, "  /") && strings.HasSuffix(line, ":") {
			documented["/api/v1"+strings.TrimSuffix(strings.TrimSpace(line), ":")] = true
		}
	}
	for _, r := range routes {
		if !covered[r] {
			t.Errorf("route %s is not in the role matrix", r)
		}
		_, path, _ := strings.Cut(r, " ")
		if strings.HasPrefix(path, "/api/v1/") && path != "/api/v1/openapi.yaml" && path != "/api/v1/*" && !documented[path] {
			t.Errorf("API route %s is not in web/openapi.yaml", r)
		}
	}
}

// TestRoleMatrix walks every route with every role. Changes are sent with an
// empty title, file or reason, so an allowed request stops at validation
// (422) and changes nothing, while a forbidden one must get 403 — with a
// Chinese page on the web and a JSON error in the API.
func TestRoleMatrix(t *testing.T) {
	h := newHarness(t)
	var list struct{ Items []apiCall }
	h.api("hexi", "GET", "/api/v1/calls", nil, nil).json(t, &list)
	hexiCall := h.getCall("hexi", list.Items[0].ID)
	var open string // the demo's published call
	for _, c := range list.Items {
		if c.Stage == "bidding" {
			open = c.ID
		}
	}
	r := h.api("minzheng", "POST", "/api/v1/calls", map[string]any{"title": "南开区照护培训项目", "brand": "shouzuqing", "district": "南开区", "budget_fen": 100000}, nil)
	var nankai apiCall
	r.json(t, &nankai)
	eventually(t, "the notice", func() bool { return h.getCall("hexi", hexiCall.ID).NoticeReady })
	// A published, then cancelled 河西区 call: every bidding action on it is
	// refused for its stage (409) to those whose role allows it, and for the
	// role (403) to everyone else.
	var closed apiCall
	h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "已撤销的照护培训项目", "brand": "shouzuqing", "district": "河西区", "budget_fen": 100000}, nil).json(t, &closed)
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+closed.ID+"/submit", nil, key()), http.StatusOK, "submit")
	mustStatus(t, h.api("minzheng", "POST", "/api/v1/calls/"+closed.ID+"/publication", map[string]any{"approve": true}, key()), http.StatusOK, "publish")
	if r := h.api("hexi", "POST", "/api/v1/calls/"+closed.ID+"/cancel", map[string]any{"reason": "角色矩阵测试"}, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	var demoOrg apiOrgResp
	h.api("zuzhi", "GET", fmt.Sprintf("/api/v1/organisations/%d", h.actor("zuzhi").OrgID), nil, nil).json(t, &demoOrg)
	r = h.registerOrg(nankaiOrg("52120103MJ0000002X", "nankai"), pdfDoc)
	var nk struct{ Organisation apiOrgResp }
	r.json(t, &nk)
	expand := strings.NewReplacer("{hexi}", hexiCall.ID, "{open}", open, "{nankai}", nankai.ID, "{att}", hexiCall.Attachments[0].ID,
		"{org}", fmt.Sprint(demoOrg.ID), "{nkorg}", fmt.Sprint(nk.Organisation.ID), "{doc}", demoOrg.Documents[0].ID,
		"{sid}", "none", "{tid}", "0", "{uid}", "0", "{street}", "120103014", "{talent}", "1", "{closed}", closed.ID,
		"{bid}", "5f0a8a5e-0000-4000-8000-000000000001", "{project}", "5f0a8a5e-0000-4000-8000-000000000002").Replace

	for _, user := range everyone {
		jar, _ := cookiejar.New(nil)
		web := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := web.PostForm(h.url+"/login", url.Values{"username": {user}, "password": {"grantflow-demo"}})
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login %s: %v %v", user, err, resp.Status)
		}
		resp.Body.Close()
		for _, rt := range webRoutes {
			status, body := send(t, web, h.url, expand(rt.path), rt.method, rt.body, "application/x-www-form-urlencoded", "")
			check(t, "web", user, rt, status, body, func(b string) bool { return strings.Contains(b, "无权") })
		}
		for _, rt := range apiRoutes {
			status, body := send(t, http.DefaultClient, h.url, expand(rt.path), rt.method, rt.body, "application/json", h.token(user))
			check(t, "api", user, rt, status, body, func(b string) bool { return strings.Contains(b, `"code":"forbidden"`) })
		}
	}
	// nothing allowed above changed anything: the calls are still drafts,
	// the 南开区 organisation still pending
	var after apiOrgResp
	h.api("minzheng", "GET", fmt.Sprintf("/api/v1/organisations/%d", nk.Organisation.ID), nil, nil).json(t, &after)
	if after.Status != "pending" || after.Debarred {
		t.Fatalf("the matrix changed the 南开区 organisation: %+v", after)
	}
	if c := h.getCall("hexi", hexiCall.ID); c.Stage != "draft" || len(c.Attachments) != 1 {
		t.Fatalf("the matrix changed the 河西区 call: %+v", c)
	}
}

func check(t *testing.T, kind, user string, rt matrixRoute, status int, body string, forbiddenBody func(string) bool) {
	t.Helper()
	allowed := slices.Contains(rt.allowed, user)
	switch {
	case allowed && (status == http.StatusForbidden || status == http.StatusUnauthorized || status >= 500):
		t.Errorf("%s %s (%s %s) as %s: %d, want allowed: %s", kind, rt.name, rt.method, rt.path, user, status, firstLine(body))
	case !allowed && status != http.StatusForbidden:
		t.Errorf("%s %s (%s %s) as %s: %d, want 403", kind, rt.name, rt.method, rt.path, user, status)
	case !allowed && !forbiddenBody(body):
		t.Errorf("%s %s as %s: 403 without the expected message: %s", kind, rt.name, user, firstLine(body))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s[:min(len(s), 300)]
}

func send(t *testing.T, c *http.Client, base, path, method, body, contentType, token string) (int, string) {
	t.Helper()
	var rdr *bytes.Reader
	sent := body
	if body == "file" {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_, _ = mw.CreateFormFile("file", "empty.pdf")
		_ = mw.Close()
		rdr, contentType, sent = bytes.NewReader(buf.Bytes()), mw.FormDataContentType(), buf.String()
	} else {
		rdr = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequest(method, base+path, rdr)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	checkExchange(t, base, method, path, token, contentType, sent, nil, response{status: resp.StatusCode, header: resp.Header, body: b.Bytes()})
	return resp.StatusCode, b.String()
}
