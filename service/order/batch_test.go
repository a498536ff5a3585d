package order

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/credit"
	"shanhai/service/payment"
	"shanhai/service/stock"
)

// TestBatch: one batch commits the placements the locked stock covers, in
// arrival order, each all or nothing; one the stock does not cover is
// answered 409 out_of_stock naming its first SKU short in id order (it
// fails only itself), unless its key is stored (it runs alone and is
// answered from the key); a batch holding a key already stored commits
// nothing, every placement of it left to run alone.
func TestBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := b.Store
		sup := &model.Supplier{Name: "马边供销社", RegionCode: "511133", Status: model.SupplierActive}
		if err := st.CreateSupplier(ctx, sup); err != nil {
			t.Fatal(err)
		}
		p := &model.Product{SupplierID: sup.ID, Name: "马边绿茶", CategoryCode: "tea", OriginCode: "511133", OnSale: true}
		skus := []model.SKU{{Spec: "250g", Unit: "盒", PriceCents: 100, OnHand: 100}, {Spec: "限量", Unit: "盒", PriceCents: 500, OnHand: 3}}
		if err := st.CreateProduct(ctx, p, skus); err != nil {
			t.Fatal(err)
		}
		plenty, scarce := skus[0].ID, skus[1].ID
		s := New(st, st, stock.New(st, st, 0), credit.New(st, nil), payment.NewSandbox("batch-test"), nil, Limits{})
		s.SetBatch(DefaultBatch)
		render := func(pl *Placed) ([]byte, error) {
			return []byte(strconv.FormatInt(pl.Orders[0].ID, 10)), nil
		}
		pend := func(userID int64, key string, lines ...LineInput) *pending {
			t.Helper()
			buyer, err := s.placingBuyer(ctx, &model.User{ID: userID, Role: model.RoleConsumer})
			if err != nil {
				t.Fatal(err)
			}
			pr, err := s.prepare(ctx, buyer, lines, Delivery{}, true, true, false)
			if err != nil {
				t.Fatal(err)
			}
			return &pending{p: pr, key: key, hash: "h-" + key, render: render}
		}
		shortOf := func(err error) int64 {
			t.Helper()
			if err == nil {
				return 0
			}
			var me *model.Error
			if !errors.As(err, &me) || me.Code != "out_of_stock" || len(me.Fields) != 1 {
				t.Fatalf("%v, want 409 out_of_stock", err)
			}
			id, _ := strconv.ParseInt(me.Fields[0].Message, 10, 64)
			return id
		}
		a := pend(1, "a", LineInput{plenty, 1}, LineInput{scarce, 2})
		bb := pend(2, "b", LineInput{scarce, 2}) // 1 left after a: not covered
		c := pend(3, "c", LineInput{plenty, 5})
		// priced while the stock covered them, short after a and c
		f := pend(5, "f", LineInput{scarce, 2}, LineInput{plenty, 95})
		h := pend(1, "a", LineInput{scarce, 2})
		s.writeBatch([]*pending{a, bb, c})
		if !a.ok || bb.ok || !c.ok {
			t.Fatalf("committed a %v, b %v, c %v; want a and c only", a.ok, bb.ok, c.ok)
		}
		if got := shortOf(bb.err); got != scarce || shortOf(a.err) != 0 || shortOf(c.err) != 0 {
			t.Errorf("b refused for sku %d (a %v, c %v), want out_of_stock of %d", got, a.err, c.err, scarce)
		}
		check := func(wantPlenty, wantScarce, wantOrders, wantKeys int64) {
			t.Helper()
			var rp, rs, orders, keys, events int64
			db := st.DB()
			for _, q := range []struct {
				dst  *int64
				sql  string
				args []any
			}{
				{&rp, "SELECT reserved FROM skus WHERE id = ?", []any{plenty}},
				{&rs, "SELECT reserved FROM skus WHERE id = ?", []any{scarce}},
				{&orders, "SELECT COUNT(*) FROM orders", nil},
				{&keys, "SELECT COUNT(*) FROM idempotency_keys WHERE status = 'done'", nil},
				{&events, "SELECT COUNT(*) FROM order_events WHERE action = 'place'", nil},
			} {
				if err := db.QueryRowContext(ctx, q.sql, q.args...).Scan(q.dst); err != nil {
					t.Fatal(err)
				}
			}
			if rp != wantPlenty || rs != wantScarce || orders != wantOrders || keys != wantKeys || events != wantOrders {
				t.Errorf("reserved %d and %d, %d orders, %d keys, %d events; want %d and %d, %d, %d, %d",
					rp, rs, orders, keys, events, wantPlenty, wantScarce, wantOrders, wantKeys, wantOrders)
			}
		}
		check(6, 2, 2, 2)
		if string(a.body) != strconv.FormatInt(a.p.orders[0].ID, 10) || a.p.orders[0].ID == c.p.orders[0].ID {
			t.Errorf("bodies %q and %q for orders %d and %d", a.body, c.body, a.p.orders[0].ID, c.p.orders[0].ID)
		}
		var lines int64
		if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM order_lines WHERE order_id = ?", a.p.orders[0].ID).Scan(&lines); err != nil || lines != 2 {
			t.Errorf("order a has %d lines (%v), want 2", lines, err)
		}

		// a's key again: the whole batch rolls back
		d := pend(1, "a", LineInput{plenty, 1})
		e := pend(4, "e", LineInput{scarce, 1})
		s.writeBatch([]*pending{e, d})
		if d.ok || e.ok || d.err != nil || e.err != nil {
			t.Errorf("a batch with a stored key committed d %v, e %v, answered %v, %v", d.ok, e.ok, d.err, e.err)
		}
		check(6, 2, 2, 2)

		// both of f's SKUs short: the first in id order is named, not its
		// first line's; h, short too, has a stored key: it runs alone
		s.writeBatch([]*pending{f, h})
		if f.ok || h.ok || shortOf(f.err) != plenty || h.err != nil {
			t.Errorf("f committed %v answered %v, h committed %v answered %v; want f out_of_stock of %d, h alone",
				f.ok, f.err, h.ok, h.err, plenty)
		}
		check(6, 2, 2, 2)
	})
}
