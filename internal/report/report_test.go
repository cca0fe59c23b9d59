package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"grantflow/internal/domain"
)

// monoMeasure makes every character one unit wide, so tests can reason
// about line widths exactly.
func monoMeasure(s string) float64 { return float64(utf8.RuneCountInString(s)) }

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func TestWrapKeepsEveryCharacterInOrder(t *testing.T) {
	texts := []string{
		"为深化我市“寸草心”“手足情”助老志愿服务工作，落实《关于深化我市“寸草心”“手足情”助老志愿服务工作的实施意见》（津民发〔2023〕30号）的要求。",
		"失能老年人家庭照护者培训 Family caregiver training for disabled elderly people, 2026 年度 120,000.00 元。",
		strings.Repeat("压疮预防转移搬运", 40),
		"第一段。\n\n第三段，（括号）在行尾",
		"averyveryverylongwordthatcannotfitononelineatall和汉字",
	}
	for _, text := range texts {
		for _, width := range []float64{3, 7, 10, 23} {
			lines := Wrap(text, width, monoMeasure)
			if got, want := stripSpace(strings.Join(lines, "")), stripSpace(text); got != want {
				t.Fatalf("width %v: characters lost or reordered\n got %q\nwant %q", width, got, want)
			}
			for _, l := range lines {
				w := monoMeasure(l)
				// one hanging closing punctuation mark may pass the margin
				if w > width+1 {
					t.Errorf("width %v: line %q is %v wide", width, l, w)
				}
				// (a Latin run wider than a line, like 120,000.00 at width 3,
				// is split by characters and may start with ","; CJK
				// punctuation never starts a line)
				if first := []rune(l + " ")[0]; isWide(first) && isClosingPunct(string(first)) {
					t.Errorf("width %v: line %q starts with closing punctuation", width, l)
				}
			}
		}
	}
}

func TestWrapRules(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{"cjk breaks anywhere", "一二三四五六七", 3, []string{"一二三", "四五六", "七"}},
		{"closing punctuation hangs", "一二三，四五", 3, []string{"一二三，", "四五"}},
		{"opening punctuation moves down", "一二（三四", 3, []string{"一二", "（三四"}},
		{"latin words stay whole", "ab cd efg", 5, []string{"ab cd", "efg"}},
		{"break swallows one space", "abcd efgh", 4, []string{"abcd", "efgh"}},
		{"over-long word splits", "abcdefgh", 3, []string{"abc", "def", "gh"}},
		{"paragraphs kept", "一\n二", 5, []string{"一", "二"}},
		{"empty", "", 5, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Wrap(tc.text, tc.width, monoMeasure)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("Wrap(%q, %v) = %q, want %q", tc.text, tc.width, got, tc.want)
			}
		})
	}
}

func sampleNotice() CallNotice {
	return CallNotice{
		Number:   "ZJ2026-000042",
		Title:    "河西区失能老年人家庭照护者培训（“送学上门”）暨社区应急救护技能提升公益创投项目",
		Brand:    domain.BrandShouZuQing,
		District: "河西区",
		Budget:   35000000,
		Issuer:   IssuerFor("河西区"),
		IssuedOn: time.Date(2026, 11, 28, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		Attachments: []string{
			"附件1：项目需求说明（含社区失能老年人分布统计表及照护者培训需求调查汇总）.pdf",
			"附件2：申报书模板.docx",
		},
	}
}

// pdfText extracts the text of a PDF with poppler's pdftotext, a reader
// independent of the writer.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext (Debian package poppler-utils) is needed to check PDF text: %v", err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestCallNoticeTextSurvivesWrapping(t *testing.T) {
	n := sampleNotice()
	pdf, err := RenderCallNotice(n)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF")
	}
	text := stripSpace(pdfText(t, pdf))
	// Each long paragraph and value must come back whole, every character in
	// order, although the renderer wrapped it over several lines.
	for _, want := range []string{
		n.Title,
		n.Attachments[0],
		"项目以失能老年人家庭照护者培训（失能照护基础、压疮预防、转移搬运、进食与用药照护等）和社区照护、应急救护（心肺复苏等）技能培训为重点，采取“送学上门”方式将培训送进社区和家庭。",
		"人民币350,000.00元",
		"手足情（低龄老人助高龄老人）",
		"2026年11月28日",
		"天津市河西区民政局",
		"第1页，共",
	} {
		if !strings.Contains(text, stripSpace(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}

func TestCallNoticeIsDeterministic(t *testing.T) {
	a, err := RenderCallNotice(sampleNotice())
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderCallNotice(sampleNotice())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same notice rendered twice differs: a retried activity would store a new version")
	}
}

func BenchmarkRenderCallNotice(b *testing.B) {
	n := sampleNotice()
	for b.Loop() {
		pdf, err := RenderCallNotice(n)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(pdf)))
	}
}

func TestHoursStatementText(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, domain.ChinaTime)
	s := HoursStatement{Volunteer: "李大伟", Brand: domain.BrandShouZuQing, Community: "平江里社区", District: "河西区", Issued: at,
		Visits: []domain.Visit{
			{VisitEntry: domain.VisitEntry{Kind: "home_visit", VisitedAt: at, Minutes: 90, Note: "陪同到社区卫生服务中心量血压，并帮助整理了一周的药盒，老人说最近睡眠比以前好了一些，家属表示感谢"}, ElderName: "张**"},
			{VisitEntry: domain.VisitEntry{Kind: "phone_call", VisitedAt: at.AddDate(0, 0, 2), Minutes: 15}, ElderName: "张**"},
		}}
	pdf, err := RenderHoursStatement(s)
	if err != nil {
		t.Fatal(err)
	}
	text := stripSpace(pdfText(t, pdf))
	for _, want := range []string{"志愿服务时间储蓄证明", "李大伟", "1.7小时（105分钟）", "上门探访", "电话问候", "张**",
		"陪同到社区卫生服务中心量血压，并帮助整理了一周的药盒，老人说最近睡眠比以前好了一些，家属表示感谢"} {
		if !strings.Contains(text, stripSpace(want)) {
			t.Errorf("statement lacks %q", want)
		}
	}
}

func sampleFinalReport() FinalReport {
	at := time.Date(2028, 2, 20, 10, 0, 0, 0, domain.ChinaTime)
	terms := domain.ContractTerms{Deliverables: domain.Deliverables{Trainees: 300, HoursPerTrainee: 16, Sessions: 12, Modules: domain.DefaultModules},
		StartsOn: time.Date(2027, 1, 1, 0, 0, 0, 0, domain.ChinaTime), TermMonths: 12}
	out := domain.EvalOutcome{Total: 91.2, Satisfaction: 9.2, Passed: true, Grade: domain.GradeExcellent}
	return FinalReport{Number: "XM2026-000001", Title: "河西区失能老年人家庭照护者培训项目", CallNumber: "ZJ2026-000003", Brand: domain.BrandCunCaoXin,
		District: "河西区", Issuer: "天津市河西区民政局", OrgName: "天津市河西区夕阳红社会工作服务中心", Amount: 260000_00, Terms: terms,
		SignedAt:     at.AddDate(-1, -2, 0),
		KPIs:         []KPI{{"培训学员（达到合同学时）", 300, 287, "人"}, {"报名学员", 300, 312, "人"}, {"培训场次", 12, 12, "场"}, {"学员学时合计", 4800, 4710.5, "学时"}},
		Modules:      []ModuleHours{{"失能照护基础", 3, 1400}, {"压疮预防", 2, 900}, {"转移搬运", 3, 1210.5}, {"进食与用药照护", 2, 700}, {"应急救护/心肺复苏", 2, 500}},
		Satisfaction: 4.6, Surveyed: 280, SpotChecks: 32, Discrepant: 1,
		Tranches: []domain.TrancheState{
			{Index: 0, Percent: 30, Condition: domain.TrancheOnContract, Amount: 78000_00, PaidAt: at.AddDate(-1, 0, 0), VoucherNo: "HX-2027-0001"},
			{Index: 1, Percent: 40, Condition: domain.TrancheOnMidterm, Amount: 104000_00, PaidAt: at.AddDate(0, -6, 0), VoucherNo: "HX-2027-0102"},
			{Index: 2, Percent: 30, Condition: domain.TrancheOnFinal, Amount: 78000_00, PaidAt: at, VoucherNo: "HX-2028-0007"}},
		Rounds: []domain.Evaluation{
			{Phase: domain.EvalMidterm, Attempt: 1, Due: at.AddDate(0, -7, 0), SubmittedAt: at.AddDate(0, -7, -5), Outcome: &domain.EvalOutcome{Total: 52, Passed: false}},
			{Phase: domain.EvalMidterm, Attempt: 2, Due: at.AddDate(0, -6, 0), SubmittedAt: at.AddDate(0, -6, -3), Outcome: &domain.EvalOutcome{Total: 78.5, Passed: true}},
			{Phase: domain.EvalFinal, Attempt: 1, Due: at.AddDate(0, 0, -20), SubmittedAt: at.AddDate(0, 0, -30), Outcome: &out}},
		Grade: domain.GradeExcellent, Issued: at}
}

func TestFinalReportText(t *testing.T) {
	pdf, err := RenderFinalReport(sampleFinalReport())
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("GRANTFLOW_KEEP_PDF"); p != "" {
		_ = os.WriteFile(p, pdf, 0o644)
	}
	text := stripSpace(pdfText(t, pdf))
	for _, want := range []string{"项目结项报告", "结项等级", "优", "绩效指标完成情况", "95.7%", "4710.5学时", "98.1%",
		"各培训模块实施情况", "应急救护/心肺复苏", "累计拨付260,000.00元，占资助金额的100.0%", "中期评估（整改后复评）", "不合格（52.00分）",
		"合格（91.20分），等级优", "平均4.60分", "天津市河西区民政局"} {
		if !strings.Contains(text, stripSpace(want)) {
			t.Errorf("final report lacks %q", want)
		}
	}
	r := sampleFinalReport()
	r.Terminated, r.Grade, r.Earned, r.ClawBack = true, "", 65000_00, 13000_00
	r.Tranches[1].PaidAt, r.Tranches[2].PaidAt = time.Time{}, time.Time{}
	pdf, err = RenderFinalReport(r)
	if err != nil {
		t.Fatal(err)
	}
	text = stripSpace(pdfText(t, pdf))
	for _, want := range []string{"项目终止报告", "应退回13,000.00元", "停止拨付"} {
		if !strings.Contains(text, stripSpace(want)) {
			t.Errorf("termination report lacks %q", want)
		}
	}
}
