package api_test

// A supplier's own catalogue list: its products on sale or not, nobody
// else's, paged; a suspended supplier still reads it.

import (
	"context"
	"net/http"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

type supplierRow struct {
	productSummary
	OnSale     bool `json:"on_sale"`
	ImageCount int  `json:"image_count"`
}

func TestSupplierProductList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		ctx := context.Background()
		tok := w.token(t, model.RoleSupplier)
		if err := h.store.SetProductOnSale(ctx, w.prodA, false); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, h.upload(t, tok, w.prodA, testPNG(t, 20, 20, true)), http.StatusCreated)
		got := decode[page[supplierRow]](t, h.call(t, http.MethodGet, v1+"/supplier/products?page_size=100", tok, ""))
		ids := map[int64]supplierRow{}
		for _, r := range got.Items {
			ids[r.ID] = r
			if r.Supplier.ID != w.supA.ID {
				t.Errorf("another supplier's product %d listed", r.ID)
			}
		}
		var n int64
		if err := h.store.DB().QueryRow("SELECT COUNT(*) FROM products WHERE supplier_id = ?", w.supA.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got.Total != n || int64(len(got.Items)) != n {
			t.Errorf("total %d, items %d, want %d", got.Total, len(got.Items), n)
		}
		a, ok := ids[w.prodA]
		if !ok || a.OnSale || a.ImageCount != 1 || a.ThumbnailURL == "" {
			t.Errorf("the off-sale product A: %+v (listed %v)", a, ok)
		}
		// filter and paging
		off := decode[page[supplierRow]](t, h.call(t, http.MethodGet, v1+"/supplier/products?on_sale=false", tok, ""))
		if off.Total != 1 || len(off.Items) != 1 || off.Items[0].ID != w.prodA {
			t.Errorf("on_sale=false: %+v", off)
		}
		p2 := decode[page[supplierRow]](t, h.call(t, http.MethodGet, v1+"/supplier/products?page=2&page_size=1", tok, ""))
		if p2.Total != n || (n >= 2 && len(p2.Items) != 1) {
			t.Errorf("page 2 of size 1: %+v", p2)
		}
		wantError(t, h.callBad(t, http.MethodGet, v1+"/supplier/products?on_sale=x", tok, ""), http.StatusUnprocessableEntity, "invalid", "on_sale")
		// suspended: still reads
		if _, err := h.store.SetSupplierStatus(ctx, w.supA.ID, model.SupplierSuspended); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, h.call(t, http.MethodGet, v1+"/supplier/products", tok, ""), http.StatusOK)
	})
}
