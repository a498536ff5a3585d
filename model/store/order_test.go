package store_test

// The order-placing statements that bypass GORM (CreateOrder, AddOrderEvent,
// ClaimKey, FinishKey, Sellables, Reserve, ReserveLocked), on every backend: what they write reads
// back through GORM field for field, with the ids they reported; and an
// idempotency key claimed in an open transaction holds back a second claim of
// it until that transaction ends.

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

func TestCreateOrderReadsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st, ctx := b.Store, t.Context()
		sup := &model.Supplier{Name: "回读供应商", RegionCode: "511113", Status: model.SupplierActive}
		if err := st.CreateSupplier(ctx, sup); err != nil {
			t.Fatal(err)
		}
		p := &model.Product{SupplierID: sup.ID, Name: "高山土豆", CategoryCode: "vegetables", OriginCode: "511113", OnSale: true}
		skus := []model.SKU{{Spec: "1号", Unit: "袋", PriceCents: 1250, OnHand: 10}, {Spec: "2号", Unit: "袋", PriceCents: 990, OnHand: 10}}
		if err := st.CreateProduct(ctx, p, skus); err != nil {
			t.Fatal(err)
		}
		org, pairing, received := int64(7), int64(3), int64(2)
		deadline := time.Date(2026, 6, 1, 2, 3, 4, 5e6, time.UTC)
		o := &model.Order{CheckoutID: "c0ffee", UserID: 42, OrgID: &org, SupplierID: sup.ID, Channel: "canteen",
			PaymentTerms: model.TermsAfterDelivery, Status: model.OrderAwaitingShipment, TotalCents: 4480,
			DeliveryDate: "2026-06-02", Address: "越城区 1 号", Phone: "0575-1234", Note: "备注", DeadlineAt: &deadline,
			Lines: []model.OrderLine{
				{SKUID: skus[0].ID, ProductID: p.ID, ProductName: p.Name, Spec: "1号", Unit: "袋", Quantity: 2,
					UnitPriceCents: 1250, AmountCents: 2500, OriginCode: "511113", CategoryCode: "vegetables",
					Perishable: true, PairingID: &pairing},
				{SKUID: skus[1].ID, ProductID: p.ID, ProductName: p.Name, Spec: "2号", Unit: "袋", Quantity: 2,
					UnitPriceCents: 990, AmountCents: 1980, ReceivedQty: &received, OriginCode: "511113",
					CategoryCode: "vegetables"},
			}}
		ev := &model.OrderEvent{ActorID: &o.UserID, Action: "place", ToState: o.Status, Note: "下单"}
		err := st.InTx(ctx, func(ctx context.Context) error {
			if err := st.CreateOrder(ctx, o); err != nil {
				return err
			}
			ev.OrderID = o.ID
			return st.AddOrderEvent(ctx, ev)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Order(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameTime(t, "order created_at", &got.CreatedAt, &o.CreatedAt)
		sameTime(t, "order updated_at", &got.UpdatedAt, &o.UpdatedAt)
		sameTime(t, "order deadline_at", got.DeadlineAt, o.DeadlineAt)
		got.DeadlineAt, o.DeadlineAt = nil, nil
		if !reflect.DeepEqual(got, o) {
			t.Errorf("order read back:\n got %+v\nwant %+v", got, o)
		}
		evs, err := st.OrderEvents(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Fatalf("events read back: %+v, want one", evs)
		}
		sameTime(t, "event created_at", &evs[0].CreatedAt, &ev.CreatedAt)
		if !reflect.DeepEqual(&evs[0], ev) {
			t.Errorf("event read back: %+v, want %+v", evs[0], ev)
		}

		sel, err := st.Sellables(ctx, []int64{skus[1].ID, skus[0].ID, 999999})
		if err != nil {
			t.Fatal(err)
		}
		if len(sel) != 2 || sel[skus[0].ID].SupplierStatus != model.SupplierActive || !sel[skus[0].ID].OnSale ||
			sel[skus[1].ID].PriceCents != 990 || sel[skus[0].ID].ProductName != p.Name || sel[skus[0].ID].OriginCode != "511113" {
			t.Errorf("sellables = %+v", sel)
		}
	})
}

// sameTime checks two stored times are the same instant (backends differ in
// how they hand back the location), then makes them identical for DeepEqual.
func sameTime(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	if got == nil || want == nil || got.IsZero() || !got.Equal(*want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	*got = *want
}

// TestIdempotencyKeyClaim: a key claims once; a claim rolled back leaves it
// free; the result stored by FinishKey reads back.
func TestIdempotencyKeyClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st, ctx := b.Store, t.Context()
		claim := func(key string, then error) (bool, error) {
			var claimed bool
			err := st.InTx(ctx, func(ctx context.Context) error {
				var err error
				if claimed, err = st.ClaimKey(ctx, &model.IdempotencyKey{UserID: 1, Key: key, Scope: "order.place", RequestHash: "h"}); err != nil {
					return err
				}
				if claimed && then == nil {
					return st.FinishKey(ctx, 1, key, []byte(`{"id":1}`))
				}
				return then
			})
			return claimed, err
		}
		errBoom := errors.New("boom")
		if ok, err := claim("k1", errBoom); !ok || !errors.Is(err, errBoom) {
			t.Fatalf("claim, then fail: %v %v", ok, err)
		}
		if _, err := st.IdempotencyKey(ctx, 1, "k1"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("key of a rolled-back claim: %v, want not found", err)
		}
		if ok, err := claim("k1", nil); !ok || err != nil {
			t.Fatalf("claim after a rollback: %v %v, want claimed", ok, err)
		}
		if ok, err := claim("k1", nil); ok || err != nil {
			t.Fatalf("second claim: %v %v, want not claimed", ok, err)
		}
		k, err := st.IdempotencyKey(ctx, 1, "k1")
		if err != nil || k.Status != model.IdemDone || string(k.Result) != `{"id":1}` || k.Scope != "order.place" {
			t.Fatalf("stored key = %+v, %v", k, err)
		}
		if b.Name != store.MySQL {
			return // one connection: no claim can wait on another
		}
		for _, commit := range []bool{true, false} {
			testClaimWaits(t, st, commit)
		}
	})
}

// TestIdempotencyKeyBytes: keys are compared byte for byte on every
// backend: spellings that differ only in case (or a trailing space) are
// different keys, each claimed once and read back as itself.
func TestIdempotencyKeyBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st, ctx := b.Store, t.Context()
		keys := []string{"Kx7-bytes", "kx7-bytes", "KX7-BYTES", "kx7-bytes "}
		for i, key := range keys {
			var claimed bool
			err := st.InTx(ctx, func(ctx context.Context) error {
				var err error
				claimed, err = st.ClaimKey(ctx, &model.IdempotencyKey{UserID: 3, Key: key, Scope: "order.place", RequestHash: "h"})
				if err != nil || !claimed {
					return err
				}
				return st.FinishKey(ctx, 3, key, []byte(strconv.Itoa(i)))
			})
			if !claimed || err != nil {
				t.Fatalf("claim %q: %v %v, want claimed (a different key)", key, claimed, err)
			}
		}
		for i, key := range keys {
			k, err := st.IdempotencyKey(ctx, 3, key)
			if err != nil || k.Key != key || string(k.Result) != strconv.Itoa(i) {
				t.Errorf("key %q reads back as %+v, %v; want itself with result %d", key, k, err, i)
			}
		}
		if _, err := st.IdempotencyKey(ctx, 3, "KX7-bytes"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("an unclaimed spelling: %v, want not found", err)
		}
	})
}

// testClaimWaits: a claim of a key another open transaction claimed waits
// for it, and then finds the key taken (commit) or free (rollback).
func testClaimWaits(t *testing.T, st *store.Store, commit bool) {
	ctx := t.Context()
	key := "wait-rollback"
	if commit {
		key = "wait-commit"
	}
	claimedFirst, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		st.InTx(ctx, func(ctx context.Context) error {
			ok, err := st.ClaimKey(ctx, &model.IdempotencyKey{UserID: 2, Key: key, Scope: "order.place", RequestHash: "h"})
			if err != nil || !ok {
				t.Errorf("first claim: %v %v", ok, err)
			}
			close(claimedFirst)
			<-release
			if !commit {
				return errors.New("roll back")
			}
			return st.FinishKey(ctx, 2, key, []byte("{}"))
		})
	}()
	<-claimedFirst
	type result struct {
		ok  bool
		err error
	}
	second := make(chan result, 1)
	go func() {
		var ok bool
		err := st.InTx(ctx, func(ctx context.Context) error {
			var err error
			ok, err = st.ClaimKey(ctx, &model.IdempotencyKey{UserID: 2, Key: key, Scope: "order.place", RequestHash: "h"})
			return err
		})
		second <- result{ok, err}
	}()
	// Wait until the second claim's INSERT is at the server, then give it
	// a moment: it must still be waiting for the first transaction. (The
	// process list, not INNODB_TRX: MariaDB does not list the waiting
	// INSERT's transaction there.)
	atServer := func() bool {
		var n int64
		err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE 'INSERT INTO idempotency_keys%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	for waited := false; !waited; {
		if atServer() {
			waited = true
			time.Sleep(200 * time.Millisecond)
		}
		select {
		case r := <-second:
			t.Fatalf("commit %v: the second claim returned (%v, %v) while the first was open", commit, r.ok, r.err)
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(release)
	wg.Wait()
	r := <-second
	if r.err != nil || r.ok == commit {
		t.Errorf("commit %v: second claim = (%v, %v), want claimed = %v", commit, r.ok, r.err, !commit)
	}
}

// TestReserve: several SKUs are reserved together or not at all; a short
// one is named, alone or among others, in a transaction or not.
func TestReserve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st, ctx := b.Store, t.Context()
		sup := &model.Supplier{Name: "库存供应商", RegionCode: "511113", Status: model.SupplierActive}
		if err := st.CreateSupplier(ctx, sup); err != nil {
			t.Fatal(err)
		}
		p := &model.Product{SupplierID: sup.ID, Name: "菌菇", CategoryCode: "vegetables", OriginCode: "511113", OnSale: true}
		skus := []model.SKU{{Spec: "a", Unit: "袋", PriceCents: 100, OnHand: 10}, {Spec: "b", Unit: "袋", PriceCents: 100, OnHand: 5},
			{Spec: "c", Unit: "袋", PriceCents: 100, OnHand: 10}}
		if err := st.CreateProduct(ctx, p, skus); err != nil {
			t.Fatal(err)
		}
		a, bb, c := skus[0].ID, skus[1].ID, skus[2].ID
		reserved := func() [3]int64 {
			var out [3]int64
			for i, id := range []int64{a, bb, c} {
				if err := st.DB().QueryRowContext(ctx, "SELECT reserved FROM skus WHERE id = ?", id).Scan(&out[i]); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		change := func(id, q int64) model.StockChange { return model.StockChange{SKUID: id, ProductID: p.ID, Quantity: q} }
		inTx := func(items ...model.StockChange) error {
			return st.InTx(ctx, func(ctx context.Context) error { return st.Reserve(ctx, items) })
		}
		for _, tc := range []struct {
			name    string
			reserve func() error
			short   int64 // the SKU named out of stock, 0 for none
			want    [3]int64
		}{
			{"three, in reverse order", func() error { return inTx(change(c, 3), change(bb, 2), change(a, 1)) }, 0, [3]int64{1, 2, 3}},
			{"one short among three", func() error { return inTx(change(a, 1), change(bb, 4), change(c, 1)) }, bb, [3]int64{1, 2, 3}},
			{"one short, no transaction", func() error { return st.Reserve(ctx, []model.StockChange{change(c, 1), change(bb, 4)}) }, bb, [3]int64{1, 2, 3}},
			{"the last units", func() error { return inTx(change(bb, 3), change(a, 9), change(c, 7)) }, 0, [3]int64{10, 5, 10}},
			{"one SKU short", func() error { return inTx(change(a, 1)) }, a, [3]int64{10, 5, 10}},
		} {
			err := tc.reserve()
			var me *model.Error
			switch {
			case tc.short == 0 && err != nil:
				t.Errorf("%s: %v", tc.name, err)
			case tc.short != 0 && (!errors.As(err, &me) || me.Code != "out_of_stock" || len(me.Fields) != 1 || me.Fields[0].Message != strconv.FormatInt(tc.short, 10)):
				t.Errorf("%s: err = %v, want out_of_stock naming sku %d", tc.name, err, tc.short)
			}
			if got := reserved(); got != tc.want {
				t.Errorf("%s: reserved = %v, want %v", tc.name, got, tc.want)
			}
		}

		// A price change moves the SKU's version: a reservation priced
		// before it is refused as changed, even with stock to spare, and
		// reserves nothing; at the new version it goes through.
		if _, err := st.AdjustStock(ctx, c, 5); err != nil { // stock moves leave the version alone
			t.Fatal(err)
		}
		if _, err := st.SetSKUPrice(ctx, c, 120); err != nil {
			t.Fatal(err)
		}
		err := inTx(change(a, 0), model.StockChange{SKUID: c, ProductID: p.ID, Quantity: 1})
		var me *model.Error
		if !errors.As(err, &me) || me.Code != "catalogue_changed" || len(me.Fields) != 1 || me.Fields[0].Message != strconv.FormatInt(c, 10) {
			t.Errorf("reserve at the old version: %v, want catalogue_changed naming sku %d", err, c)
		}
		if got := reserved(); got != [3]int64{10, 5, 10} {
			t.Errorf("after a refused reservation: reserved = %v", got)
		}
		if err := inTx(model.StockChange{SKUID: c, ProductID: p.ID, Quantity: 1, Version: 1}); err != nil {
			t.Errorf("reserve at the new version: %v", err)
		}
		// taking the product off sale and suspending its supplier move it too
		if err := st.SetProductOnSale(ctx, p.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetSupplierStatus(ctx, sup.ID, model.SupplierSuspended); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64]int64{a: 2, bb: 2, c: 3} {
			if got := queryVersion(t, st, id); got != want {
				t.Errorf("sku %d: version %d, want %d", id, got, want)
			}
		}
	})
}

func queryVersion(t *testing.T, st *store.Store, id int64) int64 {
	t.Helper()
	var v int64
	if err := st.DB().QueryRowContext(t.Context(), "SELECT version FROM skus WHERE id = ?", id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestReserveLocked: a batch's reservations move every SKU in one statement
// when each row holds its quantity at the version judged, and fail (for the
// transaction to roll back) when one does not; KeysStored tells stored
// idempotency keys from the others.
func TestReserveLocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st, ctx := b.Store, t.Context()
		sup := &model.Supplier{Name: "批量供应商", RegionCode: "511113", Status: model.SupplierActive}
		if err := st.CreateSupplier(ctx, sup); err != nil {
			t.Fatal(err)
		}
		p := &model.Product{SupplierID: sup.ID, Name: "高山土豆", CategoryCode: "vegetables", OriginCode: "511113", OnSale: true}
		skus := []model.SKU{{Spec: "1号", Unit: "袋", PriceCents: 100, OnHand: 10}, {Spec: "2号", Unit: "袋", PriceCents: 100, OnHand: 5}}
		if err := st.CreateProduct(ctx, p, skus); err != nil {
			t.Fatal(err)
		}
		a, c := skus[0], skus[1]
		reserve := func(qa, qc, versionC int64) error {
			return st.InTx(ctx, func(ctx context.Context) error {
				if _, err := st.LockStock(ctx, []int64{c.ID, a.ID}); err != nil {
					return err
				}
				return st.ReserveLocked(ctx, []model.StockChange{
					{SKUID: c.ID, ProductID: p.ID, Quantity: qc, Version: versionC},
					{SKUID: a.ID, ProductID: p.ID, Quantity: qa, Version: a.Version}})
			})
		}
		reserved := func() [2]int64 {
			t.Helper()
			levels, err := st.LockStock(ctx, []int64{a.ID, c.ID})
			if err != nil {
				t.Fatal(err)
			}
			return [2]int64{levels[a.ID].Reserved, levels[c.ID].Reserved}
		}
		if err := reserve(4, 5, c.Version); err != nil {
			t.Fatal(err)
		}
		if got := reserved(); got != [2]int64{4, 5} {
			t.Fatalf("reserved %v, want [4 5]", got)
		}
		for _, tc := range []struct {
			name             string
			qa, qc, versionC int64
		}{{"one short", 1, 1, c.Version}, {"one at another version", 1, 0, c.Version + 1}} {
			if err := reserve(tc.qa, tc.qc, tc.versionC); err == nil {
				t.Errorf("%s: reserved", tc.name)
			}
			if got := reserved(); got != [2]int64{4, 5} {
				t.Errorf("%s: reserved %v after the failed reservation, want [4 5]", tc.name, got)
			}
		}

		if err := st.StoreKeys(ctx, []model.IdempotencyKey{{UserID: 7, Key: "k1", Scope: "s", RequestHash: "h", Status: model.IdemDone}}); err != nil {
			t.Fatal(err)
		}
		got, err := st.KeysStored(ctx, []model.IdempotencyKey{{UserID: 7, Key: "k2"}, {UserID: 8, Key: "k1"}, {UserID: 7, Key: "k1"}})
		if err != nil || !reflect.DeepEqual(got, []bool{false, false, true}) {
			t.Errorf("KeysStored = %v, %v; want [false false true]", got, err)
		}
	})
}
