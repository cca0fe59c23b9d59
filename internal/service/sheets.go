package service

import (
	"bytes"
	"strings"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/domain"
)

// readSheet reads the first worksheet of an .xlsx whose first row must be
// columns, and returns the data rows (blank lines kept, so row numbers stay
// the spreadsheet's).
func readSheet(data []byte, columns []string) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, "文件不是有效的 Excel（.xlsx）文件，请用下载的模板填写后上传。")
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, "无法读取工作表，请用下载的模板填写后上传。")
	}
	if len(rows) == 0 || strings.Join(trimAll(rows[0])[:min(len(rows[0]), len(columns))], ",") != strings.Join(columns, ",") {
		return nil, domain.Errorf(domain.CodeInvalid, "第 1 行应为表头：%s。请用下载的模板填写。", strings.Join(columns, "、"))
	}
	if len(rows)-1 > MaxImportRows {
		return nil, domain.Errorf(domain.CodeInvalid, "一次最多导入 %d 行，请拆分文件。", MaxImportRows)
	}
	return rows[1:], nil
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
