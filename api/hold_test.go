package api_test

// The hold share: no buyer (a consumer; an org, all its buyers together)
// holds more than SHANHAI_HOLD_SHARE percent of a SKU's on-hand units in
// open, unshipped orders, rounded up and at least one unit. Checked one by
// one, then with one org's buyers racing on two replicas; the test keeps
// its own record and reads the database.

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// holdWorld is the order world at the default share (50%) with a SKU of
// onHand units sold by supA.
func holdWorld(t *testing.T, b storetest.Backend, onHand int64) (*ordWorld, int64) {
	t.Helper()
	limits := testOrderLimits()
	limits.HoldShare = 50
	w := ordNewWorld(t, b, limits, nil)
	return w, holdSKU(t, w, onHand)
}

func holdSKU(t *testing.T, w *ordWorld, onHand int64) int64 {
	t.Helper()
	p := &model.Product{SupplierID: w.supA.ID, Name: fmt.Sprintf("金口河黄牛肉 %d", onHand), CategoryCode: "meat",
		OriginCode: w.supA.RegionCode, OnSale: true}
	skus := []model.SKU{{Spec: "1kg", Unit: "袋", PriceCents: 100, OnHand: onHand}}
	if err := w.h.store.CreateProduct(context.Background(), p, skus); err != nil {
		t.Fatal(err)
	}
	return skus[0].ID
}

func holdUnits(t *testing.T, w *ordWorld, holder string, sku int64) int64 {
	t.Helper()
	return queryOne[int64](t, w.h, "SELECT COALESCE(SUM(units), 0) FROM buyer_holds WHERE holder = ? AND sku_id = ?", holder, sku)
}

func TestHoldShare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w, beef := holdWorld(t, b, 570)
		w.addUser(t, &model.User{Username: "market_buyer2", Role: model.RoleBuyer, OrgID: &w.market.ID})
		market := fmt.Sprintf("o%d", w.market.ID)

		// the whole stock, unpaid, for 30 days: refused
		wantError(t, w.post(t, v1+"/orders", "market_buyer", w.key(), ordLines(beef, 570)), http.StatusConflict, "hold_share")
		ordWantStock(t, w.h, beef, 570, 0)
		// half of it (rounded up) is the supermarket's share
		m := w.place(t, "market_buyer", beef, 285)
		wantError(t, w.post(t, v1+"/orders", "market_buyer", w.key(), ordLines(beef, 1)), http.StatusConflict, "hold_share")
		// a colleague buys for the same org: the org's share is spent
		wantError(t, w.post(t, v1+"/orders", "market_buyer2", w.key(), ordLines(beef, 1)), http.StatusConflict, "hold_share")
		if got := holdUnits(t, w, market, beef); got != 285 {
			t.Errorf("market holds %d, want 285", got)
		}
		// everyone else still sees, and can buy, the other half
		res := w.h.get(t, path(v1+"/products", queryOne[int64](t, w.h, "SELECT product_id FROM skus WHERE id = ?", beef)))
		wantStatus(t, res, http.StatusOK)
		if p := decode[product](t, res); p.SKUs[0].Available != 285 {
			t.Errorf("available to others = %d, want 285", p.SKUs[0].Available)
		}
		s := w.place(t, "shopper", beef, 285)
		ordWantStock(t, w.h, beef, 570, 570)

		// shipped goods no longer count against the buyer
		w.pay(t, "market_buyer", m.ID, "instant")
		w.ship(t, model.RoleSupplier, m.ID)
		if got := holdUnits(t, w, market, beef); got != 0 {
			t.Errorf("market holds %d after shipment, want 0", got)
		}
		// cancelled ones neither
		w.act(t, "shopper", s.ID, "cancel", "")
		if got := holdUnits(t, w, fmt.Sprintf("u%d", w.users["shopper"].ID), beef); got != 0 {
			t.Errorf("shopper holds %d after cancelling, want 0", got)
		}
		// 285 on hand now: the share is 143
		wantError(t, w.post(t, v1+"/orders", "market_buyer2", w.key(), ordLines(beef, 144)), http.StatusConflict, "hold_share")
		w.place(t, "market_buyer2", beef, 143)

		// the last unit still sells
		last := holdSKU(t, w, 1)
		w.place(t, "shopper", last, 1)
		ordWantStock(t, w.h, last, 1, 1)

		// the stored holdings are the open, unshipped units the test placed
		if n := queryOne[int64](t, w.h, `SELECT COUNT(*) FROM buyer_holds h WHERE h.units <> (SELECT COALESCE(SUM(l.quantity), 0)
			FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sku_id = h.sku_id AND o.status IN (?, ?, ?)
			AND ((o.org_id IS NULL AND h.holder = CONCAT('u', o.user_id)) OR h.holder = CONCAT('o', o.org_id)))`,
			model.OrderPendingApproval, model.OrderPendingPayment, model.OrderAwaitingShipment); n != 0 {
			t.Errorf("%d holdings differ from the open orders", n)
		}
	})
}

// TestHoldShareReplicas: six buyers of one org order 100 of a SKU with
// 1000 on hand at once, through two routers over two stores (two
// replicas): the org's share is 500, so exactly five orders are placed.
func TestHoldShareReplicas(t *testing.T) {
	// On Galera the buyer's holdings row, not a lock, must decide.
	acrossReplicas(t, holdRush)
}

// holdRush: buyers of one org order at once, spread over replicas on b and
// others; the org's hold share lets exactly five orders through.
func holdRush(t *testing.T, b storetest.Backend, others []storetest.Backend) {
	w, beef := holdWorld(t, b, 1000)
	limits := testOrderLimits()
	limits.HoldShare = 50
	engines := replicaEngines(t, w.h, others, limits)
	const buyers = 6
	tokens := make([]string, buyers)
	for i := range buyers {
		name := fmt.Sprintf("hold_buyer_%d", i)
		w.addUser(t, &model.User{Username: name, Role: model.RoleBuyer, OrgID: &w.market.ID})
		tokens[i] = w.token(t, name)
	}
	codes := placeAtOnce(engines, tokens, "hold", func(int) string { return ordLines(beef, 100) })
	placed := 0
	for i, a := range codes {
		c := a.Status
		switch c {
		case http.StatusCreated:
			placed++
		case http.StatusConflict:
		default:
			t.Errorf("buyer %d: status %d", i, c)
		}
	}
	if placed != 5 {
		t.Errorf("%d orders placed, want 5", placed)
	}
	if got := holdUnits(t, w, fmt.Sprintf("o%d", w.market.ID), beef); got != int64(placed)*100 {
		t.Errorf("org holds %d, want %d", got, placed*100)
	}
	ordWantStock(t, w.h, beef, 1000, int64(placed)*100)
}
