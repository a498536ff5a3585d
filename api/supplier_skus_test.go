package api_test

// A supplier's new SKUs, tiers and purchase limits, and the limit enforced
// when an order is placed (the lines of one SKU summed).

import (
	"context"
	"net/http"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

func TestSupplierSKUs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		ctx := context.Background()
		sup := w.token(t, model.RoleSupplier)
		shopper := w.token(t, "shopper")
		teaSKU, err := h.store.SKU(ctx, w.tea)
		if err != nil {
			t.Fatal(err)
		}
		productID := teaSKU.ProductID

		// a new SKU with a limit of 3 and a tier
		res := h.call(t, http.MethodPost, path(v1+"/supplier/products", productID, "skus"), sup, jsonBody(map[string]any{
			"spec": "礼盒 2kg", "unit": "盒", "price_cents": 5000, "stock": 40, "purchase_limit": 3,
			"tiers": []map[string]int64{{"min_qty": 2, "price_cents": 4500}}}))
		wantStatus(t, res, http.StatusCreated)
		got := decode[supplierProductBody](t, res)
		var added *sku
		for i := range got.SKUs {
			if got.SKUs[i].Spec == "礼盒 2kg" {
				added = &got.SKUs[i]
			}
		}
		if added == nil || added.PurchaseLimit != 3 || added.Available != 40 || len(added.Tiers) != 1 {
			t.Fatalf("added SKU = %+v", added)
		}
		if n := queryOne[int64](t, h, "SELECT purchase_limit FROM skus WHERE id = ? AND product_id = ?", added.ID, productID); n != 3 {
			t.Errorf("stored purchase_limit = %d", n)
		}
		// the public detail shows it
		pub := decode[product](t, h.get(t, path(v1+"/products", productID)))
		if len(pub.SKUs) != len(got.SKUs) {
			t.Errorf("public detail has %d SKUs, want %d", len(pub.SKUs), len(got.SKUs))
		}

		order := func(lines ...int64) response {
			return h.callBadWith(t, http.MethodPost, v1+"/orders", shopper, ordLines(lines...), ordKey(w.key()))
		}
		wantError(t, order(added.ID, 4), http.StatusUnprocessableEntity, "purchase_limit", "lines[0].quantity")
		res = order(added.ID, 3)
		wantStatus(t, res, http.StatusCreated)
		if o := decode[ordOrder](t, res); o.TotalCents != 3*4500 {
			t.Errorf("3 at the tier price: total %d", o.TotalCents)
		}

		// PATCH: a lower limit and new tiers; the next order sees both
		res = h.call(t, http.MethodPatch, path(v1+"/supplier/skus", added.ID), sup, jsonBody(map[string]any{
			"purchase_limit": 1, "tiers": []map[string]int64{}}))
		wantStatus(t, res, http.StatusOK)
		wantError(t, order(added.ID, 2), http.StatusUnprocessableEntity, "purchase_limit", "lines[0].quantity")
		res = order(added.ID, 1)
		wantStatus(t, res, http.StatusCreated)
		if o := decode[ordOrder](t, res); o.TotalCents != 5000 {
			t.Errorf("1 at the list price: total %d", o.TotalCents)
		}
		// 0 lifts the limit
		wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/supplier/skus", added.ID), sup, `{"purchase_limit": 0}`), http.StatusOK)
		wantStatus(t, order(added.ID, 5), http.StatusCreated)

		// bad input
		for _, tc := range []struct {
			name, body string
			fields     []string
		}{
			{"the same spec again", `{"spec": "礼盒 2kg", "unit": "盒", "price_cents": 100, "stock": 1}`, []string{"spec"}},
			{"a negative limit", `{"spec": "x", "unit": "盒", "price_cents": 100, "stock": 1, "purchase_limit": -1}`, []string{"purchase_limit"}},
			{"a tier above the price", `{"spec": "y", "unit": "盒", "price_cents": 100, "stock": 1, "tiers": [{"min_qty": 2, "price_cents": 100}]}`, []string{"tiers[0].price_cents"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, h.callBad(t, http.MethodPost, path(v1+"/supplier/products", productID, "skus"), sup, tc.body),
					http.StatusUnprocessableEntity, "invalid", tc.fields...)
			})
		}
		wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/skus", added.ID), sup,
			`{"tiers": [{"min_qty": 2, "price_cents": 9000}]}`), http.StatusUnprocessableEntity, "invalid", "tiers[0].price_cents")
		// another supplier's product
		fruit, err := h.store.SKU(ctx, w.fruit)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, h.callBad(t, http.MethodPost, path(v1+"/supplier/products", fruit.ProductID, "skus"), sup,
			`{"spec": "z", "unit": "盒", "price_cents": 100, "stock": 1}`), http.StatusNotFound, "not_found")
		// suspended: reads, but neither adds SKUs nor changes limits or tiers
		if _, err := h.store.SetSupplierStatus(ctx, w.supA.ID, model.SupplierSuspended); err != nil {
			t.Fatal(err)
		}
		wantError(t, h.callBad(t, http.MethodPost, path(v1+"/supplier/products", productID, "skus"), sup,
			`{"spec": "z", "unit": "盒", "price_cents": 100, "stock": 1}`), http.StatusForbidden, "supplier_suspended")
		wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/skus", added.ID), sup, `{"purchase_limit": 9}`),
			http.StatusForbidden, "supplier_suspended")
		wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/skus", added.ID), sup, `{"tiers": []}`),
			http.StatusForbidden, "supplier_suspended")
	})
}
