package report

import (
	"fmt"
	"time"

	"grantflow/internal/domain"
)

// StatsRow is one district's line of the quarterly roll-up.
type StatsRow struct {
	District    string
	Needs       int
	UrgentNeeds int
	Elderly     int
	Disabled    int
	Volunteers  int
	Pairs       int
	Hours       float64
}

// RenderQuarterStats renders the quarterly roll-up (三库两册季度汇总) as a PDF.
func RenderQuarterStats(q domain.Quarter, scope string, rows []StatsRow, issued time.Time) (_ []byte, err error) {
	defer recovered(&err)
	title := fmt.Sprintf("%s“寸草心”“手足情”助老志愿服务季度汇总表", q.Label())
	d := newDocument(title, scope+" · GrantFlow", issued)
	d.title(title, 15)
	d.paragraph("统计范围："+scope+"。需求按本季度登记；老年人名册、志愿者和结对为截至出具日的数量；服务时长按本季度服务记录累计。", true)
	d.pdf.Ln(2)
	cols := []struct {
		t string
		w float64
	}{{"区", 24}, {"需求", 18}, {"其中紧急", 20}, {"名册老人", 22}, {"其中失能", 20}, {"志愿者", 20}, {"结对", 18}, {"服务时长（小时）", d.width - 142}}
	d.pdf.SetFont(family, "B", 9.5)
	d.pdf.SetFillColor(242, 245, 250)
	for _, c := range cols {
		d.pdf.CellFormat(c.w, 7, c.t, "1", 0, "C", true, 0, "")
	}
	d.pdf.Ln(-1)
	d.pdf.SetFont(family, "", 9.5)
	var total StatsRow
	line := func(r StatsRow, bold bool) {
		if bold {
			d.pdf.SetFont(family, "B", 9.5)
		}
		vals := []string{r.District, fmt.Sprint(r.Needs), fmt.Sprint(r.UrgentNeeds), fmt.Sprint(r.Elderly), fmt.Sprint(r.Disabled),
			fmt.Sprint(r.Volunteers), fmt.Sprint(r.Pairs), fmt.Sprintf("%.1f", r.Hours)}
		for i, v := range vals {
			align := "R"
			if i == 0 {
				align = "L"
			}
			d.pdf.CellFormat(cols[i].w, 6.5, v, "1", 0, align, false, 0, "")
		}
		d.pdf.Ln(-1)
	}
	for _, r := range rows {
		line(r, false)
		total.Needs += r.Needs
		total.UrgentNeeds += r.UrgentNeeds
		total.Elderly += r.Elderly
		total.Disabled += r.Disabled
		total.Volunteers += r.Volunteers
		total.Pairs += r.Pairs
		total.Hours += r.Hours
	}
	total.District = "合计"
	line(total, true)
	d.pdf.Ln(6)
	d.pdf.SetFont(family, "", bodySizePt)
	d.pdf.CellFormat(d.width, lineMM, "出具日期："+ChineseDate(issued), "", 1, "R", false, 0, "")
	return d.bytes()
}
