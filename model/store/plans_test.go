package store_test

// The catalogue's standard lists on MariaDB: with a few thousand products
// (enough that the optimizer weighs an index against a scan as it does in
// production), every documented sort, alone and with each documented filter,
// reads one index range in the page's order: its plan never sorts (Using
// filesort) nor builds a temporary table (Using temporary), and neither does
// its count. Searches rank by a computed score and are not among them.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

func TestCatalogueListPlans(t *testing.T) {
	b, ok := storetest.MySQL(t)
	if !ok {
		t.Skip("SKIPPED: the plans are MariaDB's; SHANHAI_TEST_MYSQL is not set")
	}
	ctx := t.Context()
	db := b.Store.DB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.200s: %v", q, err)
		}
	}
	counties := []string{"511113", "511133", "511132", "513226", "331121", "331127", "330824", "330881", "330328"}
	categories := []string{"herbs", "tea", "fruit", "vegetables", "honey", "mushrooms"}
	const suppliers, products = 20, 4000
	for i := 1; i <= suppliers; i++ {
		exec("INSERT INTO suppliers (id, name, region_code, status, created_at) VALUES (?, ?, ?, ?, ?)",
			i, fmt.Sprintf("供应商%02d", i), counties[i%len(counties)], map[bool]string{true: "active", false: "suspended"}[i != 7], time.Now())
	}
	exec("INSERT INTO pairings (programme, level, helper_code, partner_code, since_year, active) VALUES ('east_west', 'city', '330600', '511100', 2021, TRUE)")
	var pairing int64
	if err := db.QueryRowContext(ctx, "SELECT id FROM pairings WHERE partner_code = '511100'").Scan(&pairing); err != nil {
		t.Fatal(err)
	}
	today := "2026-06-15"
	for from := 0; from < products; from += 500 {
		var rows []string
		var args []any
		for i := from; i < from+500; i++ {
			sup := 1 + i*7%suppliers
			cert, certFrom, certTo := "", "", ""
			if i%5 != 0 {
				cert, certFrom, certTo = "valid", "2026-01-01", "2027-12-31"
			}
			rows = append(rows, "(?, ?, ?, ?, '', '', ?, ?, FALSE, 0, ?, ?, ?, ?, NOW(), NOW())")
			args = append(args, i+1, sup, fmt.Sprintf("产品%05d", (i*7919)%products), categories[i%len(categories)],
				counties[sup%len(counties)], i%11 != 0, 100+(i*37)%9000, cert, certFrom, certTo)
		}
		exec(`INSERT INTO products (id, supplier_id, name, category_code, brand, description, origin_code, on_sale,
			perishable, shelf_life_days, price_min_cents, cert_status, cert_valid_from, cert_valid_to, created_at, updated_at)
			VALUES `+strings.Join(rows, ", "), args...)
	}
	exec("ANALYZE TABLE products, suppliers, regions, categories, pairings")

	for _, shape := range store.ListShapes("tea", "511100", "511133", pairing, today) {
		for i, st := range b.Store.ListStatements(shape.Query) {
			plan, err := b.Store.Explain(ctx, st)
			if err != nil {
				t.Fatalf("%s: %v", shape.Name, err)
			}
			for _, row := range plan {
				t.Logf("%s (%s): %s", shape.Name, []string{"count", "page"}[i], row)
				if row.Sorts() {
					t.Errorf("%s (%s): %s\n%s", shape.Name, []string{"count", "page"}[i], row, st.SQL)
				}
			}
		}
	}
}
