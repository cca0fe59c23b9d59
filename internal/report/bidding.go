package report

import (
	"fmt"
	"time"

	"grantflow/internal/domain"
)

// column is one column of a table: header and width in mm (0: the rest).
type column struct {
	title string
	width float64
	right bool
}

// table writes a header row and rows of cells with borders, breaking pages
// as needed; long cells are cut to their column by Wrap's first line.
func (d *document) table(cols []column, rows [][]string) {
	rest := d.width
	for _, c := range cols {
		rest -= c.width
	}
	w := func(c column) float64 {
		if c.width == 0 {
			return rest
		}
		return c.width
	}
	header := func() {
		d.pdf.SetFont(family, "B", 9.5)
		d.pdf.SetFillColor(242, 245, 250)
		for _, c := range cols {
			d.pdf.CellFormat(w(c), 7, c.title, "1", 0, "C", true, 0, "")
		}
		d.pdf.Ln(-1)
		d.pdf.SetFont(family, "", 9.5)
	}
	header()
	for _, r := range rows {
		// The tallest cell decides the row height.
		lines := make([][]string, len(cols))
		n := 1
		for i, c := range cols {
			lines[i] = Wrap(r[i], w(c)-2, d.pdf.GetStringWidth)
			n = max(n, len(lines[i]))
		}
		h := float64(n)*5 + 1.5
		if d.pdf.GetY()+h > 297-marginMM-6 {
			d.pdf.AddPage()
			header()
		}
		x, y := d.pdf.GetX(), d.pdf.GetY()
		for i, c := range cols {
			d.pdf.Rect(x, y, w(c), h, "D")
			align := "L"
			if c.right {
				align = "R"
			}
			for j, line := range lines[i] {
				d.pdf.SetXY(x+1, y+0.75+float64(j)*5)
				d.pdf.CellFormat(w(c)-2, 5, line, "", 0, align, false, 0, "")
			}
			x += w(c)
		}
		d.pdf.SetXY(marginMM, y+h)
	}
	d.pdf.Ln(2)
}

func (d *document) signature(issuer string, on time.Time) {
	d.pdf.Ln(8)
	d.pdf.SetFont(family, "", bodySizePt)
	d.pdf.CellFormat(d.width, lineMM, issuer, "", 1, "R", false, 0, "")
	d.pdf.CellFormat(d.width, lineMM, ChineseDate(on.In(domain.ChinaTime)), "", 1, "R", false, 0, "")
}

// OpenedBid is one line of the opening record.
type OpenedBid struct {
	Seq         int
	OrgName     string
	USCC        string
	Price       domain.Fen
	SubmittedAt time.Time
	Parts       []domain.PartDigest
	DigestsOK   bool
}

// OpeningRecord is the 开标记录 of a call.
type OpeningRecord struct {
	Number    string
	Title     string
	Issuer    string
	Mode      domain.Mode
	Deadline  time.Time
	OpenedAt  time.Time
	Bids      []OpenedBid
	Withdrawn int
}

// RenderOpeningRecord renders the opening record (开标记录) as a PDF.
func RenderOpeningRecord(r OpeningRecord) (_ []byte, err error) {
	defer recovered(&err)
	title := fmt.Sprintf("“%s”开标记录", r.Title)
	d := newDocument(title, fmt.Sprintf("%s · 征集编号 %s", r.Issuer, r.Number), r.OpenedAt)
	d.title(title, 16)
	d.row("征集编号", r.Number)
	d.row("采购方式", r.Mode.Label())
	d.row("投标截止时间", ChineseDateTime(r.Deadline))
	d.row("开标时间", ChineseDateTime(r.OpenedAt))
	d.row("有效递交", fmt.Sprintf("%d 份（撤回 %d 份，不计入）", len(r.Bids), r.Withdrawn))
	d.pdf.Ln(3)
	d.heading("一、投标人及报价")
	rows := make([][]string, 0, len(r.Bids))
	for _, b := range r.Bids {
		ok := "一致"
		if !b.DigestsOK {
			ok = "不一致"
		}
		rows = append(rows, []string{fmt.Sprint(b.Seq), b.OrgName, b.USCC, b.Price.Yuan(), ChineseDateTime(b.SubmittedAt), ok})
	}
	d.table([]column{{"序号", 11, false}, {"投标人", 0, false}, {"统一社会信用代码", 40, false}, {"报价（元）", 26, true},
		{"递交时间", 32, false}, {"摘要核验", 18, false}}, rows)
	d.heading("二、投标文件摘要（SHA-256）核验")
	d.paragraph("开标时逐一解密各投标文件，重新计算每一部分的 SHA-256 摘要，并与递交时出具给投标人的回执核对。", true)
	for _, b := range r.Bids {
		d.pdf.SetFont(family, "B", 9.5)
		d.pdf.CellFormat(d.width, 6, fmt.Sprintf("%d. %s", b.Seq, b.OrgName), "", 1, "L", false, 0, "")
		drows := make([][]string, 0, len(b.Parts))
		for _, p := range b.Parts {
			drows = append(drows, []string{p.Label, p.SHA256})
		}
		d.table([]column{{"部分", 40, false}, {"SHA-256", 0, false}}, drows)
	}
	d.paragraph("本记录由系统在投标截止时间自动生成，投标人名称、报价及摘要当场公开。", true)
	d.signature(r.Issuer, r.OpenedAt)
	return d.bytes()
}

// ScoringReport is the 评审报告 of a call.
type ScoringReport struct {
	Number    string
	Title     string
	Issuer    string
	Mode      domain.Mode
	Criteria  []domain.Criterion
	Results   []domain.BidResult
	Panel     []string // names (counted only: the report goes to the buyer before the names are public)
	Excluded  int      // experts excluded or recused
	Issued    time.Time
	Deviation int
}

// RenderScoringReport renders the scoring report (评审报告) as a PDF.
func RenderScoringReport(r ScoringReport) (_ []byte, err error) {
	defer recovered(&err)
	title := fmt.Sprintf("“%s”评审报告", r.Title)
	d := newDocument(title, fmt.Sprintf("%s · 征集编号 %s", r.Issuer, r.Number), r.Issued)
	d.title(title, 16)
	d.row("征集编号", r.Number)
	d.row("采购方式", r.Mode.Label())
	d.row("评审小组", fmt.Sprintf("%d 人（随机抽取；因利害关系回避或声明回避并替换 %d 人）", len(r.Panel), r.Excluded))
	d.row("评分方法", "综合评分法。专家对各项评分标准打分并加权；价格分按评标基准价（最低有效报价）÷ 投标报价 × 价格权重计算。评审小组 5 人及以上时去掉一个最高分和一个最低分后取平均。")
	d.row("排序规则", domain.TieRule)
	d.pdf.Ln(2)
	d.heading("一、评分标准")
	crow := make([][]string, 0, len(r.Criteria))
	for _, c := range r.Criteria {
		kind := "专家评分"
		if c.Kind == domain.CriterionPrice {
			kind = "公式计算"
		}
		crow = append(crow, []string{c.Name, c.Factor, fmt.Sprint(c.MaxPoints), fmt.Sprintf("%d%%", c.Weight), kind})
	}
	d.table([]column{{"评分项", 26, false}, {"量化评分因素", 0, false}, {"满分", 14, true}, {"权重", 14, true}, {"方式", 20, false}}, crow)
	d.heading("二、评审结果与排序")
	rows := make([][]string, 0, len(r.Results))
	for _, b := range r.Results {
		rec := ""
		if b.Recommended {
			rec = "推荐"
		}
		rows = append(rows, []string{fmt.Sprint(b.Rank), b.OrgName, b.Price.Yuan(), fmt.Sprintf("%.2f", b.Technical),
			fmt.Sprintf("%.2f", b.PriceScore), fmt.Sprintf("%.2f", b.Result), rec})
	}
	d.table([]column{{"名次", 12, true}, {"投标人", 0, false}, {"报价（元）", 26, true}, {"技术得分", 20, true},
		{"价格得分", 20, true}, {"综合得分", 20, true}, {"结论", 14, false}}, rows)
	d.heading("三、各专家评分")
	for _, b := range r.Results {
		d.pdf.SetFont(family, "B", 9.5)
		d.pdf.CellFormat(d.width, 6, fmt.Sprintf("%d. %s", b.Rank, b.OrgName), "", 1, "L", false, 0, "")
		erows := make([][]string, 0, len(b.Experts))
		for i, e := range b.Experts {
			flag := ""
			if e.Deviates {
				flag = fmt.Sprintf("偏离超过 %d 分，请复核", r.Deviation)
			}
			erows = append(erows, []string{fmt.Sprintf("专家 %d", i+1), fmt.Sprintf("%.2f", e.Technical), fmt.Sprintf("%.2f", e.Total), flag})
		}
		d.table([]column{{"专家", 24, false}, {"技术得分", 24, true}, {"总分", 24, true}, {"提示", 0, false}}, erows)
	}
	d.heading("四、评审小组")
	// The report goes to civil affairs and finance before the result is
	// public; the panel's names stay secret until then (招标投标法 §37) and
	// are published with the result, on the portal.
	d.paragraph(fmt.Sprintf("评审小组共 %d 人，成员名单在结果公示时公开。", len(r.Panel)), false)
	d.signature(r.Issuer, r.Issued)
	return d.bytes()
}

// AwardNotice is the 中标（立项）通知书 to one winner.
type AwardNotice struct {
	Number   string
	Title    string
	Issuer   string
	OrgName  string
	USCC     string
	Amount   domain.Fen
	Rank     int
	Result   float64
	Tranches []domain.Tranche
	Issued   time.Time
}

// RenderAwardNotice renders an award notice as a PDF.
func RenderAwardNotice(n AwardNotice) (_ []byte, err error) {
	defer recovered(&err)
	title := "公益创投项目立项（中标）通知书"
	d := newDocument(title, fmt.Sprintf("%s · 征集编号 %s", n.Issuer, n.Number), n.Issued)
	d.title(title, 17)
	d.paragraph(n.OrgName+"：", false)
	d.paragraph(fmt.Sprintf("你单位参加的“%s”（征集编号 %s）经专家评审、民政部门和财政部门审核并公示期满，确定你单位为立项（中标）单位，评审综合得分 %.2f 分，排名第 %d。资助金额为人民币 %s 元。",
		n.Title, n.Number, n.Result, n.Rank, n.Amount.Yuan()), true)
	d.paragraph("请于本通知书发出之日起三十日内与我单位签订项目合同（政府采购法 §46）。资金按以下进度拨付：", true)
	for i, t := range n.Tranches {
		d.paragraph(fmt.Sprintf("第 %d 笔：%d%%，%s拨付。", i+1, t.Percent, t.Condition.Label()), false)
	}
	d.row("立项单位", n.OrgName)
	d.row("统一社会信用代码", n.USCC)
	d.row("资助金额", "人民币 "+n.Amount.Yuan()+" 元")
	d.signature(n.Issuer, n.Issued)
	return d.bytes()
}
