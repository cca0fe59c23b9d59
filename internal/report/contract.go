package report

import (
	"fmt"
	"strings"
	"time"

	"grantflow/internal/domain"
)

// Contract is the 公益创投项目服务合同 of a funded project.
type Contract struct {
	Number     string
	CallNumber string
	Title      string
	Brand      domain.Brand
	District   string
	Issuer     string // party A: the bureau
	OrgName    string // party B
	USCC       string
	Amount     domain.Fen
	Tranches   []domain.Tranche
	Terms      domain.ContractTerms
	Revision   int
	Issued     time.Time
}

// RenderContract renders the contract as a PDF.
func RenderContract(c Contract) (_ []byte, err error) {
	defer recovered(&err)
	title := "公益创投项目服务合同"
	d := newDocument(title, fmt.Sprintf("%s · 合同编号 %s · 第 %d 稿", c.Issuer, c.Number, c.Revision), c.Issued)
	d.title(title, 17)
	d.row("合同编号", c.Number)
	d.row("项目名称", c.Title)
	d.row("征集编号", c.CallNumber)
	d.row("甲方（委托方）", c.Issuer)
	d.row("乙方（受托方）", c.OrgName+"（统一社会信用代码 "+c.USCC+"）")
	d.row("合同金额", "人民币 "+c.Amount.Yuan()+" 元")
	d.row("服务期限", fmt.Sprintf("%s 至 %s（%d 个月）", ChineseDate(c.Terms.StartsOn), ChineseDate(c.Terms.EndsOn()), c.Terms.TermMonths))
	d.pdf.Ln(2)
	d.heading("第一条 服务内容与交付成果")
	d.paragraph(fmt.Sprintf("乙方在%s实施“%s”志愿服务品牌项目，面向失能老年人家庭照护者开展培训：培训 %d 人，每名学员不少于 %d 学时，共 %d 场次，培训模块包括：%s。"+
		"乙方应逐场次记录培训日期、时间、地点、授课人、学时和学员签到签退，按要求上传照片、签到表等过程材料，并接受甲方的中期和结项评估。",
		c.District, c.Brand.Label(), c.Terms.Trainees, c.Terms.HoursPerTrainee, c.Terms.Sessions, strings.Join(c.Terms.Modules, "、")), true)
	d.heading("第二条 资金拨付")
	amounts := domain.TrancheAmounts(c.Amount, c.Tranches)
	rows := make([][]string, len(c.Tranches))
	for i, t := range c.Tranches {
		rows[i] = []string{fmt.Sprintf("第 %d 笔", i+1), fmt.Sprintf("%d%%", t.Percent), amounts[i].Yuan(), t.Condition.Label()}
	}
	d.table([]column{{"批次", 24, false}, {"比例", 20, true}, {"金额（元）", 36, true}, {"拨付条件", 0, false}}, rows)
	d.paragraph("甲方在拨付条件成就后拨付相应款项；累计拨付不得超过合同金额。中期评估不合格且整改后仍不合格的，甲方有权终止合同、停止拨付剩余款项并追回相应资金。", true)
	if c.Terms.PerformanceBond > 0 {
		d.paragraph(fmt.Sprintf("乙方应在合同签订时提交履约保证金人民币 %s 元（不超过合同金额的 10%%，实施条例 §48），合同履行完毕后无息退还。", c.Terms.PerformanceBond.Yuan()), true)
	}
	d.heading("第三条 个人信息保护")
	d.paragraph(domain.DataProcessingClause("乙方", "甲方", c.Terms.EndsOn()), true)
	d.heading("第四条 档案与公开")
	d.paragraph("本合同自双方确认之日起生效，并于 2 个工作日内公开（实施条例 §50）。项目全部文件由甲方归档保存不少于 15 年（政府采购法 §42）。", true)
	d.signature(c.Issuer, c.Issued)
	return d.bytes()
}
