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
