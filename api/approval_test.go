package api_test

// Procurement controls on orders: approval by the org's China-day total
// (split orders, two colleagues, two replicas at once), the second approval
// level, approvers' notes in the history, delivery dates and an order that
// owes nothing at acceptance. Each test keeps its own record of what it
// placed and compares it with the database.

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

const (
	apvThreshold = 500_000   // ¥5,000
	apvSecond    = 1_000_000 // ¥10,000
	apvUnitCents = 49_560    // ten units: ¥4,956
)

// apvWorld is the order world with the canteen's thresholds at ¥5,000 and
// ¥10,000, a second buyer and an org_admin of the canteen, and a SKU of
// ¥495.60 with plenty of stock.
func apvWorld(t *testing.T, b storetest.Backend) (*ordWorld, int64) {
	t.Helper()
	w := ordNewWorld(t, b, testOrderLimits(), nil)
	execSQL(t, w.h, "UPDATE orgs SET approval_threshold_cents = ?, second_approval_threshold_cents = ? WHERE id = ?",
		apvThreshold, apvSecond, w.canteen.ID)
	for _, u := range []struct{ name, role string }{{"canteen_buyer2", model.RoleBuyer}, {"canteen_admin", model.RoleOrgAdmin}} {
		w.addUser(t, &model.User{Username: u.name, Role: u.role, OrgID: &w.canteen.ID})
	}
	p := &model.Product{SupplierID: w.supA.ID, Name: "金口河高山大米", CategoryCode: "grain", OriginCode: w.supA.RegionCode, OnSale: true}
	skus := []model.SKU{{Spec: "50kg", Unit: "袋", PriceCents: apvUnitCents, OnHand: 100_000}}
	if err := w.h.store.CreateProduct(context.Background(), p, skus); err != nil {
		t.Fatal(err)
	}
	return w, skus[0].ID
}

// apvDayTotal is the canteen's stored total of today.
func apvDayTotal(t *testing.T, w *ordWorld) int64 {
	t.Helper()
	return queryOne[int64](t, w.h, "SELECT COALESCE(SUM(cents), 0) FROM org_day_totals WHERE org_id = ? AND china_date = ?",
		w.canteen.ID, model.DateOf(time.Now()))
}

func TestApprovalDayTotal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w, rice := apvWorld(t, b)
		var placed int64 // what this test placed and did not cancel

		// ¥4,956 is under ¥5,000: no approval
		a := w.place(t, "canteen_buyer", rice, 10)
		placed += a.TotalCents
		if a.TotalCents != 495_600 || a.Status != model.OrderAwaitingShipment || a.ApprovalLevel != 0 {
			t.Fatalf("first order = %+v, want awaiting_shipment at level 0", a)
		}
		// a colleague's ¥4,956 the same day: ¥9,912 placed today, approval
		bo := w.place(t, "canteen_buyer2", rice, 10)
		placed += bo.TotalCents
		if bo.Status != model.OrderPendingApproval || bo.ApprovalLevel != 1 {
			t.Fatalf("second order = %+v, want pending_approval at level 1", bo)
		}
		// the same buyer clicking again is caught just the same
		c := w.place(t, "canteen_buyer", rice, 1)
		placed += c.TotalCents
		if c.Status != model.OrderPendingApproval || c.ApprovalLevel != 2 {
			t.Fatalf("third order (day total %d) = %+v, want pending_approval at level 2", placed, c)
		}
		if got := apvDayTotal(t, w); got != placed {
			t.Errorf("stored day total = %d, want %d", got, placed)
		}

		// level 1: the approver's note is kept
		got := w.act(t, "canteen_approver", bo.ID, "approve", `{"note": "同意"}`)
		if got.Status != model.OrderAwaitingShipment {
			t.Errorf("approved = %+v", got)
		}
		apvWantNote(t, w, bo.ID, "approve", "同意")

		// level 2: the approver first, then an org_admin other than them
		got = w.act(t, "canteen_approver", c.ID, "approve", `{"note": "一审同意"}`)
		if got.Status != model.OrderPendingApproval || got.FirstApprover == nil || *got.FirstApprover != w.users["canteen_approver"].ID {
			t.Errorf("after the first approval = %+v", got)
		}
		wantError(t, w.post(t, path(v1+"/orders", c.ID, "approve"), "canteen_approver", "", ""), http.StatusForbidden, "forbidden")
		wantError(t, w.post(t, path(v1+"/orders", c.ID, "approve"), "canteen_buyer", "", ""), http.StatusForbidden, "forbidden")
		ordWantStatus(t, w.h, c.ID, model.OrderPendingApproval)
		got = w.act(t, "canteen_admin", c.ID, "approve", `{"note": "二审同意"}`)
		if got.Status != model.OrderAwaitingShipment {
			t.Errorf("after the second approval = %+v", got)
		}
		apvWantNote(t, w, c.ID, "approve", "一审同意")
		apvWantNote(t, w, c.ID, "approve", "二审同意")

		// a cancelled order no longer counts
		w.act(t, "canteen_buyer", c.ID, "cancel", `{"reason": "买多了"}`)
		placed -= c.TotalCents
		if got := apvDayTotal(t, w); got != placed {
			t.Errorf("stored day total after a cancellation = %d, want %d", got, placed)
		}
		// a rejection keeps its note, and gives the amount back too
		d := w.place(t, "canteen_buyer2", rice, 2)
		if d.Status != model.OrderPendingApproval {
			t.Fatalf("fourth order = %+v", d)
		}
		got = w.act(t, "canteen_approver", d.ID, "reject", `{"note": "超出本月预算"}`)
		if got.Status != model.OrderCancelled || got.CancelReason != "超出本月预算" {
			t.Errorf("rejected = %+v", got)
		}
		apvWantNote(t, w, d.ID, "reject", "超出本月预算")
		if got := apvDayTotal(t, w); got != placed {
			t.Errorf("stored day total after a rejection = %d, want %d", got, placed)
		}
		// the stored total is the sum of the day's orders that count
		if sum := queryOne[int64](t, w.h, "SELECT COALESCE(SUM(total_cents), 0) FROM orders WHERE org_id = ? AND status <> ?",
			w.canteen.ID, model.OrderCancelled); sum != placed {
			t.Errorf("orders not cancelled sum to %d, want %d", sum, placed)
		}

		// bad input
		wantError(t, w.postBad(t, path(v1+"/orders", a.ID, "approve"), "canteen_approver", "", `{"note": 5}`),
			http.StatusBadRequest, "malformed_json", "note")
		long := jsonBody(map[string]string{"note": string(make([]rune, 301))})
		wantStatus(t, w.postBad(t, path(v1+"/orders", a.ID, "approve"), "canteen_approver", "", long), http.StatusUnprocessableEntity)
	})
}

func apvWantNote(t *testing.T, w *ordWorld, id int64, action, note string) {
	t.Helper()
	if n := queryOne[int64](t, w.h, "SELECT COUNT(*) FROM order_events WHERE order_id = ? AND action = ? AND note = ? AND actor_id IS NOT NULL",
		id, action, note); n != 1 {
		t.Errorf("order %d: %d %s events noting %q, want 1", id, n, action, note)
	}
}

// TestApprovalConcurrentReplicas: buyers of one org place ¥4,956 orders at
// once, through two routers over two stores of one database (two replicas);
// the day total is a row every placement updates, so exactly one order goes
// through without approval and the stored total is the sum of them all.
func TestApprovalConcurrentReplicas(t *testing.T) {
	// On Galera a row lock holds on its node only: the day total must still
	// catch buyers placing on three nodes at once.
	acrossReplicas(t, approvalRush)
}

// approvalRush: buyers of one org place at once, spread over replicas on b
// and others; exactly one order goes through without approval.
func approvalRush(t *testing.T, b storetest.Backend, others []storetest.Backend) {
	w, rice := apvWorld(t, b)
	engines := replicaEngines(t, w.h, others, testOrderLimits())
	const buyers = 8
	tokens := make([]string, buyers)
	for i := range buyers {
		name := fmt.Sprintf("rush_buyer_%d", i)
		w.addUser(t, &model.User{Username: name, Role: model.RoleBuyer, OrgID: &w.canteen.ID})
		tokens[i] = w.token(t, name)
	}
	codes := placeAtOnce(engines, tokens, "rush", func(int) string { return ordLines(rice, 10) })
	for i, a := range codes {
		c := a.Status
		if c != http.StatusCreated {
			t.Errorf("buyer %d: status %d", i, c)
		}
	}
	free := queryOne[int64](t, w.h, "SELECT COUNT(*) FROM orders WHERE org_id = ? AND status <> ?", w.canteen.ID, model.OrderPendingApproval)
	pending := queryOne[int64](t, w.h, "SELECT COUNT(*) FROM orders WHERE org_id = ? AND status = ?", w.canteen.ID, model.OrderPendingApproval)
	if free != 1 || pending != buyers-1 {
		t.Errorf("%d orders without approval and %d waiting, want 1 and %d", free, pending, buyers-1)
	}
	if got := apvDayTotal(t, w); got != buyers*10*apvUnitCents {
		t.Errorf("stored day total = %d, want %d", got, buyers*10*apvUnitCents)
	}
}

// TestOrderDeliveryDateWindow: a delivery date runs from today (China) to
// a year ahead.
func TestOrderDeliveryDateWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		now := time.Now().In(model.China)
		body := func(date string) string {
			return jsonBody(map[string]any{"lines": []map[string]int64{{"sku_id": w.tea, "quantity": 1}}, "delivery_date": date})
		}
		for _, date := range []string{"2020-01-01", "9999-12-31", now.AddDate(0, 0, -1).Format(model.DateLayout),
			now.AddDate(1, 0, 2).Format(model.DateLayout), "2026-02-30"} {
			wantError(t, w.postBad(t, v1+"/orders", "shopper", w.key(), body(date)), http.StatusUnprocessableEntity, "invalid", "delivery_date")
		}
		for _, date := range []string{now.Format(model.DateLayout), now.AddDate(0, 6, 0).Format(model.DateLayout)} {
			wantStatus(t, w.post(t, v1+"/orders", "shopper", w.key(), body(date)), http.StatusCreated)
		}
	})
}

// TestAcceptNothingDue: an after-delivery order of which nothing arrived
// settles at acceptance instead of staying accepted for ever.
func TestAcceptNothingDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		o := w.place(t, "canteen_buyer", w.tea, 5)
		w.ship(t, model.RoleSupplier, o.ID)
		got := w.act(t, "canteen_buyer", o.ID, "accept", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": o.Lines[0].ID, "received_quantity": 0}}, "inspection_note": "全部退回"}))
		if got.Status != model.OrderSettled || got.ReceivedCents != 0 || got.AmountDueCents != 0 {
			t.Errorf("accepted = %+v, want settled with nothing due", got)
		}
		ordWantStatus(t, w.h, o.ID, model.OrderSettled)
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "pay"), "canteen_buyer", w.key(), ""), http.StatusConflict, "invalid_transition")
	})
}
