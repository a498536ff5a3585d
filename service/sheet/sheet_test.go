package sheet_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shanhai/service/sheet"
)

var sample = sheet.Sheet{
	Name:   "结对统计",
	Header: []string{"名称", "数量", "金额（元）", "完成率"},
	Kinds:  []sheet.Kind{sheet.Text, sheet.Int, sheet.Yuan, sheet.Ratio},
	Rows: [][]string{
		{"=HYPERLINK(\"http://x\")", "3", "1234.50", "0.7340"},
		{"-负数单位", "-2", "-0.05", "1.0000"},
		{"小计", "合计", "", ""}, // a label in a number column
	},
}

func TestCSV(t *testing.T) {
	f, err := sheet.Write(sheet.FormatCSV, "out", sample)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "out.csv" || f.ContentType != sheet.ContentTypeCSV {
		t.Fatalf("file %q %q", f.Name, f.ContentType)
	}
	want := sheet.BOM + "名称,数量,金额（元）,完成率\r\n" +
		"\"'=HYPERLINK(\"\"http://x\"\")\",3,1234.50,0.7340\r\n" +
		"'-负数单位,-2,-0.05,1.0000\r\n" +
		"小计,合计,,\r\n"
	if got := string(f.Body); got != want {
		t.Fatalf("csv:\n%q\nwant\n%q", got, want)
	}
}

func TestXLSX(t *testing.T) {
	second := sheet.Sheet{Name: "第二", Header: []string{"a"}, Kinds: []sheet.Kind{sheet.Int}, Rows: [][]string{{"9007199254740993"}}}
	f, err := sheet.Write(sheet.FormatXLSX, "out", sample, second)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "out.xlsx" || f.ContentType != sheet.ContentTypeXLSX {
		t.Fatalf("file %q %q", f.Name, f.ContentType)
	}
	x, err := excelize.OpenReader(bytes.NewReader(f.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); strings.Join(got, ",") != "结对统计,第二" {
		t.Fatalf("sheets %v", got)
	}
	for cell, want := range map[string]string{"A1": "名称", "A2": "=HYPERLINK(\"http://x\")", "B2": "3", "C2": "1234.50",
		"D2": "0.7340", "C3": "-0.05", "B4": "合计"} {
		if got, _ := x.GetCellValue("结对统计", cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	// a formula in a text cell stays text; amounts are numbers holding exactly their decimal text
	if fx, _ := x.GetCellFormula("结对统计", "A2"); fx != "" {
		t.Errorf("A2 became a formula: %q", fx)
	}
	for cell, want := range map[string]excelize.CellType{"A2": excelize.CellTypeSharedString, "C2": excelize.CellTypeUnset, "B4": excelize.CellTypeSharedString} {
		if got, _ := x.GetCellType("结对统计", cell); got != want {
			t.Errorf("%s type %v, want %v", cell, got, want)
		}
	}
	raw, _ := x.GetCellValue("第二", "A2", excelize.Options{RawCellValue: true})
	if raw != "9007199254740993" {
		t.Errorf("a large whole number went through a float: %q", raw)
	}
}

func TestTable(t *testing.T) {
	f, err := sheet.Table(sheet.FormatCSV, "audit", "audit", []string{"id", "who"}, [][]string{{"1", "+admin"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Body); got != sheet.BOM+"id,who\r\n1,'+admin\r\n" {
		t.Fatalf("table %q", got)
	}
}

func TestFormatYuan(t *testing.T) {
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 123456: "1234.56", -100: "-1.00",
		math.MinInt64: "-92233720368547758.08", math.MaxInt64: "92233720368547758.07"} {
		if got := sheet.FormatYuan(cents); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", cents, got, want)
		}
	}
	if got := sheet.Decimal(7340, 10000, 4); got != "0.7340" {
		t.Errorf("Decimal = %q", got)
	}
}
