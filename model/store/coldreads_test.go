package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// The catalogue reads' bound: concurrent detail and list reads never run
// more than the limit at once, all of them answer, and a read inside a
// transaction never waits for a slot (a writer holding row locks must not
// queue behind readers).
func TestCatalogReadLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st := b.Store
		st.SetCatalogReadLimit(2)
		defer st.SetCatalogReadLimit(0)
		st.CatalogReadPeak() // a fresh window
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				var err error
				if i%2 == 0 {
					_, err = st.Products(t.Context(), model.ProductQuery{Page: 1, PageSize: 20, Sort: model.SortPriceAsc, Today: "2026-06-15"})
				} else if _, err = st.Product(t.Context(), 1); errors.Is(err, model.ErrNotFound) {
					err = nil // no products: a 404 is the answer
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if peak := st.CatalogReadPeak(); peak < 1 || peak > 2 {
			t.Errorf("peak %d catalogue reads at once, want 1 or 2", peak)
		}
		if n := st.CatalogReadsInFlight(); n != 0 {
			t.Errorf("%d reads still counted in flight", n)
		}

		// The one slot held: a transaction's read passes.
		st.SetCatalogReadLimit(1)
		held, err := st.EnterCatalogRead(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		release := sync.OnceFunc(held)
		defer release()
		err = st.InTx(t.Context(), func(ctx context.Context) error {
			_, err := st.Products(ctx, model.ProductQuery{Page: 1, PageSize: 20, Today: "2026-06-15"})
			return err
		})
		if err != nil {
			t.Fatalf("a read in a transaction with every slot taken: %v", err)
		}
		// Outside a transaction, a read waits, and gives up with its context.
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := st.Products(ctx, model.ProductQuery{Page: 1, PageSize: 20, Today: "2026-06-15"}); err == nil {
			t.Error("a read with every slot taken and its context done answered")
		}
		release()

		// Searches hold at most a quarter of the slots: with 4 slots, one
		// search holding its slot, a second search waits while a list passes.
		st.SetCatalogReadLimit(4)
		releaseSearch, err := st.EnterCatalogRead(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		defer releaseSearch()
		if _, err := st.Products(ctx, model.ProductQuery{Q: "茶", Page: 1, PageSize: 20, Today: "2026-06-15"}); err == nil {
			t.Error("a second search with the search slot taken and its context done answered")
		}
		if _, err := st.Products(t.Context(), model.ProductQuery{Page: 1, PageSize: 20, Today: "2026-06-15"}); err != nil {
			t.Errorf("a list with a search running: %v", err)
		}
	})
}
