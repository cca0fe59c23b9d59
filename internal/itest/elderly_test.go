package itest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	enumspb "go.temporal.io/api/enums/v1"

	"grantflow/internal/domain"
	"grantflow/workflows"
)

func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var header = []any{"姓名", "身份证号", "手机号", "社区代码", "类别", "住址"}

func TestElderlyRegisterImportAndMasking(t *testing.T) {
	h := newHarness(t)
	type countsT struct {
		ByCategory map[string]int `json:"by_category"`
		People     int
	}
	var base countsT // the demo seed's people
	h.api("hexi", "GET", "/api/v1/elderly/counts", nil, nil).json(t, &base)
	// every bad row reported with row, column and reason; nothing imported
	bad := workbook(t, [][]any{header,
		{"张桂兰", "11010519491231002X", "13812345678", "120103014001", "失能、独居", "平江里 3-2-301"},
		{"王建国", "110105194912310029", "", "120103014001", "高龄", ""},
		{"李明", "11010519491231002X", "", "120103014002", "空巢", ""},
		{"赵秀英", "120103194805060027", "1381234", "120104001001", "长寿", ""},
	})
	r := h.upload("shequ", "/api/v1/elderly/import", "名册.xlsx", bad)
	var failed struct {
		Problems []domain.ImportProblem
	}
	r.json(t, &failed)
	if r.status != 422 {
		t.Fatalf("bad import: %d %s", r.status, r.body)
	}
	want := []string{"第 3 行「身份证号」", "第 4 行「身份证号」：与第 2 行重复", "第 5 行「手机号」", "第 5 行「社区代码」", "第 5 行「类别」：没有“长寿”"}
	var got []string
	for _, p := range failed.Problems {
		got = append(got, p.String())
	}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("problems lack %q:\n%s", w, joined)
		}
	}
	var people countsT
	h.api("shequ", "GET", "/api/v1/elderly/counts", nil, nil).json(t, &people)
	if people.People != base.People {
		t.Fatalf("a refused import wrote %d people", people.People-base.People)
	}
	if r := h.upload("shequ", "/api/v1/elderly/import", "x.xlsx", []byte("not a workbook")); r.status != 422 {
		t.Fatalf("not a workbook: %d", r.status)
	}

	// a good file is imported whole
	rows := [][]any{header}
	for i := 0; i < 50; i++ {
		id := idWithCheck(fmt.Sprintf("12010319%02d0101%03d", 40+i%20, 100+i))
		rows = append(rows, []any{fmt.Sprintf("老人%02d", i), id, "139" + fmt.Sprintf("%08d", i), "120103014001", "失能、高龄", "平江里"})
	}
	r = h.upload("shequ", "/api/v1/elderly/import", "名册.xlsx", workbook(t, rows))
	if r.status != http.StatusCreated || !strings.Contains(string(r.body), `"imported":50`) {
		t.Fatalf("good import: %d %s", r.status, r.body)
	}
	var counts countsT
	h.api("hexi", "GET", "/api/v1/elderly/counts", nil, nil).json(t, &counts)
	if counts.People != base.People+50 || counts.ByCategory["disabled"] != base.ByCategory["disabled"]+50 ||
		counts.ByCategory["very_old"] != base.ByCategory["very_old"]+50 {
		t.Fatalf("counts %+v (before %+v)", counts, base)
	}
	fullID := rows[1][1].(string)
	// masked everywhere: lists, pages, exports — for every role that sees the register
	for _, user := range []string{"shequ", "hexi", "minzheng"} {
		r := h.api(user, "GET", "/api/v1/elderly?per_page=100", nil, nil)
		if strings.Contains(string(r.body), fullID) || !strings.Contains(string(r.body), fullID[:3]+"***********"+fullID[14:]) {
			t.Errorf("%s's list: %s", user, firstLine(string(r.body)))
		}
		if page := h.webPage(user, "/elderly"); strings.Contains(page, fullID) {
			t.Errorf("%s's page shows a full ID", user)
		}
		x := h.api(user, "GET", "/api/v1/elderly/export.xlsx", nil, nil)
		f, err := excelize.OpenReader(bytes.NewReader(x.body))
		if err != nil {
			t.Fatalf("%s export: %v", user, err)
		}
		all, _ := f.GetRows("Sheet1")
		if len(all) != 51+base.People || strings.Contains(fmt.Sprint(all), fullID) {
			t.Errorf("%s's export: %d rows, full ID present: %v", user, len(all), strings.Contains(fmt.Sprint(all), fullID))
		}
	}
	// The next quarter: the same list again, one person's categories changed,
	// one person new — nobody is registered twice.
	rows[1][4] = "失能、高龄、独居"
	next := append(rows, []any{"新来的老人", idWithCheck("12010319500101999"), "", "120103014002", "空巢", "友谊南里"})
	r = h.upload("shequ", "/api/v1/elderly/import", "名册-下季度.xlsx", workbook(t, next))
	if r.status != http.StatusCreated || !strings.Contains(string(r.body), `"imported":51`) || !strings.Contains(string(r.body), `"updated":50`) {
		t.Fatalf("quarterly update: %d %s", r.status, r.body)
	}
	h.api("hexi", "GET", "/api/v1/elderly/counts", nil, nil).json(t, &counts)
	if counts.People != base.People+51 || counts.ByCategory["living_alone"] != base.ByCategory["living_alone"]+1 {
		t.Fatalf("after the quarterly update: %+v (before %+v)", counts, base)
	}
	// Someone on another district's register stays there: the import names the row.
	mustStatus(t, h.api("admin", "POST", "/api/v1/areas", map[string]string{"parent_code": "120104", "code": "120104001", "name": "长虹街道"}, nil), http.StatusCreated, "street")
	mustStatus(t, h.api("admin", "POST", "/api/v1/areas", map[string]string{"parent_code": "120104001", "code": "120104001001", "name": "长虹社区"}, nil), http.StatusCreated, "community")
	elsewhere := idWithCheck("12010419450303123")
	r = h.upload("minzheng", "/api/v1/elderly/import", "南开区.xlsx", workbook(t, [][]any{header, {"周老人", elsewhere, "", "120104001001", "高龄", ""}}))
	mustStatus(t, r, http.StatusCreated, "import into 南开区")
	r = h.upload("shequ", "/api/v1/elderly/import", "名册.xlsx", workbook(t, [][]any{header, rows[2], {"周老人", elsewhere, "", "120103014001", "高龄", ""}}))
	if r.status != 422 || !strings.Contains(string(r.body), "120104001001 的名册中登记") || !strings.Contains(string(r.body), `"row":3`) {
		t.Fatalf("a person registered elsewhere: %d %s", r.status, r.body)
	}

	// the full view: civil affairs of the district only, audited
	var first struct{ Items []domain.Elder }
	h.api("hexi", "GET", "/api/v1/elderly?per_page=1", nil, nil).json(t, &first)
	path := fmt.Sprintf("/api/v1/elderly/%d/reveal", first.Items[0].ID)
	if r := h.api("shequ", "POST", path, nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("the reporter reveals: %d", r.status)
	}
	var full domain.Elder
	h.api("hexi", "POST", path, nil, nil).json(t, &full)
	if strings.Contains(full.IDCard, "*") || !domain.ValidIDCard(full.IDCard, time.Now()) || full.Name == first.Items[0].Name {
		t.Fatalf("reveal: %+v (listed as %+v)", full, first.Items[0])
	}
	var views int
	_ = h.app.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'pii.view' AND object_type = 'elder'`).Scan(&views)
	if views != 1 {
		t.Fatalf("elder views audited: %d", views)
	}
}

// TestElderlyRegister100kImport imports 100,000 people through the API and
// logs how long it took (a figure, not an assertion), then the same file
// again as the next quarter's update.
func TestElderlyRegister100kImport(t *testing.T) {
	h := newHarness(t)
	rows := [][]any{header}
	for i := 0; i < 100000; i++ {
		k := i / 1000 // 100 birth dates × 1,000 sequence numbers
		id := idWithCheck(fmt.Sprintf("120103%d%02d15%03d", 1940+k%20, 1+k/20, i%1000))
		rows = append(rows, []any{"老人", id, "", "120103014001", "高龄", ""})
	}
	data := workbook(t, rows)
	for _, round := range []string{"first", "update"} {
		start := time.Now()
		r := h.upload("hexi", "/api/v1/elderly/import", "十万人.xlsx", data)
		if r.status != http.StatusCreated {
			t.Fatalf("%s: %d %.500s", round, r.status, r.body)
		}
		t.Logf("%s import of 100,000 register rows (%.1f MB xlsx) through the API: %s — %s", round, float64(len(data))/1e6,
			time.Since(start).Round(time.Millisecond), r.body)
	}
}

// idWithCheck appends the GB 11643 check character.
func idWithCheck(base string) string {
	c, _ := domain.IDCardCheckChar(base)
	return base + string(c)
}

// TestElderlyImportInTheBackground: a register file uploaded on the page is
// imported in the background; the page shows the progress, a reload finds
// it again, and then the outcome; a file with a mistake ends with its
// problems listed; someone else cannot see the import.
func TestElderlyImportInTheBackground(t *testing.T) {
	h := newHarness(t)
	rows := [][]any{header}
	for i := 0; i < 30000; i++ {
		k := i / 1000
		rows = append(rows, []any{"老人", idWithCheck(fmt.Sprintf("120103%d%02d16%03d", 1940+k%20, 1+k/20, i%1000)), "", "120103014001", "高龄", ""})
	}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "三万人.xlsx"), filepath.Join(dir, "有错.xlsx")
	if err := os.WriteFile(good, workbook(t, rows), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, workbook(t, [][]any{header, {"老人", "120103194001011234", "", "120103014001", "高龄", ""}}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	wk := walker{t, h, ctx}
	wk.login("shequ")
	upload := func(file string) string {
		t.Helper()
		wk.must(chromedp.Navigate(h.url+"/elderly"), chromedp.WaitVisible("#file"), chromedp.SetUploadFiles("#file", []string{file}),
			chromedp.Click(`form[action="/elderly/import"] button`), chromedp.WaitVisible(".flash, .alert, #import-progress"))
		loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
		if !strings.HasPrefix(loc, "?import=") {
			t.Fatalf("after the upload: %q", loc)
		}
		return strings.TrimPrefix(loc, "?import=")
	}
	id := upload(good)
	sawProgress, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#import-progress")`))
	// Reload at once: the import carries on and the page finds it.
	wk.must(chromedp.Reload(), chromedp.WaitVisible(".flash, .alert, #import-progress"))
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		done, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector(".flash")`))
		if done {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the import did not finish: %s", text(t, ctx, "main"))
		}
	}
	if got := text(t, ctx, ".flash"); !strings.Contains(got, "已导入 30000 人") {
		t.Fatalf("the outcome: %q", got)
	}
	t.Logf("progress shown while importing 30,000 rows: %v", sawProgress)
	var n int
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM elderly WHERE birth_year BETWEEN 1940 AND 1959 AND community_code = '120103014001'`).Scan(&n); err != nil || n < 30000 {
		t.Fatalf("registered: %d %v", n, err)
	}
	// The kept file (the register, sealed) is gone once the import ended:
	// where it was kept is in the workflow's input.
	it := h.app.Temporal.GetWorkflowHistory(context.Background(), workflows.ImportWorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	first, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	var in workflows.ImportInput
	if err := h.app.Elderly.Payloads.FromPayloads(first.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil || in.Key == "" {
		t.Fatalf("the import's input: %+v %v", in, err)
	}
	eventually(t, "the kept file removed", func() bool {
		_, _, err := h.app.Blob.Get(context.Background(), in.Key, "")
		return err != nil
	})
	// Someone else (another person with the right) does not find it.
	if r := h.do("GET", "/elderly/imports/"+id, "", "", "", map[string]string{"Cookie": h.sessionCookie("hexi"), "HX-Request": "true"}); r.status != http.StatusNotFound {
		t.Fatalf("another person's import: %d", r.status)
	}
	// A mistake: nothing imported, the row named.
	upload(bad)
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		done, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector(".alert")`))
		if done {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the bad import did not finish: %s", text(t, ctx, "main"))
		}
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "未导入任何数据") || !strings.Contains(got, "身份证号") {
		t.Fatalf("the bad file's outcome: %.300s", got)
	}
}
