package api_test

// Orders are priced from a copy of the catalogue each replica keeps in
// memory (service/order/sellables.go); these tests hold it to the
// catalogue: a change made through any replica — price, off sale, supplier
// suspended — applies to the next order placed on every replica, and while
// prices change under concurrent buyers on two replicas no order is priced
// from a price replaced before it was sent.

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// catalogueSKU adds a product of the world's supplier A with one SKU of
// plenty of stock at price, and returns the SKU and product ids.
func catalogueSKU(t *testing.T, w *ordWorld, price int64) (int64, int64) {
	t.Helper()
	p := &model.Product{SupplierID: w.supA.ID, Name: "金口河高山蜂蜜", CategoryCode: "honey", OriginCode: w.supA.RegionCode, OnSale: true}
	skus := []model.SKU{{Spec: "500g", Unit: "瓶", PriceCents: price, OnHand: 1_000_000,
		Tiers: []model.Tier{{MinQty: 10, PriceCents: price - 100}}}}
	if err := w.h.store.CreateProduct(context.Background(), p, skus); err != nil {
		t.Fatal(err)
	}
	return skus[0].ID, p.ID
}

func TestOrderPricesFollowCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h1, h2 := w.h, newHarness(t, b) // two replicas over one database
		sku, product := catalogueSKU(t, w, 1000)
		shopper := w.token(t, "shopper")
		supplier := w.token(t, model.RoleSupplier)
		admin := w.token(t, model.RoleAdmin)
		// order places qty units on replica h; want is its unit price, or 0
		// for a 422 naming the line's SKU as not on sale.
		placed := int64(0)
		order := func(h *harness, qty, want int64) {
			t.Helper()
			res := h.callWith(t, http.MethodPost, v1+"/orders", shopper, ordLines(sku, qty), ordKey(w.key()))
			if want == 0 {
				wantError(t, res, http.StatusUnprocessableEntity, "invalid", "lines[0].sku_id")
				return
			}
			wantStatus(t, res, http.StatusCreated)
			o := decode[ordOrder](t, res)
			if o.TotalCents != want*qty {
				t.Errorf("%d units: total %d, want %d × %d", qty, o.TotalCents, qty, want)
			}
			placed += qty
		}
		both := func(qty, want int64) { order(h1, qty, want); order(h2, qty, want) }
		patch := func(target, token, body string) {
			t.Helper()
			wantStatus(t, h1.call(t, http.MethodPatch, target, token, body), http.StatusOK)
		}

		both(1, 1000) // each replica now holds a copy at 1000
		both(10, 900) // and the tier
		patch(path(v1+"/supplier/skus", sku), supplier, `{"price_cents": 1300}`)
		both(1, 1300)
		both(10, 900) // the tier did not change
		patch(path(v1+"/supplier/products", product), supplier, `{"on_sale": false}`)
		both(1, 0)
		patch(path(v1+"/supplier/products", product), supplier, `{"on_sale": true}`)
		both(1, 1300)
		patch(path(v1+"/admin/suppliers", w.supA.ID), admin, `{"status": "suspended"}`)
		both(1, 0)
		patch(path(v1+"/admin/suppliers", w.supA.ID), admin, `{"status": "active"}`)
		both(2, 1300)
		// a stock change moves no version: the copies stay good
		patch(path(v1+"/supplier/skus", sku), supplier, `{"stock_delta": 5}`)
		both(1, 1300)

		if got := queryOne[int64](t, h1, "SELECT reserved FROM skus WHERE id = ?", sku); got != placed {
			t.Errorf("reserved = %d, want the %d units placed", got, placed)
		}
		if got := queryOne[int64](t, h1, "SELECT COALESCE(SUM(quantity), 0) FROM order_lines WHERE sku_id = ?", sku); got != placed {
			t.Errorf("units in order lines = %d, want %d", got, placed)
		}
	})
}

// TestOrderPricesFollowCatalogueConcurrently: buyers on two replicas order
// while the supplier raises the price step by step through a replica. An
// order sent after a raise was answered is never priced below it; every
// 201 is in the database at the price it answered, and the units reserved
// are the units of those orders.
func TestOrderPricesFollowCatalogueConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		replicas := []*harness{w.h, newHarness(t, b)}
		const base, raises, buyersPerReplica = 1000, 30, 4
		sku, _ := catalogueSKU(t, w, base)
		supplier := w.token(t, model.RoleSupplier)
		var tokens []string
		for i := range len(replicas) * buyersPerReplica {
			name := "price_buyer_" + itoa(int64(i))
			w.addUser(t, &model.User{Username: name, Role: model.RoleConsumer})
			tokens = append(tokens, w.token(t, name))
		}

		var done atomic.Int64 // raises answered so far: the price is base + 10 × done at least
		stop := make(chan struct{})
		type placedOrder struct{ id, price, floor int64 }
		var (
			mu      sync.Mutex
			orders  []placedOrder
			changed int
			keySeq  atomic.Int64
			wg      sync.WaitGroup
		)
		for i, tok := range tokens {
			h := replicas[i%len(replicas)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					floor := base + 10*done.Load()
					key := "price-race-" + itoa(keySeq.Add(1))
					res := h.callWith(t, http.MethodPost, v1+"/orders", tok, ordLines(sku, 1), ordKey(key))
					if res.Status == http.StatusConflict {
						// changed again while it was placed again: nothing written
						wantError(t, res, http.StatusConflict, "catalogue_changed", "sku_id")
						mu.Lock()
						changed++
						mu.Unlock()
						continue
					}
					if res.Status != http.StatusCreated {
						t.Errorf("order: %d %s", res.Status, res.Body)
						return
					}
					o := decode[ordOrder](t, res)
					mu.Lock()
					orders = append(orders, placedOrder{o.ID, o.TotalCents, floor})
					mu.Unlock()
				}
			}()
		}
		for i := int64(1); i <= raises; i++ {
			wantStatus(t, replicas[0].call(t, http.MethodPatch, path(v1+"/supplier/skus", sku), supplier,
				jsonBody(map[string]int64{"price_cents": base + 10*i})), http.StatusOK)
			done.Store(i)
			time.Sleep(10 * time.Millisecond) // orders go on between raises
		}
		close(stop)
		wg.Wait()

		stale := 0
		for _, o := range orders {
			if o.price < o.floor || o.price > base+10*raises {
				stale++
				if stale <= 5 {
					t.Errorf("order %d priced %d, sent when the price was already %d", o.id, o.price, o.floor)
				}
			}
			if got := queryOne[int64](t, w.h, "SELECT unit_price_cents FROM order_lines WHERE order_id = ?", o.id); got != o.price {
				t.Errorf("order %d: stored unit price %d, answered %d", o.id, got, o.price)
			}
		}
		if got := queryOne[int64](t, w.h, "SELECT reserved FROM skus WHERE id = ?", sku); got != int64(len(orders)) {
			t.Errorf("reserved = %d, want the %d orders placed", got, len(orders))
		}
		if got := queryOne[int64](t, w.h, "SELECT COUNT(*) FROM order_lines WHERE sku_id = ?", sku); got != int64(len(orders)) {
			t.Errorf("order lines = %d, want %d", got, len(orders))
		}
		if len(orders) < raises {
			t.Errorf("only %d orders placed during %d raises", len(orders), raises)
		}
		t.Logf("%d orders during %d raises, %d answered catalogue_changed", len(orders), raises, changed)
	})
}

// TestWarmCatalogue: the copies read at start are those of the SKUs on
// sale from active suppliers, across id ranges, and are held to the
// catalogue like any other copy.
func TestWarmCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		ctx := context.Background()
		far := &model.Product{SupplierID: w.supA.ID, Name: "金口河核桃", CategoryCode: "grain_oil", OriginCode: w.supA.RegionCode, OnSale: true}
		farSKUs := []model.SKU{{ID: 4321, Spec: "1kg", Unit: "袋", PriceCents: 3000, OnHand: 50}}
		if err := w.h.store.CreateProduct(ctx, far, farSKUs); err != nil {
			t.Fatal(err)
		}
		n, err := w.h.orders.WarmCatalogue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := queryOne[int64](t, w.h, `SELECT COUNT(*) FROM skus k JOIN products p ON p.id = k.product_id
			JOIN suppliers s ON s.id = p.supplier_id WHERE p.on_sale = ? AND s.status = ?`, true, model.SupplierActive)
		if int64(n) != want || want < 4 {
			t.Errorf("warmed %d copies, want the %d SKUs on sale", n, want)
		}
		if _, err := w.h.store.SetSKUPrice(ctx, 4321, 3500); err != nil {
			t.Fatal(err)
		}
		if o := w.place(t, "shopper", 4321, 2); o.TotalCents != 7000 {
			t.Errorf("order after a price change: total %d, want 2 × 3500", o.TotalCents)
		}
		wantError(t, w.post(t, v1+"/orders", "shopper", w.key(), ordLines(w.offSale, 1)),
			http.StatusUnprocessableEntity, "invalid", "lines[0].sku_id")
	})
}
