package store_test

import (
	"testing"

	"shanhai/model"
)

// TestRollupPlatformsBackfill: migration 0033 fills rollup_platforms from
// the entries already rolled up, the same rows the rollup worker writes —
// a rebuild afterwards finds nothing to correct — and an entry still
// pending is left to the worker.
func TestRollupPlatformsBackfill(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		ctx := t.Context()
		st := migrated(t, dsn)
		inserts := backfills(t, dialect, 33, "INSERT INTO rollup_platforms")
		if len(inserts) != 2 {
			t.Fatalf("migration 0033 has %d back-fill INSERTs into rollup_platforms, want 2", len(inserts))
		}
		p := int64(41)
		entry := func(period int, amount int64, platform, region string, pairing *int64) *model.Credit {
			return &model.Credit{Source: model.SourceAcceptance, OrderID: 1, LineID: 1, Quantity: 1, AmountCents: amount,
				PairingID: pairing, Certified: true, BuyerRegion: region, Kind: model.CreditDirect, Channel: model.OrgCanteen,
				CategoryCode: "grain", OriginCode: "511113", Period: period, CreditDate: "2027-03-15", Orders: 1,
				SupplierID: 7, Sector: "government", Platform: platform}
		}
		rolled := []*model.Credit{entry(202703, 300, model.PlatformMall, "330604", &p), entry(202703, 200, "832", "330604", &p),
			entry(202704, -50, model.PlatformMall, "330604", &p), entry(202704, 70, "zcy", "330603", nil)}
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
		if err := st.AddCredits(ctx, []*model.Credit{entry(202705, 999, model.PlatformMall, "330604", &p)}); err != nil {
			t.Fatal(err) // pending: the migration leaves it to the worker
		}
		db := st.DB()
		if _, err := db.ExecContext(ctx, "DELETE FROM rollup_platforms"); err != nil {
			t.Fatal(err)
		}
		for _, q := range inserts {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		for _, tc := range []struct {
			period  int
			pairing int64
			mall    bool
			cents   int64
		}{{202703, 41, true, 300}, {202703, 41, false, 200}, {202700, 41, true, 250}, {202700, 0, false, 70}, {202705, 41, true, 0}} {
			var cents int64
			err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(cents), 0) FROM rollup_platforms WHERE period = ? AND pairing_id = ? AND mall = ?",
				tc.period, tc.pairing, tc.mall).Scan(&cents)
			if err != nil || cents != tc.cents {
				t.Errorf("%+v: %d cents, %v", tc, cents, err)
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
