package imports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// excelizeRows is what excelize's row iterator reads with raw cell values:
// the reference the fast reader must match (empty rows left out).
func excelizeRows(t *testing.T, data []byte, sheet string) map[int][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	it, err := f.Rows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]string{}
	for n := 1; it.Next(); n++ {
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) > 0 {
			out[n] = cells
		}
	}
	return out
}

func fastRows(t *testing.T, data []byte, sheet string) map[int][]string {
	t.Helper()
	r, err := newSheetReader(data, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]string{}
	if err := r.rows(sheet, func(n int, cells []string) error {
		if len(cells) > 0 {
			out[n] = append([]string(nil), cells...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSheetReaderMatchesExcelize: shared and inline strings, rich text,
// escapes, numbers, dates, booleans, formulas with and without a cached
// value, merged cells, gaps between rows and cells, a second sheet.
func TestSheetReaderMatchesExcelize(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	s := "Sheet1"
	_, _ = f.NewSheet("台账")
	vals := []any{"高山绿茶", "a & b <c> \"d\" 'e'", "line\r\nbreak\rx", "_x000D_ and _x005F_x", "  padded  ",
		12.5, 1234.5, 0.1 + 0.2, int64(26332000000000000), true, false, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "", "0012"}
	for i, v := range vals {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		_ = f.SetCellValue(s, cell, v)
		cell, _ = excelize.CoordinatesToCellName(i*2+1, 7)
		_ = f.SetCellValue("台账", cell, v)
	}
	_ = f.SetCellFormula(s, "A4", "1+1")
	_ = f.SetCellFormula(s, "C4", "B2&\"x\"")
	_ = f.SetCellRichText(s, "B5", []excelize.RichTextRun{{Text: "bold ", Font: &excelize.Font{Bold: true}}, {Text: "plain"}})
	_ = f.SetCellValue(s, "D9", "merged")
	_ = f.MergeCell(s, "D9", "E11")
	_ = f.SetCellValue(s, "Z30", "far")
	_ = f.SetCellValue(s, "AB1000", "farther")
	_ = f.SetCellInt(s, "B1000", 7)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	for _, sheet := range []string{s, "台账"} {
		want, got := excelizeRows(t, buf.Bytes(), sheet), fastRows(t, buf.Bytes(), sheet)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %#v\nwant %#v", sheet, got, want)
		}
	}

	// The streaming writer (inline strings, its own XML).
	f2 := excelize.NewFile()
	defer f2.Close()
	sw, _ := f2.NewStreamWriter(s)
	for r := 1; r <= 50; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r*2)
		_ = sw.SetRow(cell, []any{fmt.Sprintf("row %d & <x>", r), r, float64(r) / 3, nil, "tail"})
	}
	_ = sw.Flush()
	buf.Reset()
	_ = f2.Write(&buf)
	want, got := excelizeRows(t, buf.Bytes(), s), fastRows(t, buf.Bytes(), s)
	if !reflect.DeepEqual(got, want) || len(got) != 50 {
		t.Fatalf("stream:\n got %#v\nwant %#v", got, want)
	}
}

// TestSheetXMLForms: what other writers put in a sheet (prefixed names,
// inline strings with runs, CDATA, comments, cells without references,
// entities) reads as excelize reads it.
func TestSheetXMLForms(t *testing.T) {
	xml := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<!-- a comment -->
<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:r><x:t>rich </x:t></x:r><x:r><x:t xml:space="preserve">text&#x4E2D;&#20013;</x:t></x:r><x:rPh><x:t>ignored</x:t></x:rPh></x:is></x:c><x:c t="str"><x:f>A1</x:f><x:v><![CDATA[a&b<c]]></x:v></x:c><x:c><x:v>3.14</x:v></x:c></x:row>
<x:row><x:c r="C2"><x:f>1/0</x:f></x:c><x:c r="D2" t="e"><x:v>#DIV/0!</x:v></x:c></x:row>
<x:row r="5" spans="1:2"/>
<x:row r="6" note="a>b" other='c"d'><x:c r="B6" s="3" t="b"><x:v>1</x:v></x:c></x:row>
</x:sheetData></x:worksheet>`
	f := excelize.NewFile()
	_ = f.SetCellValue("Sheet1", "A1", "x")
	var buf bytes.Buffer
	_ = f.Write(&buf)
	f.Close()
	// Replace the sheet's part in the zip with the hand-written one.
	data := replacePart(t, buf.Bytes(), "xl/worksheets/sheet1.xml", []byte(xml))
	want, got := excelizeRows(t, data, "Sheet1"), fastRows(t, data, "Sheet1")
	if !reflect.DeepEqual(got, want) || len(got) != 3 {
		t.Fatalf("\n got %#v\nwant %#v", got, want)
	}
}

// replacePart is the zip data with one part's content replaced.
func replacePart(t *testing.T, data []byte, name string, content []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			_, _ = w.Write(content)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(w, rc)
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
