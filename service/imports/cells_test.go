package imports

import (
	"maps"
	"testing"
)

// A row's cells read back as staged, whatever they hold, and rows staged
// as JSON before the compact encoding still read.
func TestCellsRoundTrip(t *testing.T) {
	for _, vals := range []map[string]string{
		{},
		{"product_name": "高山绿茶", "amount": "1234.50", "note": "12.3:4{x}", "valid_to": "2027-12-31"},
		{"invoice_number": "26332000000000000001", "org_id": ":", "certificate_no": "1.1:"},
	} {
		enc := encodeCells(vals)
		if got := decodeCells(enc); !maps.Equal(got, vals) {
			t.Fatalf("%q read back as %v, want %v", enc, got, vals)
		}
		for _, k := range cellKeys {
			if got := cellOf(enc, k); got != vals[k] {
				t.Fatalf("%q: cell %s reads %q, want %q", enc, k, got, vals[k])
			}
		}
	}
	if got := decodeCells(`{"product_name":"花牛苹果","amount":"1234.50"}`); got["product_name"] != "花牛苹果" || got["amount"] != "1234.50" {
		t.Fatalf("a JSON row reads as %v", got)
	}
	if got := cellOf(`{"amount":"1234.50"}`, "amount"); got != "1234.50" {
		t.Fatalf("a JSON row's amount reads %q", got)
	}
	a := encodeCells(map[string]string{"kind": "x", "unit": "千克"})
	b := encodeCells(map[string]string{"unit": "千克", "kind": "x"})
	if a != b {
		t.Fatalf("equal cells encode differently: %q, %q", a, b)
	}
}

// A staged part's rows read back as appended, whatever their keys and
// cells hold; a part cut short is refused.
func TestLinesRoundTrip(t *testing.T) {
	type line struct {
		no         int
		key, cells string
	}
	in := []line{{2, "row:2", ""}, {3, "0123456789abcdef0123456789abcdef", encodeCells(map[string]string{"note": "1 2:3", "amount": "9.99"})},
		{1048576, "", "13.12:高山绿茶"}}
	var b []byte
	for _, l := range in {
		b = appendLine(b, l.no, l.key, l.cells)
	}
	var got []line
	if !decodeLines(b, func(no int, key, cells string) { got = append(got, line{no, key, cells}) }) || len(got) != len(in) {
		t.Fatalf("read back %v", got)
	}
	for i := range in {
		if got[i] != in[i] {
			t.Fatalf("line %d read back as %+v, want %+v", i, got[i], in[i])
		}
	}
	if decodeLines(b[:len(b)-1], func(int, string, string) {}) {
		t.Fatal("a part cut short read")
	}
}

// Dates typed as text or as a date cell read the same, the common form
// without reformatting.
func TestCellDate(t *testing.T) {
	for in, want := range map[string]string{"2026-03-01": "2026-03-01", "2026/3/1": "2026-03-01", "2026年3月1日": "2026-03-01",
		"46082": "2026-03-01", "2026-02-30": "", "1899-12-31": "", "2026-3-01": "2026-03-01", " 2026-03-01 ": "2026-03-01"} {
		got, ok := cellDate(in)
		if got != want || ok != (want != "") {
			t.Errorf("cellDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
