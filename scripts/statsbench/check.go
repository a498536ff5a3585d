package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"shanhai/model"
)

// The checks. Every expected figure comes from the bench's own record of
// what it generated and loaded (record: the ledger entries summed per
// pairing, reason, kind and platform, per pairing and buyer region, per
// value of each breakdown, per org and per org and pairing; the targets and
// filings it wrote),
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
//     certified purchases (a district: its credited) descending; a rank is
//     1 + the number of those ranked strictly ahead (1, 2, 2, 4);
//   - a district's figures are its buyers' (buyer region in it) credited to
//     the programme's pairings, its target its county pairings';
//   - the pairing table's orders are the mall's; off-platform orders are
//     records.
//
// Nothing here calls or copies service/stats. The answers checked are JSON
// bodies, decoded into the checker's own types: the HTTP answers, and the
// in-process reports encoded as the API encodes them. Each GROUP BY over
// the ledger is checked against the same record (so the load is right too).

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

// header is how an answer names its period: a year, or a range from..to.
type header struct {
	Year int    `json:"year"`
	From string `json:"from"`
	To   string `json:"to"`
}

// check: the answer names the period asked about.
func (h header) check(c *checks, by, what string, s span) {
	want := header{Year: s.from}
	if s.months {
		want = header{From: fmt.Sprintf("%d-01", s.from), To: fmt.Sprintf("%d-12", s.to)}
	}
	if h != want {
		c.differ("%s %s: period %+v, asked %s", by, what, h, s)
	}
}

type pairingAnswer struct {
	header
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
		OnlineCents   int64   `json:"online_cents"`
		OfflineCents  int64   `json:"offline_cents"`
		Records       int64   `json:"records"`
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
	header
	Parent *orgRowAnswer  `json:"parent"`
	Items  []orgRowAnswer `json:"items"`
}

type unitAnswer struct {
	header
	Items    []orgRowAnswer `json:"items"`
	Total    int            `json:"total"`
	Page     int            `json:"page"`
	PageSize int            `json:"page_size"`
}

type districtAnswer struct {
	header
	Programme string `json:"programme"`
	Items     []struct {
		Region struct {
			Code string `json:"code"`
		} `json:"region"`
		TargetCents   *int64  `json:"target_cents"`
		CreditedCents int64   `json:"credited_cents"`
		DirectCents   int64   `json:"direct_cents"`
		AssistedCents int64   `json:"assisted_cents"`
		Orders        int64   `json:"orders"`
		Completion    decimal `json:"completion"`
		Rank          int     `json:"rank"`
	} `json:"items"`
}

type saleRowAnswer struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	SalesCents    int64  `json:"sales_cents"`
	CreditedCents int64  `json:"credited_cents"`
	Orders        int64  `json:"orders"`
}

type salesAnswer struct {
	header
	Tables map[string][]saleRowAnswer `json:"tables"`
}

type orgPairingAnswer struct {
	header
	Org struct {
		ID int64 `json:"id"`
	} `json:"org"`
	Items []struct {
		Pairing struct {
			ID int64 `json:"id"`
		} `json:"pairing"`
		Cents        int64 `json:"cents"`
		SubtreeCents int64 `json:"subtree_cents"`
	} `json:"items"`
	NotCreditedCents        int64 `json:"not_credited_cents"`
	SubtreeNotCreditedCents int64 `json:"subtree_not_credited_cents"`
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

// target is pairing p's target over s: its annual targets summed over the
// years of s; none when no year has one.
func target(rec *record, s span, p int64) (int64, bool) {
	var t int64
	found := false
	for y := s.from; y <= s.to; y++ {
		if v, ok := rec.targets[targetKey{y, p}]; ok {
			t, found = t+v, true
		}
	}
	return t, found
}

// pairingWant is what the bench expects of one pairing.
type pairingWant struct {
	credited, county, direct, assisted, orders int64
	online, offline, records                   int64
	target                                     *int64
	completion                                 *big.Rat
}

// pairingTotals are the record's pairing figures over s: the pairing,
// reason, kind and mall sums, the years added up.
func pairingTotals(rec *record, s span) map[pairingKey]sums {
	out := map[pairingKey]sums{}
	for k, v := range rec.pairings {
		if s.has(k.year) {
			k.year = 0
			addTo(out, k, v)
		}
	}
	return out
}

// wantPairings derives every pairing's figures over s from the record:
// orders are the mall's, off-platform orders are records.
func wantPairings(w *world, rec *record, s span) (map[int64]pairingWant, map[string]int64) {
	owns := map[int64]pairingWant{}
	notCredited := map[string]int64{}
	for k, v := range pairingTotals(rec, s) {
		if k.pairing == 0 {
			notCredited[k.reason] += v.cents
			continue
		}
		o := owns[k.pairing]
		o.credited += v.cents
		if k.mall {
			o.online += v.cents
			o.orders += v.orders
		} else {
			o.offline += v.cents
			o.records += v.orders
		}
		switch k.kind {
		case model.CreditDirect:
			o.direct += v.cents
		case model.CreditAssisted:
			o.assisted += v.cents
		}
		owns[k.pairing] = o
	}
	out := map[int64]pairingWant{}
	for i := range w.pairings {
		p := &w.pairings[i]
		pw := owns[p.ID]
		for _, id := range w.countyPart(p) {
			q := owns[id]
			pw.credited += q.credited
			pw.county += q.credited
			pw.direct += q.direct
			pw.assisted += q.assisted
			pw.orders += q.orders
			pw.online += q.online
			pw.offline += q.offline
			pw.records += q.records
		}
		if t, ok := target(rec, s, p.ID); ok {
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

func (ow orgWant) rank() rankKey { return rankKey{ow.completion, ow.figs.subCertified} }

// rankKey is what a ranking orders by: completion descending (none last),
// then an amount descending.
type rankKey struct {
	completion *big.Rat
	amount     int64
}

// ahead: a ranks strictly before b.
func ahead(a, b rankKey) bool {
	switch {
	case a.completion == nil || b.completion == nil:
		if (a.completion == nil) != (b.completion == nil) {
			return b.completion == nil
		}
	case a.completion.Cmp(b.completion) != 0:
		return a.completion.Cmp(b.completion) > 0
	}
	return a.amount > b.amount
}

// rankOf is 1 + the number of keys strictly ahead of me.
func rankOf(me rankKey, all []rankKey) int {
	rank := 1
	for _, k := range all {
		if ahead(k, me) {
			rank++
		}
	}
	return rank
}

// areaTotals are the record's credited figures over s by buyer region and
// kind, for the pairings ids.
func areaTotals(rec *record, s span, ids []int64) map[areaCell]sums {
	out := map[areaCell]sums{}
	for k, v := range rec.areas {
		if s.has(k.year) && slices.Contains(ids, k.pairing) {
			addTo(out, areaCell{k.region, k.kind}, v)
		}
	}
	return out
}

// saleTotals are the record's sales over s by each of the facets' values,
// credited or not.
func saleTotals(rec *record, s span, facets []string) map[saleCell]sums {
	out := map[saleCell]sums{}
	for k, v := range rec.sales {
		if s.has(k.year) && slices.Contains(facets, k.cell.facet) {
			addTo(out, k.cell, v)
		}
	}
	return out
}

// orgPairingTotals are the record's figures of org over s by pairing.
func orgPairingTotals(rec *record, s span, org int64) map[int64]orgPairing {
	out := map[int64]orgPairing{}
	for k, v := range rec.orgPairings {
		if s.has(k.year) && k.org == org {
			o := out[k.pairing]
			out[k.pairing] = orgPairing{o.cents + v.cents, o.subCents + v.subCents}
		}
	}
	return out
}

// --- the comparisons ---

// sameFigures compares a GROUP BY's figures with the record's, key by key.
func sameFigures[K, V comparable](c *checks, what string, got, want map[K]V) {
	var zero V
	for k, w := range want {
		if got[k] != w {
			c.differ("GROUP BY %s %+v: %+v, the bench loaded %+v", what, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != zero {
			c.differ("GROUP BY %s %+v: %+v, the bench loaded nothing", what, k, g)
		}
	}
}

// checkPairingLoad compares the per-pairing GROUP BY over s with the record.
func checkPairingLoad(c *checks, rec *record, s span, base []pairingRow) {
	got := map[pairingKey]sums{}
	for _, r := range base {
		addTo(got, pairingKey{0, r.pairing, r.reason, r.kind, r.mall}, sums{r.cents, r.orders})
	}
	sameFigures(c, "pairing", got, pairingTotals(rec, s))
	c.compared = append(c.compared, fmt.Sprintf("the GROUP BY over the ledger of %s = the bench's record, per pairing, reason, kind and platform (mall or not)", s))
}

// checkOrgLoad compares the GROUP BY of parent's subtree (every org for
// parent nil) with the record.
func checkOrgLoad(c *checks, w *world, rec *record, year int, parent *org, children []int64, figs map[int64]orgFigures) {
	want, ids, under := allIDs(w), allIDs(w), "every org"
	if parent != nil {
		want, ids, under = childIDs(w, parent), append([]int64{parent.id}, childIDs(w, parent)...), parent.name
	}
	if !slices.Equal(want, children) {
		c.differ("%s: the database lists %d orgs, the bench made %d", under, len(children), len(want))
	}
	for _, id := range ids {
		if loaded := rec.orgs[orgKey{year, id}]; figs[id] != loaded {
			c.differ("org %d: GROUP BY %+v, the bench loaded %+v", id, figs[id], loaded)
		}
	}
	c.compared = append(c.compared, fmt.Sprintf("the GROUP BY over the ledger of %d = the bench's record, per org: %s (%d orgs)", year, under, len(ids)))
}

func childIDs(w *world, parent *org) []int64 {
	var ids []int64
	for _, o := range w.children[parent.id] {
		ids = append(ids, o.id)
	}
	slices.Sort(ids)
	return ids
}

func allIDs(w *world) []int64 {
	ids := make([]int64, len(w.orgs))
	for i, o := range w.orgs {
		ids[i] = o.id
	}
	slices.Sort(ids)
	return ids
}

// checkPairings compares one answer's per-pairing table over s with what
// the record says it must be.
func checkPairings(c *checks, w *world, rec *record, s span, by string, body []byte) {
	a, err := decodeAnswer[pairingAnswer](body)
	if err != nil {
		c.differ("%s per-pairing table: %v", by, err)
		return
	}
	wants, notCredited := wantPairings(w, rec, s)
	a.header.check(c, by, "per-pairing table", s)
	seen := map[int64]bool{}
	var ownTotal, total, offline int64
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
		got := [8]int64{it.CreditedCents, it.CountyCents, it.DirectCents, it.AssistedCents, it.Orders, it.OnlineCents, it.OfflineCents, it.Records}
		exp := [8]int64{pw.credited, pw.county, pw.direct, pw.assisted, pw.orders, pw.online, pw.offline, pw.records}
		if got != exp {
			c.differ("%s %s: pairing %d credited/county/direct/assisted/orders/online/offline/records %v, the record gives %v", by, s, id, got, exp)
		}
		if !sameInt(it.TargetCents, pw.target) || !sameRat(it.Completion.v, pw.completion) {
			c.differ("%s %s: pairing %d target %s completion %s, the record gives %s %s", by, s, id,
				intText(it.TargetCents), ratText(it.Completion.v), intText(pw.target), ratText(pw.completion))
		}
		ownTotal += pw.credited - pw.county
		total += pw.credited
		offline += it.OfflineCents
	}
	for id := range wants {
		if !seen[id] {
			c.differ("%s %s: pairing %d missing (every pairing is active)", by, s, id)
		}
	}
	var ncTotal int64
	listed := map[string]bool{}
	for _, nc := range a.NotCredited {
		listed[nc.Reason] = true
		if nc.Cents != notCredited[nc.Reason] {
			c.differ("%s %s: not credited (%s) %d, the record gives %d", by, s, nc.Reason, nc.Cents, notCredited[nc.Reason])
		}
	}
	for reason, cents := range notCredited {
		ncTotal += cents
		if !listed[reason] {
			c.differ("%s %s: not credited (%s): the record has %d, not listed", by, s, reason, cents)
		}
	}
	if a.NotCreditedCents != ncTotal {
		c.differ("%s %s: not credited in total %d, the record gives %d", by, s, a.NotCreditedCents, ncTotal)
	}
	c.compared = append(c.compared, fmt.Sprintf(
		"%s per-pairing table %s against the record: %d pairings; credited %s yuan before the roll-in (%s with the county parts, %s of it off the mall), not credited %s yuan in %d reasons — per pairing credited/county/direct/assisted/orders/online/offline/records/target/completion, per reason and in total",
		by, s, len(a.Items), yuan(ownTotal), yuan(total), yuan(offline), yuan(ncTotal), len(notCredited)))
}

// checkOrgRow compares one org row of an answer with the record.
func checkOrgRow(c *checks, rec *record, year int, by string, r *orgRowAnswer) {
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

// checkRanked checks the ranks and the order of ranked rows against the
// ranking of all (the rows' and every other ranked org's keys).
func checkRanked(c *checks, by string, items []orgRowAnswer, keys map[int64]rankKey) {
	all := make([]rankKey, 0, len(keys))
	for _, k := range keys {
		all = append(all, k)
	}
	for i := range items {
		it := &items[i]
		me, ok := keys[it.Org.ID]
		if !ok {
			c.differ("%s: %s (id %d) is not one of the orgs ranked", by, it.Org.Name, it.Org.ID)
			continue
		}
		if rank := rankOf(me, all); it.Rank == nil || *it.Rank != rank {
			c.differ("%s: %s has rank %s, the record gives %d", by, it.Org.Name, intText(it.Rank), rank)
		}
		if i > 0 {
			if prev := &items[i-1]; ahead(me, keys[prev.Org.ID]) {
				c.differ("%s: %s listed after %s, which it ranks before", by, it.Org.Name, prev.Org.Name)
			}
		}
	}
}

// checkOrgs compares one answer's ranking of parent's children with what
// the record says it must be.
func checkOrgs(c *checks, w *world, rec *record, year int, parent *org, by string, body []byte) {
	a, err := decodeAnswer[orgAnswer](body)
	if err != nil {
		c.differ("%s org ranking: %v", by, err)
		return
	}
	a.header.check(c, by, "org ranking", yearSpan(year))
	want := childIDs(w, parent)
	var got []int64
	for _, it := range a.Items {
		got = append(got, it.Org.ID)
	}
	slices.Sort(got)
	if !slices.Equal(want, got) {
		c.differ("%s: org %d: %d children ranked, the bench made %d", by, parent.id, len(got), len(want))
	}
	keys := map[int64]rankKey{}
	for _, id := range want {
		keys[id] = wantOrg(rec, year, id).rank()
	}
	if a.Parent == nil || a.Parent.Org.ID != parent.id {
		c.differ("%s: org %d: no parent row", by, parent.id)
	} else {
		checkOrgRow(c, rec, year, by, a.Parent)
		if a.Parent.Rank != nil {
			c.differ("%s: the parent row has rank %d, want none", by, *a.Parent.Rank)
		}
	}
	var certified int64
	for i := range a.Items {
		checkOrgRow(c, rec, year, by, &a.Items[i])
		certified += a.Items[i].SubtreeCertifiedCents
	}
	checkRanked(c, by, a.Items, keys)
	c.compared = append(c.compared, fmt.Sprintf(
		"%s org ranking %d under %s (id %d) against the record: %d children, their subtree certified purchases %s yuan — per org: own and subtree purchases/certified/credited, filing status, reserved, completion, order and rank",
		by, year, parent.name, parent.id, len(a.Items), yuan(certified)))
}

// checkUnits compares one answer's page of the ranking of every org with
// what the record says it must be: the page's orgs are the first of the
// ranking, with their ranks among all.
func checkUnits(c *checks, w *world, rec *record, year, page, size int, by string, body []byte) {
	a, err := decodeAnswer[unitAnswer](body)
	if err != nil {
		c.differ("%s unit ranking: %v", by, err)
		return
	}
	a.header.check(c, by, "unit ranking", yearSpan(year))
	if a.Total != len(w.orgs) || a.Page != page || a.PageSize != size || len(a.Items) != min(size, len(w.orgs)-(page-1)*size) {
		c.differ("%s unit ranking: total %d, page %d of %d, %d rows; the bench made %d orgs and asked page %d of %d",
			by, a.Total, a.Page, a.PageSize, len(a.Items), len(w.orgs), page, size)
	}
	keys := map[int64]rankKey{}
	for _, o := range w.orgs {
		keys[o.id] = wantOrg(rec, year, o.id).rank()
	}
	listed := map[int64]bool{}
	for i := range a.Items {
		checkOrgRow(c, rec, year, by, &a.Items[i])
		listed[a.Items[i].Org.ID] = true
	}
	checkRanked(c, by, a.Items, keys)
	if n := len(a.Items); n > 0 && page == 1 {
		last := keys[a.Items[n-1].Org.ID]
		for id, k := range keys {
			if !listed[id] && ahead(k, last) {
				c.differ("%s unit ranking: org %d ranks before %s but is not on page 1", by, id, a.Items[n-1].Org.Name)
			}
		}
	}
	c.compared = append(c.compared, fmt.Sprintf(
		"%s unit ranking %d, page %d of %d, against the record: %d orgs in all, %d listed — per org: own and subtree purchases/certified/credited, filing status, reserved, completion, order and rank among all",
		by, year, page, size, a.Total, len(a.Items)))
}

// checkDistricts compares one answer's ranking of the helper districts over
// s, for the programme's pairings ids, with what the record says it must
// be: a district's figures are the credited entries of buyers in it, its
// target its county pairings' of the programme.
func checkDistricts(c *checks, w *world, rec *record, s span, programme string, ids []int64, by string, body []byte) {
	a, err := decodeAnswer[districtAnswer](body)
	if err != nil {
		c.differ("%s district ranking: %v", by, err)
		return
	}
	a.header.check(c, by, "district ranking", s)
	if a.Programme != programme {
		c.differ("%s district ranking: programme %q, asked %q", by, a.Programme, programme)
	}
	type districtWant struct {
		credited, direct, assisted, orders int64
		target                             *int64
		completion                         *big.Rat
	}
	wants := map[string]*districtWant{}
	for _, d := range w.districts {
		wants[d] = &districtWant{}
	}
	for k, v := range areaTotals(rec, s, ids) {
		for _, d := range w.districts {
			if !w.inside(k.region, d) {
				continue
			}
			dw := wants[d]
			dw.credited += v.cents
			dw.orders += v.orders
			switch k.kind {
			case model.CreditDirect:
				dw.direct += v.cents
			case model.CreditAssisted:
				dw.assisted += v.cents
			}
		}
	}
	keys := map[string]rankKey{}
	for d, dw := range wants {
		var total int64
		has := false
		for _, p := range w.pairings {
			if p.Level == model.LevelCounty && p.HelperCode == d && slices.Contains(ids, p.ID) {
				if t, ok := target(rec, s, p.ID); ok {
					total, has = total+t, true
				}
			}
		}
		if has {
			dw.target = &total
			dw.completion = roundedRatio(dw.credited, total, 4)
		}
		keys[d] = rankKey{dw.completion, dw.credited}
	}
	all := make([]rankKey, 0, len(keys))
	for _, k := range keys {
		all = append(all, k)
	}
	seen := map[string]bool{}
	var credited int64
	for i, it := range a.Items {
		code := it.Region.Code
		dw := wants[code]
		if dw == nil || seen[code] {
			c.differ("%s district ranking: %s listed twice or not a helper district", by, code)
			continue
		}
		seen[code] = true
		got := [4]int64{it.CreditedCents, it.DirectCents, it.AssistedCents, it.Orders}
		if exp := [4]int64{dw.credited, dw.direct, dw.assisted, dw.orders}; got != exp {
			c.differ("%s district %s: credited/direct/assisted/orders %v, the record gives %v", by, code, got, exp)
		}
		if !sameInt(it.TargetCents, dw.target) || !sameRat(it.Completion.v, dw.completion) {
			c.differ("%s district %s: target %s completion %s, the record gives %s %s", by, code,
				intText(it.TargetCents), ratText(it.Completion.v), intText(dw.target), ratText(dw.completion))
		}
		if rank := rankOf(keys[code], all); it.Rank != rank {
			c.differ("%s district %s: rank %d, the record gives %d", by, code, it.Rank, rank)
		}
		if i > 0 && ahead(keys[code], keys[a.Items[i-1].Region.Code]) {
			c.differ("%s district %s listed after %s, which it ranks before", by, code, a.Items[i-1].Region.Code)
		}
		credited += it.CreditedCents
	}
	if len(seen) != len(wants) {
		c.differ("%s district ranking: %d districts listed, the bench has %d", by, len(seen), len(wants))
	}
	c.compared = append(c.compared, fmt.Sprintf(
		"%s district ranking %s (%s) against the record: %d districts, credited %s yuan — per district credited/direct/assisted/orders/target/completion, order and rank",
		by, s, programme, len(a.Items), yuan(credited)))
}

// checkSales compares one answer's breakdowns over s by the facets with
// what the record says they must be: per value, everything sold, what of
// it is credited, the orders; every value with figures listed once, by
// sales descending (then code), and named.
func checkSales(c *checks, rec *record, s span, facets []string, by string, body []byte) {
	a, err := decodeAnswer[salesAnswer](body)
	if err != nil {
		c.differ("%s %v breakdowns: %v", by, facets, err)
		return
	}
	a.header.check(c, by, "breakdowns", s)
	want := map[string]map[string]*saleRowAnswer{}
	for _, f := range facets {
		want[f] = map[string]*saleRowAnswer{}
	}
	for k, v := range saleTotals(rec, s, facets) {
		r := want[k.facet][k.code]
		if r == nil {
			r = &saleRowAnswer{Code: k.code}
			want[k.facet][k.code] = r
		}
		r.SalesCents += v.cents
		r.Orders += v.orders
		if k.credited {
			r.CreditedCents += v.cents
		}
	}
	var counts []string
	for _, f := range facets {
		rows := a.Tables[f]
		seen := map[string]bool{}
		for i, r := range rows {
			exp := want[f][r.Code]
			if exp == nil || seen[r.Code] {
				c.differ("%s %s %q: listed twice or with no sales in the record", by, f, r.Code)
				continue
			}
			seen[r.Code] = true
			if got := [3]int64{r.SalesCents, r.CreditedCents, r.Orders}; got != [3]int64{exp.SalesCents, exp.CreditedCents, exp.Orders} {
				c.differ("%s %s %q: sales/credited/orders %v, the record gives %v", by, f, r.Code, got, [3]int64{exp.SalesCents, exp.CreditedCents, exp.Orders})
			}
			if r.Name == "" {
				c.differ("%s %s %q: no name", by, f, r.Code)
			}
			if i > 0 {
				p := rows[i-1]
				if p.SalesCents < r.SalesCents || (p.SalesCents == r.SalesCents && p.Code > r.Code) {
					c.differ("%s %s %q listed after %q", by, f, r.Code, p.Code)
				}
			}
		}
		for code, exp := range want[f] {
			if !seen[code] && *exp != (saleRowAnswer{Code: code}) {
				c.differ("%s %s %q: the record has %+v, not listed", by, f, code, *exp)
			}
		}
		counts = append(counts, fmt.Sprintf("%d %s", len(rows), f))
	}
	c.compared = append(c.compared, fmt.Sprintf("%s breakdowns %s against the record: %s values — per value sales/credited/orders, each listed once, in order, named",
		by, s, strings.Join(counts, ", ")))
}

// checkSaleLoad compares a breakdowns GROUP BY over s with the record.
func checkSaleLoad(c *checks, rec *record, s span, facets []string, got map[saleCell]sums) {
	sameFigures(c, "sales", got, saleTotals(rec, s, facets))
	c.compared = append(c.compared, fmt.Sprintf("the GROUP BY over the ledger of %s = the bench's record, per %s, credited or not", s, strings.Join(facets, ", ")))
}

// checkOrgPairings compares one answer's figures of org per pairing over s
// with the record.
func checkOrgPairings(c *checks, rec *record, s span, o *org, by string, body []byte) {
	a, err := decodeAnswer[orgPairingAnswer](body)
	if err != nil {
		c.differ("%s org pairings: %v", by, err)
		return
	}
	a.header.check(c, by, "org pairings", s)
	if a.Org.ID != o.id {
		c.differ("%s org pairings: org %d, asked %d", by, a.Org.ID, o.id)
	}
	want := orgPairingTotals(rec, s, o.id)
	got := map[int64]orgPairing{0: {a.NotCreditedCents, a.SubtreeNotCreditedCents}}
	for _, it := range a.Items {
		if _, dup := got[it.Pairing.ID]; dup || it.Pairing.ID == 0 {
			c.differ("%s org pairings: pairing %d listed twice", by, it.Pairing.ID)
		}
		got[it.Pairing.ID] = orgPairing{it.Cents, it.SubtreeCents}
	}
	for id, w := range want {
		if got[id] != w {
			c.differ("%s org %d pairing %d: own/subtree %+v, the record gives %+v", by, o.id, id, got[id], w)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok && g != (orgPairing{}) {
			c.differ("%s org %d pairing %d: %+v, the record has nothing", by, o.id, id, g)
		}
	}
	c.compared = append(c.compared, fmt.Sprintf("%s figures per pairing of %s (id %d) over %s against the record: %d pairings and the not credited — own and subtree",
		by, o.name, o.id, s, len(a.Items)))
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
