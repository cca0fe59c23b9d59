package web

import (
	"bytes"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/xuri/excelize/v2"
)

// List exports: a workbook of the rows a list shows, with the list's
// filters (the links of a list keep them: keepQuery).

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// maxExportRows bounds one list export.
const maxExportRows = 100000

// sheet is a list export: the workbook's file name, its header row and
// its rows, fetched page by page (more reports whether another follows).
type sheet struct {
	name   string
	header []any
	rows   func(page int) (rows [][]any, more bool, err error)
}

// xlsx answers a GET with the workbook load describes; nothing is sent
// before every row is written, so a failure is an error answer.
func xlsx(s *Server, load func(r *http.Request) (sheet, error)) http.HandlerFunc {
	return download(s, false, func(r *http.Request) (service.Document, error) {
		sh, err := load(r)
		if err != nil {
			return service.Document{}, err
		}
		b, err := sh.workbook()
		return service.Document{FileName: sh.name, ContentType: xlsxType, Data: b}, err
	})
}

// workbook streams the sheet's rows into an .xlsx file.
func (sh sheet) workbook() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	_ = sw.SetRow("A1", sh.header)
	row := 2
	for page := 1; row <= maxExportRows; page++ {
		rows, more, err := sh.rows(page)
		if err != nil {
			return nil, err
		}
		for _, x := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, x); err != nil {
				return nil, err
			}
			row++
		}
		if !more {
			break
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = f.Write(&buf)
	return buf.Bytes(), err
}

// cst is a time as a sheet shows it, in China time ("" when unset).
func cst(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(domain.ChinaTime).Format("2006-01-02 15:04")
}

// keepQuery is the query string of the listed parameters that are set: safe
// to write into a link as it is (already encoded).
func keepQuery(q url.Values, keys ...string) template.URL {
	keep := url.Values{}
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	return template.URL(keep.Encode())
}

// sheetPageRows is how many rows a list export fetches at a time.
const sheetPageRows = 200

// paged is a sheet's rows fetched sheetPageRows at a time: fetch returns
// one page of items and the total, row turns an item into its cells.
func paged[T any](fetch func(page, perPage int) ([]T, int, error), row func(T) []any) func(int) ([][]any, bool, error) {
	return func(page int) ([][]any, bool, error) {
		items, total, err := fetch(page, sheetPageRows)
		if err != nil {
			return nil, false, err
		}
		out := make([][]any, len(items))
		for i, x := range items {
			out[i] = row(x)
		}
		return out, page*sheetPageRows < total, nil
	}
}

// oneSheet is the rows of a sheet fetched at once.
func oneSheet(rows [][]any) func(int) ([][]any, bool, error) {
	return func(int) ([][]any, bool, error) { return rows, false, nil }
}
