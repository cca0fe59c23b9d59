package report

import (
	"fmt"
	"time"

	"grantflow/internal/domain"
)

// HoursStatement is a volunteer's time-bank statement (志愿服务时间储蓄).
type HoursStatement struct {
	Volunteer string // name
	Brand     domain.Brand
	Community string
	District  string
	Visits    []domain.Visit // elder names already masked
	Issued    time.Time
}

// RenderHoursStatement renders the statement as a PDF.
func RenderHoursStatement(s HoursStatement) (_ []byte, err error) {
	defer recovered(&err)
	title := "志愿服务时间储蓄证明"
	d := newDocument(title, fmt.Sprintf("%s · %s · GrantFlow", s.District, s.Community), s.Issued)
	d.title(title, 17)
	minutes := 0
	for _, v := range s.Visits {
		minutes += v.Minutes
	}
	d.row("志愿者", s.Volunteer)
	d.row("志愿服务品牌", s.Brand.Label())
	d.row("所在社区", s.District+" "+s.Community)
	d.row("服务次数", fmt.Sprintf("%d 次", len(s.Visits)))
	d.row("累计时长", fmt.Sprintf("%.1f 小时（%d 分钟）", domain.Hours(minutes), minutes))
	d.pdf.Ln(3)
	d.heading("服务记录")
	cols := []struct {
		title string
		w     float64
	}{{"日期", 30}, {"服务方式", 28}, {"服务对象", 24}, {"时长（分钟）", 26}, {"备注", d.width - 108}}
	d.pdf.SetFont(family, "B", 10)
	d.pdf.SetFillColor(242, 245, 250)
	for _, c := range cols {
		d.pdf.CellFormat(c.w, 7, c.title, "1", 0, "L", true, 0, "")
	}
	d.pdf.Ln(-1)
	d.pdf.SetFont(family, "", 10)
	for _, v := range s.Visits {
		notes := Wrap(v.Note, cols[4].w-2, d.pdf.GetStringWidth)
		h := float64(max(1, len(notes))) * 6
		if d.pdf.GetY()+h > 297-marginMM-8 {
			d.pdf.AddPage()
		}
		x, y := d.pdf.GetXY()
		cells := []string{v.VisitedAt.In(domain.ChinaTime).Format("2006-01-02"), v.Kind.Label(), v.ElderName, fmt.Sprint(v.Minutes)}
		for i, text := range cells {
			d.pdf.Rect(x, y, cols[i].w, h, "D")
			d.pdf.SetXY(x+1, y)
			d.pdf.CellFormat(cols[i].w-2, 6, text, "", 0, "L", false, 0, "")
			x += cols[i].w
		}
		d.pdf.Rect(x, y, cols[4].w, h, "D")
		for i, line := range notes {
			d.pdf.SetXY(x+1, y+float64(i)*6)
			d.pdf.CellFormat(cols[4].w-2, 6, line, "", 0, "L", false, 0, "")
		}
		d.pdf.SetXY(marginMM, y+h)
	}
	d.pdf.Ln(6)
	d.paragraph(fmt.Sprintf("以上服务时长已计入志愿服务时间储蓄，可按本市有关规定兑换相应服务。服务对象姓名已作去标识化处理。出具日期：%s。", ChineseDate(s.Issued)), true)
	return d.bytes()
}
