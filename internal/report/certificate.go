package report

import (
	"fmt"
	"strings"
	"time"
)

// Certificate is a trainee's completion certificate (结业证书).
type Certificate struct {
	Number  string
	Name    string
	Project string
	OrgName string
	Issuer  string
	Hours   float64
	Modules []string
	Issued  time.Time
}

// RenderCertificate renders a completion certificate as a PDF.
func RenderCertificate(c Certificate) (_ []byte, err error) {
	defer recovered(&err)
	title := "失能老年人家庭照护者培训结业证书"
	d := newDocument(title, fmt.Sprintf("%s · 证书编号 %s", c.Issuer, c.Number), c.Issued)
	d.pdf.Ln(18)
	d.title(title, 20)
	d.pdf.Ln(8)
	d.paragraph(fmt.Sprintf("%s同志：", c.Name), false)
	d.paragraph(fmt.Sprintf("参加“%s”（实施单位：%s），完成%s等培训模块，累计 %.1f 学时，达到培训要求，准予结业。",
		c.Project, c.OrgName, strings.Join(c.Modules, "、"), c.Hours), true)
	d.pdf.Ln(6)
	d.row("证书编号", c.Number)
	d.row("发证日期", ChineseDate(c.Issued))
	d.signature(c.Issuer, c.Issued)
	return d.bytes()
}
