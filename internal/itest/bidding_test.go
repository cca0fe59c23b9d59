package itest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	enumspb "go.temporal.io/api/enums/v1"

	"grantflow/internal/app"
	"grantflow/internal/auth"
	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/ocdscheck"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// usccWith completes a 17-character prefix with its GB 32100 check character.
func usccWith(prefix string) string {
	c, ok := domain.USCCCheckChar(prefix)
	if !ok {
		panic("no check character for " + prefix)
	}
	return prefix + string(c)
}

type bidCall struct {
	apiCall
	BidDeadline    time.Time `json:"bid_deadline"`
	OpenedAt       time.Time `json:"opened_at"`
	OpeningSHA256  string    `json:"opening_sha256"`
	ReportSHA256   string    `json:"report_sha256"`
	StageNote      string    `json:"stage_note"`
	BidCount       int       `json:"bid_count"`
	Clarifications []struct {
		Title      string
		DeadlineTo time.Time `json:"deadline_to"`
	} `json:"clarifications"`
	MySeat *struct {
		Status string `json:"status"`
	} `json:"my_seat"`
	Panel []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"panel"`
	Opened []struct {
		ID      string `json:"id"`
		OrgID   int64  `json:"org_id"`
		OrgName string `json:"org_name"`
	} `json:"opened"`
	Results []domain.BidResult `json:"results"`
	Awards  []domain.Award     `json:"awards"`
}

func (h *harness) bidCall(user, id string) bidCall {
	h.t.Helper()
	r := h.api(user, "GET", "/api/v1/calls/"+id, nil, nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("get call as %s: %d %s", user, r.status, r.body)
	}
	var c bidCall
	r.json(h.t, &c)
	return c
}

func key() map[string]string { return map[string]string{"Idempotency-Key": uuid.NewString()} }

func mustStatus(t *testing.T, r response, want int, what string) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: %d, want %d: %s", what, r.status, want, r.body)
	}
}

// addExperts gives the talent library six more experts with accounts; the
// first declares a tie to tiedUSCC (a bidder), so the draw must exclude it.
func addExperts(t *testing.T, h *harness, tiedUSCC string) []string {
	ctx := context.Background()
	hash, err := auth.HashPassword(app.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	by := h.actor("minzheng")
	var names []string
	for i := 1; i <= 6; i++ {
		username := fmt.Sprintf("expert%d", i)
		if _, err := h.app.Store.UpsertUser(ctx, domain.User{Username: username, DisplayName: fmt.Sprintf("评审专家%d", i),
			Roles: []domain.Role{domain.RoleExpert}, District: domain.CityLevel}, hash, by); err != nil {
			t.Fatal(err)
		}
		e := domain.TalentEntry{Kind: domain.TalentExpert, Name: fmt.Sprintf("专家%c", '甲'+rune(i)), Level: domain.LevelCity,
			District: domain.CityLevel, Fields: []domain.ExpertField{"elderly_care"}, Available: true, Username: username}
		if i == 1 {
			e.Relations = []domain.Relation{{USCC: tiedUSCC, Note: "配偶任该组织理事"}}
		}
		if _, err := h.app.Store.SaveTalent(ctx, 0, e, by); err != nil {
			t.Fatal(err)
		}
		names = append(names, username)
	}
	return names
}

func bidJSON(proposal string, price int64) map[string]any {
	return map[string]any{
		"technical_proposal": proposal,
		"budget":             []map[string]any{{"item": "讲师劳务费", "amount_fen": price / 2}, {"item": "教材与场地", "amount_fen": price - price/2}},
		"price_fen":          price,
		"team":               []map[string]any{{"name": "王芳", "role": "项目负责人", "qualification": "中级社会工作师"}},
		"documents":          []map[string]any{{"file_name": "资质证明.pdf", "content_base64": base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n% 资质证明 " + proposal[:12] + "\n%%EOF\n"))}},
	}
}

// lifecycleHistoryLimit is the workflows' history limit in the full
// lifecycle test: low, so the call and its project continue as new several
// times on the way, with people's requests arriving meanwhile.
const lifecycleHistoryLimit = 120

// TestCallFromDraftToAwardThroughAPI drives one call from draft to award
// through the JSON API against the real services, with the bureau's
// competition-mode periods set to zero so the timers run in seconds, and
// the workflows' history limit low (lifecycleHistoryLimit).
func TestCallFromDraftToAwardThroughAPI(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) {
		c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0
		c.WorkflowHistoryLimit = lifecycleHistoryLimit
	})
	ctx := context.Background()

	// Three verified organisations: the demo one (zuzhi) and two more.
	demoOrg := h.actor("zuzhi").OrgID
	orgs := map[string]string{"zuzhi": "", "org2": usccWith("52120104MJ000002" + "2"), "org3": usccWith("52120105MJ000003" + "3")}
	for _, u := range []string{"org2", "org3"} {
		f := nankaiOrg(orgs[u], u)
		f["name"] = map[string]string{"org2": "南开区乐龄志愿服务协会", "org3": "红桥区康养照护服务中心"}[u]
		var reg struct{ Organisation apiOrgResp }
		r := h.registerOrg(f, pdfDoc)
		mustStatus(t, r, http.StatusCreated, "register "+u)
		r.json(t, &reg)
		mustStatus(t, h.api("minzheng", "POST", fmt.Sprintf("/api/v1/organisations/%d/review", reg.Organisation.ID), map[string]string{"decision": "approve"}, nil), 200, "verify "+u)
	}
	demo, err := h.app.Store.Organisation(ctx, demoOrg)
	if err != nil {
		t.Fatal(err)
	}
	experts := addExperts(t, h, demo.USCC)

	// Draft (hexi), submit, publish (minzheng: not the submitter).
	deadline := time.Now().Add(25 * time.Second).Truncate(time.Second)
	var c bidCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区失能老年人家庭照护者培训项目", "brand": "cuncaoxin",
		"district": "河西区", "budget_fen": 300000_00, "mode": "competition", "bid_deadline": deadline}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	id := c.ID
	path := "/api/v1/calls/" + id
	mustStatus(t, h.api("hexi", "POST", path+"/submit", nil, key()), 200, "submit")
	mustStatus(t, h.api("hexi", "POST", path+"/publication", map[string]any{"approve": true}, key()), http.StatusForbidden, "the submitter publishing")
	mustStatus(t, h.api("minzheng", "POST", path+"/publication", map[string]any{"approve": true}, key()), 200, "publish")
	c = h.bidCall("hexi", id)
	if c.Stage != "bidding" || !c.BidDeadline.Equal(deadline) {
		t.Fatalf("after publication: %s, deadline %s (want %s)", c.Stage, c.BidDeadline, deadline)
	}
	mustStatus(t, h.api("hexi", "POST", path+"/clarifications", map[string]any{"title": "培训场地说明", "body": "培训场地由各社区提供，投标报价无需包含场地租金。"}, key()), 200, "clarify")

	// Sealed bids; org2 replaces its bid once.
	proposals := map[string]string{
		"zuzhi": "面向友谊路街道失能老年人家庭照护者，开展失能照护基础、压疮预防、转移搬运、进食与用药照护、心肺复苏五个模块共 12 期培训，每名学员不少于 16 学时。",
		"org2":  "在南开区、河西区开展照护者培训 8 期，内容包括失能照护基础与应急救护，采取社区集中授课与入户指导相结合的方式，每名学员 12 学时。",
		"org3":  "依托康养照护服务中心实训室开展照护技能培训 6 期，内容以转移搬运和压疮预防为主，辅以心理疏导讲座，每名学员 10 学时，并提供上门指导。",
	}
	prices := map[string]int64{"zuzhi": 260000_00, "org2": 240000_00, "org3": 280000_00}
	receipts := map[string]domain.Receipt{}
	for _, u := range []string{"zuzhi", "org2", "org3"} {
		r := h.api(u, "POST", path+"/bids", bidJSON(proposals[u], prices[u]), key())
		mustStatus(t, r, http.StatusCreated, "bid by "+u)
		var rc domain.Receipt
		r.json(t, &rc)
		if len(rc.Parts) != 5 || rc.Parts[0].SHA256 == "" {
			t.Fatalf("receipt of %s: %+v", u, rc)
		}
		receipts[u] = rc
	}
	r = h.api("org2", "POST", path+"/bids", bidJSON(proposals["org2"]+"（修订版）", prices["org2"]), key())
	mustStatus(t, r, http.StatusCreated, "replace bid")
	var rc2 domain.Receipt
	r.json(t, &rc2)
	if rc2.Version != 2 {
		t.Fatalf("replacement version %d", rc2.Version)
	}
	mustStatus(t, h.api("gaoxiao", "POST", path+"/bids", bidJSON(proposals["org3"], 1000_00), key()), http.StatusForbidden, "a non-organisation bidding")

	// Before opening nobody reads a sealed bid: not through the API, pages,
	// documents, the call's own record, storage or the database.
	for _, u := range []string{"admin", "minzheng", "hexi", "caizheng", "zhuanjia", "zuzhi", "org2"} {
		if r := h.api(u, "GET", path+"/bids", nil, nil); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "无权查看") {
			t.Errorf("%s read the sealed bids: %d %s", u, r.status, r.body)
		}
		if r := h.api(u, "GET", path+"/bids/"+receipts["zuzhi"].BidID+"/documents/doc-1", nil, nil); r.status != http.StatusForbidden {
			t.Errorf("%s read a sealed document: %d", u, r.status)
		}
		if r := h.api(u, "GET", path, nil, nil); strings.Contains(string(r.body), "失能照护基础、压疮预防") || strings.Contains(string(r.body), "26000000") {
			t.Errorf("%s saw bid content in the call record", u)
		}
	}
	if cc := h.bidCall("hexi", id); cc.BidCount != 3 || len(cc.Opened) != 0 {
		t.Errorf("officials before opening: count %d, opened %d", cc.BidCount, len(cc.Opened))
	}
	if cc := h.bidCall("zhuanjia", id); cc.BidCount != 0 {
		t.Error("a non-official learned the number of bids")
	}
	if _, err := h.app.Store.OpenedCallKey(ctx, id); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("the private key was released before opening: %v", err)
	}
	if _, err := h.app.Store.OpenCall(ctx, id); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("the database let the call open before its deadline: %v", err)
	}
	mc, err := minio.New(h.app.Config.S3Endpoint, &minio.Options{Creds: credentials.NewStaticV4(h.app.Config.S3AccessKey, h.app.Config.S3SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for obj := range mc.ListObjects(ctx, h.app.Config.S3Bucket, minio.ListObjectsOptions{Prefix: "calls/" + id + "/bids/", Recursive: true}) {
		listed++
		o, err := mc.GetObject(ctx, h.app.Config.S3Bucket, obj.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(o)
		o.Close()
		if bytes.Contains(raw, []byte("照护")) || bytes.Contains(raw, []byte("PDF")) || bytes.Contains(raw, []byte("26000000")) {
			t.Errorf("stored object %s holds plaintext", obj.Key)
		}
	}
	if listed != 20 { // 4 bids × 5 parts
		t.Errorf("listed %d sealed objects, want 20", listed)
	}

	// The deadline passes: opening happens by the workflow's timer.
	eventuallyWithin(t, 90*time.Second, "opening", func() bool { return h.bidCall("hexi", id).Stage == "qualification" })
	mustStatus(t, h.api("org3", "POST", path+"/bids", bidJSON(proposals["org3"], prices["org3"]), key()), http.StatusConflict, "a late bid")
	c = h.bidCall("hexi", id)
	if c.OpenedAt.Before(deadline) || c.OpenedAt.After(deadline.Add(15*time.Second)) {
		t.Errorf("opened at %s for a deadline of %s", c.OpenedAt, deadline)
	}
	opening := h.api("zuzhi", "GET", path+"/opening.pdf", nil, nil)
	mustStatus(t, opening, 200, "opening record")
	text := pdfText(t, opening.body)
	for _, want := range []string{"开标记录", "天津市河西区夕阳红社会工作服务中心", "南开区乐龄志愿服务协会", "260,000.00", "240,000.00", receipts["zuzhi"].Parts[0].SHA256[:16]} {
		if !strings.Contains(text, want) {
			t.Errorf("the opening record lacks %q", want)
		}
	}
	var opened struct {
		Items []struct {
			ID        string
			OrgID     int64 `json:"org_id"`
			OrgName   string
			DigestsOK *bool `json:"digests_ok"`
			Content   domain.BidContent
		}
	}
	r = h.api("hexi", "GET", path+"/bids", nil, nil)
	mustStatus(t, r, 200, "read opened bids")
	r.json(t, &opened)
	if len(opened.Items) != 3 {
		t.Fatalf("opened %d bids", len(opened.Items))
	}
	var decisions []map[string]any
	for _, b := range opened.Items {
		if b.DigestsOK == nil || !*b.DigestsOK || b.Content.Price == 0 || b.Content.TechnicalProposal == "" {
			t.Errorf("opened bid %s: digests %v, price %d", b.OrgName, b.DigestsOK, b.Content.Price)
		}
		if strings.Contains(b.OrgName, "乐龄") && !strings.Contains(b.Content.TechnicalProposal, "修订版") {
			t.Error("the replaced bid was opened instead of its replacement")
		}
		decisions = append(decisions, map[string]any{"bid_id": b.ID, "qualified": true})
	}
	doc := h.api("hexi", "GET", path+"/bids/"+opened.Items[0].ID+"/documents/doc-1", nil, nil)
	mustStatus(t, doc, 200, "an opened document")
	if !bytes.HasPrefix(doc.body, []byte("%PDF")) {
		t.Error("the opened document is not the PDF the bidder sent")
	}

	// Qualification, then the panel is drawn at random from the pool.
	mustStatus(t, h.api("hexi", "POST", path+"/qualification", map[string]any{"decisions": decisions[:2]}, key()), 422, "qualifying two of three")
	mustStatus(t, h.api("hexi", "POST", path+"/qualification", map[string]any{"decisions": decisions}, key()), 200, "qualify")
	eventually(t, "the panel", func() bool { return len(h.bidCall("hexi", id).Panel) >= 5 })
	pool := append([]string{"zhuanjia"}, experts...)
	seated := func() []string {
		var out []string
		for _, u := range pool {
			if c := h.bidCall(u, id); c.MySeat != nil && (c.MySeat.Status == "drawn" || c.MySeat.Status == "confirmed") {
				out = append(out, u)
			}
		}
		return out
	}
	first := seated()
	if len(first) != 5 {
		t.Fatalf("seated %v", first)
	}
	for _, u := range first {
		if u == "expert1" {
			t.Fatal("the expert tied to a bidder was seated")
		}
	}
	for _, p := range h.bidCall("hexi", id).Panel {
		if strings.Contains(p.Name, "专家乙") || (p.Status == "excluded" && !strings.Contains(p.Reason, "利害关系")) {
			t.Errorf("panel names must stay hidden and exclusions give their reason: %+v", p)
		}
	}
	// The first drawn expert recuses; a replacement is drawn.
	mustStatus(t, h.api(first[0], "GET", path+"/bids", nil, nil), http.StatusForbidden, "reading bids before declaring")
	mustStatus(t, h.api(first[0], "POST", path+"/declaration", map[string]any{"conflict": true, "reason": "本人近三年曾在投标单位兼职授课"}, key()), 200, "recuse")
	for _, u := range first[1:] {
		mustStatus(t, h.api(u, "POST", path+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare "+u)
	}
	var replacement string
	eventually(t, "a replacement", func() bool {
		for _, u := range seated() {
			if h.bidCall(u, id).MySeat.Status == "drawn" {
				replacement = u
				return true
			}
		}
		return false
	})
	mustStatus(t, h.api(replacement, "POST", path+"/declaration", map[string]any{"conflict": false}, key()), 200, "declare replacement")
	eventually(t, "scoring", func() bool { return h.bidCall("hexi", id).Stage == "scoring" })

	// Scoring: every panel member scores every bid; the demo organisation's is best.
	panel := append(append([]string{}, first[1:]...), replacement)
	mustStatus(t, h.api(panel[0], "POST", path+"/scores", map[string]any{"bid_id": opened.Items[0].ID, "points": []float64{30, 0, 0, 0, 0, 0}, "comment": "超出满分的评分应被拒绝。"}, key()), 422, "a score over the maximum")
	for _, u := range panel {
		mustStatus(t, h.api(u, "GET", path+"/bids", nil, nil), 200, "expert reads bids")
		for _, b := range opened.Items {
			v := 0.7
			if b.OrgID == demoOrg {
				v = 0.9
			}
			pts := []float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0}
			mustStatus(t, h.api(u, "POST", path+"/scores", map[string]any{"bid_id": b.ID, "points": pts, "comment": "方案完整，培训模块与需求契合，团队资质齐全。"}, key()), 200, "score")
		}
	}
	eventually(t, "the results", func() bool { return h.bidCall("hexi", id).Stage == "ca_approval" })
	mustStatus(t, h.api(panel[0], "POST", path+"/scores", map[string]any{"bid_id": opened.Items[0].ID, "points": []float64{20, 20, 16, 8, 8, 0}, "comment": "评审结束后不能再改分。"}, key()), http.StatusConflict, "a score after scoring closed")
	c = h.bidCall("hexi", id)
	if len(c.Results) != 3 || c.Results[0].OrgID != demoOrg || !c.Results[0].Recommended || !c.Results[0].Trimmed {
		t.Fatalf("results: %+v", c.Results)
	}
	if cc := h.bidCall("zuzhi", id); len(cc.Results) != 0 {
		t.Error("a bidder saw the results before publicity")
	}
	report := h.api("hexi", "GET", path+"/report.pdf", nil, nil)
	mustStatus(t, report, 200, "scoring report")
	if text := pdfText(t, report.body); !strings.Contains(text, "评审报告") || !strings.Contains(text, "推荐") {
		t.Error("the scoring report lacks its ranking")
	}

	// Two approvals: civil affairs, then finance; a bidder may not approve.
	mustStatus(t, h.api("caizheng", "POST", path+"/approval", map[string]any{"approve": true}, key()), http.StatusForbidden, "finance before civil affairs")
	mustStatus(t, h.api("hexi", "POST", path+"/approval", map[string]any{"approve": true}, key()), 200, "civil approval")
	// civil affairs approving again: the decision was made (a conflict naming who made it)
	again := h.api("hexi", "POST", path+"/approval", map[string]any{"approve": true}, key())
	mustStatus(t, again, http.StatusConflict, "civil affairs approving again")
	if !strings.Contains(string(again.body), "民政审批已由") {
		t.Errorf("civil affairs approving again: %s", again.body)
	}
	mustStatus(t, h.api("caizheng", "POST", path+"/approval", map[string]any{"approve": true}, key()), 200, "finance approval")

	// Publicity (0 working days under this bureau's setting), then the award.
	eventuallyWithin(t, 60*time.Second, "the award", func() bool { return h.bidCall("hexi", id).Stage == "awarded" })
	c = h.bidCall("zuzhi", id)
	if len(c.Awards) != 1 || c.Awards[0].OrgID != demoOrg || c.Awards[0].Amount != domain.Fen(prices["zuzhi"]) {
		t.Fatalf("awards: %+v", c.Awards)
	}
	notice := h.api("zuzhi", "GET", path+"/awards/"+c.Awards[0].ID+"/notice.pdf", nil, nil)
	mustStatus(t, notice, 200, "award notice")
	if text := pdfText(t, notice.body); !strings.Contains(text, "立项") || !strings.Contains(text, "260,000.00") {
		t.Error("the award notice lacks the amount")
	}
	mustStatus(t, h.api("org2", "GET", path+"/awards/"+c.Awards[0].ID+"/notice.pdf", nil, nil), http.StatusNotFound, "another bidder's award notice")
	var lib struct {
		Items []struct {
			Status string
			Title  string
		}
	}
	h.api("minzheng", "GET", "/api/v1/proposals?status=returned_unfunded", nil, nil).json(t, &lib)
	if len(lib.Items) != 2 {
		t.Errorf("unfunded bids in the project library: %+v", lib.Items)
	}
	var notes struct{ Items []domain.Notice }
	h.api("org2", "GET", "/api/v1/notices", nil, nil).json(t, &notes)
	if len(notes.Items) == 0 || !strings.Contains(notes.Items[0].Text, "未获立项") {
		t.Errorf("the unsuccessful bidder was not told: %+v", notes.Items)
	}
	// The public sees the result and the panel's names, de-identified where due.
	var pub struct {
		Results []struct {
			OrgName string `json:"org_name"`
		}
		Panel []string
	}
	r = h.api("", "GET", "/api/v1/public/calls/"+id, nil, nil)
	mustStatus(t, r, 200, "public call")
	r.json(t, &pub)
	if len(pub.Results) != 3 || len(pub.Panel) != 5 {
		t.Errorf("public result: %+v", pub)
	}
	eventually(t, "the call's search attribute", func() bool {
		return h.visible(fmt.Sprintf("WorkflowId = '%s' AND GrantFlowStage = 'awarded'", workflows.CallWorkflowID(id))) == 1
	})
	entries, err := h.app.Store.ListAudit(ctx, store.AuditFilter{ObjectID: id, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range entries {
		actions[e.Action] = true
	}
	// (bid.submit is filed under the bid, not the call: assertAuditKeepsSecrets)
	for _, a := range []string{"call.create", "call.decision.publish", "call.publish", "call.clarify", "call.open",
		"bid.qualify", "panel.drawn", "panel.declare", "score.submit", "call.results", "call.decision.civil", "call.decision.finance", "call.award"} {
		if !actions[a] {
			t.Errorf("no audit entry %s", a)
		}
	}
	var allReceipts []domain.Receipt
	for _, rc := range receipts {
		allReceipts = append(allReceipts, rc)
	}
	people := []string{h.actor("zuzhi").Name, h.actor("org2").Name, h.actor("org3").Name, h.actor("zhuanjia").Name}
	for i := 1; i <= 6; i++ {
		people = append(people, fmt.Sprintf("专家%c", '甲'+rune(i)), h.actor(fmt.Sprintf("expert%d", i)).Name)
	}
	assertAuditKeepsSecrets(t, h, id, append(allReceipts, rc2), people)
	recordHistory(t, h, workflows.CallWorkflowID(id), "call_full_award_continued.json")

	// The award started its project: the contract is settled and signed.
	projectPath := "/api/v1/awards/" + c.Awards[0].ID
	var proj struct {
		Stage            string    `json:"stage"`
		Number           string    `json:"number"`
		ContractRevision int       `json:"contract_revision"`
		ContractDue      time.Time `json:"contract_due"`
		SignedAt         time.Time `json:"signed_at"`
		TrancheAmounts   []int64   `json:"tranche_amounts_fen"`
	}
	eventually(t, "the project", func() bool {
		r := h.api("zuzhi", "GET", projectPath, nil, nil)
		return r.status == 200 && json.Unmarshal(r.body, &proj) == nil && proj.Stage == "contracting"
	})
	if d := time.Until(proj.ContractDue); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("contract due in %s, want 30 days", d)
	}
	if proj.TrancheAmounts[0]+proj.TrancheAmounts[1]+proj.TrancheAmounts[2] != prices["zuzhi"] {
		t.Errorf("tranches %v do not add up to the award", proj.TrancheAmounts)
	}
	mustStatus(t, h.api("org2", "GET", projectPath, nil, nil), http.StatusForbidden, "another organisation's project")
	termsBody := map[string]any{"trainees": 300, "hours_per_trainee": 16, "sessions": 12, "modules": domain.DefaultModules,
		"starts_on": time.Now().AddDate(0, 0, -2), "term_months": 12, "performance_bond_fen": 26000_00}
	mustStatus(t, h.api("zuzhi", "POST", projectPath+"/terms", termsBody, key()), http.StatusForbidden, "the organisation setting terms")
	termsBody["performance_bond_fen"] = 26000_01
	mustStatus(t, h.api("hexi", "POST", projectPath+"/terms", termsBody, key()), 422, "a bond over 10%")
	termsBody["performance_bond_fen"] = 26000_00
	mustStatus(t, h.api("hexi", "POST", projectPath+"/terms", termsBody, key()), 200, "set terms")
	mustStatus(t, h.api("zuzhi", "POST", projectPath+"/confirmation", map[string]any{"revision": 1}, key()), 200, "the organisation confirms")
	contract := h.api("zuzhi", "GET", projectPath+"/contract.pdf", nil, nil)
	mustStatus(t, contract, 200, "the contract")
	if text := pdfText(t, contract.body); !strings.Contains(text, "个人信息保护法") || !strings.Contains(text, "78,000.00") || !strings.Contains(text, "300人") {
		t.Errorf("the contract lacks its clauses: %.400s", text)
	}
	mustStatus(t, h.do("GET", "/public/contracts/"+c.Awards[0].ID+".pdf", "", "", "", nil), 404, "an unsigned contract in public")
	mustStatus(t, h.api("hexi", "POST", projectPath+"/confirmation", map[string]any{"revision": 1}, key()), 200, "civil affairs confirms")
	eventually(t, "the signed contract", func() bool {
		r := h.api("hexi", "GET", projectPath, nil, nil)
		return json.Unmarshal(r.body, &proj) == nil && proj.Stage == "delivery" && !proj.SignedAt.IsZero()
	})
	// Signed contracts are public: listed on the portal, the PDF without signing in.
	signed := h.do("GET", "/public/contracts/"+c.Awards[0].ID+".pdf", "", "", "", nil)
	if mustStatus(t, signed, 200, "the signed contract in public"); !bytes.Equal(signed.body, contract.body) {
		t.Error("the public contract differs from the signed one")
	}
	if portal := string(h.do("GET", "/public", "", "", "", nil).body); !strings.Contains(portal, "已签订公开的合同") || !strings.Contains(portal, proj.Number) {
		t.Error("the portal does not list the signed contract")
	}
	// Visibility is eventually consistent.
	eventually(t, "the project's search attribute", func() bool {
		return h.visible(fmt.Sprintf("WorkflowId = '%s' AND GrantFlowStage = 'delivery'", workflows.ProjectWorkflowID(c.Awards[0].ID))) == 1
	})
	code, trainee, traineeName := deliverTraining(t, h, c.Awards[0].ID)
	payFirstTranche(t, h, c.Awards[0].ID)

	// How the signed project looks to the organisation.
	bctx := browser(t)
	if err := chromedp.Do(bctx, chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", "zuzhi"), chromedp.SendKeys("#password", app.DemoPassword),
		chromedp.Click("main button[type=submit]"), chromedp.WaitVisible(".lifecycle"),
		chromedp.Navigate(h.url+"/awards/"+c.Awards[0].ID), chromedp.WaitVisible(".facts")); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(bctx, chromedp.Text("main")); !strings.Contains(got, "实施中") || !strings.Contains(got, "78,000.00") {
		t.Errorf("the project page: %.300s", got)
	}
	screenshot(t, bctx, "17-project-contract")

	// A trainee checks in on a phone, without an account.
	if err := chromedp.Do(bctx, chromedp.Click(".user button"), chromedp.WaitVisible("#username"),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(h.url+"/checkin?code="+code), chromedp.WaitVisible("#trainee"),
		chromedp.SendKeys("#trainee", fmt.Sprint(trainee)), chromedp.SendKeys("#name", "错误的名字"),
		chromedp.Click(".checkin button"), chromedp.WaitVisible(".alert")); err != nil {
		t.Fatal(err)
	}
	if v, _ := chromedp.Run(bctx, chromedp.Value("#code")); v != code {
		t.Fatalf("the code typed was lost: %q", v)
	}
	if err := chromedp.Do(bctx, chromedp.Clear("#name"), chromedp.SendKeys("#name", traineeName),
		chromedp.Click(".checkin button"), chromedp.WaitVisible(".checkin-ok")); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(bctx, chromedp.Text(".checkin-ok")); !strings.Contains(got, "签到成功") {
		t.Fatalf("the phone shows %q", got)
	}
	screenshot(t, bctx, "18-phone-checkin")
	bulkAttendance(t, h, c.Awards[0].ID)
	// The roster and the sessions export whole, personal numbers masked.
	roster := h.sheet("hexi", "/awards/"+c.Awards[0].ID+"/trainees.xlsx")
	if len(roster) != 1003 || roster[0][2] != "身份证号（遮蔽）" {
		t.Errorf("the roster export: %d rows, header %v", len(roster), roster[0])
	}
	for _, row := range roster[1:] {
		if !strings.Contains(row[2], "*") {
			t.Fatalf("an ID number exported in full: %v", row)
		}
	}
	if ss := h.sheet("zuzhi", "/awards/"+c.Awards[0].ID+"/sessions.xlsx"); len(ss) < 2 || len(ss[0]) != 8 {
		t.Errorf("the sessions export: %v", ss)
	}
	// The project's page lists the roster and the sessions a page at a time.
	if pg := h.webPage("hexi", "/awards/"+c.Awards[0].ID+"?tpage=21&spage=3"); !strings.Contains(pg, "共 1002 名学员，第 21 / 21 页") ||
		!strings.Contains(pg, "第 3 / 3 页") || strings.Count(pg, `<tr class="detail">`) > 60 {
		t.Errorf("the project page's pages: %d bytes", len(pg))
	}
	evaluateAndArchive(t, h, c.Awards[0].ID, append([]string{"zhuanjia"}, experts...), bctx)
	// Both lived through several runs (continue-as-new) and lost nothing.
	for _, id := range []string{workflows.CallWorkflowID(c.ID), workflows.ProjectWorkflowID(c.Awards[0].ID)} {
		if n := h.runs(t, id); n < 2 {
			t.Errorf("%s ran as %d run(s) with a history limit of %d: it never continued as new", id, n, lifecycleHistoryLimit)
		}
	}

	// How the archived project looks to civil affairs.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", "hexi"), chromedp.SendKeys("#password", app.DemoPassword),
		chromedp.Click("main button[type=submit]"), chromedp.WaitVisible(".lifecycle"),
		chromedp.Navigate(h.url+"/awards/"+c.Awards[0].ID+"#evaluation"), chromedp.WaitVisible("#evaluation"),
		chromedp.Click("#evaluation form.inline-form button"), chromedp.WaitVisible("#evaluation .alert")); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(bctx, chromedp.Text("#evaluation")); !strings.Contains(got, "核验发现 2 个问题") || !strings.Contains(got, "结项等级") {
		t.Errorf("the archived project's evaluation section: %.500s", got)
	}
	if err := chromedp.Do(bctx, chromedp.ScrollIntoView("#evaluation")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, bctx, "19-project-evaluated-archived")

	// The call as open contracting data: tender, award, contract, payments.
	var pkg domain.OCDSPackage
	ocds := h.do("GET", "/api/v1/public/calls/"+id+"/ocds.json", "", "", "", nil)
	mustStatus(t, ocds, 200, "OCDS without signing in")
	ocds.json(t, &pkg)
	var tags []string
	for _, r := range pkg.Releases {
		tags = append(tags, r.Tag[0])
	}
	last := pkg.Releases[len(pkg.Releases)-1]
	if pkg.Version != "1.1" || strings.Join(tags, ",") != "tender,award,contract,implementation,contractTermination" ||
		last.Tender.NumberOfTenderers == nil || *last.Tender.NumberOfTenderers != 3 || len(last.Tender.Tenderers) != 3 ||
		len(last.Contracts) != 1 || len(last.Contracts[0].Implementation.Transactions) != 3 || last.Awards[0].Value.Amount != 260000 ||
		!strings.HasPrefix(last.OCID, domain.OCDSDefaultPrefix+"-") || pkg.URI != h.app.Config.WebURL+"/api/v1/public/calls/"+id+"/ocds.json" {
		t.Errorf("OCDS package: %s", ocds.body)
	}
	for _, p := range ocdscheck.Problems(ocds.body, domain.OCDSDefaultPrefix) {
		t.Errorf("OCDS package: %s", p)
	}
	if strings.Contains(string(ocds.body), "HX-2026") || strings.Contains(string(ocds.body), "李秀英") {
		t.Error("the OCDS package carries voucher numbers or personal data")
	}

	// The programme dashboard counts the project: money, training, grade.
	var stats struct {
		Programme []store.ProgrammeRow
	}
	h.api("caizheng", "GET", "/api/v1/stats", nil, nil).json(t, &stats)
	if len(stats.Programme) != 1 || stats.Programme[0].Projects != 1 || stats.Programme[0].Awarded != domain.Fen(prices["zuzhi"]) ||
		stats.Programme[0].Paid != stats.Programme[0].Awarded || stats.Programme[0].Trainees < 1000 {
		t.Errorf("programme statistics: %+v", stats.Programme)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(h.url+"/stats"), chromedp.WaitVisible(`[data-chart="funds"] svg`),
		chromedp.WaitVisible(`[data-chart="grades"] svg`)); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(bctx, chromedp.Text("main")); !strings.Contains(got, "资金与成效") || !strings.Contains(got, "260,000.00") {
		t.Errorf("the dashboard: %.300s", got)
	}
	screenshot(t, bctx, "21-programme-dashboard")
}

// TestCancelledAndFailedCalls: cancelling before opening destroys the
// call's key (its sealed bids can never be read) and tells the bidder; a
// call with too few bids fails at its deadline and is re-issued in another
// mode, which only finance may publish.
func TestCancelledAndFailedCalls(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	ctx := context.Background()
	publish := func(title string, deadline time.Time) string {
		t.Helper()
		var c apiCall
		r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": title, "brand": "shouzuqing", "district": "河西区",
			"budget_fen": 100000_00, "bid_deadline": deadline}, key())
		mustStatus(t, r, http.StatusCreated, "draft")
		r.json(t, &c)
		mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+c.ID+"/submit", nil, key()), 200, "submit")
		mustStatus(t, h.api("minzheng", "POST", "/api/v1/calls/"+c.ID+"/publication", map[string]any{"approve": true}, key()), 200, "publish")
		return c.ID
	}

	// Cancel before opening.
	cancelled := publish("河西区照护培训（将撤销）", time.Now().Add(time.Hour))
	mustStatus(t, h.api("zuzhi", "POST", "/api/v1/calls/"+cancelled+"/bids", bidJSON("面向友谊路街道失能老年人家庭照护者，开展失能照护基础与应急救护培训 6 期，每名学员 12 学时，考核合格者发放结业证书。", 90000_00), key()), http.StatusCreated, "bid")
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+cancelled+"/cancel", map[string]any{"reason": "区财政预算调整，本年度暂停"}, nil), 200, "cancel")
	var mine struct{ Items []domain.Bid }
	h.api("zuzhi", "GET", "/api/v1/calls/"+cancelled+"/bids/mine", nil, nil).json(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Status != domain.BidDiscarded {
		t.Fatalf("the bid after cancellation: %+v", mine.Items)
	}
	if _, err := h.app.Store.OpenCall(ctx, cancelled); err == nil {
		t.Fatal("a cancelled call opened")
	}
	var keyRow *string
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT private_sealed FROM call_keys WHERE call_id = $1`, cancelled).Scan(&keyRow); err != nil || keyRow != nil {
		t.Fatalf("the private key survived the cancellation: %v %v", keyRow, err)
	}
	var notes struct{ Items []domain.Notice }
	h.api("zuzhi", "GET", "/api/v1/notices", nil, nil).json(t, &notes)
	if len(notes.Items) == 0 || !strings.Contains(notes.Items[0].Text, "已撤销") || !strings.Contains(notes.Items[0].Text, "密钥已销毁") {
		t.Fatalf("the bidder was not told: %+v", notes.Items)
	}
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+cancelled+"/cancel", map[string]any{"reason": "再次撤销"}, nil), http.StatusConflict, "cancel twice")

	// 流标: one bid where three are needed.
	failed := publish("河西区照护培训（将流标）", time.Now().Add(8*time.Second))
	mustStatus(t, h.api("zuzhi", "POST", "/api/v1/calls/"+failed+"/bids", bidJSON("面向友谊路街道失能老年人家庭照护者，开展失能照护基础与应急救护培训 6 期，每名学员 12 学时，考核合格者发放结业证书。", 90000_00), key()), http.StatusCreated, "bid")
	eventuallyWithin(t, 60*time.Second, "流标", func() bool { return h.bidCall("hexi", failed).Stage == "failed" })
	if note := h.bidCall("hexi", failed).StageNote; !strings.Contains(note, "流标") {
		t.Errorf("the failure says %q", note)
	}
	// Re-issued as competitive consultation: civil affairs may not publish it.
	var re apiCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区照护培训（重新组织）", "brand": "shouzuqing", "district": "河西区",
		"budget_fen": 100000_00, "mode": "consultation", "reissue_of": failed}, key())
	mustStatus(t, r, http.StatusCreated, "re-issue")
	r.json(t, &re)
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+re.ID+"/submit", nil, key()), 200, "submit the re-issue")
	mustStatus(t, h.api("minzheng", "POST", "/api/v1/calls/"+re.ID+"/publication", map[string]any{"approve": true}, key()), http.StatusForbidden, "civil affairs publishing a change of mode")
	mustStatus(t, h.api("caizheng", "POST", "/api/v1/calls/"+re.ID+"/publication", map[string]any{"approve": true}, key()), 200, "finance publishing a change of mode")
	c := h.bidCall("hexi", re.ID)
	// 竞争性磋商: at least 10 days and 5 working days, opening at 09:30.
	if c.Stage != "bidding" || c.BidDeadline.Before(time.Now().AddDate(0, 0, 10)) || c.BidDeadline.In(domain.ChinaTime).Format("15:04") != "09:30" {
		t.Errorf("the re-issue's deadline: %s %s", c.Stage, c.BidDeadline)
	}
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "重新组织一个未流标的征集", "brand": "shouzuqing", "district": "河西区",
		"budget_fen": 100000_00, "reissue_of": re.ID}, key()), http.StatusConflict, "re-issuing a call that did not fail")
}

// deliverTraining records a signed project's training through the API:
// sessions, trainees with consent, attendance marked and imported (bad rows
// refused whole).
func deliverTraining(t *testing.T, h *harness, projectID string) (code string, trainee int64, name string) {
	t.Helper()
	base := "/api/v1/awards/" + projectID
	now := time.Now().Truncate(time.Minute)
	session := func(module string, from, to time.Time) response {
		return h.api("zuzhi", "POST", base+"/sessions", map[string]any{"module": module, "starts_at": from, "ends_at": to,
			"place": "平江里社区活动室（平江里 3 号楼旁）", "trainer": "韩雪", "hours": 2}, nil)
	}
	mustStatus(t, session("广场舞", now.Add(-3*time.Hour), now.Add(-time.Hour)), 422, "a module outside the contract")
	r := session("压疮预防", now.Add(-3*time.Hour), now.Add(-time.Hour))
	mustStatus(t, r, http.StatusCreated, "plan a session")
	var sess struct{ ID int64 }
	r.json(t, &sess)
	mustStatus(t, h.api("org2", "POST", base+"/sessions", map[string]any{"module": "压疮预防"}, nil), http.StatusForbidden, "another organisation planning")

	enrol := func(body map[string]any) response { return h.api("zuzhi", "POST", base+"/trainees", body, nil) }
	mustStatus(t, enrol(map[string]any{"name": "李秀英", "id_number": "110105194912310021", "relation": "配偶", "community": "平江里社区", "consent": true}), 422, "a wrong check digit")
	pupil := "12010320160506002"
	check, _ := domain.IDCardCheckChar(pupil)
	mustStatus(t, enrol(map[string]any{"name": "张小雨", "id_number": pupil + string(check), "relation": "孙子女", "community": "平江里社区", "consent": true}), 422, "an under-14 trainee without a guardian")
	var ids []int64
	for _, b := range []map[string]any{
		{"name": "李秀英", "id_number": "11010519491231002X", "phone": "13812345678", "relation": "配偶", "community": "平江里社区", "consent": true},
		{"name": "张小雨", "id_number": pupil + string(check), "relation": "孙子女", "community": "平江里社区", "consent": true, "guardian_name": "张伟", "guardian_relation": "父亲"},
	} {
		r := enrol(b)
		mustStatus(t, r, http.StatusCreated, "enrol")
		var x struct{ ID int64 }
		r.json(t, &x)
		ids = append(ids, x.ID)
	}
	// The same person again (lower-case x this time): refused by the blind index.
	again := enrol(map[string]any{"name": "李秀英", "id_number": "11010519491231002x", "relation": "配偶", "community": "平江里社区", "consent": true})
	if mustStatus(t, again, 422, "the same 身份证号 twice"); !strings.Contains(string(again.body), fmt.Sprintf("编号 %d", ids[0])) {
		t.Errorf("the duplicate is not named: %s", again.body)
	}
	var roster struct{ Items []domain.Trainee }
	h.api("hexi", "GET", base+"/trainees", nil, nil).json(t, &roster)
	if len(roster.Items) != 2 || roster.Items[0].IDNumber != "110***********002X" || roster.Items[0].Phone != "138****5678" {
		t.Fatalf("the roster must show masked numbers: %+v", roster.Items)
	}

	// Staff mark the first trainee present for the whole session.
	mustStatus(t, h.api("zuzhi", "POST", fmt.Sprintf("%s/sessions/%d/attendance", base, sess.ID), map[string]any{"trainee_ids": ids[:1]}, nil), 200, "mark present")

	upload := func(csv string) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "签到表.csv")
		_, _ = fw.Write([]byte(csv))
		_ = mw.Close()
		return h.do("POST", base+"/attendance/import", h.token("zuzhi"), mw.FormDataContentType(), buf.String(), nil)
	}
	at := func(d time.Duration) string { return now.Add(d).In(domain.ChinaTime).Format("2006-01-02 15:04") }
	// Bad rows: nothing is imported, every problem is named.
	bad := "场次编号,学员编号,签到时间,签退时间\n" +
		fmt.Sprintf("%d,%d,%s,%s\n", sess.ID, ids[1], at(-3*time.Hour+40*time.Minute), at(-time.Hour)) +
		fmt.Sprintf("%d,%d,%s,%s\n", sess.ID+999, ids[1], at(-3*time.Hour), at(-time.Hour)) +
		fmt.Sprintf("%d,%d,明天,%s\n", sess.ID, ids[0], at(-time.Hour))
	r = upload(bad)
	mustStatus(t, r, 422, "an import with bad rows")
	var res struct {
		Imported int
		Problems []domain.ImportProblem
	}
	r.json(t, &res)
	if res.Imported != 0 || len(res.Problems) != 2 || res.Problems[0].Row != 3 || res.Problems[0].Column != "场次编号" || res.Problems[1].Row != 4 || res.Problems[1].Column != "签到时间" {
		t.Fatalf("problems: %+v", res)
	}
	good := "场次编号,学员编号,签到时间,签退时间\n" + fmt.Sprintf("%d,%d,%s,%s\n", sess.ID, ids[1], at(-3*time.Hour+40*time.Minute), at(-time.Hour))
	mustStatus(t, upload(good), 200, "a good import")
	var k struct {
		Enrolled int     `json:"trainees_enrolled"`
		Hours    float64 `json:"hours_credited"`
		Held     int     `json:"sessions_held"`
	}
	h.api("hexi", "GET", base+"/kpis", nil, nil).json(t, &k)
	// 2 hours for the whole session, 1 for 80 of 120 minutes (67 %).
	if k.Enrolled != 2 || k.Hours != 3 || k.Held != 1 {
		t.Fatalf("indicators: %+v", k)
	}

	// Evidence for the session: a photo is kept; an executable posing as a
	// photo and a "video" that is not one are refused.
	evidence := func(kind, name string, data []byte) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("kind", kind)
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
		_ = mw.Close()
		return h.do("POST", fmt.Sprintf("%s/sessions/%d/evidence", base, sess.ID), h.token("zuzhi"), mw.FormDataContentType(), buf.String(), nil)
	}
	photo := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	mustStatus(t, evidence("photo", "培训现场.png", photo), http.StatusCreated, "a photo")
	mustStatus(t, evidence("photo", "现场.jpg", append([]byte("MZ"), bytes.Repeat([]byte{0}, 64)...)), 422, "an executable posing as a photo")
	mustStatus(t, evidence("video", "录像.mp4", pdfDoc), 422, "a PDF posing as a video")
	var evs struct{ Items []domain.Evidence }
	h.api("caizheng", "GET", base+"/evidence", nil, nil).json(t, &evs)
	if len(evs.Items) != 1 || evs.Items[0].Kind != domain.EvidencePhoto || len(evs.Items[0].SHA256) != 64 {
		t.Fatalf("evidence: %+v", evs.Items)
	}
	if got := h.api("hexi", "GET", base+"/evidence/"+evs.Items[0].ID, nil, nil); got.status != 200 || !bytes.Equal(got.body, photo) {
		t.Fatalf("the photo read back: %d", got.status)
	}

	// Results: scores 0–100 and satisfaction 1–5.
	mustStatus(t, h.api("zuzhi", "POST", fmt.Sprintf("%s/trainees/%d/results", base, ids[0]),
		map[string]any{"pre_score": 55, "post_score": 120, "practical_score": 80, "satisfaction": 5}, nil), 422, "a score over 100")
	mustStatus(t, h.api("zuzhi", "POST", fmt.Sprintf("%s/trainees/%d/results", base, ids[0]),
		map[string]any{"pre_score": 55, "post_score": 88, "practical_score": 80, "satisfaction": 5}, nil), 200, "results")
	// Too few hours for a certificate yet.
	mustStatus(t, h.api("zuzhi", "GET", fmt.Sprintf("%s/trainees/%d/certificate.pdf", base, ids[1]), nil, nil), http.StatusConflict, "a certificate before the hours")

	// Civil affairs calls a sample of trainees who have hours.
	var spot struct {
		Suggested []domain.Trainee
		Items     []domain.SpotCheck
	}
	mustStatus(t, h.api("zuzhi", "GET", base+"/spot-checks", nil, nil), http.StatusForbidden, "the organisation spot-checking itself")
	h.api("hexi", "GET", base+"/spot-checks", nil, nil).json(t, &spot)
	if len(spot.Suggested) != 2 {
		t.Fatalf("the sample: %+v", spot.Suggested)
	}
	mustStatus(t, h.api("hexi", "POST", base+"/spot-checks", map[string]any{"trainee_id": ids[1], "outcome": "discrepancy"}, nil), 422, "a discrepancy without a note")
	mustStatus(t, h.api("hexi", "POST", base+"/spot-checks", map[string]any{"trainee_id": ids[1], "outcome": "discrepancy", "note": "学员称只参加了前一小时"}, nil), 200, "a spot-check")
	h.api("hexi", "GET", base+"/spot-checks", nil, nil).json(t, &spot)
	if len(spot.Items) != 1 || len(spot.Suggested) != 1 || spot.Items[0].Outcome != domain.SpotDiscrepancy {
		t.Fatalf("after one check: %+v", spot)
	}

	// The monthly progress report, with the indicators as they stand.
	month := time.Now().In(domain.ChinaTime).Format("2006-01")
	mustStatus(t, h.api("zuzhi", "POST", base+"/reports", map[string]any{"month": "2030-01", "summary": "未来月份的报告不应被接受，这里凑足二十个字。"}, nil), 422, "a report for a future month")
	mustStatus(t, h.api("zuzhi", "POST", base+"/reports", map[string]any{"month": month,
		"summary": "本月在平江里社区举办压疮预防培训 1 场，登记学员 2 名，其中 1 名为监护人同意的未成年学员。", "problems": "下月开展转移搬运模块。"}, nil), 200, "a progress report")
	var reps struct {
		Items []struct {
			Month string
			KPIs  struct {
				Enrolled int `json:"trainees_enrolled"`
			} `json:"kpis"`
		}
	}
	h.api("caizheng", "GET", base+"/reports", nil, nil).json(t, &reps)
	if len(reps.Items) != 1 || reps.Items[0].Month != month || reps.Items[0].KPIs.Enrolled != 2 {
		t.Fatalf("reports: %+v", reps.Items)
	}

	// A session running now: trainees check in and out on their phones.
	mustStatus(t, session("转移搬运", now.Add(-30*time.Minute), now.Add(90*time.Minute)), http.StatusCreated, "plan a running session")
	var list struct{ Items []domain.TrainingSession }
	h.api("zuzhi", "GET", base+"/sessions", nil, nil).json(t, &list)
	running := list.Items[len(list.Items)-1]
	var hidden struct{ Items []domain.TrainingSession }
	h.api("caizheng", "GET", base+"/sessions", nil, nil).json(t, &hidden)
	if running.Code == "" || hidden.Items[len(hidden.Items)-1].Code != "" {
		t.Fatalf("the check-in code is for the organisation only: %q / %q", running.Code, hidden.Items[len(hidden.Items)-1].Code)
	}
	checkin := func(name string) response {
		return h.api("", "POST", "/api/v1/checkin", map[string]any{"code": running.Code, "trainee_id": ids[0], "name": name}, nil)
	}
	mustStatus(t, checkin("王五"), http.StatusNotFound, "a check-in under another name")
	// a wrong code and the right code with a wrong name get the same answer:
	// a guesser cannot learn that a code is live
	live, _ := strconv.Atoi(running.Code)
	wrongCode := fmt.Sprintf("%06d", (live+1)%1_000_000)
	byCode := h.api("", "POST", "/api/v1/checkin", map[string]any{"code": wrongCode, "trainee_id": ids[0], "name": "李秀英"}, nil)
	if byName := checkin("王五"); byCode.status != byName.status || string(byCode.body) != string(byName.body) {
		t.Fatalf("a wrong code and a wrong name are told apart: %d %s / %d %s", byCode.status, byCode.body, byName.status, byName.body)
	}
	mustStatus(t, h.api("", "POST", "/api/v1/checkin", map[string]any{"code": "12", "trainee_id": ids[0], "name": "李秀英"}, nil), 422, "a malformed code")
	var ci struct{ What string }
	r = checkin("李秀英")
	mustStatus(t, r, 200, "check in")
	r.json(t, &ci)
	if ci.What != "in" {
		t.Fatalf("first check-in: %+v", ci)
	}
	r = checkin("李秀英")
	mustStatus(t, r, 200, "check out")
	r.json(t, &ci)
	if ci.What != "out" {
		t.Fatalf("second check-in: %+v", ci)
	}
	mustStatus(t, checkin("李秀英"), http.StatusConflict, "a third check-in")
	return running.Code, ids[1], "张小雨"
}

// bulkAttendance imports 100,000 attendance rows — 100 sessions × 1,000
// trainees, set up directly — through the API, and logs how long it took.
func bulkAttendance(t *testing.T, h *harness, projectID string) {
	t.Helper()
	ctx := context.Background()
	base := "/api/v1/awards/" + projectID
	now := time.Now().Truncate(time.Minute)
	upload := func(csv string) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "签到表.csv")
		_, _ = fw.Write([]byte(csv))
		_ = mw.Close()
		return h.do("POST", base+"/attendance/import", h.token("zuzhi"), mw.FormDataContentType(), buf.String(), nil)
	}
	var res struct {
		Imported int
		Problems []domain.ImportProblem
	}
	var k struct {
		Hours float64 `json:"hours_credited"`
	}
	hexi := h.actor("hexi")
	sealed, err := h.app.Delivery.Keys.Seal("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	pool := h.app.Store.Pool()
	if _, err := pool.Exec(ctx, `INSERT INTO training_sessions (project_id, module, starts_at, ends_at, place, trainer, hours, code, created_by)
		SELECT $1, '压疮预防', $2::timestamptz - make_interval(days => g), $2::timestamptz - make_interval(days => g) + interval '2 hours', '社区', '韩雪', 2, '000000', $3
		FROM generate_series(1, 100) g`, projectID, now.Add(-3*time.Hour), hexi.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO trainees (project_id, name, id_sealed, relation, community, consent_at, created_by)
		SELECT $1, '学员' || g, $2, '子女', '平江里社区', now(), $3 FROM generate_series(1, 1000) g`, projectID, sealed, hexi.UserID); err != nil {
		t.Fatal(err)
	}
	var sessions []struct {
		ID       int64
		StartsAt time.Time
	}
	rows, err := pool.Query(ctx, `SELECT id, starts_at FROM training_sessions WHERE project_id = $1 AND code = '000000' ORDER BY id`, projectID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var x struct {
			ID       int64
			StartsAt time.Time
		}
		_ = rows.Scan(&x.ID, &x.StartsAt)
		sessions = append(sessions, x)
	}
	rows.Close()
	var trainees []int64
	trows, err := pool.Query(ctx, `SELECT id FROM trainees WHERE project_id = $1 AND name LIKE '学员%' ORDER BY id`, projectID)
	if err != nil {
		t.Fatal(err)
	}
	for trows.Next() {
		var id int64
		_ = trows.Scan(&id)
		trainees = append(trainees, id)
	}
	trows.Close()
	var big strings.Builder
	big.WriteString("场次编号,学员编号,签到时间,签退时间\n")
	for _, s := range sessions {
		in := s.StartsAt.In(domain.ChinaTime).Format("2006-01-02 15:04")
		out := s.StartsAt.Add(2 * time.Hour).In(domain.ChinaTime).Format("2006-01-02 15:04")
		for _, tr := range trainees {
			fmt.Fprintf(&big, "%d,%d,%s,%s\n", s.ID, tr, in, out)
		}
	}
	start := time.Now()
	r := upload(big.String())
	took := time.Since(start)
	mustStatus(t, r, 200, "the 100,000-row import")
	r.json(t, &res)
	if res.Imported != 100_000 {
		t.Fatalf("imported %d rows", res.Imported)
	}
	t.Logf("imported 100,000 attendance rows (%.1f MB CSV) through the API in %s", float64(big.Len())/1e6, took.Round(time.Millisecond))
	h.api("hexi", "GET", base+"/kpis", nil, nil).json(t, &k)
	if k.Hours != 3+200_000 {
		t.Errorf("hours after the bulk import: %v", k.Hours)
	}
	// Every bulk trainee now has 200 hours: certificates are numbered once.
	// Downloading (GET) never issues a certificate: issuing is a POST.
	mustStatus(t, h.api("zuzhi", "GET", fmt.Sprintf("%s/trainees/%d/certificate.pdf", base, trainees[0]), nil, nil), http.StatusNotFound, "a certificate not issued yet")
	var issued int
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM trainees WHERE project_id = $1 AND certificate_no IS NOT NULL`, projectID).Scan(&issued); err != nil || issued != 0 {
		t.Fatalf("a GET issued %d certificates (%v)", issued, err)
	}
	cert := h.api("zuzhi", "POST", fmt.Sprintf("%s/trainees/%d/certificate", base, trainees[0]), nil, nil)
	mustStatus(t, cert, 200, "a certificate")
	text := pdfText(t, cert.body)
	if !strings.Contains(text, "结业证书") || !strings.Contains(text, "-0001") || !strings.Contains(text, "学员1") {
		t.Errorf("the certificate: %.300s", text)
	}
	again := h.api("hexi", "GET", fmt.Sprintf("%s/trainees/%d/certificate.pdf", base, trainees[0]), nil, nil)
	if !bytes.Equal(again.body, cert.body) {
		t.Error("the same certificate rendered differently")
	}
	again = h.api("zuzhi", "POST", fmt.Sprintf("%s/trainees/%d/certificate", base, trainees[0]), nil, nil)
	if !bytes.Equal(again.body, cert.body) {
		t.Error("issuing again made another certificate")
	}
	second := h.api("zuzhi", "POST", fmt.Sprintf("%s/trainees/%d/certificate", base, trainees[1]), nil, nil)
	if text := pdfText(t, second.body); !strings.Contains(text, "-0002") {
		t.Errorf("the second certificate's number: %.200s", text)
	}
}

// payFirstTranche: civil affairs confirms the first tranche's condition (the
// signed contract), finance pays it with a voucher; the mid-term tranche is
// refused before its evaluation, and the database refuses any payment
// beyond the award.
func payFirstTranche(t *testing.T, h *harness, projectID string) {
	t.Helper()
	base := "/api/v1/awards/" + projectID
	pay := func(user string, n int) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("voucher_no", "HX-2026-0088")
		fw, _ := mw.CreateFormFile("file", "付款凭证.pdf")
		_, _ = fw.Write(pdfDoc)
		_ = mw.Close()
		return h.do("POST", fmt.Sprintf("%s/tranches/%d/payment", base, n), h.token(user), mw.FormDataContentType(), buf.String(), nil)
	}
	mustStatus(t, pay("caizheng", 1), http.StatusConflict, "paying before the condition is confirmed")
	mustStatus(t, h.api("caizheng", "POST", base+"/tranches/1/confirm", nil, nil), http.StatusForbidden, "finance confirming a condition")
	mustStatus(t, h.api("hexi", "POST", base+"/tranches/2/confirm", nil, nil), http.StatusConflict, "skipping a tranche")
	mustStatus(t, h.api("hexi", "POST", base+"/tranches/1/confirm", nil, nil), 200, "confirm the first tranche")
	mustStatus(t, h.api("hexi", "POST", base+"/tranches/2/confirm", nil, nil), http.StatusConflict, "the mid-term tranche before its evaluation")
	mustStatus(t, pay("hexi", 1), http.StatusForbidden, "civil affairs recording a payment")
	mustStatus(t, pay("caizheng", 1), 200, "pay the first tranche")
	mustStatus(t, pay("caizheng", 1), http.StatusConflict, "paying twice")
	var ts struct{ Items []domain.TrancheState }
	h.api("zuzhi", "GET", base+"/tranches", nil, nil).json(t, &ts)
	if len(ts.Items) != 3 || ts.Items[0].PaidAt.IsZero() || ts.Items[0].Amount != 78000_00 || !ts.Items[1].ConfirmedAt.IsZero() {
		t.Fatalf("tranches: %+v", ts.Items)
	}
	// Below the workflow, the database refuses payments beyond the award.
	_, err := h.app.Store.Pool().Exec(context.Background(), `INSERT INTO project_tranches (project_id, tranche, amount_fen, confirmed_at, paid_at, voucher_no)
		VALUES ($1, 9, 20000000, now(), now(), 'forged')`, projectID)
	if err == nil || !strings.Contains(err.Error(), "exceed its award") {
		t.Fatalf("the database accepted a payment beyond the award: %v", err)
	}
}

// runs counts the runs of a workflow: the current one and those it
// continued from (each run's first event names the run before it).
func (h *harness) runs(t *testing.T, workflowID string) int {
	t.Helper()
	n, runID := 0, ""
	for {
		it := h.app.Temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		if !it.HasNext() {
			return n
		}
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		n++
		runID = ev.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		if runID == "" {
			return n
		}
	}
}
