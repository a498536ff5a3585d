package stats_test

import (
	"context"
	"fmt"
	"testing"

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
