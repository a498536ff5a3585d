package storetest

// Stock: a supplier's adjustment changes on hand and never takes it below
// what is reserved, under any concurrency. The concurrent tests keep their
// own record of every call that succeeded and check the row by SQL.

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"shanhai/model"
)

func testAdjustStock(t *testing.T, h Harness) {
	ctx := t.Context()
	sup := mustSupplier(t, h, "江山蜂业", "330881", model.SupplierActive)
	p, skus := mustProduct(t, h, sup, "江山蜂蜜", "honey", 4500, 6800)
	sku, other := skus[0].ID, skus[1].ID // 10 on hand each
	stock := func(id int64) (onHand, reserved int64) {
		t.Helper()
		if err := h.SQL.QueryRowContext(ctx, "SELECT on_hand, reserved FROM skus WHERE id = ?", id).Scan(&onHand, &reserved); err != nil {
			t.Fatal(err)
		}
		return onHand, reserved
	}

	for _, tc := range []struct {
		name       string
		reserve    int64 // reserved, set by SQL before the call (-1: leave)
		delta      int64
		err        error
		wantOnHand int64
	}{
		{"add", 4, 5, nil, 15},
		{"remove down to the reserved", -1, -11, nil, 4},
		{"remove one below the reserved", -1, -1, model.ErrConflict, 4},
		{"remove far below", -1, -100, model.ErrConflict, 4},
		{"zero", -1, 0, nil, 4},
		{"add one", -1, 1, nil, 5},
		{"nothing reserved: down to zero", 0, -5, nil, 0},
		{"nothing reserved: below zero", -1, -1, model.ErrConflict, 0},
		{"all reserved: adding", 3, 5, nil, 5},
		{"all reserved: removing", 5, -1, model.ErrConflict, 5},
	} {
		if tc.reserve >= 0 {
			exec(t, h, "UPDATE skus SET reserved = ? WHERE id = ?", tc.reserve, sku)
		}
		_, reservedBefore := stock(sku)
		got, err := h.Store.AdjustStock(ctx, sku, tc.delta)
		errorIs(t, tc.name, err, tc.err)
		if err == nil && got != p.ID {
			t.Errorf("%s: returned product %d, want %d", tc.name, got, p.ID)
		}
		if onHand, reserved := stock(sku); onHand != tc.wantOnHand || reserved != reservedBefore {
			t.Errorf("%s: on hand %d reserved %d, want %d %d", tc.name, onHand, reserved, tc.wantOnHand, reservedBefore)
		}
	}
	if onHand, reserved := stock(other); onHand != 10 || reserved != 0 {
		t.Errorf("the other SKU changed: on hand %d reserved %d", onHand, reserved)
	}
	_, err := h.Store.AdjustStock(ctx, other+100, 1)
	errorIs(t, "unknown sku", err, model.ErrNotFound)
	_, err = h.Store.AdjustStock(ctx, other+100, -1)
	errorIs(t, "unknown sku, removing", err, model.ErrNotFound)
}

// testAdjustStockConcurrently: 50 goroutines × 20 adjustments of ±1 on one
// SKU, more removals than additions, with units reserved. Every addition
// must succeed, a removal may only fail with a conflict, the row must end at
// what the successful calls add up to, and on hand is never seen below
// reserved.
func testAdjustStockConcurrently(t *testing.T, h Harness) {
	const (
		workers  = 50
		calls    = 20
		start    = 40
		reserved = 30
	)
	ctx := t.Context()
	sup := mustSupplier(t, h, "江山蜂业", "330881", model.SupplierActive)
	_, skus := mustProduct(t, h, sup, "江山蜂蜜", "honey", 4500)
	sku := skus[0].ID
	exec(t, h, "UPDATE skus SET on_hand = ?, reserved = ? WHERE id = ?", start, reserved, sku)

	var added, removed, refused atomic.Int64
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}

	// A watcher reads the row straight from the database while the writers run.
	done := make(chan struct{})
	watched := make(chan int)
	go func() {
		n := 0
		defer func() { watched <- n }()
		for {
			select {
			case <-done:
				return
			default:
			}
			var onHand, res int64
			if err := h.SQL.QueryRowContext(ctx, "SELECT on_hand, reserved FROM skus WHERE id = ?", sku).Scan(&onHand, &res); err != nil {
				fail("watcher: %v", err)
				return
			}
			n++
			if onHand < res || onHand < 0 {
				fail("watcher saw on hand %d below reserved %d", onHand, res)
			}
		}
	}()

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				delta := int64(1)
				if (w*calls+i)%5 < 3 {
					delta = -1
				}
				_, err := h.Store.AdjustStock(ctx, sku, delta)
				switch {
				case err == nil && delta > 0:
					added.Add(1)
				case err == nil:
					removed.Add(1)
				case delta < 0 && errors.Is(err, model.ErrConflict):
					refused.Add(1)
				default:
					fail("AdjustStock(%+d): %v", delta, err)
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	reads := <-watched
	for _, f := range failures {
		t.Error(f)
	}

	var onHand, res int64
	if err := h.SQL.QueryRowContext(ctx, "SELECT on_hand, reserved FROM skus WHERE id = ?", sku).Scan(&onHand, &res); err != nil {
		t.Fatal(err)
	}
	want := start + added.Load() - removed.Load()
	t.Logf("%d added, %d removed, %d refused; on hand %d; watcher read %d times", added.Load(), removed.Load(), refused.Load(), onHand, reads)
	if onHand != want || res != reserved {
		t.Errorf("on hand %d reserved %d, want %d (= %d + %d − %d) and %d", onHand, res, want, start, added.Load(), removed.Load(), reserved)
	}
	if added.Load() != workers*calls*2/5 {
		t.Errorf("%d additions succeeded, want all %d", added.Load(), workers*calls*2/5)
	}
	if got := added.Load() + removed.Load() + refused.Load(); got != workers*calls {
		t.Errorf("%d calls accounted for, want %d", got, workers*calls)
	}
	if refused.Load() == 0 {
		t.Error("no removal was refused: the test did not reach the reserved floor")
	}
}

// testReadsWhileWriting: catalogue reads run beside stock, price and
// on-sale writes without an error (no SQLITE_BUSY, no lock error).
func testReadsWhileWriting(t *testing.T, h Harness) {
	const rounds = 40
	ctx := t.Context()
	sup := mustSupplier(t, h, "金口河茶业", "511113", model.SupplierActive)
	toggled, tskus := mustProduct(t, h, sup, "金口河高山茶", "tea", 3800, 2600)
	steady, sskus := mustProduct(t, h, sup, "川贝母", "herbs", 12000)
	mustProduct(t, h, sup, "高山茶", "tea", 2600)
	mustCertify(t, h, steady.ID, "2024-01-01", "2024-12-31")

	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	var wg sync.WaitGroup
	run := func(n int, f func(i int) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if err := f(i); err != nil {
					fail("%v", err)
					return
				}
			}
		}()
	}
	// writers
	run(rounds, func(i int) error {
		_, err := h.Store.AdjustStock(ctx, sskus[0].ID, 1)
		return err
	})
	run(rounds, func(i int) error {
		_, err := h.Store.SetSKUPrice(ctx, tskus[i%2].ID, int64(2000+i))
		return err
	})
	run(rounds, func(i int) error { return h.Store.SetProductOnSale(ctx, toggled.ID, i%2 == 1) })
	// readers
	yes := true
	for r := range 6 {
		run(rounds, func(i int) error {
			q := model.ProductQuery{Page: 1, PageSize: 20, Today: "2024-06-15", Sort: model.SortPriceAsc}
			lo, hi := 2, 3 // the toggled product comes and goes
			if r%2 == 1 {
				q.Certified = &yes
				lo, hi = 1, 1 // only the steady product is certified
			}
			page, err := h.Store.Products(ctx, q)
			if err != nil {
				return fmt.Errorf("Products: %w", err)
			}
			// Total and the page are two statements, so a write between them
			// may make them differ by the toggled product; both stay in range.
			if len(page.Items) < lo || len(page.Items) > hi || page.Total < int64(lo) || page.Total > int64(hi) {
				return fmt.Errorf("Products: %d items of %d, want %d to %d", len(page.Items), page.Total, lo, hi)
			}
			return nil
		})
		run(rounds, func(i int) error {
			d, err := h.Store.Product(ctx, []int64{toggled.ID, steady.ID}[i%2])
			if err != nil {
				return fmt.Errorf("Product: %w", err)
			}
			if len(d.SKUs) == 0 {
				return fmt.Errorf("Product %d: no SKUs", d.ID)
			}
			return nil
		})
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	if got := queryInt64(t, h, "SELECT on_hand FROM skus WHERE id = ?", sskus[0].ID); got != 10+rounds {
		t.Errorf("on hand %d after %d additions to 10, want %d", got, rounds, 10+rounds)
	}
}
