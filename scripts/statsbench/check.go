package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"shanhai/model"
	"shanhai/service/stats"
)

// The checks compare three accounts of the same year: the service's answer
// (read from the rollups), the GROUP BY over the ledger, and the bench's own
// record of what it generated. The rules the service applies on top of the
// sums (a city pairing takes in its county pairings; reserved = budget ×
// ratio ÷ 10000 half up; completion to four places, half up; rankings by
// completion then amount) are applied here again, from the design, not
// taken from the service.

// checks collects what was compared and every difference.
type checks struct {
	compared []string
	diffs    []string
	n        int
}

func (c *checks) differ(format string, args ...any) {
	c.n++
	if len(c.diffs) < 30 {
		c.diffs = append(c.diffs, fmt.Sprintf(format, args...))
	}
}

func (c *checks) ok() bool { return c.n == 0 }

// figure is a pairing's credited total split by kind.
type figure struct{ cents, direct, assisted, orders int64 }

func (f *figure) add(kind string, cents, orders int64) {
	f.cents += cents
	f.orders += orders
	switch kind {
	case model.CreditDirect:
		f.direct += cents
	case model.CreditAssisted:
		f.assisted += cents
	}
}

func (f *figure) plus(g figure) {
	f.cents += g.cents
	f.direct += g.direct
	f.assisted += g.assisted
	f.orders += g.orders
}

// checkPairings compares the per-pairing table of year with the GROUP BY
// and the record.
func checkPairings(c *checks, w *world, rec *record, year int, rep *stats.PairingReport, base []pairingRow) {
	// The GROUP BY against the record, row by row.
	got := map[pairingKey]sums{}
	for _, r := range base {
		got[pairingKey{year, r.pairing, r.reason, r.kind}] = sums{r.cents, r.orders}
	}
	for k, want := range rec.pairings {
		if k.year == year && got[k] != want {
			c.differ("GROUP BY pairing %d %q %s: %+v, the bench loaded %+v", k.pairing, k.reason, k.kind, got[k], want)
		}
	}
	for k, g := range got {
		if _, ok := rec.pairings[k]; !ok {
			c.differ("GROUP BY pairing %d %q %s: %+v, the bench loaded nothing", k.pairing, k.reason, k.kind, g)
		}
	}

	own := map[int64]*figure{}
	notCredited := map[string]int64{}
	var credited, ncTotal int64
	for _, r := range base {
		if r.pairing == 0 {
			notCredited[r.reason] += r.cents
			ncTotal += r.cents
			continue
		}
		if own[r.pairing] == nil {
			own[r.pairing] = &figure{}
		}
		own[r.pairing].add(r.kind, r.cents, r.orders)
		credited += r.cents
	}

	items := map[int64]*stats.PairingRow{}
	var svcOwn int64
	for i := range rep.Items {
		it := &rep.Items[i]
		items[it.Pairing.ID] = it
		svcOwn += it.CreditedCents - it.CountyCents
	}
	for i := range w.pairings {
		p := &w.pairings[i]
		var total, county figure
		if f := own[p.ID]; f != nil {
			total = *f
		}
		for _, id := range w.countyPart(p) {
			if f := own[id]; f != nil {
				county.plus(*f)
			}
		}
		total.plus(county)
		it := items[p.ID]
		if it == nil {
			c.differ("pairing %d (%s–%s): missing from the service's table", p.ID, p.HelperName, p.PartnerName)
			continue
		}
		svc := figure{it.CreditedCents, it.DirectCents, it.AssistedCents, it.Orders}
		if svc != total || it.CountyCents != county.cents {
			c.differ("pairing %d (%s–%s): service credited/direct/assisted/orders %+v county %d, GROUP BY %+v county %d",
				p.ID, p.HelperName, p.PartnerName, svc, it.CountyCents, total, county.cents)
		}
		want := (*stats.Ratio)(nil)
		if it.TargetCents != nil {
			want = completion(it.CreditedCents, *it.TargetCents)
		}
		if !sameRatio(it.Completion, want) {
			c.differ("pairing %d: completion %v, want %v (credited %d, target %v)", p.ID, ratioText(it.Completion), ratioText(want), it.CreditedCents, it.TargetCents)
		}
	}
	if len(rep.Items) != len(w.pairings) {
		c.differ("the service lists %d pairings, the database holds %d (all active)", len(rep.Items), len(w.pairings))
	}
	if svcOwn != credited {
		c.differ("credited in %d (before the roll-in): service %d, GROUP BY %d", year, svcOwn, credited)
	}
	if rep.NotCreditedCents != ncTotal {
		c.differ("not credited in %d: service %d, GROUP BY %d", year, rep.NotCreditedCents, ncTotal)
	}
	listed := map[string]bool{}
	for _, r := range rep.NotCredited {
		listed[r.Reason] = true
		if r.Cents != notCredited[r.Reason] {
			c.differ("not credited (%s): service %d, GROUP BY %d", r.Reason, r.Cents, notCredited[r.Reason])
		}
	}
	for reason, cents := range notCredited {
		if !listed[reason] {
			c.differ("not credited (%s): %d by GROUP BY, not listed by the service", reason, cents)
		}
	}
	c.compared = append(c.compared, fmt.Sprintf(
		"per-pairing table %d: %d pairings; credited %s yuan before the roll-in (%s with the county parts), not credited %s yuan in %d reasons — per pairing, per reason and in total, credited/county/direct/assisted/orders/completion",
		year, len(rep.Items), stats.Yuan(credited), stats.Yuan(sumCredited(rep)), stats.Yuan(ncTotal), len(notCredited)))
}

func sumCredited(rep *stats.PairingReport) int64 {
	var n int64
	for _, it := range rep.Items {
		n += it.CreditedCents
	}
	return n
}

// checkOrgs compares the ranking of parent's children with the GROUP BY
// (children, figs) and the record.
func checkOrgs(c *checks, w *world, rec *record, year int, parent *org, rep *stats.OrgReport, children []int64, figs map[int64]orgFigures) {
	var want []int64
	for _, o := range w.children[parent.id] {
		want = append(want, o.id)
	}
	var got []int64
	for _, it := range rep.Items {
		got = append(got, it.Org.ID)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, children) {
		c.differ("org %d: the database lists %d children, the bench made %d", parent.id, len(children), len(want))
	}
	if !slices.Equal(want, got) {
		c.differ("org %d: the service ranks %d children, the bench made %d", parent.id, len(got), len(want))
	}
	if rep.Parent == nil || rep.Parent.Org.ID != parent.id {
		c.differ("org %d: the service's answer has no parent row", parent.id)
	}

	rows := rep.Items
	if rep.Parent != nil {
		rows = append([]stats.OrgRow{*rep.Parent}, rows...)
	}
	var certified int64
	for _, r := range rows {
		svc := orgFigures{r.PurchasesCents, r.CertifiedCents, r.CreditedCents, r.SubtreePurchasesCents, r.SubtreeCertifiedCents, r.SubtreeCreditedCents}
		if base := figs[r.Org.ID]; svc != base {
			c.differ("org %d %s: service %+v, GROUP BY %+v", r.Org.ID, r.Org.Name, svc, base)
		}
		if loaded := rec.orgs[orgKey{year, r.Org.ID}]; figs[r.Org.ID] != loaded {
			c.differ("org %d %s: GROUP BY %+v, the bench loaded %+v", r.Org.ID, r.Org.Name, figs[r.Org.ID], loaded)
		}
		f, filed := rec.filings[orgKey{year, r.Org.ID}]
		status := ""
		if filed {
			status = f.status
		}
		reserved, has := f.reserved()
		var wantReserved *int64
		var wantCompletion *stats.Ratio
		if filed && has {
			wantReserved = &reserved
			wantCompletion = completion(r.SubtreeCertifiedCents, reserved)
		}
		if deref(r.FilingStatus) != status || !sameInt(r.ReservedCents, wantReserved) || !sameRatio(r.Completion, wantCompletion) {
			c.differ("org %d %s: filing %q reserved %v completion %s, want %q %v %s", r.Org.ID, r.Org.Name,
				deref(r.FilingStatus), intText(r.ReservedCents), ratioText(r.Completion), status, intText(wantReserved), ratioText(wantCompletion))
		}
		if r.Org.ID != parent.id {
			certified += r.SubtreeCertifiedCents
		}
	}

	// Completion descending (none last), then subtree certified purchases
	// descending; equal keys share a rank (1, 2, 2, 4).
	cmp := func(a, b *stats.OrgRow) int {
		switch {
		case a.Completion == nil && b.Completion != nil:
			return 1
		case a.Completion != nil && b.Completion == nil:
			return -1
		case a.Completion != nil && *a.Completion != *b.Completion:
			if *a.Completion > *b.Completion {
				return -1
			}
			return 1
		case a.SubtreeCertifiedCents != b.SubtreeCertifiedCents:
			if a.SubtreeCertifiedCents > b.SubtreeCertifiedCents {
				return -1
			}
			return 1
		}
		return 0
	}
	for i := range rep.Items {
		it := &rep.Items[i]
		wantRank := i + 1
		if i > 0 {
			prev := &rep.Items[i-1]
			if cmp(prev, it) > 0 {
				c.differ("ranking: %s (%s, %d) before %s (%s, %d)", prev.Org.Name, ratioText(prev.Completion), prev.SubtreeCertifiedCents,
					it.Org.Name, ratioText(it.Completion), it.SubtreeCertifiedCents)
			}
			if cmp(prev, it) == 0 {
				wantRank = deref(prev.Rank)
			}
		}
		if deref(it.Rank) != wantRank {
			c.differ("ranking: %s has rank %d, want %d", it.Org.Name, deref(it.Rank), wantRank)
		}
	}
	c.compared = append(c.compared, fmt.Sprintf(
		"org ranking %d under %s (id %d): %d children, their subtree certified purchases %s yuan — per org: own and subtree purchases/certified/credited, filing status, reserved, completion, order and rank",
		year, parent.name, parent.id, len(rep.Items), stats.Yuan(certified)))
}

// checkHTTP compares the HTTP answers with the in-process ones: the same
// figures, whatever the JSON shape.
func checkHTTP(c *checks, pairingsBody, orgsBody []byte, pr *stats.PairingReport, or *stats.OrgReport) {
	var hp struct {
		Items []struct {
			Pairing struct {
				ID int64 `json:"id"`
			} `json:"pairing"`
			CreditedCents int64 `json:"credited_cents"`
			CountyCents   int64 `json:"county_cents"`
		} `json:"items"`
		NotCreditedCents int64 `json:"not_credited_cents"`
	}
	if err := json.Unmarshal(pairingsBody, &hp); err != nil {
		c.differ("HTTP per-pairing table: %v", err)
	} else {
		same := len(hp.Items) == len(pr.Items) && hp.NotCreditedCents == pr.NotCreditedCents
		for i := 0; same && i < len(hp.Items); i++ {
			same = hp.Items[i].Pairing.ID == pr.Items[i].Pairing.ID && hp.Items[i].CreditedCents == pr.Items[i].CreditedCents &&
				hp.Items[i].CountyCents == pr.Items[i].CountyCents
		}
		if !same {
			c.differ("HTTP per-pairing table differs from the in-process answer")
		}
	}
	var ho struct {
		Items []struct {
			Org struct {
				ID int64 `json:"id"`
			} `json:"org"`
			SubtreeCertifiedCents int64 `json:"subtree_certified_cents"`
			Rank                  *int  `json:"rank"`
		} `json:"items"`
	}
	if err := json.Unmarshal(orgsBody, &ho); err != nil {
		c.differ("HTTP org ranking: %v", err)
	} else {
		same := len(ho.Items) == len(or.Items)
		for i := 0; same && i < len(ho.Items); i++ {
			same = ho.Items[i].Org.ID == or.Items[i].Org.ID && ho.Items[i].SubtreeCertifiedCents == or.Items[i].SubtreeCertifiedCents &&
				ho.Items[i].Rank != nil && *ho.Items[i].Rank == deref(or.Items[i].Rank)
		}
		if !same {
			c.differ("HTTP org ranking differs from the in-process answer")
		}
	}
	c.compared = append(c.compared, "HTTP answers: the same pairings, credited, county parts and not-credited total; the same orgs in the same order with the same subtree certified purchases and ranks")
}

// completion is num ÷ den to four places, half up (away from zero), in
// ten-thousandths; nil when den is not positive.
func completion(num, den int64) *stats.Ratio {
	if den <= 0 {
		return nil
	}
	n := new(big.Int).Mul(big.NewInt(num), big.NewInt(20000))
	neg := n.Sign() < 0
	n.Abs(n)
	n.Add(n, big.NewInt(den))
	n.Quo(n, big.NewInt(2*den))
	if neg {
		n.Neg(n)
	}
	r := stats.Ratio(n.Int64())
	return &r
}

func sameRatio(a, b *stats.Ratio) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func sameInt(a, b *int64) bool         { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func ratioText(r *stats.Ratio) string {
	if r == nil {
		return "null"
	}
	return r.String()
}

func intText(v *int64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}
