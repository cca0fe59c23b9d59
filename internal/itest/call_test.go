package itest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.temporal.io/api/workflowservice/v1"

	"grantflow/workflows"
)

type apiCall struct {
	ID           string `json:"id"`
	Number       string `json:"number"`
	Title        string `json:"title"`
	District     string `json:"district"`
	Stage        string `json:"stage"`
	StageLabel   string `json:"stage_label"`
	NoticeReady  bool   `json:"notice_ready"`
	NoticeSHA256 string `json:"notice_sha256"`
	NoticeKey    string `json:"notice_key"`
	Attachments  []struct {
		ID, FileName, SHA256, ObjectKey string
	} `json:"attachments"`
}

// eventually polls f until it returns true or 20 seconds pass.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	eventuallyWithin(t, 20*time.Second, what, f)
}

func eventuallyWithin(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (h *harness) getCall(user, id string) apiCall {
	h.t.Helper()
	r := h.api(user, "GET", "/api/v1/calls/"+id, nil, nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("get call: %d %s", r.status, r.body)
	}
	var c apiCall
	r.json(h.t, &c)
	return c
}

// visible counts workflows matching a visibility query.
func (h *harness) visible(query string) int {
	h.t.Helper()
	resp, err := h.app.Temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: h.app.Config.TemporalNamespace, Query: query,
	})
	if err != nil {
		h.t.Fatalf("list workflows %q: %v", query, err)
	}
	return len(resp.Executions)
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils) failed: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

func TestCallSliceThroughAPI(t *testing.T) {
	h := newHarness(t)
	key := uuid.NewString()
	draft := map[string]any{"title": "南开区社区应急救护（心肺复苏）技能培训项目", "brand": "cuncaoxin", "district": "南开区", "budget_fen": 25000000}

	// A double submit with one idempotency key makes one call and one workflow.
	r1 := h.api("minzheng", "POST", "/api/v1/calls", draft, map[string]string{"Idempotency-Key": key})
	r2 := h.api("minzheng", "POST", "/api/v1/calls", draft, map[string]string{"Idempotency-Key": key})
	if r1.status != http.StatusCreated || r2.status != http.StatusCreated {
		t.Fatalf("create: %d %s / %d %s", r1.status, r1.body, r2.status, r2.body)
	}
	var c1, c2 apiCall
	r1.json(t, &c1)
	r2.json(t, &c2)
	if c1.ID != key || c2.ID != key || c1.Number != c2.Number || c1.Stage != "draft" {
		t.Fatalf("double submit gave %+v and %+v", c1, c2)
	}
	if c1.NoticeKey != "" {
		t.Fatalf("the API shows a storage key: %+v", c1)
	}
	wfID := workflows.CallWorkflowID(key)
	eventually(t, "the call's stage as a search attribute", func() bool {
		return h.visible(fmt.Sprintf("WorkflowId = '%s' AND GrantFlowStage = 'draft' AND GrantFlowDistrict = '南开区' AND GrantFlowBrand = 'cuncaoxin'", wfID)) == 1
	})
	if n := h.visible(fmt.Sprintf("WorkflowId = '%s'", wfID)); n != 1 {
		t.Fatalf("%d workflows for one call", n)
	}

	// The notice PDF is rendered by an activity and served verified.
	eventually(t, "the call notice", func() bool { return h.getCall("minzheng", key).NoticeReady })
	// Until it is published the draft is civil affairs' alone (service/callview.go).
	if r := h.api("zuzhi", "GET", "/api/v1/calls/"+key+"/notice.pdf", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("an organisation read a draft's notice: %d", r.status)
	}
	r := h.api("minzheng", "GET", "/api/v1/calls/"+key+"/notice.pdf", nil, nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("notice: %d %s", r.status, r.header)
	}
	if text := pdfText(t, r.body); !strings.Contains(text, "南开区社区应急救护（心肺复苏）技能培训项目") || !strings.Contains(text, "250,000.00") {
		t.Fatalf("notice text lacks the call: %s", text)
	}
	firstNotice := h.getCall("minzheng", key).NoticeSHA256

	// An attachment is stored with its checksum and read back verified.
	doc := []byte("%PDF-1.4\n% 需求说明\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	r = h.upload("minzheng", "/api/v1/calls/"+key+"/attachments", "附件一：社区应急救护需求说明.pdf", doc)
	if r.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var att struct {
		ID, SHA256 string
		FileName   string `json:"file_name"`
	}
	r.json(t, &att)
	sum := sha256.Sum256(doc)
	if att.SHA256 != hex.EncodeToString(sum[:]) || att.FileName != "附件一：社区应急救护需求说明.pdf" {
		t.Fatalf("attachment recorded as %+v", att)
	}
	if r := h.api("caizheng", "GET", "/api/v1/calls/"+key+"/attachments/"+att.ID+"/content", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("finance read a draft's attachment: %d", r.status)
	}
	r = h.api("minzheng", "GET", "/api/v1/calls/"+key+"/attachments/"+att.ID+"/content", nil, nil)
	if r.status != http.StatusOK || !bytes.Equal(r.body, doc) {
		t.Fatalf("download: %d %q", r.status, r.body)
	}
	// the notice lists the new attachment
	eventually(t, "the notice to be rendered again", func() bool { return h.getCall("minzheng", key).NoticeSHA256 != firstNotice })
	r = h.api("minzheng", "GET", "/api/v1/calls/"+key+"/notice.pdf", nil, nil)
	if text := pdfText(t, r.body); !strings.Contains(text, "附件一：社区应急救护需求说明.pdf") {
		t.Fatalf("notice does not list the attachment: %s", text)
	}

	// Bad input and wrong roles are refused with a Chinese message.
	refusals := []struct {
		name   string
		resp   response
		status int
		code   string
	}{
		{"no token", h.do("GET", "/api/v1/calls", "", "", "", nil), 401, "unauthorized"},
		{"organisation drafts", h.api("zuzhi", "POST", "/api/v1/calls", draft, nil), 403, "forbidden"},
		{"district staff drafts elsewhere", h.api("hexi", "POST", "/api/v1/calls", draft, nil), 403, "forbidden"},
		{"finance cancels", h.api("caizheng", "POST", "/api/v1/calls/"+key+"/cancel", map[string]string{"reason": "x"}, nil), 403, "forbidden"},
		{"organisation uploads", h.upload("zuzhi", "/api/v1/calls/"+key+"/attachments", "a.pdf", doc), 403, "forbidden"},
		{"executable", h.upload("minzheng", "/api/v1/calls/"+key+"/attachments", "setup.pdf", []byte("MZ\x90\x00binary")), 422, "invalid"},
		{"empty title", h.api("minzheng", "POST", "/api/v1/calls", map[string]any{"title": "", "brand": "cuncaoxin", "district": "南开区", "budget_fen": 1}, nil), 422, "invalid"},
		{"unknown field", h.api("minzheng", "POST", "/api/v1/calls", map[string]any{"titel": "x"}, nil), 422, "invalid"},
		{"bad key", h.api("minzheng", "POST", "/api/v1/calls", draft, map[string]string{"Idempotency-Key": "123"}), 422, "invalid"},
		{"no such call", h.api("minzheng", "GET", "/api/v1/calls/"+uuid.NewString(), nil, nil), 404, "not_found"},
		{"cancel without reason", h.api("minzheng", "POST", "/api/v1/calls/"+key+"/cancel", map[string]string{"reason": " "}, nil), 422, "invalid"},
	}
	for _, rf := range refusals {
		if rf.resp.status != rf.status {
			t.Errorf("%s: status %d, want %d (%s)", rf.name, rf.resp.status, rf.status, rf.resp.body)
			continue
		}
		if code := rf.resp.errorCode(t); code != rf.code {
			t.Errorf("%s: code %s, want %s", rf.name, code, rf.code)
		}
	}

	// Cancel: the stage moves everywhere, and the workflow ends.
	r = h.api("minzheng", "POST", "/api/v1/calls/"+key+"/cancel", map[string]string{"reason": "预算调整，本年度暂停征集"}, nil)
	if r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if c := h.getCall("minzheng", key); c.Stage != "cancelled" || c.StageLabel != "已撤销" {
		t.Fatalf("after cancel: %+v", c)
	}
	r = h.upload("minzheng", "/api/v1/calls/"+key+"/attachments", "b.pdf", doc)
	if r.status != http.StatusConflict {
		t.Fatalf("upload after cancel: %d %s", r.status, r.body)
	}
	eventually(t, "the cancelled stage as a search attribute", func() bool {
		return h.visible(fmt.Sprintf("WorkflowId = '%s' AND GrantFlowStage = 'cancelled' AND ExecutionStatus = 'Completed'", wfID)) == 1
	})
	recordHistory(t, h, wfID, "call_draft_attach_cancel.json")
}

// recordHistory saves a finished workflow's history for the replay test in
// workflows/ when GRANTFLOW_RECORD_HISTORIES is set.
func recordHistory(t *testing.T, h *harness, workflowID, name string) {
	if os.Getenv("GRANTFLOW_RECORD_HISTORIES") == "" {
		return
	}
	// decoded: the replay test has no key, and replays what histories
	// from before the payload codec look like
	evs := history(t, h.app.Temporal, workflowID)
	decodeEvents(t, h, evs)
	var events []string
	for _, ev := range evs {
		b, err := protoJSON(ev)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, string(b))
	}
	out := `{"events": [` + strings.Join(events, ",\n") + "]}\n"
	path := filepath.Join(repoRoot(), "workflows", "testdata", name)
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", path)
}

func TestTamperedDocumentsAreRefused(t *testing.T) {
	h := newHarness(t)
	var calls struct{ Items []apiCall }
	h.api("hexi", "GET", "/api/v1/calls?stage=draft", nil, nil).json(t, &calls)
	if len(calls.Items) != 1 {
		t.Fatalf("want the seeded draft call, got %+v", calls)
	}
	id := calls.Items[0].ID
	c := h.getCall("hexi", id)
	if len(c.Attachments) != 1 {
		t.Fatalf("want the seeded attachment: %+v", c)
	}
	attURL := "/api/v1/calls/" + id + "/attachments/" + c.Attachments[0].ID + "/content"
	if r := h.api("hexi", "GET", attURL, nil, nil); r.status != http.StatusOK {
		t.Fatalf("intact download: %d %s", r.status, r.body)
	}
	key, err := h.app.Store.Attachment(context.Background(), id, c.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.app.Config
	mc, err := minio.New(cfg.S3Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.S3AccessKey, cfg.S3SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	// Someone with storage access replaces the bytes but keeps the recorded digest.
	evil := []byte("社区,失能老年人数\n篡改,999\n")
	if _, err := mc.PutObject(context.Background(), cfg.S3Bucket, key.ObjectKey, bytes.NewReader(evil), int64(len(evil)),
		minio.PutObjectOptions{UserMetadata: map[string]string{"Sha256": key.SHA256}}); err != nil {
		t.Fatal(err)
	}
	r := h.api("hexi", "GET", attURL, nil, nil)
	if r.status != http.StatusInternalServerError || r.errorCode(t) != "internal" || bytes.Contains(r.body, evil) {
		t.Fatalf("tampered download: %d %s", r.status, r.body)
	}
	if !strings.Contains(string(r.body), "文件校验失败") {
		t.Fatalf("message does not say the file failed its check: %s", r.body)
	}
}
