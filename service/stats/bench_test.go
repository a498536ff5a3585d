package stats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/stats"
)

// BenchmarkUncached times the answers without a cache over a year of
// rollups the size a busy ledger gives: every pairing, reason, kind and
// channel in every month, and 500 sibling orgs. What a request reads does
// not grow with the ledger, only with these rollup rows.
func BenchmarkUncached(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			f := seed(b, be.Store)
			db := be.Store.Gorm()
			channels := []string{"app", model.OrgCanteen, model.OrgUnion, model.OrgGovernment, model.OrgEnterprise, model.OrgSupermarket}
			var rows []model.RollupPairing
			for m := 1; m <= 12; m++ {
				for _, pid := range f.p {
					for _, ch := range channels {
						for _, k := range []string{model.CreditDirect, model.CreditAssisted} {
							rows = append(rows, model.RollupPairing{Period: 202700 + m, PairingID: pid, Kind: k, Channel: ch, Cents: 1000, Orders: 1})
							rows = append(rows, model.RollupPairing{Period: 202700, PairingID: pid, Kind: k, Channel: ch + fmt.Sprint(m), Cents: 1000, Orders: 1})
						}
					}
				}
			}
			if err := db.CreateInBatches(rows, 200).Error; err != nil {
				b.Fatal(err)
			}
			parent := f.org["A"]
			var orgs []model.RollupOrg
			for i := 0; i < 500; i++ {
				o := &model.Org{Name: fmt.Sprintf("bench-%d", i), Kind: model.OrgCanteen, RegionCode: "330604",
					PaymentTerms: model.TermsPrepay, CreditKind: model.CreditDirect, ParentID: &parent.ID}
				if err := be.Store.CreateOrg(context.Background(), o); err != nil {
					b.Fatal(err)
				}
				orgs = append(orgs, model.RollupOrg{Period: 202700, OrgID: o.ID, Cents: int64(i), CertifiedCents: int64(i), SubtreeCertifiedCents: int64(i)})
			}
			if err := db.CreateInBatches(orgs, 200).Error; err != nil {
				b.Fatal(err)
			}
			s := stats.New(be.Store, nil, be.Store)
			ctx := context.Background()
			b.Run("pairings", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2027, Month: 0}}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("orgs", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Orgs(ctx, admin, stats.Query{Period: stats.Period{Year: 2027}, ParentID: parent.ID}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("regions", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Districts(ctx, shangyuOfficer, stats.Query{Period: stats.Period{Year: 2027}}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkUnits times the ranking of every org (5,000 of them, most with
// a committed filing and a year's rollup row) without a cache, one page.
func BenchmarkUnits(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			const year, n = 2027, 5000
			if err := seedUnits(be.Store.Gorm(), year, n); err != nil {
				b.Fatal(err)
			}
			s := stats.New(be.Store, nil, be.Store)
			ctx := context.Background()
			for b.Loop() {
				if _, err := s.Units(ctx, admin, stats.Query{Period: stats.Period{Year: year}}, 1, 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seedUnits adds n orgs with a rollup row of year and, for 9 in 10, an
// approved filing; once per database (benchmarks run again on the same).
func seedUnits(db *gorm.DB, year, n int) error {
	var have int64
	if err := db.Table("orgs").Where("name LIKE 'unit-%'").Count(&have).Error; err != nil || have > 0 {
		return err
	}
	period := model.YearPeriod(year)
	now := time.Now().UTC()
	var orgs []map[string]any
	for i := 0; i < n; i++ {
		orgs = append(orgs, map[string]any{"name": fmt.Sprintf("unit-%d", i), "kind": model.OrgCanteen, "region_code": "330604",
			"payment_terms": model.TermsPrepay, "credit_kind": model.CreditDirect, "created_at": now})
	}
	if err := db.Table("orgs").CreateInBatches(orgs, 500).Error; err != nil {
		return err
	}
	var ids []int64
	if err := db.Table("orgs").Where("name LIKE 'unit-%'").Order("id").Pluck("id", &ids).Error; err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rolled []model.RollupOrg
	var filings []model.Filing
	for i, id := range ids {
		c := rng.Int64N(5_000_000)
		rolled = append(rolled, model.RollupOrg{Period: period, OrgID: id, Cents: c, CertifiedCents: c, SubtreeCents: c, SubtreeCertifiedCents: c})
		if i%10 != 0 {
			filings = append(filings, model.Filing{OrgID: id, Year: year, Status: model.FilingApproved,
				FoodBudgetCents: 10_000_000 + rng.Int64N(10_000_000), ReservedRatioBP: 1000 + rng.Int64N(2000), UpdatedAt: now})
		}
	}
	if err := db.CreateInBatches(rolled, 500).Error; err != nil {
		return err
	}
	return db.CreateInBatches(filings, 500).Error
}
