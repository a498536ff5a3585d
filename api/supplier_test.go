package api_test

// The supplier API: a supplier's own products and SKUs, prices and stock
// adjustments that never take on hand below what is reserved.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

func TestSupplierCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		t.Run("create", func(t *testing.T) { testSupplierCreate(t, w) })
		t.Run("edit", func(t *testing.T) { testSupplierEdit(t, w) })
		t.Run("price", func(t *testing.T) { testSupplierPrice(t, w) })
		t.Run("stock", func(t *testing.T) { testSupplierStock(t, w) })
		t.Run("bad input", func(t *testing.T) { testSupplierBadInput(t, w) })
	})
}

func testSupplierCreate(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, model.RoleSupplier)
	res := h.call(t, http.MethodPost, v1+"/supplier/products", tok, jsonBody(map[string]any{
		"name": "金口河川芎", "category": "herbs", "brand": "金河", "description": "道地药材", "shelf_life_days": 365,
		"skus": []map[string]any{
			{"spec": "500g", "unit": "袋", "price_cents": 2990, "stock": 100,
				"tiers": []map[string]int64{{"min_qty": 10, "price_cents": 2790}, {"min_qty": 50, "price_cents": 2590}}},
			{"spec": "1kg", "unit": "袋", "price_cents": 5500, "stock": 0},
		}}))
	wantStatus(t, res, http.StatusCreated)
	got := decode[supplierProductBody](t, res)
	if got.Name != "金口河川芎" || got.Origin.Code != "511113" || got.Supplier.ID != w.supA.ID || !got.OnSale ||
		len(got.SKUs) != 2 || got.SKUs[0].Available != 100 || len(got.SKUs[0].Tiers) != 2 || len(got.Stock) != 2 {
		t.Errorf("created = %+v", got)
	}
	// what is stored: the supplier's own id and region, on sale, stock on hand
	if n := queryOne[int64](t, h, `SELECT COUNT(*) FROM products WHERE id = ? AND supplier_id = ? AND origin_code = '511113'
		AND on_sale = ? AND price_min_cents = 2990`, got.ID, w.supA.ID, true); n != 1 {
		t.Error("the stored product does not have the supplier's id and origin, on sale, from 2990")
	}
	if n := queryOne[int64](t, h, "SELECT SUM(on_hand) FROM skus WHERE product_id = ? AND reserved = 0", got.ID); n != 100 {
		t.Errorf("stored on hand = %d, want 100", n)
	}
	// the public sees it at once
	pub := decode[product](t, h.get(t, path(v1+"/products", got.ID)))
	if pub.Supplier.ID != w.supA.ID || pub.Origin.Code != "511113" || len(pub.SKUs) != 2 {
		t.Errorf("public detail = %+v", pub)
	}
	// the same name again is refused; another supplier may use it
	wantError(t, h.callBad(t, http.MethodPost, v1+"/supplier/products", tok, jsonBody(map[string]any{
		"name": "金口河川芎", "category": "herbs", "skus": []map[string]any{{"spec": "1", "unit": "袋", "price_cents": 1, "stock": 1}}})),
		http.StatusUnprocessableEntity, "invalid", "name")
	res = h.call(t, http.MethodPost, v1+"/supplier/products", w.token(t, "supplier_b"), jsonBody(map[string]any{
		"name": "金口河川芎", "category": "herbs", "skus": []map[string]any{{"spec": "1", "unit": "袋", "price_cents": 1, "stock": 1}}}))
	wantStatus(t, res, http.StatusCreated)
	if got := decode[supplierProductBody](t, res); got.Supplier.ID != w.supB.ID || got.Origin.Code != "330881" {
		t.Errorf("B's product: supplier %d origin %s, want %d 330881", got.Supplier.ID, got.Origin.Code, w.supB.ID)
	}
}

func testSupplierEdit(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, model.RoleSupplier)
	res := h.call(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok,
		`{"name": "高山云雾绿茶", "brand": "金河", "perishable": true, "shelf_life_days": 540}`)
	wantStatus(t, res, http.StatusOK)
	if got := decode[supplierProductBody](t, res); got.Name != "高山云雾绿茶" || got.Brand != "金河" || !got.Perishable || got.ShelfLifeDays != 540 {
		t.Errorf("edited = %+v", got)
	}
	if name := queryOne[string](t, h, "SELECT name FROM products WHERE id = ?", w.prodA); name != "高山云雾绿茶" {
		t.Errorf("stored name = %q", name)
	}
	// off sale: gone from the public catalogue, back when on sale again
	wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, `{"on_sale": false}`), http.StatusOK)
	wantError(t, h.getBad(t, path(v1+"/products", w.prodA)), http.StatusNotFound, "not_found")
	wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, `{"on_sale": true}`), http.StatusOK)
	wantStatus(t, h.get(t, path(v1+"/products", w.prodA)), http.StatusOK)
	// perishable needs a shelf life, checked against the stored one too
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, `{"shelf_life_days": 0}`),
		http.StatusUnprocessableEntity, "invalid", "shelf_life_days")
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, `{}`),
		http.StatusUnprocessableEntity, "invalid", "body")
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, `{"category": "durian"}`),
		http.StatusUnprocessableEntity, "invalid", "category")
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, "{\"name\": \"\xff\xfe\"}"),
		http.StatusUnprocessableEntity, "invalid", "name")
}

func testSupplierPrice(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, model.RoleSupplier)
	res := h.call(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, `{"price_cents": 9900}`)
	wantStatus(t, res, http.StatusOK)
	if got := queryOne[int64](t, h, "SELECT price_cents FROM skus WHERE id = ?", w.skuA); got != 9900 {
		t.Errorf("stored price = %d, want 9900", got)
	}
	if got := queryOne[int64](t, h, "SELECT price_min_cents FROM products WHERE id = ?", w.prodA); got != 9900 {
		t.Errorf("stored lowest price = %d, want 9900", got)
	}
	if p := decode[product](t, h.get(t, path(v1+"/products", w.prodA))); p.SKUs[0].PriceCents != 9900 {
		t.Errorf("public price = %d", p.SKUs[0].PriceCents)
	}
	// a price at or below a tier price is refused
	execSQL(t, h, "INSERT INTO sku_tiers (sku_id, min_qty, price_cents) VALUES (?, 10, 9000)", w.skuA)
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, `{"price_cents": 9000}`),
		http.StatusUnprocessableEntity, "invalid", "price_cents")
	for _, body := range []string{`{"price_cents": 0}`, `{"price_cents": -1}`, `{"price_cents": 100000001}`} {
		wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, body),
			http.StatusUnprocessableEntity, "invalid", "price_cents")
	}
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, `{}`),
		http.StatusUnprocessableEntity, "invalid", "body")
	if got := queryOne[int64](t, h, "SELECT price_cents FROM skus WHERE id = ?", w.skuA); got != 9900 {
		t.Errorf("stored price = %d after refused changes, want 9900", got)
	}
}

func testSupplierStock(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, model.RoleSupplier)
	onHand := func() int64 { return queryOne[int64](t, h, "SELECT on_hand FROM skus WHERE id = ?", w.skuA) }
	start := onHand()
	// reservations come from orders; set them behind the API's back
	execSQL(t, h, "UPDATE skus SET reserved = ? WHERE id = ?", start-2, w.skuA)

	for _, tc := range []struct {
		name       string
		delta      int64
		wantStatus int
		wantOnHand int64
	}{
		{"below reserved", -3, http.StatusConflict, start},
		{"far below", -start - 100, http.StatusConflict, start},
		{"down to reserved", -2, http.StatusOK, start - 2},
		{"one more", -1, http.StatusConflict, start - 2},
		{"restock", 5, http.StatusOK, start + 3},
		{"zero", 0, http.StatusOK, start + 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, jsonBody(map[string]int64{"stock_delta": tc.delta}))
			if tc.wantStatus == http.StatusConflict {
				wantError(t, res, http.StatusConflict, "stock_below_reserved")
			} else {
				wantStatus(t, res, tc.wantStatus)
				got := decode[supplierProductBody](t, res)
				if len(got.Stock) != 1 || got.Stock[0].OnHand != tc.wantOnHand || got.Stock[0].Reserved != start-2 ||
					got.SKUs[0].Available != tc.wantOnHand-(start-2) {
					t.Errorf("stock = %+v, skus %+v; want on hand %d", got.Stock, got.SKUs, tc.wantOnHand)
				}
			}
			if got := onHand(); got != tc.wantOnHand {
				t.Errorf("stored on hand = %d, want %d", got, tc.wantOnHand)
			}
			if got := queryOne[int64](t, h, "SELECT reserved FROM skus WHERE id = ?", w.skuA); got != start-2 {
				t.Errorf("stored reserved = %d, want %d: an adjustment never touches it", got, start-2)
			}
		})
	}
	// the price and the stock in one request: neither is applied when the stock is refused
	price := queryOne[int64](t, h, "SELECT price_cents FROM skus WHERE id = ?", w.skuA)
	wantError(t, h.call(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, jsonBody(map[string]int64{
		"price_cents": price + 100, "stock_delta": -1000})), http.StatusConflict, "stock_below_reserved")
	if got := queryOne[int64](t, h, "SELECT price_cents FROM skus WHERE id = ?", w.skuA); got != price {
		t.Errorf("stored price = %d, want %d: the refused request must change nothing", got, price)
	}
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, `{"stock_delta": 100000001}`),
		http.StatusUnprocessableEntity, "invalid", "stock_delta")
}

func testSupplierBadInput(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, model.RoleSupplier)
	url := v1 + "/supplier/products"
	prod := func(mod map[string]any) string {
		body := map[string]any{"name": "某产品", "category": "tea",
			"skus": []map[string]any{{"spec": "500g", "unit": "袋", "price_cents": 1000, "stock": 5}}}
		for k, v := range mod {
			body[k] = v
		}
		return jsonBody(body)
	}
	sku := func(mod map[string]any) []map[string]any {
		k := map[string]any{"spec": "500g", "unit": "袋", "price_cents": 1000, "stock": 5}
		for key, v := range mod {
			k[key] = v
		}
		return []map[string]any{k}
	}
	before := rowCounts(t, h)
	runBadCases(t, h, []badCase{
		{"empty name", "POST", url, tok, prod(map[string]any{"name": ""}), []string{"name"}},
		{"overlong name", "POST", url, tok, prod(map[string]any{"name": strings.Repeat("茶", 129)}), []string{"name"}},
		{"non-UTF-8 name", "POST", url, tok, `{"name": "` + "\xff" + `", "category": "tea", "skus": [{"spec": "1", "unit": "袋", "price_cents": 1, "stock": 1}]}`, []string{"name"}},
		{"unknown category", "POST", url, tok, prod(map[string]any{"category": "durian"}), []string{"category"}},
		{"no category", "POST", url, tok, prod(map[string]any{"category": ""}), []string{"category"}},
		{"no SKUs", "POST", url, tok, prod(map[string]any{"skus": []any{}}), []string{"skus"}},
		{"perishable without shelf life", "POST", url, tok, prod(map[string]any{"perishable": true}), []string{"shelf_life_days"}},
		{"negative shelf life", "POST", url, tok, prod(map[string]any{"shelf_life_days": -1}), []string{"shelf_life_days"}},
		{"free SKU", "POST", url, tok, prod(map[string]any{"skus": sku(map[string]any{"price_cents": 0})}), []string{"skus[0].price_cents"}},
		{"negative stock", "POST", url, tok, prod(map[string]any{"skus": sku(map[string]any{"stock": -1})}), []string{"skus[0].stock"}},
		{"empty spec and unit", "POST", url, tok, prod(map[string]any{"skus": sku(map[string]any{"spec": "", "unit": ""})}),
			[]string{"skus[0].spec", "skus[0].unit"}},
		{"tier above list", "POST", url, tok, prod(map[string]any{"skus": sku(map[string]any{
			"tiers": []map[string]int64{{"min_qty": 10, "price_cents": 1200}}})}), []string{"skus[0].tiers[0].price_cents"}},
		{"tier of one unit", "POST", url, tok, prod(map[string]any{"skus": sku(map[string]any{
			"tiers": []map[string]int64{{"min_qty": 1, "price_cents": 900}}})}), []string{"skus[0].tiers[0].min_qty"}},
		{"tiers out of order", "POST", url, tok, prod(map[string]any{"skus": sku(map[string]any{
			"tiers": []map[string]int64{{"min_qty": 10, "price_cents": 900}, {"min_qty": 5, "price_cents": 800}}})}),
			[]string{"skus[0].tiers[1].min_qty"}},
	})
	if after := rowCounts(t, h); after["products"] != before["products"] || after["skus"] != before["skus"] {
		t.Errorf("bad input wrote products: before %v, after %v", before, after)
	}
}

// TestSuspendedSupplier: a suspended supplier may stop selling (take a
// product off sale, lower stock) and read its orders, but not sell more:
// no new products, no price changes, nothing put on sale, no stock added,
// no edits (403 supplier_suspended, nothing stored). Reinstated, it edits again.
func TestSuspendedSupplier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleAdmin)
		tok := w.token(t, model.RoleSupplier)
		setStatus := func(status string) {
			t.Helper()
			wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/admin/suppliers", w.supA.ID), admin,
				jsonBody(map[string]string{"status": status})), http.StatusOK)
		}
		state := func() string {
			t.Helper()
			var name string
			var onSale bool
			var price, onHand, products int64
			if err := h.store.DB().QueryRow(`SELECT p.name, p.on_sale, k.price_cents, k.on_hand,
				(SELECT COUNT(*) FROM products WHERE supplier_id = p.supplier_id)
				FROM products p JOIN skus k ON k.product_id = p.id WHERE k.id = ?`, w.skuA).
				Scan(&name, &onSale, &price, &onHand, &products); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%s on_sale=%v price=%d on_hand=%d products=%d", name, onSale, price, onHand, products)
		}
		newProduct := jsonBody(map[string]any{"name": "停牌新品", "category": "herbs",
			"skus": []map[string]any{{"spec": "1", "unit": "袋", "price_cents": 100, "stock": 1}}})

		setStatus(model.SupplierSuspended)
		for _, tc := range []struct {
			name, method, target, body string
		}{
			{"create a product", http.MethodPost, v1 + "/supplier/products", newProduct},
			{"put on sale", http.MethodPatch, path(v1+"/supplier/products", w.prodA), `{"on_sale": true}`},
			{"off sale and rename", http.MethodPatch, path(v1+"/supplier/products", w.prodA), `{"on_sale": false, "name": "改名"}`},
			{"rename", http.MethodPatch, path(v1+"/supplier/products", w.prodA), `{"name": "改名"}`},
			{"change the price", http.MethodPatch, path(v1+"/supplier/skus", w.skuA), `{"price_cents": 1}`},
			{"add stock", http.MethodPatch, path(v1+"/supplier/skus", w.skuA), `{"stock_delta": 5}`},
			{"lower stock and change the price", http.MethodPatch, path(v1+"/supplier/skus", w.skuA), `{"stock_delta": -1, "price_cents": 1}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := state()
				wantError(t, h.callBad(t, tc.method, tc.target, tok, tc.body), http.StatusForbidden, "supplier_suspended")
				if after := state(); after != before {
					t.Errorf("stored %s, was %s", after, before)
				}
			})
		}
		t.Run("stop selling", func(t *testing.T) {
			onHand := queryOne[int64](t, h, "SELECT on_hand FROM skus WHERE id = ?", w.skuA)
			wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, `{"stock_delta": -1}`), http.StatusOK)
			if got := queryOne[int64](t, h, "SELECT on_hand FROM skus WHERE id = ?", w.skuA); got != onHand-1 {
				t.Errorf("on hand = %d, want %d", got, onHand-1)
			}
			wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, `{"on_sale": false}`), http.StatusOK)
			if queryOne[bool](t, h, "SELECT on_sale FROM products WHERE id = ?", w.prodA) {
				t.Error("the product is still on sale")
			}
			wantStatus(t, h.call(t, http.MethodGet, v1+"/supplier/orders", tok, ""), http.StatusOK)
		})
		t.Run("reinstated", func(t *testing.T) {
			setStatus(model.SupplierActive)
			wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/supplier/products", w.prodA), tok, `{"on_sale": true}`), http.StatusOK)
			wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/supplier/skus", w.skuA), tok, `{"stock_delta": 5, "price_cents": 4321}`), http.StatusOK)
			wantStatus(t, h.call(t, http.MethodPost, v1+"/supplier/products", tok, newProduct), http.StatusCreated)
		})
	})
}
