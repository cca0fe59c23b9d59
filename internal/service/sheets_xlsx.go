package service

import (
	"archive/zip"
	"bufio"
	"bytes"
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
