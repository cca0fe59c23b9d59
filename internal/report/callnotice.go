package report

import (
	"fmt"
	"time"

	"grantflow/internal/domain"
)

// CallNotice is what the 征集公告 says about one call.
type CallNotice struct {
	Number      string // 征集编号, e.g. ZJ2026-000001
	Title       string
	Brand       domain.Brand
	District    string
	Budget      domain.Fen
	Issuer      string // e.g. 天津市河西区民政局
	IssuedOn    time.Time
	Attachments []string // file names listed as 附件
	// The call's rules, once set: mode, projects, deadline, rubric.
	Mode        domain.Mode
	Projects    int
	Eligibility string
	Deadline    time.Time // zero until publication
	Criteria    []domain.Criterion
	Publicity   int
	BidBond     domain.Fen
}

// IssuerFor names the bureau that issues a call of district.
func IssuerFor(district string) string {
	if district == domain.CityLevel {
		return "天津市民政局"
	}
	return "天津市" + district + "民政局"
}

// ChineseDate formats a date the way official documents do: 2026年11月28日.
func ChineseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// ChineseDateTime formats a time in China: 2026年12月7日 09:30.
func ChineseDateTime(t time.Time) string {
	t = t.In(domain.ChinaTime)
	return fmt.Sprintf("%s %02d:%02d", ChineseDate(t), t.Hour(), t.Minute())
}

// RenderCallNotice renders the call notice (征集公告) as a PDF.
func RenderCallNotice(n CallNotice) (_ []byte, err error) {
	defer recovered(&err)
	docTitle := fmt.Sprintf("关于征集“%s”的公告", n.Title)
	d := newDocument(docTitle, fmt.Sprintf("%s · 征集编号 %s", n.Issuer, n.Number), n.IssuedOn)
	d.title(docTitle, 17)
	d.paragraph(fmt.Sprintf(
		"为深化我市“寸草心”“手足情”助老志愿服务工作，落实《关于深化我市“寸草心”“手足情”助老志愿服务工作的实施意见》（津民发〔2023〕30号）关于“坚持项目带动，以失能老年人家庭照护者培训和居家应急救援为重点，常态化实施助老志愿服务公益创投项目”的要求，%s现就“%s”面向社会公开征集公益创投项目，欢迎符合条件的社会组织积极申报。有关事项公告如下。",
		n.Issuer, n.Title), true)

	d.heading("一、项目基本情况")
	d.row("征集编号", n.Number)
	d.row("项目名称", n.Title)
	d.row("志愿服务品牌", n.Brand.Label()+brandLine(n.Brand))
	d.row("实施区域", n.District)
	d.row("资金预算", fmt.Sprintf("人民币 %s 元", n.Budget.Yuan()))
	d.row("发布单位", n.Issuer)
	if n.Mode != "" {
		d.row("采购方式", n.Mode.Label())
		d.row("拟资助项目数", fmt.Sprintf("%d 个", n.Projects))
	}
	if n.BidBond > 0 {
		d.row("投标保证金", fmt.Sprintf("人民币 %s 元（不超过预算的 2%%），定标或终止后 5 个工作日内退还", n.BidBond.Yuan()))
	}
	if !n.Deadline.IsZero() {
		d.row("投标截止及开标", ChineseDateTime(n.Deadline)+"（截止时间当即开标，逾期递交的投标文件不予接收）")
	} else {
		d.row("投标截止及开标", "以审核发布时确定的时间为准")
	}
	d.pdf.Ln(2)

	d.heading("二、服务内容")
	d.paragraph("项目以失能老年人家庭照护者培训（失能照护基础、压疮预防、转移搬运、进食与用药照护等）和社区照护、应急救护（心肺复苏等）技能培训为重点，采取“送学上门”方式将培训送进社区和家庭。实施单位应逐场次记录培训日期、地点、模块、学时、授课人和学员签到签退，按合同约定的学时完成培训并接受中期和结项评估。", true)

	d.heading("三、申报条件")
	d.paragraph("（一）在本市依法登记、经平台审核通过的社会组织、志愿服务组织或其他具备相应能力的机构，具有统一社会信用代码；", false)
	d.paragraph("（二）具有开展养老服务、照护培训或志愿服务的专业能力和稳定的服务团队；", false)
	d.paragraph("（三）近三年内无违法违规记录，未被列入禁入名单；", false)
	d.paragraph("（四）按要求依法处理服务对象的个人信息，遵守《中华人民共和国个人信息保护法》。", false)
	if n.Eligibility != "" {
		d.paragraph("（五）本次征集的特定条件："+n.Eligibility, false)
	}

	d.heading("四、评审与立项")
	d.paragraph("申报材料在截止时间前密封提交，截止时间当即开标。评审专家从人才库中随机抽取，与申报单位存在利害关系的专家依法回避。评审结果经民政部门、财政部门先后审核后予以公示，公示期间任何单位和个人均可依法提出质疑。", true)

	if len(n.Criteria) > 0 {
		d.paragraph("评分办法（综合评分法，满分 100 分）：", false)
		for i, c := range n.Criteria {
			d.paragraph(fmt.Sprintf("%d. %s（权重 %d%%）：%s", i+1, c.Name, c.Weight, c.Factor), false)
		}
		d.paragraph(domain.TieRule, false)
	}
	if n.Publicity > 0 {
		d.paragraph(fmt.Sprintf("评审结果公示期为 %d 个工作日。", n.Publicity), false)
	}

	if len(n.Attachments) > 0 {
		d.heading("五、附件")
		for i, name := range n.Attachments {
			d.paragraph(fmt.Sprintf("%d. %s", i+1, name), false)
		}
	}

	d.pdf.Ln(8)
	d.pdf.SetFont(family, "", bodySizePt)
	d.pdf.CellFormat(d.width, lineMM, n.Issuer, "", 1, "R", false, 0, "")
	d.pdf.CellFormat(d.width, lineMM, ChineseDate(n.IssuedOn), "", 1, "R", false, 0, "")
	return d.bytes()
}

func brandLine(b domain.Brand) string {
	switch b {
	case domain.BrandCunCaoXin:
		return "（青少年助老）"
	case domain.BrandShouZuQing:
		return "（低龄老人助高龄老人）"
	}
	return ""
}
