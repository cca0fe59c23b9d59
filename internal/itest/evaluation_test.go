package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grantflow/internal/app"
	"grantflow/internal/domain"
	"grantflow/internal/store"
	"grantflow/workflows"
)

const evalReportText = "本项目已开展失能照护基础、压疮预防、转移搬运等模块培训，学员签到、学时和满意度调查记录完整，资金按预算执行；存在部分学员白天需照护老人、出勤不稳定的问题，下一阶段增加晚间与周末场次。"

// payTranche has civil affairs confirm tranche n's condition and finance pay
// it with a voucher.
func payTranche(t *testing.T, h *harness, projectID string, n int) {
	t.Helper()
	base := "/api/v1/awards/" + projectID
	mustStatus(t, h.api("hexi", "POST", fmt.Sprintf("%s/tranches/%d/confirm", base, n), nil, key()), 200, fmt.Sprintf("confirm tranche %d", n))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("voucher_no", fmt.Sprintf("HX-2026-%04d", 88+n))
	fw, _ := mw.CreateFormFile("file", "付款凭证.pdf")
	_, _ = fw.Write(pdfDoc)
	_ = mw.Close()
	mustStatus(t, h.do("POST", fmt.Sprintf("%s/tranches/%d/payment", base, n), h.token("caizheng"), mw.FormDataContentType(), buf.String(), key()),
		200, fmt.Sprintf("pay tranche %d", n))
}

func (h *harness) rounds(t *testing.T, user, projectID string) []domain.Evaluation {
	t.Helper()
	var out struct{ Items []domain.Evaluation }
	r := h.api(user, "GET", "/api/v1/awards/"+projectID+"/evaluations", nil, nil)
	mustStatus(t, r, 200, "evaluations as "+user)
	r.json(t, &out)
	return out.Items
}

// drawnFor finds which of the pool's accounts were drawn for a round.
func (h *harness) drawnFor(t *testing.T, pool []string, projectID, phase string) []string {
	t.Helper()
	var out []string
	for _, u := range pool {
		var list struct {
			Items []struct {
				ProjectID string `json:"project_id"`
				Phase     string `json:"phase"`
				Attempt   int    `json:"attempt"`
			}
		}
		h.api(u, "GET", "/api/v1/evaluations", nil, nil).json(t, &list)
		for _, a := range list.Items {
			if a.ProjectID == projectID && a.Phase == phase && a.Attempt == 1 {
				out = append(out, u)
			}
		}
	}
	return out
}

// evaluateAndArchive carries a signed project (its first tranche paid)
// through the mid-term and final evaluations, the remaining tranches and
// its archive, through the JSON API; then it checks the archive with the
// API and the `grantflow archive verify` command, alters one archived
// object, deletes another, and checks both are named.
func evaluateAndArchive(t *testing.T, h *harness, projectID string, pool []string, bctx context.Context) {
	base := "/api/v1/awards/" + projectID
	eventually(t, "the mid-term round", func() bool {
		rs := h.rounds(t, "hexi", projectID)
		return len(rs) == 1 && rs[0].Phase == domain.EvalMidterm
	})
	mid := h.rounds(t, "zuzhi", projectID)[0]
	if d := time.Until(mid.Due); d < 170*24*time.Hour || d > 185*24*time.Hour {
		t.Errorf("the mid-term report is due in %s, want the middle of the 12-month term", d)
	}
	report := func(user, phase, summary string, file []byte) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("summary", summary)
		if file != nil {
			fw, _ := mw.CreateFormFile("file", "中期自评报告.pdf")
			_, _ = fw.Write(file)
		}
		_ = mw.Close()
		return h.do("POST", base+"/evaluations/"+phase+"/report", h.token(user), mw.FormDataContentType(), buf.String(), key())
	}
	mustStatus(t, report("hexi", "midterm", evalReportText, nil), http.StatusForbidden, "civil affairs filing the organisation's report")
	mustStatus(t, report("zuzhi", "midterm", "已完成。", nil), 422, "a report too short")
	mustStatus(t, report("zuzhi", "final", evalReportText, nil), http.StatusConflict, "the final report during the mid-term")
	mustStatus(t, report("zuzhi", "midterm", evalReportText, []byte("MZ\x90\x00 not a report")), 422, "an executable attachment")
	mustStatus(t, report("zuzhi", "midterm", evalReportText, pdfDoc), 200, "the self-evaluation report")
	mustStatus(t, report("zuzhi", "midterm", evalReportText, nil), http.StatusConflict, "a second report")
	file := h.api("hexi", "GET", base+"/evaluations/midterm/1/report-file", nil, nil)
	if mustStatus(t, file, 200, "the report's attachment"); !bytes.Equal(file.body, pdfDoc) {
		t.Error("the attachment read back differs")
	}

	// Three evaluators are drawn from the pool; none tied to the organisation.
	eventually(t, "the mid-term evaluators", func() bool { return len(h.drawnFor(t, pool, projectID, "midterm")) == domain.EvaluatorsPerRound })
	drawn := h.drawnFor(t, pool, projectID, "midterm")
	if slices.Contains(drawn, "expert1") {
		t.Fatal("the expert tied to the organisation was drawn to evaluate it")
	}
	var outsider string
	for _, u := range pool {
		if !slices.Contains(drawn, u) && u != "expert1" {
			outsider = u
		}
	}
	for _, e := range h.rounds(t, "zuzhi", projectID)[0].Evaluators {
		if e.Name != "" || e.Excluded != "" {
			t.Errorf("the organisation sees an evaluator's name or exclusion: %+v", e)
		}
	}
	sheet := func(pts ...float64) map[string]any {
		return map[string]any{"points": pts, "comment": "培训组织规范，签到与学时记录完整，建议补充实操考核影像。", "site_visit": "现场查看社区培训一场。"}
	}
	scores := base + "/evaluations/midterm/1/scores"
	mustStatus(t, h.api(drawn[0], "POST", scores, sheet(31, 16, 16, 24), key()), 422, "a score over the criterion's points")
	mustStatus(t, h.api(outsider, "POST", scores, sheet(24, 16, 16, 24), key()), http.StatusForbidden, "an expert not drawn")
	mustStatus(t, h.api(outsider, "GET", base+"/evaluations", nil, nil), http.StatusForbidden, "an expert not drawn reading the project")
	// The first evaluator scores on the web page, one score out of range first.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", drawn[0]), chromedp.SendKeys("#password", app.DemoPassword),
		chromedp.Click("main button[type=submit]"), chromedp.WaitVisible(".lifecycle"),
		chromedp.Navigate(h.url+"/evaluations"), chromedp.Click("main table a"), chromedp.WaitVisible("#p0"),
		chromedp.SendKeys("#p0", "35"), chromedp.SendKeys("#p1", "16"), chromedp.SendKeys("#p2", "15"), chromedp.SendKeys("#p3", "24"),
		chromedp.SendKeys("#comment", "培训组织规范，签到与学时记录完整，建议补充实操考核影像。"),
		chromedp.SetAttributeValue("#p0", "max", "100"), // past the browser's own check, to the server's
		chromedp.Click("section.action button[type=submit]"), chromedp.WaitVisible(".alert")); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(bctx, chromedp.Text(".alert")); !strings.Contains(got, "0 至 30 分") {
		t.Errorf("the out-of-range score: %q", got)
	}
	if v, _ := chromedp.Run(bctx, chromedp.Value("#comment")); !strings.Contains(v, "培训组织规范") {
		t.Errorf("the comment typed was lost: %q", v)
	}
	if err := chromedp.Do(bctx, chromedp.Clear("#p0"), chromedp.SendKeys("#p0", "24"), chromedp.SendKeys("#site_visit", "现场查看社区培训一场。")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, bctx, "20-evaluator-scoring")
	if err := chromedp.Do(bctx, chromedp.Click("section.action button[type=submit]"), chromedp.WaitVisible(".flash"),
		chromedp.Click(".user button"), chromedp.WaitVisible("#username")); err != nil {
		t.Fatal(err)
	}
	for i, u := range drawn[1:] {
		mustStatus(t, h.api(u, "POST", scores, sheet(24, 16, 16+float64(i), 24), key()), 200, "mid-term score by "+u)
	}
	eventually(t, "the mid-term result", func() bool { return h.rounds(t, "zuzhi", projectID)[0].Outcome != nil })
	if o := h.rounds(t, "zuzhi", projectID)[0].Outcome; !o.Passed || o.Total != 80 {
		t.Fatalf("mid-term outcome: %+v", o)
	}
	payTranche(t, h, projectID, 2)

	// The final report (JSON this time), evaluators, the survey, the grade.
	eventually(t, "the final round", func() bool { return len(h.rounds(t, "zuzhi", projectID)) == 2 })
	mustStatus(t, h.api("zuzhi", "POST", base+"/evaluations/final/report", map[string]any{"summary": evalReportText}, key()), 200, "the final report")
	eventually(t, "the final evaluators", func() bool { return len(h.drawnFor(t, pool, projectID, "final")) == domain.EvaluatorsPerRound })
	for _, u := range h.drawnFor(t, pool, projectID, "final") {
		mustStatus(t, h.api(u, "POST", base+"/evaluations/final/1/scores", sheet(46, 27, 0, 9), key()), 200, "final score by "+u)
	}
	eventually(t, "the final result", func() bool { return h.rounds(t, "zuzhi", projectID)[1].Outcome != nil })
	final := h.rounds(t, "minzheng", projectID)[1]
	if o := final.Outcome; !o.Passed || o.Satisfaction <= 0 || math.Abs(o.Total-82-o.Satisfaction) > 0.001 || o.Grade != domain.GradeOf(o.Total) {
		t.Fatalf("final outcome: %+v", o)
	}
	for _, e := range final.Evaluators {
		if e.Name == "" {
			t.Errorf("civil affairs see the evaluators' names: %+v", e)
		}
	}
	payTranche(t, h, projectID, 3)

	// Settled: the workflow archives the project and ends.
	var p domain.Project
	eventuallyWithin(t, 2*time.Minute, "the archive", func() bool {
		r := h.api("hexi", "GET", base, nil, nil)
		return json.Unmarshal(r.body, &p) == nil && p.Stage == domain.ProjectArchived
	})
	if p.Grade != final.Outcome.Grade || p.ManifestSHA == "" {
		t.Fatalf("archived project: %+v", p)
	}
	// The workflow ends with the archive.
	wctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.app.Temporal.GetWorkflow(wctx, workflows.ProjectWorkflowID(projectID), "").Get(wctx, nil); err != nil {
		t.Fatalf("the project workflow: %v", err)
	}
	recordHistory(t, h, workflows.ProjectWorkflowID(projectID), "project_archived_continued.json")
	// The result is public and on the organisation's record.
	var pub struct{ Items []store.OrgGrade }
	h.do("GET", "/api/v1/public/results", "", "", "", nil).json(t, &pub)
	if len(pub.Items) != 1 || pub.Items[0].Number != p.Number || pub.Items[0].Grade != p.Grade || pub.Items[0].OrgName == "" {
		t.Errorf("public results: %+v", pub.Items)
	}
	var org struct{ Grades []store.OrgGrade }
	h.api("zuzhi", "GET", fmt.Sprintf("/api/v1/organisations/%d", h.actor("zuzhi").OrgID), nil, nil).json(t, &org)
	if len(org.Grades) != 1 || org.Grades[0].Grade != p.Grade {
		t.Errorf("the organisation's record: %+v", org.Grades)
	}
	var pkg struct {
		Objects []store.ArchivedObject `json:"objects"`
	}
	mustStatus(t, h.api("zuzhi", "GET", base+"/archive", nil, nil), http.StatusForbidden, "the organisation listing the archive")
	h.api("hexi", "GET", base+"/archive", nil, nil).json(t, &pkg)
	classes := map[store.RetentionClass]int{}
	var contractKey, evidenceKey string
	for _, o := range pkg.Objects {
		classes[o.Class]++
		years := o.RetainUntil.Year() - time.Now().Year()
		if years != o.Class.Years() {
			t.Errorf("%s (%s) kept %d years", o.Key, o.Class, years)
		}
		if strings.Contains(o.Key, "合同-") {
			contractKey = o.Key
		}
		if strings.Contains(o.Key, "培训证据-") {
			evidenceKey = o.Key
		}
	}
	if classes[store.ClassAccounting] != 3 || classes[store.ClassTraining] < 2 || classes[store.ClassProcurement] < 6 || contractKey == "" || evidenceKey == "" {
		t.Fatalf("archive package: %v classes, objects %+v", classes, pkg.Objects)
	}
	rep := h.api("zuzhi", "GET", base+"/final-report.pdf", nil, nil)
	mustStatus(t, rep, 200, "the final report")
	if text := pdfText(t, rep.body); !strings.Contains(text, "项目结项报告") || !strings.Contains(text, "绩效指标完成情况") ||
		!strings.Contains(text, "结项等级") || !strings.Contains(text, "累计拨付") {
		t.Errorf("the final report: %.500s", text)
	}
	// Read-only: nothing more is recorded or paid.
	mustStatus(t, h.api("zuzhi", "POST", base+"/sessions", map[string]any{"module": domain.DefaultModules[0]}, key()), http.StatusConflict, "a session after the archive")
	mustStatus(t, h.api("hexi", "POST", base+"/tranches/1/confirm", nil, key()), http.StatusConflict, "money after the archive")

	// Verification: intact, through the API and the command.
	var ok struct {
		Objects  int
		Problems []struct{ Key, Problem string }
	}
	h.api("hexi", "POST", base+"/archive/verify", nil, nil).json(t, &ok)
	if ok.Objects != len(pkg.Objects)+1 || len(ok.Problems) != 0 {
		t.Fatalf("verify: %+v", ok)
	}
	bin := grantflowBinary(t)
	verify := func() (string, int) {
		c := exec.Command(bin, "archive", "verify", p.Number)
		c.Env = append([]string{"PATH=" + os.Getenv("PATH")}, h.app.Config.Env()...)
		out, err := c.Output()
		code := 0
		if ee, isExit := err.(*exec.ExitError); isExit {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := verify(); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("archive verify (intact): %d\n%s", code, out)
	}

	// Someone with storage access writes over the contract (a new version)
	// and deletes the evidence (a delete marker); the locked versions
	// themselves cannot be removed.
	ctx := context.Background()
	var contractVersion string
	for _, o := range pkg.Objects {
		if o.Key == contractKey {
			contractVersion = o.VersionID
		}
	}
	if err := h.app.Archive.RemoveVersion(ctx, contractKey, contractVersion); err == nil {
		t.Fatal("a locked archive version was deleted")
	}
	if _, err := h.app.Archive.Put(ctx, contractKey, []byte("%PDF-1.4 伪造的合同"), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if err := h.app.Archive.Remove(ctx, evidenceKey); err != nil {
		t.Fatal(err)
	}
	out, code := verify()
	if code != 2 || !strings.Contains(out, "ALTERED  "+contractKey) || !strings.Contains(out, "MISSING  "+evidenceKey) || !strings.Contains(out, "BROKEN: 2 of") {
		t.Fatalf("archive verify (tampered): %d\n%s", code, out)
	}
	h.api("hexi", "POST", base+"/archive/verify", nil, nil).json(t, &ok)
	if len(ok.Problems) != 2 || ok.Problems[0].Key != contractKey || ok.Problems[0].Problem != "altered" || ok.Problems[1].Problem != "missing" {
		t.Fatalf("verify (tampered) through the API: %+v", ok.Problems)
	}
}
