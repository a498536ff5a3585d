package claim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/check"
)

const issuer = "91330100716105852F"

func TestCheck(t *testing.T) {
	cases := []struct {
		id  Identity
		bad string // the field named, "" for none
	}{
		{Identity{" 91330100716105852f ", "", "26332000000123456789"}, ""},
		{Identity{issuer, "3300221130", "01234567"}, ""},
		{Identity{issuer, "033002200111", "01234567"}, ""},
		{Identity{issuer, "", "263320000001234567890"}, "i.number"}, // 21 digits
		{Identity{issuer, "", "2633200000012345678"}, "i.number"},   // 19 digits
		{Identity{issuer, "3300221130", "0123456A"}, "i.number"},
		{Identity{issuer, "", "01234567"}, "i.code"},
		{Identity{issuer, "3300221130", "26332000000123456789"}, "i.code"},
		{Identity{issuer, "330022113", "01234567"}, "i.code"},
		{Identity{"91330100716105852E", "", "26332000000123456789"}, "i.issuer_credit_code"},
		{Identity{"", "", "26332000000123456789"}, "i.issuer_credit_code"},
	}
	for _, c := range cases {
		var f check.Fields
		got := Check(&f, "i.", c.id)
		err := f.Err()
		var e *model.Error
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%+v: %v", c.id, err)
		case c.bad != "" && (!errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != c.bad):
			t.Errorf("%+v: want only %s bad, got %v", c.id, c.bad, err)
		}
		if c.bad == "" && got.Issuer != issuer {
			t.Errorf("issuer not normalised: %q", got.Issuer)
		}
	}
}

// Two replicas (two stores on one database) race to claim the same
// invoices: for each invoice exactly one wins, the others get 409
// duplicate_invoice, and the claim table holds one row per invoice.
func TestTakeRacing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		replicas := []*store.Store{b.Store}
		if b.Name == "mysql" {
			second, err := store.Open(b.DSN, 8)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { second.Close() })
			replicas = append(replicas, second)
		}
		const invoices, racers = 20, 6
		var wins, dups [invoices]int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for r := 0; r < racers; r++ {
			st := replicas[r%len(replicas)]
			wg.Add(1)
			go func(r int) {
				defer wg.Done()
				for i := 0; i < invoices; i++ {
					id := Identity{issuer, "3300221130", fmt.Sprintf("%08d", i+1)}
					err := st.InTx(ctx, func(ctx context.Context) error {
						return Take(ctx, st, id, int64(r+1), model.ClaimRecord, int64(r*100+i))
					})
					mu.Lock()
					var e *model.Error
					switch {
					case err == nil:
						wins[i]++
					case errors.As(err, &e) && e.Code == "duplicate_invoice":
						dups[i]++
					default:
						t.Errorf("racer %d invoice %d: %v", r, i, err)
					}
					mu.Unlock()
				}
			}(r)
		}
		wg.Wait()
		for i := 0; i < invoices; i++ {
			if wins[i] != 1 || dups[i] != racers-1 {
				t.Errorf("invoice %d: %d claims won, %d refused; want 1 and %d", i, wins[i], dups[i], racers-1)
			}
		}
		var n int
		if err := b.Store.DB().QueryRow("SELECT COUNT(*) FROM invoice_claims").Scan(&n); err != nil || n != invoices {
			t.Errorf("%d claims stored (%v), want %d", n, err, invoices)
		}
		// A claim rolled back with its holder frees the invoice.
		free := Identity{issuer, "", "26332000000123456789"}
		err := b.Store.InTx(ctx, func(ctx context.Context) error {
			if err := Take(ctx, b.Store, free, 1, model.ClaimMallInvoice, 1); err != nil {
				return err
			}
			return errors.New("the holder failed")
		})
		if err == nil {
			t.Fatal("transaction did not fail")
		}
		if _, err := Holder(ctx, b.Store, free); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("rolled-back claim still held: %v", err)
		}
		if err := Take(ctx, b.Store, free, 2, model.ClaimRecord, 7); err != nil {
			t.Fatal(err)
		}
		if c, err := Holder(ctx, b.Store, free); err != nil || c.OrgID != 2 || c.HolderKind != model.ClaimRecord || c.HolderID != 7 {
			t.Errorf("holder %+v, %v", c, err)
		}
	})
}
