package stats_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/stats"
)

// TestEveryOrgRankKeys: the rank keys of every org read apart (the
// period's rollup rows, the year's committed filings) are the joined
// OrgRankKeys without parents and regions, with the filing only when it
// counts (committed, approved or submitted), on orgs with and without a
// rollup row and with filings of every status; they list exactly the orgs
// with a rollup row or a filing that counts, and the count of all orgs.
func TestEveryOrgRankKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		const year, n = 2026, 150
		period := model.YearPeriod(year)
		first, figured := seedRankOrgs(t, b.Store.Gorm(), rand.New(rand.NewPCG(3, 5)), year, []int{period}, n)
		for _, committed := range []bool{true, false} {
			joined, err := b.Store.OrgRankKeys(ctx, period, year)
			if err != nil {
				t.Fatal(err)
			}
			if len(joined) < n {
				t.Fatalf("%d keys, want at least %d", len(joined), n)
			}
			every, orgs, err := b.Store.EveryOrgRankKeys(ctx, period, year, committed)
			if err != nil {
				t.Fatal(err)
			}
			if orgs != len(joined) {
				t.Fatalf("committed=%v: %d orgs, want %d", committed, orgs, len(joined))
			}
			listed := 0
			for i, k := range every {
				if i > 0 && every[i-1].ID >= k.ID {
					t.Fatalf("committed=%v: #%d id %d after %d, want ascending ids", committed, i, k.ID, every[i-1].ID)
				}
				if k.ID >= first && k.ID < first+n {
					if !figured[committed][k.ID] {
						t.Fatalf("committed=%v: org %d listed without a rollup row or a filing that counts", committed, k.ID)
					}
					listed++
				}
			}
			if listed != len(figured[committed]) {
				t.Fatalf("committed=%v: %d of the test's orgs listed, want the %d with figures", committed, listed, len(figured[committed]))
			}
			// the others, as every org's keys: absent ones are zero
			ids, err := b.Store.OrgIDs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			byID := map[int64]model.OrgRankKey{}
			for _, k := range every {
				byID[k.ID] = k
			}
			if len(ids) != len(joined) {
				t.Fatalf("OrgIDs: %d ids, want %d", len(ids), len(joined))
			}
			for i, k := range joined {
				if ids[i] != k.ID {
					t.Fatalf("OrgIDs #%d: %d, want %d", i, ids[i], k.ID)
				}
				got := byID[k.ID]
				got.ID = k.ID
				k.ParentID, k.RegionCode = 0, ""
				if !committed || (k.FilingStatus != model.FilingApproved && k.FilingStatus != model.FilingSubmitted) {
					k.FilingStatus, k.FoodBudgetCents, k.ReservedRatioBP = "", 0, 0
				}
				if got != k {
					t.Fatalf("committed=%v #%d: %+v, want %+v", committed, i, got, k)
				}
			}
		}
	})
}

// seedRankOrgs adds n orgs (ids first…first+n-1) with, for each, maybe a
// rollup row in each of periods (amounts zero, negative, round and random)
// and maybe a filing of year of any status (budgets and ratios zero
// included). figured[committed] holds the orgs with a rollup row of
// periods[0] or, when committed, an approved or submitted filing.
func seedRankOrgs(t *testing.T, db *gorm.DB, rng *rand.Rand, year int, periods []int, n int) (first int64, figured map[bool]map[int64]bool) {
	t.Helper()
	now := time.Now().UTC()
	tag := fmt.Sprintf("rank-org-%d-", rng.Int64())
	for i := 0; i < n; i++ {
		if err := db.Exec(`INSERT INTO orgs (name, kind, region_code, payment_terms, credit_kind, created_at) VALUES (?, 'canteen', '330602', 'prepaid', 'direct', ?)`,
			fmt.Sprintf("%s%d", tag, i), now).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Raw(`SELECT MIN(id) FROM orgs WHERE name LIKE ?`, tag+"%").Row().Scan(&first); err != nil {
		t.Fatal(err)
	}
	figured = map[bool]map[int64]bool{true: {}, false: {}}
	amounts := []int64{0, -50, 100, 1000, 2999, 3000, 12345}
	budgets := []int64{0, 100, 5000, 12500, 1000000}
	bps := []int64{0, 1, 500, 10000}
	statuses := []string{model.FilingApproved, model.FilingSubmitted, "draft", "rejected", ""}
	for i := 0; i < n; i++ {
		id := first + int64(i)
		for j, period := range periods {
			a := amounts[rng.IntN(len(amounts))]
			if rng.IntN(4) == 0 {
				a = rng.Int64N(1_000_000) - 1000
			}
			if rng.IntN(5) == 0 {
				continue
			}
			if err := db.Exec(`INSERT INTO rollup_orgs (period, org_id, cents, certified_cents, credited_cents, subtree_cents, subtree_certified_cents, subtree_credited_cents) VALUES (?, ?, 0, 0, 0, 0, ?, 0)`,
				period, id, a).Error; err != nil {
				t.Fatal(err)
			}
			if j == 0 {
				figured[true][id], figured[false][id] = true, true
			}
		}
		if st := statuses[rng.IntN(len(statuses))]; st != "" {
			if st == model.FilingApproved || st == model.FilingSubmitted {
				figured[true][id] = true
			}
			if err := db.Exec(`INSERT INTO filings (org_id, year, canteen_status, food_budget_cents, reserved_ratio_bp, status, updated_at) VALUES (?, ?, 'own', ?, ?, ?, ?)`,
				id, year, budgets[rng.IntN(len(budgets))], bps[rng.IntN(len(bps))], st, now).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	return first, figured
}

// TestUnitsEveryPage: the full unit ranking, read page by page at several
// page sizes, is every org ranked by completion (none last), then subtree
// certified amount, then id, with tied orgs sharing the first place of their
// tie — on pages that end before, inside and after the orgs without figures
// (no rollup row, no filing that counts), for the year and a month.
func TestUnitsEveryPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		const year, month, n = 2026, 3, 120
		seedRankOrgs(t, b.Store.Gorm(), rand.New(rand.NewPCG(7, 11)), year, []int{model.YearPeriod(year), model.YearPeriod(year) + month}, n)
		s := stats.New(b.Store, nil, b.Store)
		for _, m := range []int{0, month} {
			keys, err := b.Store.OrgRankKeys(ctx, model.YearPeriod(year)+m, year)
			if err != nil {
				t.Fatal(err)
			}
			type place struct {
				id     int64
				c      *stats.Ratio
				amount int64
				rank   int
			}
			want := make([]place, len(keys))
			for i, k := range keys {
				want[i] = place{id: k.ID, amount: k.SubtreeCertifiedCents}
				if m == 0 && (k.FilingStatus == model.FilingApproved || k.FilingStatus == model.FilingSubmitted) {
					f := model.Filing{FoodBudgetCents: k.FoodBudgetCents, ReservedRatioBP: k.ReservedRatioBP}
					want[i].c = stats.Completion(k.SubtreeCertifiedCents, f.ReservedCents())
				}
			}
			order := func(a, b place) int {
				switch {
				case (a.c == nil) != (b.c == nil):
					if a.c == nil {
						return 1
					}
					return -1
				case a.c != nil && a.c.Cmp(*b.c) != 0:
					return b.c.Cmp(*a.c)
				}
				return cmp.Compare(b.amount, a.amount)
			}
			slices.SortStableFunc(want, order) // keys are in id order
			for i := range want {
				want[i].rank = i + 1
				if i > 0 && order(want[i-1], want[i]) == 0 {
					want[i].rank = want[i-1].rank
				}
			}
			for _, size := range []int{1, 7, 50, 1000} {
				var got []stats.OrgRow
				for page := 1; ; page++ {
					r, err := s.Units(ctx, admin, stats.Query{Period: stats.Period{Year: year, Month: m}}, page, size)
					if err != nil {
						t.Fatal(err)
					}
					if r.Total != len(want) {
						t.Fatalf("month %d, page %d of %d: total %d, want %d", m, page, size, r.Total, len(want))
					}
					got = append(got, r.Items...)
					if len(r.Items) < size {
						break
					}
				}
				if len(got) != len(want) {
					t.Fatalf("month %d, pages of %d: %d rows, want %d", m, size, len(got), len(want))
				}
				for i, w := range want {
					g, rank := got[i], -1
					if g.Rank != nil {
						rank = *g.Rank
					}
					if g.Org.ID != w.id || rank != w.rank || g.SubtreeCertifiedCents != w.amount ||
						(g.Completion == nil) != (w.c == nil) || (w.c != nil && g.Completion.Cmp(*w.c) != 0) {
						t.Fatalf("month %d, pages of %d, place %d: org %d rank %v amount %d completion %v; want org %d rank %d amount %d completion %v",
							m, size, i+1, g.Org.ID, rank, g.SubtreeCertifiedCents, g.Completion, w.id, w.rank, w.amount, w.c)
					}
				}
			}
		}
	})
}
