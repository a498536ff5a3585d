package store_test

import (
	"testing"

	"shanhai/model"
)

// TestRollupFacetsBackfill: migration 0037 fills rollup_facets from
// rollup_sales, the same rows the rollup worker writes — a rebuild
// afterwards finds nothing to correct — and an entry still pending is left
// to the worker.
func TestRollupFacetsBackfill(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		ctx := t.Context()
		st := migrated(t, dsn)
		inserts := backfills(t, dialect, 37, "INSERT INTO rollup_facets")
		if len(inserts) != 7 {
			t.Fatalf("migration 0037 has %d back-fill INSERTs into rollup_facets, want 7 (one per breakdown)", len(inserts))
		}
		p, q := int64(41), int64(42)
		entry := func(period int, amount int64, orders int, supplier int64, sector string, pairing *int64) *model.Credit {
			return &model.Credit{Source: model.SourceAcceptance, OrderID: 1, LineID: 1, Quantity: 1, AmountCents: amount,
				PairingID: pairing, Certified: true, BuyerRegion: "330604", Kind: model.CreditDirect, Channel: model.OrgCanteen,
				CategoryCode: "grain", OriginCode: "511113", Period: period, CreditDate: "2027-03-15", Orders: orders,
				SupplierID: supplier, Sector: sector, Platform: model.PlatformMall, PointType: "counter"}
		}
		rolled := []*model.Credit{entry(202703, 300, 1, 7, "school", &p), entry(202703, 200, 0, 8, "school", &p),
			entry(202704, -50, 0, 7, "", &p), entry(202704, 70, 1, 7, "school", &q), entry(202704, 30, 1, 7, "school", nil)}
		if err := st.AddCredits(ctx, rolled); err != nil {
			t.Fatal(err)
		}
		ids, err := st.PendingCredits(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := st.RollUp(ctx, ids); err != nil || n != len(rolled) {
			t.Fatalf("RollUp = %d, %v", n, err)
		}
		if err := st.AddCredits(ctx, []*model.Credit{entry(202705, 999, 1, 7, "school", &p)}); err != nil {
			t.Fatal(err) // pending: the migration leaves it to the worker
		}
		db := st.DB()
		if _, err := db.ExecContext(ctx, "DELETE FROM rollup_facets"); err != nil {
			t.Fatal(err)
		}
		for _, q := range inserts {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		for _, tc := range []struct {
			period        int
			facet, code   string
			pairing       int64
			cents, orders int64
		}{
			{202703, model.FacetSupplier, "7", 41, 300, 1}, {202703, model.FacetSupplier, "8", 41, 200, 0},
			{202700, model.FacetSupplier, "7", 41, 250, 1}, {202700, model.FacetSupplier, "7", 42, 70, 1},
			{202700, model.FacetSupplier, "7", 0, 30, 1}, {202700, model.FacetSector, "school", 41, 500, 1},
			{202700, model.FacetSector, "", 41, -50, 0}, {202700, model.FacetOrigin, "511113", 41, 450, 1},
			{202704, model.FacetCategory, "grain", 42, 70, 1}, {202703, model.FacetChannel, model.OrgCanteen, 41, 500, 1},
			{202700, model.FacetPlatform, model.PlatformMall, 0, 30, 1}, {202700, model.FacetPointType, "counter", 41, 450, 1},
			{202705, model.FacetOrigin, "511113", 41, 0, 0},
		} {
			var cents, orders int64
			err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(cents), 0), COALESCE(SUM(orders), 0) FROM rollup_facets "+
				"WHERE period = ? AND facet = ? AND code = ? AND pairing_id = ?", tc.period, tc.facet, tc.code, tc.pairing).Scan(&cents, &orders)
			if err != nil || cents != tc.cents || orders != tc.orders {
				t.Errorf("%+v: %d cents, %d orders, %v", tc, cents, orders, err)
			}
		}
		rep, err := st.RebuildRollups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Corrected != 0 || rep.Pending != 1 || rep.Entries != int64(len(rolled)) {
			t.Errorf("rebuild after the back-fill: %+v", rep)
		}
	})
}
