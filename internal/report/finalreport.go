package report

import (
	"fmt"
	"time"

	"grantflow/internal/domain"
)

// KPI is one indicator of the final report: contracted and delivered.
type KPI struct {
	Name       string
	Contracted float64
	Delivered  float64
	Unit       string
}

// ModuleHours is the training delivered in one module.
type ModuleHours struct {
	Module   string
	Sessions int
	Hours    float64 // trainee-hours credited
}

// FinalReport is a project's final report (项目结项报告), or its termination
// report when the project was terminated.
type FinalReport struct {
	Number       string
	Title        string
	CallNumber   string
	Brand        domain.Brand
	District     string
	Issuer       string
	OrgName      string
	Amount       domain.Fen
	Terms        domain.ContractTerms
	SignedAt     time.Time
	KPIs         []KPI
	Modules      []ModuleHours
	Satisfaction float64 // mean of the recipients' survey, 1–5
	Surveyed     int
	SpotChecks   int
	Discrepant   int
	Tranches     []domain.TrancheState
	Rounds       []domain.Evaluation
	Grade        domain.Grade
	Terminated   bool
	Earned       domain.Fen
	ClawBack     domain.Fen
	Issued       time.Time
}

// RenderFinalReport renders the final (or termination) report with its KPI
// tables and bar charts.
func RenderFinalReport(r FinalReport) (_ []byte, err error) {
	defer recovered(&err)
	kind := "项目结项报告"
	if r.Terminated {
		kind = "项目终止报告"
	}
	d := newDocument(kind+" "+r.Number, r.Issuer+" · "+r.Number+" · GrantFlow", r.Issued)
	d.title(r.Title, 15)
	d.title(kind, 13)
	d.row("项目编号", r.Number)
	d.row("征集编号", r.CallNumber)
	d.row("品牌", r.Brand.Label()+brandLine(r.Brand))
	d.row("实施单位", r.OrgName)
	d.row("资助金额", r.Amount.Yuan()+" 元")
	d.row("服务期限", fmt.Sprintf("%s 至 %s（%d 个月）", ChineseDate(r.Terms.StartsOn.In(domain.ChinaTime)),
		ChineseDate(r.Terms.EndsOn().In(domain.ChinaTime)), r.Terms.TermMonths))
	d.row("合同签订", ChineseDate(r.SignedAt.In(domain.ChinaTime)))
	switch {
	case r.Terminated:
		d.row("结论", fmt.Sprintf("中期评估两次不合格，项目终止。按已完成学时核定应得 %s 元，应退回 %s 元。", r.Earned.Yuan(), r.ClawBack.Yuan()))
	case r.Grade != "":
		d.row("结项等级", fmt.Sprintf("%s（优 90–100，良 80–89，中 60–79，差 < 60）", r.Grade.Label()))
	}
	d.finalKPIs(r)
	d.finalModules(r)
	d.finalTranches(r)
	d.finalRounds(r)
	d.signature(r.Issuer, r.Issued)
	return d.bytes()
}

// finalKPIs is the final report's section 一: each indicator contracted and
// delivered, the completion rates as bars, the survey and spot-checks.
func (d *document) finalKPIs(r FinalReport) {
	d.heading("一、绩效指标完成情况")
	rows := make([][]string, 0, len(r.KPIs))
	var labels []string
	var shares []float64
	for _, k := range r.KPIs {
		rate := "—"
		share := 0.0
		if k.Contracted > 0 {
			share = k.Delivered / k.Contracted * 100
			rate = fmt.Sprintf("%.1f%%", share)
		}
		rows = append(rows, []string{k.Name, trimNum(k.Contracted) + " " + k.Unit, trimNum(k.Delivered) + " " + k.Unit, rate})
		labels = append(labels, k.Name)
		shares = append(shares, share)
	}
	d.table([]column{{"指标", 0, false}, {"合同约定", 36, true}, {"实际完成", 36, true}, {"完成率", 26, true}}, rows)
	d.barChart("完成率（%，以合同约定为 100）", labels, shares, 100, "%")
	d.paragraph(fmt.Sprintf("服务对象满意度调查 %d 人，平均 %.2f 分（满分 5 分）；电话抽查 %d 人次，与记录不符 %d 人次。",
		r.Surveyed, r.Satisfaction, r.SpotChecks, r.Discrepant), true)
}

// finalModules is section 二, when training was delivered: sessions and
// trainee-hours per module, the hours as bars.
func (d *document) finalModules(r FinalReport) {
	if len(r.Modules) == 0 {
		return
	}
	d.heading("二、各培训模块实施情况")
	var rows [][]string
	var labels []string
	var shares []float64
	maxHours := 0.0
	for _, m := range r.Modules {
		rows = append(rows, []string{m.Module, fmt.Sprint(m.Sessions), trimNum(m.Hours)})
		labels = append(labels, m.Module)
		shares = append(shares, m.Hours)
		maxHours = max(maxHours, m.Hours)
	}
	d.table([]column{{"培训模块", 0, false}, {"场次", 24, true}, {"学员学时合计", 36, true}}, rows)
	d.barChart("各模块学员学时", labels, shares, maxHours, "")
}

// finalTranches is section 三: each tranche, paid, stopped or not yet, and
// the total paid.
func (d *document) finalTranches(r FinalReport) {
	d.heading("三、资金拨付情况")
	var rows [][]string
	var paid domain.Fen
	for _, t := range r.Tranches {
		status := "未拨付"
		switch {
		case !t.PaidAt.IsZero():
			status = "已拨付 " + ChineseDate(t.PaidAt.In(domain.ChinaTime)) + "（凭证 " + t.VoucherNo + "）"
			paid += t.Amount
		case r.Terminated || r.Grade == domain.GradePoor && t.Condition == domain.TrancheOnFinal:
			status = "停止拨付"
		}
		rows = append(rows, []string{fmt.Sprintf("第 %d 笔（%d%%）", t.Index+1, t.Percent), t.Condition.Label(), t.Amount.Yuan(), status})
	}
	d.table([]column{{"批次", 30, false}, {"拨付条件", 34, false}, {"金额（元）", 30, true}, {"状态", 0, false}}, rows)
	d.paragraph(fmt.Sprintf("累计拨付 %s 元，占资助金额的 %.1f%%。", paid.Yuan(), float64(paid)/float64(max(r.Amount, 1))*100), true)
}

// finalRounds is section 四: each evaluation round, its report and result.
func (d *document) finalRounds(r FinalReport) {
	d.heading("四、评估情况")
	var rows [][]string
	for _, e := range r.Rounds {
		result := "进行中"
		if e.Outcome != nil {
			switch {
			case e.Outcome.Late:
				result = "逾期未报，不合格"
			case e.Outcome.Passed:
				result = fmt.Sprintf("合格（%.2f 分）", e.Outcome.Total)
			default:
				result = fmt.Sprintf("不合格（%.2f 分）", e.Outcome.Total)
			}
			if e.Outcome.Grade != "" {
				result += "，等级" + e.Outcome.Grade.Label()
			}
		}
		submitted := "未提交"
		if !e.SubmittedAt.IsZero() {
			submitted = ChineseDate(e.SubmittedAt.In(domain.ChinaTime))
		}
		rows = append(rows, []string{e.Round(), ChineseDate(e.Due.In(domain.ChinaTime)), submitted, result})
	}
	d.table([]column{{"评估", 0, false}, {"报告截止", 34, false}, {"报告提交", 34, false}, {"结果", 46, false}}, rows)
}

// barChart draws horizontal bars of values against full (the bar's whole
// width), labelled, with the value at the end of each bar.
func (d *document) barChart(title string, labels []string, values []float64, full float64, unit string) {
	const labelW, barH, gap = 52.0, 6.0, 2.5
	h := 10 + float64(len(labels))*(barH+gap)
	if d.pdf.GetY()+h > 297-marginMM-6 {
		d.pdf.AddPage()
	}
	d.pdf.SetFont(family, "B", 10)
	d.pdf.CellFormat(d.width, 7, title, "", 1, "L", false, 0, "")
	d.pdf.SetFont(family, "", 9)
	x0 := marginMM + labelW
	barW := d.width - labelW - 22
	if full <= 0 {
		full = 1
	}
	for i, l := range labels {
		y := d.pdf.GetY()
		lines := Wrap(l, labelW-2, d.pdf.GetStringWidth)
		d.pdf.SetXY(marginMM, y)
		d.pdf.CellFormat(labelW-2, barH, lines[0], "", 0, "R", false, 0, "")
		d.pdf.SetFillColor(232, 236, 243)
		d.pdf.Rect(x0, y, barW, barH, "F")
		w := min(values[i]/full, 1.2) * barW
		d.pdf.SetFillColor(37, 99, 235)
		if values[i] < full*0.6 && unit == "%" {
			d.pdf.SetFillColor(220, 38, 38)
		}
		if w > 0 {
			d.pdf.Rect(x0, y, min(w, barW), barH, "F")
		}
		d.pdf.SetXY(x0+barW+1, y)
		d.pdf.CellFormat(21, barH, trimNum(values[i])+unit, "", 0, "L", false, 0, "")
		d.pdf.SetXY(marginMM, y+barH+gap)
	}
	d.pdf.Ln(2)
}

// trimNum writes a number without a needless fraction.
func trimNum(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}
