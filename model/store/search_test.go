package store_test

// Migration 0045 back-fills the search index (search_grams) in Go, from the
// products already stored: run again over products whose grams are gone
// (as products written before 0045 have none), it makes them found again.

import (
	"testing"

	"shanhai/model"
)

func TestSearchGramsBackfill(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		ctx := t.Context()
		st := open(t, dsn)
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		sup := &model.Supplier{Name: "马边农庄", RegionCode: "511133", Status: model.SupplierActive}
		if err := st.CreateSupplier(ctx, sup); err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, name := range []string{"绿茶", "川牛膝饮片", "Green Tea"} {
			p := &model.Product{SupplierID: sup.ID, Name: name, CategoryCode: "tea", OriginCode: "511133", OnSale: true}
			if err := st.CreateProduct(ctx, p, []model.SKU{{Spec: "规格", Unit: "件", PriceCents: 100, OnHand: 1}}); err != nil {
				t.Fatal(err)
			}
			want = append(want, p.ID)
		}
		found := func(q string) int64 {
			t.Helper()
			page, err := st.Products(ctx, model.ProductQuery{Q: q, Page: 1, PageSize: 10, Today: "2024-06-15"})
			if err != nil {
				t.Fatal(err)
			}
			return page.Total
		}
		db := st.DB()
		if _, err := db.ExecContext(ctx, "DELETE FROM search_grams"); err != nil {
			t.Fatal(err)
		}
		if n := found("马边 绿茶"); n != 0 {
			t.Fatalf("without grams: %d found; the search does not read the index", n)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = 45"); err != nil {
			t.Fatal(err)
		}
		if n, err := st.Migrate(ctx); err != nil || n != 1 {
			t.Fatalf("Migrate: %d, %v; want the one migration run again", n, err)
		}
		for q, n := range map[string]int64{"马边 绿茶": 1, "川牛膝": 1, "green": 1, "乐山": 3} {
			if got := found(q); got != n {
				t.Errorf("%q after the back-fill: %d found, want %d", q, got, n)
			}
		}
	})
}
