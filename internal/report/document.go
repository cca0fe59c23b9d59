// Package report renders GrantFlow's Chinese PDF documents (征集公告, and later
// 开标记录, 评审报告, contracts, certificates) with fonts embedded in the binary.
// It draws every line itself (see Wrap) and returns bytes; storing them is the
// caller's business.
package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

const (
	family     = "noto"
	marginMM   = 20.0
	bodySizePt = 11.0
	lineMM     = 6.2
)

// document is an A4 portrait page flow with GrantFlow's header and footer.
type document struct {
	pdf   *page
	width float64 // usable text width in mm
}

// page is the fpdf document as GrantFlow draws on it: every text passes
// through fit on its way in, so a character the fonts lack is drawn as
// Missing (and listed at the end of the document) instead of breaking it.
type page struct {
	*fpdf.Fpdf
	missing []rune
}

// CellFormat draws text as fpdf's CellFormat does, fitted to the fonts.
func (p *page) CellFormat(w, h float64, txt, border string, ln int, align string, fill bool, link int, linkStr string) {
	p.Fpdf.CellFormat(w, h, fit(txt, &p.missing), border, ln, align, fill, link, linkStr)
}

// GetStringWidth measures text as it will be drawn.
func (p *page) GetStringWidth(s string) float64 { return p.Fpdf.GetStringWidth(fit(s, nil)) }

// SetTitle sets the document's title, fitted to the fonts.
func (p *page) SetTitle(title string, isUTF8 bool) { p.Fpdf.SetTitle(fit(title, nil), isUTF8) }

func newDocument(title, footer string, created time.Time) *document {
	pdf := &page{Fpdf: fpdf.New("P", "mm", "A4", "")}
	pdf.AliasNbPages("{nb}") // before the UTF-8 fonts: fpdf sizes its subset by it
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	pdf.SetMargins(marginMM, marginMM, marginMM)
	pdf.SetAutoPageBreak(true, marginMM)
	pdf.SetTitle(title, true)
	pdf.SetCreator("GrantFlow", true)
	pdf.SetProducer("GrantFlow", true)
	// A fixed creation date makes the same input render the same bytes, so a
	// retried activity stores an identical object.
	pdf.SetCatalogSort(true) // fonts and images in a fixed order, not map order
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont(family, "", 8.5)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, footer, "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, fmt.Sprintf("第 %d 页，共 {nb} 页", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	w, _ := pdf.GetPageSize()
	return &document{pdf: pdf, width: w - 2*marginMM}
}

// title writes a centred bold heading, wrapped if long.
func (d *document) title(text string, size float64) {
	d.pdf.SetFont(family, "B", size)
	for _, line := range Wrap(text, d.width, d.pdf.GetStringWidth) {
		d.pdf.CellFormat(d.width, size*0.55, line, "", 1, "C", false, 0, "")
	}
	d.pdf.Ln(3)
}

// heading writes a bold section heading.
func (d *document) heading(text string) {
	d.pdf.Ln(2)
	d.pdf.SetFont(family, "B", 12.5)
	for _, line := range Wrap(text, d.width, d.pdf.GetStringWidth) {
		d.pdf.CellFormat(d.width, lineMM+0.6, line, "", 1, "L", false, 0, "")
	}
}

// paragraph writes body text with a two-character first-line indent, as
// Chinese official documents do; indent=false for lists and addresses.
func (d *document) paragraph(text string, indent bool) {
	d.pdf.SetFont(family, "", bodySizePt)
	prefix := ""
	if indent {
		prefix = "　　" // two ideographic spaces
	}
	for _, line := range Wrap(prefix+text, d.width, d.pdf.GetStringWidth) {
		d.pdf.CellFormat(d.width, lineMM, line, "", 1, "L", false, 0, "")
	}
}

// row writes a label and a value as one line of a key-value table.
func (d *document) row(label, value string) {
	const labelW = 32.0
	d.pdf.SetFont(family, "B", bodySizePt)
	x := d.pdf.GetX()
	y := d.pdf.GetY()
	d.pdf.SetFillColor(242, 245, 250)
	d.pdf.SetFont(family, "", bodySizePt)
	lines := Wrap(value, d.width-labelW-4, d.pdf.GetStringWidth)
	h := float64(len(lines))*lineMM + 2
	if y+h > 297-marginMM-6 {
		d.pdf.AddPage()
		y = d.pdf.GetY()
	}
	d.pdf.SetFont(family, "B", bodySizePt)
	d.pdf.Rect(x, y, labelW, h, "F")
	d.pdf.SetXY(x+2, y+1)
	d.pdf.CellFormat(labelW-2, lineMM, label, "", 0, "L", false, 0, "")
	d.pdf.SetFont(family, "", bodySizePt)
	for i, line := range lines {
		d.pdf.SetXY(x+labelW+2, y+1+float64(i)*lineMM)
		d.pdf.CellFormat(d.width-labelW-2, lineMM, line, "", 0, "L", false, 0, "")
	}
	d.pdf.SetDrawColor(210, 215, 225)
	d.pdf.Rect(x, y, d.width, h, "D")
	d.pdf.SetXY(x, y+h)
}

// bytes finishes the document: a note names the characters drawn as
// Missing, by code point (the fonts cannot draw them in the note either).
func (d *document) bytes() ([]byte, error) {
	if len(d.pdf.missing) > 0 {
		codes := make([]string, len(d.pdf.missing))
		for i, r := range d.pdf.missing {
			codes[i] = fmt.Sprintf("U+%04X", r)
		}
		d.pdf.Ln(4)
		d.pdf.SetFont(family, "", 9)
		d.pdf.SetTextColor(90, 90, 90)
		for _, line := range Wrap(fmt.Sprintf("注：本文件所用字体缺少以下 %d 个字，文中以“%c”代替：%s。原文以系统记录为准。",
			len(codes), Missing, strings.Join(codes, "、")), d.width, d.pdf.GetStringWidth) {
			d.pdf.CellFormat(d.width, 5, line, "", 1, "L", false, 0, "")
		}
		d.pdf.SetTextColor(0, 0, 0)
	}
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render pdf: %w", err)
	}
	return buf.Bytes(), nil
}
