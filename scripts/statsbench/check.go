package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"

	"shanhai/model"
)

// The checks. Every expected figure comes from the bench's own record of
// what it generated and loaded (record: the ledger entries summed per
// pairing, reason and kind and per org; the targets and filings it wrote),
// with the rules the service applies on top of the sums stated here again
// from the design, in their own terms:
//
//   - a city pairing takes in every county pairing whose helper region lies
//     in its helper region and whose partner region lies in its partner
//     region ("lies in" from the regions' parent codes: world.inside);
//   - completion is an exact fraction rounded half away from zero to four
//     places (math/big rationals), compared with the decimal the answer
//     carries as a rational too; null without a target or reserved amount;
//   - reserved = food budget × ratio ÷ 10000, rounded half up to a cent, for
//     an approved or submitted filing only;
//   - ranking: completion descending (none last), then the subtree's
//     certified purchases descending; an org's rank is 1 + the number of
//     siblings strictly ahead of it (1, 2, 2, 4).
//
// Nothing here calls or copies service/stats. The answers checked are JSON
// bodies, decoded into the checker's own types: the HTTP answers, and the
// in-process reports encoded as the API encodes them. The GROUP BY over the
// ledger is checked against the same record (so the load is right too).

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

// --- the answers, as a client reads them ---

// decimal is a JSON number read exactly; nil for null.
type decimal struct{ v *big.Rat }

func (d *decimal) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.v = nil
		return nil
	}
	r, ok := new(big.Rat).SetString(string(b))
	if !ok {
		return fmt.Errorf("not a decimal number: %s", b)
	}
	d.v = r
	return nil
}

type pairingAnswer struct {
	Year  int `json:"year"`
	Items []struct {
		Pairing struct {
			ID int64 `json:"id"`
		} `json:"pairing"`
		TargetCents   *int64  `json:"target_cents"`
		CreditedCents int64   `json:"credited_cents"`
		CountyCents   int64   `json:"county_cents"`
		DirectCents   int64   `json:"direct_cents"`
		AssistedCents int64   `json:"assisted_cents"`
		Completion    decimal `json:"completion"`
		Orders        int64   `json:"orders"`
	} `json:"items"`
	NotCreditedCents int64 `json:"not_credited_cents"`
	NotCredited      []struct {
		Reason string `json:"reason"`
		Cents  int64  `json:"cents"`
	} `json:"not_credited"`
}

type orgRowAnswer struct {
	Org struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"org"`
	PurchasesCents        int64   `json:"purchases_cents"`
	CertifiedCents        int64   `json:"certified_cents"`
	CreditedCents         int64   `json:"credited_cents"`
	SubtreePurchasesCents int64   `json:"subtree_purchases_cents"`
	SubtreeCertifiedCents int64   `json:"subtree_certified_cents"`
	SubtreeCreditedCents  int64   `json:"subtree_credited_cents"`
	ReservedCents         *int64  `json:"reserved_cents"`
	FilingStatus          *string `json:"filing_status"`
	Completion            decimal `json:"completion"`
	Rank                  *int    `json:"rank"`
}

type orgAnswer struct {
	Year   int            `json:"year"`
	Parent *orgRowAnswer  `json:"parent"`
	Items  []orgRowAnswer `json:"items"`
}

// answer is one account of the two queries: who answered, and the bodies.
type answer struct {
	by                 string
	pairings, orgRanks []byte
}

// encoded is an in-process report as the API encodes it.
func encoded(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}

func decodeAnswer[T any](body []byte) (*T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return &v, nil
}

// --- the rules, stated on their own ---

// roundedRatio is num ÷ den rounded half away from zero to places decimal
// places, exactly; nil when den is not positive.
func roundedRatio(num, den int64, places int) *big.Rat {
	if den <= 0 {
		return nil
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).SetFrac(big.NewInt(num), big.NewInt(den))
	x.Mul(x, new(big.Rat).SetInt(scale))
	neg := x.Sign() < 0
	x.Abs(x)
	x.Add(x, big.NewRat(1, 2))
	whole := new(big.Int).Quo(x.Num(), x.Denom()) // x ≥ 0: truncation is the floor
	if neg {
		whole.Neg(whole)
	}
	return new(big.Rat).SetFrac(whole, scale)
}

// reservedCents is what the statistics count of a filing: budget × ratio
// (in basis points) rounded half up to a cent, for an approved or submitted
// filing; none otherwise.
func reservedCents(f filing, filed bool) (int64, bool) {
	if !filed || (f.status != model.FilingApproved && f.status != model.FilingSubmitted) {
		return 0, false
	}
	r := roundedRatio(f.budget*f.ratioBP, 10000, 0)
	return r.Num().Int64(), true
}

// pairingWant is what the bench expects of one pairing.
type pairingWant struct {
	credited, county, direct, assisted, orders int64
	target                                     *int64
	completion                                 *big.Rat
}

// wantPairings derives every pairing's figures of year from the record.
func wantPairings(w *world, rec *record, year int) (map[int64]pairingWant, map[string]int64) {
	type own struct{ cents, direct, assisted, orders int64 }
	owns := map[int64]own{}
	notCredited := map[string]int64{}
	for k, s := range rec.pairings {
		if k.year != year {
			continue
		}
		if k.pairing == 0 {
			notCredited[k.reason] += s.cents
			continue
		}
		o := owns[k.pairing]
		o.cents += s.cents
		o.orders += s.orders
		switch k.kind {
		case model.CreditDirect:
			o.direct += s.cents
		case model.CreditAssisted:
			o.assisted += s.cents
		}
		owns[k.pairing] = o
	}
	out := map[int64]pairingWant{}
	for i := range w.pairings {
		p := &w.pairings[i]
		o := owns[p.ID]
		pw := pairingWant{credited: o.cents, direct: o.direct, assisted: o.assisted, orders: o.orders}
		for _, id := range w.countyPart(p) {
			q := owns[id]
			pw.credited += q.cents
			pw.county += q.cents
			pw.direct += q.direct
			pw.assisted += q.assisted
			pw.orders += q.orders
		}
		if t, ok := rec.targets[targetKey{year, p.ID}]; ok {
			pw.target = &t
			pw.completion = roundedRatio(pw.credited, t, 4)
		}
		out[p.ID] = pw
	}
	return out, notCredited
}

// orgWant is what the bench expects of one org.
type orgWant struct {
	figs       orgFigures
	status     *string
	reserved   *int64
	completion *big.Rat
}

func wantOrg(rec *record, year int, id int64) orgWant {
	ow := orgWant{figs: rec.orgs[orgKey{year, id}]}
	f, filed := rec.filings[orgKey{year, id}]
	if filed {
		ow.status = &f.status
	}
	if r, ok := reservedCents(f, filed); ok {
		ow.reserved = &r
		ow.completion = roundedRatio(ow.figs.subCertified, r, 4)
	}
	return ow
}

// ahead: a ranks strictly before b.
func ahead(a, b orgWant) bool {
	switch {
	case a.completion == nil || b.completion == nil:
		if (a.completion == nil) != (b.completion == nil) {
			return b.completion == nil
		}
	case a.completion.Cmp(b.completion) != 0:
		return a.completion.Cmp(b.completion) > 0
	}
	return a.figs.subCertified > b.figs.subCertified
}

// --- the comparisons ---

// checkLoad compares the GROUP BY over the ledger with the record.
func checkLoad(c *checks, w *world, rec *record, year int, base []pairingRow, parent *org, children []int64, figs map[int64]orgFigures) {
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
	want := childIDs(w, parent)
	if !slices.Equal(want, children) {
		c.differ("org %d: the database lists %d children, the bench made %d", parent.id, len(children), len(want))
	}
	for _, id := range append([]int64{parent.id}, want...) {
		if loaded := rec.orgs[orgKey{year, id}]; figs[id] != loaded {
			c.differ("org %d: GROUP BY %+v, the bench loaded %+v", id, figs[id], loaded)
		}
	}
	c.compared = append(c.compared, fmt.Sprintf("the GROUP BY over the ledger of %d = the bench's record, per pairing, reason and kind, and per org under %s", year, parent.name))
}

func childIDs(w *world, parent *org) []int64 {
	var ids []int64
	for _, o := range w.children[parent.id] {
		ids = append(ids, o.id)
	}
	slices.Sort(ids)
	return ids
}

// checkPairings compares one answer's per-pairing table of year with what
// the record says it must be.
func checkPairings(c *checks, w *world, rec *record, year int, by string, body []byte) {
	a, err := decodeAnswer[pairingAnswer](body)
	if err != nil {
		c.differ("%s per-pairing table: %v", by, err)
		return
	}
	wants, notCredited := wantPairings(w, rec, year)
	if a.Year != year {
		c.differ("%s per-pairing table: year %d, asked %d", by, a.Year, year)
	}
	seen := map[int64]bool{}
	var ownTotal, total int64
	for _, it := range a.Items {
		id := it.Pairing.ID
		if seen[id] {
			c.differ("%s: pairing %d listed twice", by, id)
		}
		seen[id] = true
		pw, ok := wants[id]
		if !ok {
			c.differ("%s: pairing %d listed, the bench has no such pairing", by, id)
			continue
		}
		got := [5]int64{it.CreditedCents, it.CountyCents, it.DirectCents, it.AssistedCents, it.Orders}
		exp := [5]int64{pw.credited, pw.county, pw.direct, pw.assisted, pw.orders}
		if got != exp {
			c.differ("%s: pairing %d credited/county/direct/assisted/orders %v, the record gives %v", by, id, got, exp)
		}
		if !sameInt(it.TargetCents, pw.target) || !sameRat(it.Completion.v, pw.completion) {
			c.differ("%s: pairing %d target %s completion %s, the record gives %s %s", by, id,
				intText(it.TargetCents), ratText(it.Completion.v), intText(pw.target), ratText(pw.completion))
		}
		ownTotal += pw.credited - pw.county
		total += pw.credited
	}
	for id := range wants {
		if !seen[id] {
			c.differ("%s: pairing %d missing (every pairing is active)", by, id)
		}
	}
	var ncTotal int64
	listed := map[string]bool{}
	for _, nc := range a.NotCredited {
		listed[nc.Reason] = true
		if nc.Cents != notCredited[nc.Reason] {
			c.differ("%s: not credited (%s) %d, the record gives %d", by, nc.Reason, nc.Cents, notCredited[nc.Reason])
		}
	}
	for reason, cents := range notCredited {
		ncTotal += cents
		if !listed[reason] {
			c.differ("%s: not credited (%s): the record has %d, not listed", by, reason, cents)
		}
	}
	if a.NotCreditedCents != ncTotal {
		c.differ("%s: not credited in total %d, the record gives %d", by, a.NotCreditedCents, ncTotal)
	}
	c.compared = append(c.compared, fmt.Sprintf(
		"%s per-pairing table %d against the record: %d pairings; credited %s yuan before the roll-in (%s with the county parts), not credited %s yuan in %d reasons — per pairing credited/county/direct/assisted/orders/target/completion, per reason and in total",
		by, year, len(a.Items), yuan(ownTotal), yuan(total), yuan(ncTotal), len(notCredited)))
}

// checkOrgs compares one answer's ranking of parent's children with what
// the record says it must be.
func checkOrgs(c *checks, w *world, rec *record, year int, parent *org, by string, body []byte) {
	a, err := decodeAnswer[orgAnswer](body)
	if err != nil {
		c.differ("%s org ranking: %v", by, err)
		return
	}
	want := childIDs(w, parent)
	var got []int64
	for _, it := range a.Items {
		got = append(got, it.Org.ID)
	}
	slices.Sort(got)
	if !slices.Equal(want, got) {
		c.differ("%s: org %d: %d children ranked, the bench made %d", by, parent.id, len(got), len(want))
	}
	wants := map[int64]orgWant{}
	for _, id := range append([]int64{parent.id}, want...) {
		wants[id] = wantOrg(rec, year, id)
	}

	compare := func(r *orgRowAnswer) {
		ow := wantOrg(rec, year, r.Org.ID)
		f := orgFigures{r.PurchasesCents, r.CertifiedCents, r.CreditedCents, r.SubtreePurchasesCents, r.SubtreeCertifiedCents, r.SubtreeCreditedCents}
		if f != ow.figs {
			c.differ("%s: org %d %s: %+v, the record gives %+v", by, r.Org.ID, r.Org.Name, f, ow.figs)
		}
		if !sameStr(r.FilingStatus, ow.status) || !sameInt(r.ReservedCents, ow.reserved) || !sameRat(r.Completion.v, ow.completion) {
			c.differ("%s: org %d %s: filing %s reserved %s completion %s, the record gives %s %s %s", by, r.Org.ID, r.Org.Name,
				strText(r.FilingStatus), intText(r.ReservedCents), ratText(r.Completion.v),
				strText(ow.status), intText(ow.reserved), ratText(ow.completion))
		}
	}
	if a.Parent == nil || a.Parent.Org.ID != parent.id {
		c.differ("%s: org %d: no parent row", by, parent.id)
	} else {
		compare(a.Parent)
		if a.Parent.Rank != nil {
			c.differ("%s: the parent row has rank %d, want none", by, *a.Parent.Rank)
		}
	}
	var certified int64
	for i := range a.Items {
		it := &a.Items[i]
		compare(it)
		me, ok := wants[it.Org.ID]
		if !ok {
			continue
		}
		certified += me.figs.subCertified
		rank := 1
		for _, id := range want {
			if ahead(wants[id], me) {
				rank++
			}
		}
		if it.Rank == nil || *it.Rank != rank {
			c.differ("%s: %s has rank %s, the record gives %d", by, it.Org.Name, intText(it.Rank), rank)
		}
		if i > 0 {
			if prev := &a.Items[i-1]; ahead(me, wants[prev.Org.ID]) {
				c.differ("%s: %s listed after %s, which it ranks before", by, it.Org.Name, prev.Org.Name)
			}
		}
	}
	c.compared = append(c.compared, fmt.Sprintf(
		"%s org ranking %d under %s (id %d) against the record: %d children, their subtree certified purchases %s yuan — per org: own and subtree purchases/certified/credited, filing status, reserved, completion, order and rank",
		by, year, parent.name, parent.id, len(a.Items), yuan(certified)))
}

func sameRat(a, b *big.Rat) bool         { return (a == nil) == (b == nil) && (a == nil || a.Cmp(b) == 0) }
func sameInt[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func sameStr(a, b *string) bool          { return sameInt(a, b) }

func ratText(r *big.Rat) string {
	if r == nil {
		return "null"
	}
	return r.FloatString(4)
}

func intText[T int | int64](v *T) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

func strText(v *string) string {
	if v == nil {
		return "null"
	}
	return strconv.Quote(*v)
}

// yuan prints cents as yuan: 12345 → "123.45".
func yuan(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}
