package service

import (
	"bytes"
	"path"
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
