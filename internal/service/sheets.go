package service

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/domain"
)

// The bounds of an uploaded table (xlsx or CSV), so that what a file costs
// to read is bounded by these and not by what it claims: a 12 KB workbook
// whose cells sit at column XFD, or a shared-strings part that inflates a
// thousandfold, is refused or cut before it is inflated or padded.
const (
	// maxUnzippedBytes bounds a workbook's parts together, as their sizes
	// stand in the zip directory (archive/zip refuses a part that inflates
	// beyond its stated size). 200,000 register rows are about 100 MB.
	maxUnzippedBytes = 256 << 20
	// maxSharedStringsBytes bounds the shared-strings part, which excelize
	// holds in memory whole.
	maxSharedStringsBytes = 48 << 20
	// maxXMLInMemory: larger worksheet and shared-strings parts are read
	// from a temporary file, not held in memory (excelize's
	// UnzipXMLSizeLimit).
	maxXMLInMemory = 16 << 20
	// maxSheetColumns is the last column a worksheet may use at all; cells
	// beyond a template's width up to it are ignored. excelize pads every
	// row it reads up to its last used cell, so a far column costs per row.
	maxSheetColumns = 64
	// maxCSVLineBytes bounds one CSV line (and so the fields of a record).
	maxCSVLineBytes = 64 << 10
)

// readSheet reads the first worksheet of an .xlsx whose first row must be
// columns, and returns the data rows (blank lines kept, so row numbers stay
// the spreadsheet's), each cut to the template's width; more than maxRows
// data rows are refused.
func readSheet(data []byte, columns []string, maxRows int) ([][]string, error) {
	rows, err := readXLSX(data, len(columns), maxRows, "文件不是有效的 Excel（.xlsx）文件，请用下载的模板填写后上传。")
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(trimAll(rows[0]), ",") != strings.Join(columns, ",") {
		return nil, domain.Errorf(domain.CodeInvalid, "第 1 行应为表头：%s。请用下载的模板填写。", strings.Join(columns, "、"))
	}
	return rows[1:], nil
}

// readTable reads the rows of an uploaded CSV (UTF-8) or Excel file, the
// header row first, each cut to width cells; more than maxRows data rows
// are refused.
func readTable(fileName string, data []byte, width, maxRows int) ([][]string, error) {
	switch strings.ToLower(path.Ext(fileName)) {
	case ".csv", ".txt":
		return readCSV(data, width, maxRows)
	case ".xlsx":
		return readXLSX(data, width, maxRows, "文件不是有效的 Excel（.xlsx）文件。")
	}
	return nil, domain.Errorf(domain.CodeInvalid, "请上传 .xlsx 或 .csv 文件（可下载模板）。")
}

func tooManyRows(maxRows int) error {
	return domain.Errorf(domain.CodeInvalid, "一次最多导入 %d 行，请拆分文件。", maxRows)
}

// readXLSX streams the first worksheet's rows (header included), each cut
// to width cells. Before excelize inflates anything, the zip directory is
// checked against the size bounds and the worksheet is scanned once as a
// stream for its last used row and column.
func readXLSX(data []byte, width, maxRows int, notExcel string) ([][]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, notExcel)
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > maxUnzippedBytes {
			return nil, domain.Errorf(domain.CodeInvalid, "文件解压后超过 %d MB，请拆分文件后上传。", maxUnzippedBytes>>20)
		}
		if strings.EqualFold(zf.Name, "xl/sharedStrings.xml") && zf.UncompressedSize64 > maxSharedStringsBytes {
			return nil, domain.Errorf(domain.CodeInvalid, "文件里的文字解压后超过 %d MB，请拆分文件后上传。", maxSharedStringsBytes>>20)
		}
	}
	sheet, err := firstSheetPart(zr)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, notExcel)
	}
	lastRow, err := scanSheet(sheet, maxRows)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzippedBytes, UnzipXMLSizeLimit: maxXMLInMemory})
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, notExcel)
	}
	defer f.Close()
	it, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, "无法读取工作表，请用下载的模板填写后上传。")
	}
	defer it.Close()
	var rows [][]string
	for n := 1; n <= lastRow && it.Next(); n++ {
		cells, err := it.Columns()
		if err != nil {
			return nil, domain.Wrap(err, domain.CodeInvalid, "无法读取工作表，请用下载的模板填写后上传。")
		}
		if len(cells) == 0 {
			continue
		}
		for len(rows) < n-1 {
			rows = append(rows, nil) // blank lines keep the row numbers
		}
		rows = append(rows, slices.Clone(cells[:min(len(cells), width)]))
	}
	return rows, it.Error()
}

// firstSheetPart finds the part of the workbook's first worksheet (the
// one excelize's GetSheetName(0) names): workbook.xml's first sheet, by
// its relationship.
func firstSheetPart(zr *zip.Reader) (*zip.File, error) {
	part := func(name string) *zip.File {
		for _, zf := range zr.File {
			if strings.EqualFold(strings.ReplaceAll(zf.Name, "\\", "/"), name) {
				return zf
			}
		}
		return nil
	}
	decode := func(name string, v any) error {
		zf := part(name)
		if zf == nil {
			return errors.New("no " + name)
		}
		if zf.UncompressedSize64 > maxXMLInMemory {
			return errors.New(name + " too large")
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return xml.NewDecoder(rc).Decode(v)
	}
	var wb struct {
		Sheets []struct {
			RID []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decode("xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	if len(wb.Sheets) == 0 {
		return nil, errors.New("no sheet")
	}
	rid := ""
	for _, a := range wb.Sheets[0].RID {
		if a.Name.Local == "id" && a.Name.Space != "" {
			rid = a.Value
		}
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decode("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	for _, r := range rels.Rels {
		if r.ID != rid {
			continue
		}
		name := strings.TrimPrefix(r.Target, "/")
		if !strings.HasPrefix(r.Target, "/") {
			name = path.Join("xl", r.Target)
		}
		if zf := part(name); zf != nil {
			return zf, nil
		}
	}
	return nil, errors.New("first sheet not found")
}

// scanSheet streams a worksheet's XML once and returns its last row with a
// value; a value beyond maxRows+1 rows or maxSheetColumns columns is
// refused. It holds one tag at a time.
func scanSheet(zf *zip.File, maxRows int) (int, error) {
	rc, err := zf.Open()
	if err != nil {
		return 0, domain.Wrap(err, domain.CodeInvalid, "无法读取工作表，请用下载的模板填写后上传。")
	}
	defer rc.Close()
	tr := tagReader{r: bufio.NewReaderSize(rc, 64<<10)}
	row, col, lastRow := 0, 0, 0
	cell, counted, values := 0, 0, 0 // the cell in its row, the last one counted as a value, the values in the row
	for {
		name, ref, err := tr.next()
		if err == io.EOF {
			return lastRow, nil
		}
		if err != nil {
			return 0, domain.Wrap(err, domain.CodeInvalid, "无法读取工作表，请用下载的模板填写后上传。")
		}
		switch name {
		case "row":
			row, col, cell, counted, values = row+1, 0, 0, 0, 0
			if ref != "" {
				if row, err = strconv.Atoi(ref); err != nil || row < 1 {
					return 0, domain.Errorf(domain.CodeInvalid, "无法读取工作表，请用下载的模板填写后上传。")
				}
			}
		case "c":
			col, cell = col+1, cell+1
			if ref != "" {
				// The column only: excelize takes a cell's row from its row.
				if col, _, err = excelize.CellNameToCoordinates(ref); err != nil {
					return 0, domain.Wrap(err, domain.CodeInvalid, "无法读取工作表，请用下载的模板填写后上传。")
				}
			}
		case "v", "f", "is":
			if counted != cell {
				counted, values = cell, values+1
			}
			if values > maxSheetColumns {
				// Cells repeating a column: excelize keeps each of them.
				return 0, domain.Errorf(domain.CodeInvalid, "第 %d 行的单元格超过 %d 个，请用下载的模板填写后上传。", row, maxSheetColumns)
			}
			if row > maxRows+1 {
				return 0, tooManyRows(maxRows)
			}
			if col > maxSheetColumns {
				name, _ := excelize.CoordinatesToCellName(col, row)
				last, _ := excelize.ColumnNumberToName(maxSheetColumns)
				return 0, domain.Errorf(domain.CodeInvalid, "单元格 %s 有内容，超出了能读取的范围（A–%s 列）；请删除模板以外的内容后重新上传。", name, last)
			}
			lastRow = max(lastRow, row)
		}
	}
}

// tagReader reads the start tags of an XML stream, each as its local name
// and its r attribute, holding one tag at a time (at most maxTag bytes);
// end tags, text, comments, CDATA and processing instructions are skipped.
// It is the cheap first pass over a worksheet: encoding/xml would allocate
// for every token of what may be hundreds of MB.
type tagReader struct {
	r   *bufio.Reader
	buf []byte
}

const maxTag = 64 << 10

var errBadXML = errors.New("malformed worksheet XML")

func (t *tagReader) next() (name, ref string, err error) {
	for {
		for {
			if _, err = t.r.ReadSlice('<'); err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil {
			return "", "", err
		}
		b, err := t.r.Peek(1)
		if err != nil {
			return "", "", errBadXML
		}
		switch b[0] {
		case '/':
			err = t.skipPast(">")
		case '?':
			err = t.skipPast("?>")
		case '!':
			if p, _ := t.r.Peek(3); string(p) == "!--" {
				err = t.skipPast("-->")
			} else if p, _ := t.r.Peek(8); string(p) == "![CDATA[" {
				err = t.skipPast("]]>")
			} else {
				err = t.skipPast(">")
			}
		default:
			return t.startTag()
		}
		if err != nil {
			return "", "", err
		}
	}
}

// skipPast reads up to and including end.
func (t *tagReader) skipPast(end string) error {
	matched := 0
	for matched < len(end) {
		c, err := t.r.ReadByte()
		if err != nil {
			return errBadXML
		}
		switch {
		case c == end[matched]:
			matched++
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
	return nil
}

// startTag reads a start tag after its "<" up to its ">" (quotes kept).
func (t *tagReader) startTag() (name, ref string, err error) {
	t.buf = t.buf[:0]
	var quote byte
	for {
		c, err := t.r.ReadByte()
		if err != nil || len(t.buf) > maxTag {
			return "", "", errBadXML
		}
		if quote == 0 && c == '>' {
			break
		}
		switch {
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case c == quote:
			quote = 0
		}
		t.buf = append(t.buf, c)
	}
	tag := string(bytes.TrimSuffix(t.buf, []byte("/")))
	fields := strings.IndexAny(tag, " \t\r\n")
	if fields < 0 {
		fields = len(tag)
	}
	name, attrs := tag[:fields], tag[fields:]
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	if name != "row" && name != "c" {
		return name, "", nil
	}
	// The r attribute: name r (no prefix), =, a quoted value.
	for attrs = strings.TrimLeft(attrs, " \t\r\n"); attrs != ""; attrs = strings.TrimLeft(attrs, " \t\r\n") {
		eq := strings.IndexByte(attrs, '=')
		if eq < 0 {
			return "", "", errBadXML
		}
		key := strings.TrimSpace(attrs[:eq])
		rest := strings.TrimLeft(attrs[eq+1:], " \t\r\n")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			return "", "", errBadXML
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", "", errBadXML
		}
		if key == "r" {
			ref = rest[1 : 1+end]
		}
		attrs = rest[2+end:]
	}
	return name, ref, nil
}

// readCSV streams a CSV's records (header included), each cut to width
// fields; a line over maxCSVLineBytes or more than maxRows data rows is
// refused as it is met.
func readCSV(data []byte, width, maxRows int) ([][]string, error) {
	r := csv.NewReader(&lineLimiter{r: bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), max: maxCSVLineBytes})
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if errors.Is(err, errLineTooLong) {
			return nil, domain.Errorf(domain.CodeInvalid, "CSV 文件有一行超过 %d KB，请用下载的模板填写后上传。", maxCSVLineBytes>>10)
		}
		if err != nil {
			return nil, domain.Wrap(err, domain.CodeInvalid, "CSV 文件无法读取（请保存为 UTF-8 编码的 CSV）。")
		}
		if len(rows) > maxRows {
			return nil, tooManyRows(maxRows)
		}
		rows = append(rows, slices.Clone(rec[:min(len(rec), width)]))
	}
}

var errLineTooLong = errors.New("csv line too long")

// lineLimiter fails a read once a line runs past max bytes.
type lineLimiter struct {
	r   io.Reader
	max int
	run int // bytes since the last newline
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		l.run++
		if b == '\n' {
			l.run = 0
		}
		if l.run > l.max {
			return 0, errLineTooLong
		}
	}
	return n, err
}

// template is an empty import workbook with columns and a note beside them.
func template(columns []string, note string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, h := range columns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		_ = f.SetCellValue("Sheet1", cell, h)
	}
	cell, _ := excelize.CoordinatesToCellName(len(columns)+2, 1)
	_ = f.SetCellValue("Sheet1", cell, note)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func blank(cells []string) bool { return strings.TrimSpace(strings.Join(cells, "")) == "" }
