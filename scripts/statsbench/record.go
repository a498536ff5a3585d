package main

import (
	"context"
	"math/rand/v2"
	"strconv"

	"shanhai/model"
	"shanhai/scripts/bench"
)

// record is the bench's own account of the ledger it generated, per year:
// the pairing figures (pairing 0 = not credited, by reason; in the mall or
// not), the credited figures by buyer region, the sales by each breakdown's
// value, and every org's own and subtree figures, in all and per pairing.
// Filings and targets are sized from it, and the database's figures are
// checked against it.
type record struct {
	entries     int64
	pairings    map[pairingKey]sums
	areas       map[areaKey]sums
	sales       map[saleKey]sums
	orgs        map[orgKey]orgFigures
	orgPairings map[orgPairingKey]orgPairing
	filings     map[orgKey]filing // what was filed, per org and year
	targets     map[targetKey]int64
}

type targetKey struct {
	year    int
	pairing int64
}

type pairingKey struct {
	year    int
	pairing int64
	reason  string
	kind    string
	mall    bool // made in the mall (platform "mall"), not an off-platform record
}

type sums struct{ cents, orders int64 }

// addTo adds v to m[k].
func addTo[K comparable](m map[K]sums, k K, v sums) {
	s := m[k]
	s.cents, s.orders = s.cents+v.cents, s.orders+v.orders
	m[k] = s
}

// areaKey: the credited entries of a pairing by buyer region and kind.
type areaKey struct {
	year    int
	pairing int64
	region  string
	kind    string
}

// saleKey: the entries with one value of one breakdown (facet: origin,
// category, supplier, channel, platform, point type, sector), credited or
// not.
type saleKey struct {
	year int
	cell saleCell
}

type saleCell struct {
	facet, code string
	credited    bool
}

type orgPairingKey struct {
	year         int
	org, pairing int64 // pairing 0: not credited
}

// orgPairing is what an org and its subtree bought for one pairing.
type orgPairing struct{ cents, subCents int64 }

type orgKey struct {
	year int
	org  int64
}

// orgFigures are an org's purchases: its own, and its subtree's (itself and
// every org below it), all, certified, credited to a pairing.
type orgFigures struct {
	cents, certified, credited          int64
	subCents, subCertified, subCredited int64
}

type filing struct {
	status          string
	budget, ratioBP int64
}

func newRecord() *record {
	return &record{pairings: map[pairingKey]sums{}, areas: map[areaKey]sums{}, sales: map[saleKey]sums{}, orgs: map[orgKey]orgFigures{},
		orgPairings: map[orgPairingKey]orgPairing{}, filings: map[orgKey]filing{}, targets: map[targetKey]int64{}}
}

// facets are an entry's value of each breakdown, as the sales rollup keys
// them.
func (e *entry) facets() [7][2]string {
	return [7][2]string{
		{model.FacetOrigin, e.origin}, {model.FacetCategory, e.category}, {model.FacetSupplier, strconv.FormatInt(e.supplier, 10)},
		{model.FacetChannel, e.channel}, {model.FacetPlatform, e.platform}, {model.FacetPointType, e.pointType},
		{model.FacetSector, e.sector},
	}
}

// add counts one generated entry.
func (r *record) add(e *entry) {
	r.entries++
	year := e.period / 100
	v := sums{e.cents, int64(e.orders)}
	addTo(r.pairings, pairingKey{year, e.pairing, e.reason, e.kind, e.platform == model.PlatformMall}, v)
	if e.pairing != 0 {
		addTo(r.areas, areaKey{year, e.pairing, e.region, e.kind}, v)
	}
	for _, f := range e.facets() {
		addTo(r.sales, saleKey{year, saleCell{f[0], f[1], e.pairing != 0}}, v)
	}
	if e.org == nil {
		return
	}
	var certified, credited int64
	if e.certified {
		certified = e.cents
	}
	if e.pairing != 0 {
		credited = e.cents
	}
	for _, id := range e.org.ids {
		ok := orgKey{year, id}
		f := r.orgs[ok]
		if id == e.org.id {
			f.cents += e.cents
			f.certified += certified
			f.credited += credited
		}
		f.subCents += e.cents
		f.subCertified += certified
		f.subCredited += credited
		r.orgs[ok] = f
		pk := orgPairingKey{year, id, e.pairing}
		op := r.orgPairings[pk]
		if id == e.org.id {
			op.cents += e.cents
		}
		op.subCents += e.cents
		r.orgPairings[pk] = op
	}
}

// credited is pairing p's credited total of year, the county part of a
// city pairing included.
func (r *record) credited(w *world, p *model.PairingView, year int) int64 {
	var total int64
	for _, id := range append([]int64{p.ID}, w.countyPart(p)...) {
		for _, kind := range []string{model.CreditDirect, model.CreditAssisted} {
			for _, mall := range []bool{true, false} {
				total += r.pairings[pairingKey{year, id, "", kind, mall}].cents
			}
		}
	}
	return total
}

// seedTargets sets every pairing's target for every year at 0.8–1.4× what
// the ledger credits it (completion 0.71–1.25), in round 10,000 yuan, and
// files, for 92% of the generated orgs and every year, a reserved share of
// 10–30% of a food budget sized so that the reserved amount is 0.6–1.5× the
// org's certified purchases; 80% of the filings are approved, the rest
// submitted, draft or returned.
func seedTargets(ctx context.Context, l *bench.Loader, w *world, rec *record) error {
	rng := rand.New(rand.NewPCG(2026, 7))
	targets := bench.NewRows("targets", "pairing_id, year, target_cents")
	filings := bench.NewRows("filings", "org_id, year, canteen_status, food_budget_cents, reserved_ratio_bp, status, submitted_at, reviewed_at, updated_at")
	for year := firstYear; year < firstYear+months/12; year++ {
		for i := range w.pairings {
			p := &w.pairings[i]
			t := rec.credited(w, p, year) * int64(80+rng.IntN(61)) / 100
			target := max(1, (t+500_000)/1_000_000) * 1_000_000
			targets.Add(p.ID, year, target)
			rec.targets[targetKey{year, p.ID}] = target
		}
		for _, o := range w.orgs {
			if o.demo || rng.IntN(100) < 8 {
				continue
			}
			f := filing{status: model.FilingApproved, ratioBP: 1000 + 50*rng.Int64N(41)}
			switch n := rng.IntN(100); {
			case n >= 94:
				f.status = model.FilingReturned
			case n >= 88:
				f.status = model.FilingDraft
			case n >= 80:
				f.status = model.FilingSubmitted
			}
			goal := rec.orgs[orgKey{year, o.id}].subCertified * int64(60+rng.IntN(91)) / 100
			if goal <= 0 {
				goal = 1_000_000 + rng.Int64N(99_000_000)
			}
			// the budget in whole thousands of yuan
			f.budget = max(1, (goal*10000/f.ratioBP+99_999)/100_000) * 100_000
			status := model.CanteenHas
			if o.kind != model.OrgCanteen {
				status = []string{model.CanteenNone, model.CanteenShared, model.CanteenOutsourced}[rng.IntN(3)]
			}
			var submitted, reviewed any
			if f.status != model.FilingDraft {
				submitted = l.Now
			}
			if f.status == model.FilingApproved || f.status == model.FilingReturned {
				reviewed = l.Now
			}
			filings.Add(o.id, year, status, f.budget, f.ratioBP, f.status, submitted, reviewed, l.Now)
			rec.filings[orgKey{year, o.id}] = f
		}
	}
	return l.Insert(ctx, targets, filings)
}
