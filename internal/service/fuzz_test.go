package service

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/domain"
	"grantflow/internal/fuzzcheck"
)

// The import readers take any bytes a person uploads: no panic, a refusal is
// a Chinese domain error, rows are cut to the template's width, and one
// input allocates under allocBound (64 MB) whatever it claims to hold.

// filledTemplate is a template with rows, as a person fills it in.
func filledTemplate(t testing.TB, columns []string, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range append([][]any{toAny(columns)}, rows...) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func toAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func FuzzReadSheet(f *testing.F) {
	tpl, err := Template()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tpl)
	f.Add(filledTemplate(f, domain.ElderColumns, []any{"张三", "11010519491231002X", 13812345678, "120101001001", "失能", "和平区"}, nil, []any{"李四", "x", "", "", "", "", "", "note"}))
	f.Add(filledTemplate(f, domain.AttendanceColumns, []any{1, 2, "2026-11-28 09:00", "2026-11-28 11:00"}))
	f.Add(xlsxOf(f, "A1:XFD1048576", func(w *bytes.Buffer) {
		header(w, domain.ElderColumns)
		w.WriteString(`<row r="3">` + inline("B3", "11010519491231002X") + `<c r="C3"><v>13812345678</v></c></row>`)
		w.WriteString(`<row>` + inline("", "x") + `<c t="s"><v>0</v></c></row>`)
	}, func(w zipWriter) {
		_, _ = w.Write([]byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>共享</t></si></sst>`))
	}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cols := range [][]string{domain.ElderColumns, domain.AttendanceColumns} {
			var rows [][]string
			var err error
			fuzzcheck.Bounded(t, allocBound, func() { rows, err = readSheet(data, cols, 1000) })
			if err != nil {
				fuzzcheck.DomainError(t, err)
				continue
			}
			if len(rows) > 1000 {
				t.Fatalf("%d rows read, the bound is 1000", len(rows))
			}
			for i, r := range rows {
				if len(r) > len(cols) {
					t.Fatalf("row %d has %d cells, the template %d", i+2, len(r), len(cols))
				}
			}
		}
	})
}

// FuzzReadSheetXML fuzzes the worksheet's XML itself (inside a valid
// workbook), which the first pass over the sheet reads.
func FuzzReadSheetXML(f *testing.F) {
	var head bytes.Buffer
	header(&head, domain.ElderColumns)
	for _, s := range []string{
		head.String() + `<row r="2">` + inline("A2", "张三") + `<c r="B2" t="s"><v>0</v></c></row>`,
		head.String() + `<!-- <row r="1"> --><row><c><v>1</v></c><c r="BM2"><f>1+1</f></c></row>`,
		head.String() + `<x:row r='3' spans="1:6"><x:c r='A3' t="inlineStr"><x:is><x:t>a&lt;b</x:t></x:is></x:c></x:row>`,
		head.String() + `<![CDATA[<row r="9">]]><row r="0"/><row r="x"><c r="A"/></row>`,
		`<row r="200002"><c r="A200002"><v>1</v></c></row>`,
		head.String() + `<row r="2" attr=">"><c r="A2" note='"'><v>1</v></c></row>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sheetData string) {
		data := xlsxOf(t, "", func(w *bytes.Buffer) { w.WriteString(sheetData) }, func(w zipWriter) {
			_, _ = w.Write([]byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>共享</t></si></sst>`))
		})
		var rows [][]string
		var err error
		fuzzcheck.Bounded(t, allocBound, func() { rows, err = readSheet(data, domain.ElderColumns, 1000) })
		if err != nil {
			fuzzcheck.DomainError(t, err)
			return
		}
		for i, r := range rows {
			if len(r) > len(domain.ElderColumns) || i >= 1000 {
				t.Fatalf("row %d: %q, beyond the bounds", i+2, r)
			}
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	head := strings.Join(domain.AttendanceColumns, ",") + "\n"
	for _, s := range []string{
		head + "1,2,2026-11-28 09:00,2026-11-28 11:00\n",
		"\xef\xbb\xbf" + head + "1,2,\"2026-11-28\n09:00\",\n\n3,4\r\n",
		head + `"unterminated,1` + "\n",
		head + "a,\"b\"\"c\",d,e,f,g,h\n",
		strings.Repeat(",", 70<<10),
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const width, maxRows = 4, 50
		var rows [][]string
		var err error
		fuzzcheck.Bounded(t, allocBound, func() { rows, err = readTable("a.csv", data, width, maxRows) })
		if err != nil {
			fuzzcheck.DomainError(t, err)
			return
		}
		if len(rows) > maxRows+1 {
			t.Fatalf("%d rows read, the bound is %d and a header", len(rows), maxRows)
		}
		for _, r := range rows {
			if len(r) > width {
				t.Fatalf("a row has %d fields, the width is %d", len(r), width)
			}
		}
		// What was read, written out as CSV, reads back the same.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		for _, r := range rows {
			if len(r) == 1 && r[0] == "" {
				return // a lone empty field is an empty line, which CSV skips
			}
			_ = w.Write(r)
		}
		w.Flush()
		again, err := readTable("a.csv", buf.Bytes(), width, maxRows)
		if err != nil || !slices.EqualFunc(again, rows, slices.Equal) {
			t.Fatalf("%q read as %q; written %q reads back %q, %v", data, rows, buf.String(), again, err)
		}
	})
}
