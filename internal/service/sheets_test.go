package service

import (
	"archive/zip"
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"grantflow/internal/domain"
)

// A file's cost to read is bounded by the limits, not by what it claims:
// every case here stays under allocBound in total (bytes allocated while
// reading) and ends with a clear Chinese refusal or the rows cut to the
// template's width. Before the bounds, reading each took hundreds of MB.
const allocBound = 64 << 20

// xlsxOf builds a minimal workbook: one sheet with sheetData rows, and
// shared strings sst (nil: none) written by sst.
func xlsxOf(t testing.TB, dimension string, rows func(w *bytes.Buffer), sst func(w zipWriter)) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`+
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+
		`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if sst != nil {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels+`</Relationships>`)
	var sheet bytes.Buffer
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	if dimension != "" {
		sheet.WriteString(`<dimension ref="` + dimension + `"/>`)
	}
	sheet.WriteString(`<sheetData>`)
	rows(&sheet)
	sheet.WriteString(`</sheetData></worksheet>`)
	put("xl/worksheets/sheet1.xml", sheet.String())
	if sst != nil {
		w, err := z.Create("xl/sharedStrings.xml")
		if err != nil {
			t.Fatal(err)
		}
		sst(w)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zipWriter interface{ Write([]byte) (int, error) }

func inline(ref, v string) string {
	return `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>`
}

// header writes the template's header row (row 1).
func header(w *bytes.Buffer, columns []string) {
	w.WriteString(`<row r="1">`)
	for i, c := range columns {
		w.WriteString(inline(fmt.Sprintf("%c1", 'A'+i), c))
	}
	w.WriteString(`</row>`)
}

// allocated is the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestReadSheetBoundsWhatAFileCosts(t *testing.T) {
	cols := domain.ElderColumns
	cases := []struct {
		name    string
		file    func() []byte
		wantErr string // a refusal containing this; "" for rows
		check   func(t *testing.T, rows [][]string)
	}{
		{"a thousand rows, each one cell at column XFD", func() []byte {
			return xlsxOf(t, "A1:XFD1001", func(w *bytes.Buffer) {
				header(w, cols)
				for r := 2; r <= 1001; r++ {
					fmt.Fprintf(w, `<row r="%d">%s</row>`, r, inline(fmt.Sprintf("XFD%d", r), "x"))
				}
			}, nil)
		}, "单元格 XFD2 有内容，超出了能读取的范围（A–BL 列）", nil},
		{"one cell at XFD1048576, dimension the whole sheet", func() []byte {
			return xlsxOf(t, "A1:XFD1048576", func(w *bytes.Buffer) {
				header(w, cols)
				w.WriteString(`<row r="1048576">` + inline("XFD1048576", "x") + `</row>`)
			}, nil)
		}, "一次最多导入 200000 行", nil},
		{"a million cells in one row, all at A2", func() []byte {
			return xlsxOf(t, "", func(w *bytes.Buffer) {
				header(w, cols)
				w.WriteString(`<row r="2">` + strings.Repeat(`<c r="A2"><v>1</v></c>`, 1_000_000) + `</row>`)
			}, nil)
		}, "第 2 行的单元格超过 64 个", nil},
		{"a cell whose reference names another row belongs to its row", func() []byte {
			return xlsxOf(t, "", func(w *bytes.Buffer) {
				header(w, cols)
				w.WriteString(`<row r="5">` + inline("A2", "王五") + `</row>`)
			}, nil)
		}, "", func(t *testing.T, rows [][]string) {
			if len(rows) != 4 || len(rows[3]) == 0 || rows[3][0] != "王五" {
				t.Fatalf("rows = %q, want row 5 = [王五 …]", rows)
			}
		}},
		{"a shared-strings part that inflates to 100 MB", func() []byte {
			return xlsxOf(t, "", func(w *bytes.Buffer) {
				header(w, cols)
				w.WriteString(`<row r="2"><c r="A2" t="s"><v>0</v></c></row>`)
			}, func(w zipWriter) {
				_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>`))
				chunk := bytes.Repeat([]byte("a"), 1<<20)
				for range 100 {
					_, _ = w.Write(chunk)
				}
				_, _ = w.Write([]byte(`</t></si></sst>`))
			})
		}, "文件里的文字解压后超过 48 MB", nil},
		{"cells beyond the template's width, within the sheet's bound, are left out", func() []byte {
			return xlsxOf(t, "", func(w *bytes.Buffer) {
				header(w, append(slices.Clone(cols), "", "备注")) // the template's note at H1
				w.WriteString(`<row r="3">` + inline("A3", "张三") + inline("BL3", "far") + `</row>`)
			}, nil)
		}, "", func(t *testing.T, rows [][]string) {
			if len(rows) != 2 || len(rows[0]) != 0 || len(rows[1]) != len(cols) || rows[1][0] != "张三" {
				t.Fatalf("rows = %q, want a blank row 2 and row 3 = [张三 and blanks to the template's width]", rows)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.file()
			var rows [][]string
			var err error
			n := allocated(func() { rows, err = readSheet(data, cols, MaxImportRows) })
			t.Logf("%d KB file, %d MB allocated", len(data)>>10, n>>20)
			if n > allocBound {
				t.Errorf("reading allocated %d MB, want under %d MB", n>>20, allocBound>>20)
			}
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, rows)
				return
			}
			if err == nil || domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(domain.ErrorMessage(err), c.wantErr) {
				t.Fatalf("err = %v, want a refusal saying %q", err, c.wantErr)
			}
		})
	}
}

func TestReadTableCSVBounds(t *testing.T) {
	cols := domain.AttendanceColumns
	head := strings.Join(cols, ",") + "\n"
	cases := []struct {
		name, data, wantErr string
		rows                int
	}{
		{"8 MB of commas on one line", head + strings.Repeat(",", 8<<20) + "\n", "CSV 文件有一行超过 64 KB", 0},
		{"more rows than the limit, refused while reading", head + strings.Repeat("1,2,2027-03-01 09:00,\n", 1000), "一次最多导入 10 行", 0},
		{"fields beyond the width are left out", "\xef\xbb\xbf" + head + "1,2,2027-03-01 09:00,,extra,more\n", "", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rows [][]string
			var err error
			n := allocated(func() { rows, err = readTable("a.csv", []byte(c.data), len(cols), 10) })
			if n > allocBound {
				t.Errorf("reading allocated %d MB, want under %d MB", n>>20, allocBound>>20)
			}
			if c.wantErr == "" {
				if err != nil || len(rows) != c.rows || len(rows[1]) != len(cols) || rows[0][0] != cols[0] {
					t.Fatalf("rows = %q, err = %v", rows, err)
				}
				return
			}
			if err == nil || !strings.Contains(domain.ErrorMessage(err), c.wantErr) {
				t.Fatalf("err = %v, want a refusal saying %q", err, c.wantErr)
			}
		})
	}
}
