package store_test

import (
	"testing"
	"time"

	"shanhai/model"
)

// TestProcurementBackfills: migrations 0022, 0023 and 0042 fill the org
// day totals, the buyers' holdings and the users' holdings (the SKU cap)
// from the orders already there (orders
// written by the store, so their times are stored as the store stores them).
func TestProcurementBackfills(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		ctx := t.Context()
		st := migrated(t, dsn)
		backfill := map[int]string{}
		for v, prefix := range map[int]string{22: "INSERT INTO org_day_totals", 23: "INSERT INTO buyer_holds", 42: "INSERT INTO user_holds"} {
			backfill[v] = backfills(t, dialect, v, prefix)[0]
		}
		org := int64(7)
		for _, o := range []*model.Order{
			{UserID: 1, OrgID: &org, SupplierID: 1, Status: model.OrderAwaitingShipment, TotalCents: 1000,
				Lines: []model.OrderLine{{SKUID: 1, ProductID: 1, Quantity: 3}}},
			{UserID: 1, OrgID: &org, SupplierID: 1, Status: model.OrderCancelled, TotalCents: 500,
				Lines: []model.OrderLine{{SKUID: 1, ProductID: 1, Quantity: 9}}},
			{UserID: 9, SupplierID: 1, Status: model.OrderPendingPayment, TotalCents: 200,
				Lines: []model.OrderLine{{SKUID: 1, ProductID: 1, Quantity: 2}}},
			{UserID: 9, SupplierID: 1, Status: model.OrderShipped, TotalCents: 100,
				Lines: []model.OrderLine{{SKUID: 1, ProductID: 1, Quantity: 1}}},
		} {
			if err := st.CreateOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		db := st.DB()
		for _, v := range []int{22, 23, 42} {
			if _, err := db.ExecContext(ctx, backfill[v]); err != nil {
				t.Fatalf("back-fill of %d: %v", v, err)
			}
		}
		got, err := st.OrgDayTotal(ctx, org, model.DateOf(time.Now()))
		if err != nil || got != 1000 {
			t.Errorf("day total = %d, %v; want 1000", got, err)
		}
		for holder, want := range map[string]int64{"o7": 3, "u9": 2} {
			var units int64
			if err := db.QueryRowContext(ctx, "SELECT units FROM buyer_holds WHERE holder = ? AND sku_id = 1", holder).Scan(&units); err != nil || units != want {
				t.Errorf("%s holds %d, %v; want %d", holder, units, err, want)
			}
		}
		// an org buyer's own units; a consumer's are its buyer row ("u9")
		for user, want := range map[int64]int64{1: 3, 9: 0} {
			var units int64
			if err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(units), 0) FROM user_holds WHERE user_id = ? AND sku_id = 1", user).Scan(&units); err != nil || units != want {
				t.Errorf("user %d holds %d, %v; want %d", user, units, err, want)
			}
		}
	})
}
