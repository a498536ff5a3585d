package demo

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/credit"
	"shanhai/service/order"
	"shanhai/service/payment"
	"shanhai/service/stats"
	"shanhai/service/stock"
)

// trade loads the demo into b's fresh database and runs its orders through
// a real order service and credit ledger, dated today (the service's clock).
func trade(t *testing.T, st *store.Store, at time.Time) {
	t.Helper()
	ctx := context.Background()
	if loaded, err := Load(ctx, st, at); err != nil || !loaded {
		t.Fatalf("load: got (%v, %v), want (true, nil)", loaded, err)
	}
	ledger := credit.New(st, nil)
	mall := order.New(st, cache.NewGeography(st, time.Second), stock.New(st, st, 0), ledger, payment.NewSandbox("x"), nil, order.Limits{
		UnpaidTTL: 30 * time.Minute, OrgUnpaidTTL: 720 * time.Hour, ApprovalTTL: 72 * time.Hour,
		AutoAccept: 168 * time.Hour, ReturnWindow: 168 * time.Hour, ReturnAutoApprove: 72 * time.Hour,
		RateOrders: 120})
	start := time.Now()
	n, err := Orders(ctx, st, mall, ledger, at)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d demo orders in %v", n, time.Since(start).Round(time.Millisecond))
	if n != len(orders) {
		t.Errorf("placed: got %d orders, want %d", n, len(orders))
	}
	if left, err := ledger.Drain(ctx); err != nil || left != 0 {
		t.Errorf("rollups after Orders: got (%d entries, %v) still pending, want (0, nil)", left, err)
	}
}

func scalar(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

func TestOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		at := time.Now()
		trade(t, b.Store, at)
		db := b.Store.DB()

		// The database holds the orders in the states the table asks for.
		want := map[string]int64{}
		for _, r := range orders {
			want[r.to]++
		}
		for _, status := range []string{model.OrderPendingApproval, model.OrderPendingPayment, model.OrderAwaitingShipment,
			model.OrderShipped, model.OrderAccepted, model.OrderSettled, model.OrderCancelled} {
			got := scalar(t, db, "SELECT COUNT(*) FROM orders WHERE status = ?", status)
			if got != want[status] {
				t.Errorf("%s orders: got %d, want %d", status, got, want[status])
			}
			if status != model.OrderCancelled && got == 0 {
				t.Errorf("no %s order: the order lists should show every state", status)
			}
		}
		if got := scalar(t, db, "SELECT COUNT(*) FROM returns WHERE status = ?", model.ReturnApproved); got != 2 {
			t.Errorf("approved returns: got %d, want 2", got)
		}
		if got := scalar(t, db, "SELECT COUNT(*) FROM order_lines WHERE received_qty < quantity"); got < 3 {
			t.Errorf("short lines: got %d, want at least 3", got)
		}
		kept := scalar(t, db, "SELECT SUM(received_cents - returned_cents) FROM orders WHERE status IN (?, ?)",
			model.OrderAccepted, model.OrderSettled)
		ledger := scalar(t, db, "SELECT SUM(amount_cents) FROM credits")
		if kept <= 0 || ledger != kept {
			t.Errorf("ledger: got %d cents, want %d (received less returned, from the orders)", ledger, kept)
		}

		// The statistics show it: every pairing has a target and figures.
		year := at.In(model.China).Year()
		admin, err := b.Store.UserByUsername(ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := stats.New(b.Store, nil, b.Store).Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: year}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Items) != len(pairings) {
			t.Errorf("pairing rows: got %d, want %d", len(rep.Items), len(pairings))
		}
		var own, assisted int64
		for _, it := range rep.Items {
			name := it.Pairing.Helper.Name + "–" + it.Pairing.Partner.Name
			if it.CreditedCents <= 0 || it.Orders <= 0 {
				t.Errorf("%s: credited %d cents in %d orders, want figures", name, it.CreditedCents, it.Orders)
			}
			if it.TargetCents == nil || *it.TargetCents <= 0 || it.Completion == nil {
				t.Errorf("%s: target %v, completion %v, want both", name, it.TargetCents, it.Completion)
			}
			if it.DirectCents+it.AssistedCents != it.CreditedCents {
				t.Errorf("%s: direct %d + assisted %d != credited %d", name, it.DirectCents, it.AssistedCents, it.CreditedCents)
			}
			own += it.CreditedCents - it.CountyCents
			assisted += it.AssistedCents
			if it.Pairing.Helper.Code == "330600" && it.Pairing.Partner.Code == "511100" &&
				(it.CountyCents <= 0 || it.CreditedCents <= it.CountyCents) {
				t.Errorf("%s: credited %d, county part %d, want both its own and a county part", name, it.CreditedCents, it.CountyCents)
			}
		}
		if assisted <= 0 {
			t.Error("no assisted sales: the supermarket's purchases should show")
		}
		notCredited := map[string]int64{}
		for _, r := range rep.NotCredited {
			notCredited[r.Reason] = r.Cents
		}
		for _, reason := range []string{model.ReasonUncertified, model.ReasonCertExpired, model.ReasonNoPairing} {
			if notCredited[reason] <= 0 {
				t.Errorf("not credited for %s: got %d cents, want some", reason, notCredited[reason])
			}
		}
		if own+rep.NotCreditedCents != ledger {
			t.Errorf("statistics: credited %d + not credited %d != the ledger's %d", own, rep.NotCreditedCents, ledger)
		}

		// The canteens under 绍兴市机关事务管理局 have approved filings and progress.
		gov, err := b.Store.UserByUsername(ctx, "gov.admin")
		if err != nil {
			t.Fatal(err)
		}
		orgRep, err := stats.New(b.Store, nil, b.Store).Orgs(ctx, admin, stats.Query{Period: stats.Period{Year: year}, ParentID: *gov.OrgID})
		if err != nil {
			t.Fatal(err)
		}
		if len(orgRep.Items) != 2 {
			t.Errorf("canteens under %d: got %d, want 2", *gov.OrgID, len(orgRep.Items))
		}
		for _, r := range orgRep.Items {
			if r.FilingStatus == nil || *r.FilingStatus != model.FilingApproved || r.ReservedCents == nil || r.Completion == nil || r.SubtreeCertifiedCents <= 0 {
				t.Errorf("%s: filing %v, reserved %v, completion %v, certified %d", r.Org.Name, r.FilingStatus,
					r.ReservedCents, r.Completion, r.SubtreeCertifiedCents)
			}
		}

		// Loading again changes nothing, orders and ledger included.
		if loaded, err := Load(ctx, b.Store, at); err != nil || loaded {
			t.Fatalf("second load: got (%v, %v), want (false, nil)", loaded, err)
		}
		if got := scalar(t, db, "SELECT COUNT(*) FROM orders"); got != int64(len(orders)) {
			t.Errorf("orders after the second load: got %d, want %d", got, len(orders))
		}
		if got := scalar(t, db, "SELECT SUM(amount_cents) FROM credits"); got != ledger {
			t.Errorf("ledger after the second load: got %d cents, want %d", got, ledger)
		}
	})
}
