package store_test

// Migration 0045 back-fills the search index (search_grams) in Go, from the
// products already stored: run again over products whose grams are gone
// (as products written before 0045 have none), it makes them found again.

import (
	"fmt"
	"sync"
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

// Products created and renamed concurrently (the grams of many products
// share index pages and gaps) all commit, each found by its new name and not
// by its old one.
func TestSearchGramsConcurrentWrites(t *testing.T) {
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
		const n = 8
		ids := make([]int64, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				p := &model.Product{SupplierID: sup.ID, Name: fmt.Sprintf("旧名绿茶%d", i), CategoryCode: "tea", OriginCode: "511133", OnSale: true}
				if err := st.CreateProduct(ctx, p, []model.SKU{{Spec: "规格", Unit: "件", PriceCents: 100, OnHand: 1}}); err != nil {
					errs <- err
					return
				}
				ids[i] = p.ID
				name := fmt.Sprintf("新名红茶%d", i)
				if err := st.UpdateProduct(ctx, p.ID, model.ProductPatch{Name: &name}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for q, want := range map[string]int64{"旧名": 0, "新名": n, "红茶": n, "绿茶": 0, "新名红茶3": 1} {
			page, err := st.Products(ctx, model.ProductQuery{Q: q, Page: 1, PageSize: 20, Today: "2024-06-15"})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != want {
				t.Errorf("%q: %d found, want %d", q, page.Total, want)
			}
		}
	})
}
