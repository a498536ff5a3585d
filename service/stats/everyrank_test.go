package stats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// TestEveryOrgRankKeys: the rank keys of every org read apart (the ids,
// the period's rollup rows, the year's committed filings) are the joined
// OrgRankKeys without parents and regions, with the filing only when it
// counts (committed, approved or submitted), on orgs with and without a
// rollup row and with filings of every status.
func TestEveryOrgRankKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.Store.Gorm()
		rng := rand.New(rand.NewPCG(3, 5))
		const year, n = 2026, 150
		period := model.YearPeriod(year)
		now := time.Now().UTC()
		var first int64
		for i := 0; i < n; i++ {
			if err := db.Exec(`INSERT INTO orgs (name, kind, region_code, payment_terms, credit_kind, created_at) VALUES (?, 'canteen', '330602', 'prepaid', 'direct', ?)`,
				fmt.Sprintf("rank-org-%d", i), now).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Raw(`SELECT MIN(id) FROM orgs WHERE name LIKE 'rank-org-%'`).Row().Scan(&first); err != nil {
			t.Fatal(err)
		}
		amounts := []int64{0, -50, 100, 1000, 2999, 3000, 12345}
		budgets := []int64{0, 100, 5000, 12500, 1000000}
		bps := []int64{0, 1, 500, 10000}
		statuses := []string{model.FilingApproved, model.FilingSubmitted, "draft", "rejected", ""}
		for i := 0; i < n; i++ {
			id := first + int64(i)
			a := amounts[rng.IntN(len(amounts))]
			if rng.IntN(4) == 0 {
				a = rng.Int64N(1_000_000) - 1000
			}
			if rng.IntN(5) != 0 {
				if err := db.Exec(`INSERT INTO rollup_orgs (period, org_id, cents, certified_cents, credited_cents, subtree_cents, subtree_certified_cents, subtree_credited_cents) VALUES (?, ?, 0, 0, 0, 0, ?, 0)`,
					period, id, a).Error; err != nil {
					t.Fatal(err)
				}
			}
			if st := statuses[rng.IntN(len(statuses))]; st != "" {
				if err := db.Exec(`INSERT INTO filings (org_id, year, canteen_status, food_budget_cents, reserved_ratio_bp, status, updated_at) VALUES (?, ?, 'own', ?, ?, ?, ?)`,
					id, year, budgets[rng.IntN(len(budgets))], bps[rng.IntN(len(bps))], st, now).Error; err != nil {
					t.Fatal(err)
				}
			}
		}

		for _, committed := range []bool{true, false} {
			joined, err := b.Store.OrgRankKeys(ctx, period, year)
			if err != nil {
				t.Fatal(err)
			}
			if len(joined) < n {
				t.Fatalf("%d keys, want at least %d", len(joined), n)
			}
			every, err := b.Store.EveryOrgRankKeys(ctx, period, year, committed)
			if err != nil {
				t.Fatal(err)
			}
			if len(every) != len(joined) {
				t.Fatalf("committed=%v: %d keys, want %d", committed, len(every), len(joined))
			}
			for i, k := range joined {
				k.ParentID, k.RegionCode = 0, ""
				if !committed || (k.FilingStatus != model.FilingApproved && k.FilingStatus != model.FilingSubmitted) {
					k.FilingStatus, k.FoodBudgetCents, k.ReservedRatioBP = "", 0, 0
				}
				if every[i] != k {
					t.Fatalf("committed=%v #%d: %+v, want %+v", committed, i, every[i], k)
				}
			}
		}
	})
}
