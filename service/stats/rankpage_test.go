package stats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/stats"
)

// TestOrgRankPageAgrees: the ranking the database computes
// (store.OrgRankPage) lists, page by page, the same orgs with the same ranks
// as ranking every org's rank keys by the service's rule (completion of the
// reserved share rounded to four places, then subtree certified purchases,
// ties sharing a rank), on orgs with many ties, negative purchases, no
// filings and uncommitted filings; with figures beyond 64-bit arithmetic
// it declines (nil) rather than answer.
func TestOrgRankPageAgrees(t *testing.T) {
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

		check := func(committed bool) {
			t.Helper()
			keys, err := b.Store.OrgRankKeys(ctx, period, year)
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				id     int64
				c      *stats.Ratio
				amount int64
				rank   int
			}
			var all []row
			for _, k := range keys {
				r := row{id: k.ID, amount: k.SubtreeCertifiedCents}
				if committed && (k.FilingStatus == model.FilingApproved || k.FilingStatus == model.FilingSubmitted) {
					r.c = stats.Completion(k.SubtreeCertifiedCents, model.Filing{FoodBudgetCents: k.FoodBudgetCents, ReservedRatioBP: k.ReservedRatioBP}.ReservedCents())
				}
				all = append(all, r)
			}
			cmp := func(a, b row) int {
				switch {
				case (a.c == nil) != (b.c == nil):
					if a.c == nil {
						return 1
					}
					return -1
				case a.c != nil && a.c.Cmp(*b.c) != 0:
					return -a.c.Cmp(*b.c)
				case a.amount != b.amount:
					if a.amount > b.amount {
						return -1
					}
					return 1
				}
				return 0
			}
			slices.SortStableFunc(all, func(a, b row) int {
				if c := cmp(a, b); c != 0 {
					return c
				}
				return int(a.id - b.id)
			})
			for j := range all {
				all[j].rank = j + 1
				if j > 0 && cmp(all[j-1], all[j]) == 0 {
					all[j].rank = all[j-1].rank
				}
			}
			for _, size := range []int{1, 7, 20, 1000} {
				for from := 0; from <= len(all)+size; from += size {
					pg, err := b.Store.OrgRankPage(ctx, period, year, committed, from, size)
					if err != nil || pg == nil {
						t.Fatalf("page from %d size %d: %v %v", from, size, pg, err)
					}
					if pg.Total != len(all) {
						t.Fatalf("total %d, want %d", pg.Total, len(all))
					}
					want := all[min(from, len(all)):min(from+size, len(all))]
					if len(pg.IDs) != len(want) {
						t.Fatalf("committed=%v from %d size %d: %d ids, want %d", committed, from, size, len(pg.IDs), len(want))
					}
					for j, w := range want {
						if pg.IDs[j] != w.id || pg.Ranks[j] != w.rank {
							t.Fatalf("committed=%v from %d size %d, #%d: org %d rank %d, want org %d rank %d",
								committed, from, size, j, pg.IDs[j], pg.Ranks[j], w.id, w.rank)
						}
					}
				}
			}
		}
		check(true)
		check(false)

		// a committed org beyond 64-bit arithmetic: the database declines
		var big int64
		if err := db.Raw(`SELECT MIN(f.org_id) FROM filings f JOIN rollup_orgs r ON r.org_id = f.org_id AND r.period = ? WHERE f.status = ? AND f.year = ?`,
			period, model.FilingApproved, year).Row().Scan(&big); err != nil {
			t.Fatal(err)
		}
		if res := db.Exec(`UPDATE rollup_orgs SET subtree_certified_cents = ? WHERE org_id = ? AND period = ?`, int64(1)<<50, big, period); res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("update: %v, %d rows", res.Error, res.RowsAffected)
		}
		pg, err := b.Store.OrgRankPage(ctx, period, year, true, 0, 20)
		if err != nil || pg != nil {
			t.Fatalf("out of range: %v %v, want nil", pg, err)
		}
	})
}
