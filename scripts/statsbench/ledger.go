package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"shanhai/model"
	"shanhai/scripts/bench"
)

// The ledger: -rows entries as service/credit writes them at acceptance
// (and, for a few, at an approved return), generated order by order from a
// seeded generator, so that every run loads the same entries. The bench
// keeps its own record of what it generated (record), to check the
// database's figures against.

const (
	firstYear = 2021
	months    = 72 // January 2021 (the new round of pairings) to December 2026
	lastYear  = firstYear + months/12 - 1

	minCents = 100       // 1 yuan
	maxCents = 5_000_000 // 50,000 yuan
)

// choice is a value drawn with a weight (per mille of the draws).
type choice struct {
	value  string
	weight int
}

// draw draws one of the choices by weight; the weights add up to 1000.
func draw(rng *rand.Rand, choices []choice) string {
	n := rng.IntN(1000)
	for _, c := range choices {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	return choices[len(choices)-1].value
}

// attributions: how often an order is credited (reason "") or not, and why.
var attributions = []choice{
	{"", 850},
	{model.ReasonNoPairing, 50},
	{model.ReasonUncertified, 40},
	{model.ReasonCertExpired, 30},
	{model.ReasonCertRevoked, 10},
	{model.ReasonNoBuyerRegion, 20},
}

// platforms: where an order was made, by weight (per mille): the mall, and
// a few off-platform records (832平台), so that the online/offline split has
// both sides.
var platforms = []choice{
	{model.PlatformMall, 970},
	{"832", 30},
}

// pointTypes: the sales point an order went through (五专), most none.
var pointTypes = []choice{
	{"", 880},
	{"counter", 50},
	{"zone", 30},
	{"hall", 15},
	{"store", 15},
	{"remote_counter", 10},
}

const creditCols = "source, order_id, line_id, return_id, quantity, amount_cents, pairing_id, reason, certified, " +
	"buyer_org_id, org_chain, buyer_region, kind, channel, category_code, origin_code, period, credit_date, orders, " +
	"supplier_id, sector, platform, point_type, created_at"

// entry is one ledger row.
type entry struct {
	source                   string
	orderID, lineID, retID   int64 // retID 0: not a return
	quantity, cents, pairing int64 // pairing 0: not credited
	reason                   string
	certified                bool
	org                      *org // nil: a consumer without a confirmed employer
	region, kind, channel    string
	category, origin         string
	period                   int
	date, created            string
	orders                   int
	supplier                 int64  // the producer, one of the origin county's
	sector                   string // the buying org's (五进); "" without one
	platform, pointType      string
}

// generator makes orders and their entries.
type generator struct {
	w       *world
	rng     *rand.Rand
	buyers  []*org // every org in a random order: the first buy the most
	order   int64
	line    int64
	ret     int64
	pending []entry
	rec     *record
}

func newGenerator(w *world, rng *rand.Rand) *generator {
	g := &generator{w: w, rng: rng, buyers: append([]*org(nil), w.orgs...), rec: newRecord()}
	rng.Shuffle(len(g.buyers), func(i, j int) { g.buyers[i], g.buyers[j] = g.buyers[j], g.buyers[i] })
	return g
}

// buyer draws an org, skewed: the density falls as 1/√rank, so the top 1%
// of orgs buy about a tenth of everything.
func (g *generator) buyer() *org {
	u := g.rng.Float64()
	return g.buyers[int(u*u*float64(len(g.buyers)))]
}

// next is the next entry.
func (g *generator) next() *entry {
	for len(g.pending) == 0 {
		g.newOrder()
	}
	e := &g.pending[0]
	g.pending = g.pending[1:]
	g.rec.add(e)
	return e
}

// newOrder generates one accepted order: 1–5 lines from one supplier (so
// one origin county) to one buyer, accepted on one day, each line an entry;
// the first carries the order count. About 2% of lines get a partial
// return, a negative entry with the line's attribution.
func (g *generator) newOrder() {
	rng, w := g.rng, g.w
	g.order++
	m := int(math.Sqrt(rng.Float64()) * months) // buying grows over the years
	year, month := firstYear+m/12, m%12+1
	date := fmt.Sprintf("%04d-%02d-%02d", year, month, 1+rng.IntN(28))
	created := fmt.Sprintf("%s %02d:%02d:%02d.%03d", date, 1+rng.IntN(13), rng.IntN(60), rng.IntN(60), rng.IntN(1000))

	reason := draw(rng, attributions)

	// The buyer: an org's own order (channel = its kind, kind = its credit
	// kind), a consumer with a confirmed employer (app, direct purchase, the
	// employer's figures), or a consumer without one (app, their region).
	e := entry{source: model.SourceAcceptance, orderID: g.order, kind: model.CreditDirect, channel: model.ChannelApp,
		period: year*100 + month, date: date, created: created}
	switch u := rng.IntN(100); {
	case reason == model.ReasonNoBuyerRegion:
	case u < 70:
		e.org = g.buyer()
		e.region, e.kind, e.channel = e.org.region, e.org.creditKind, e.org.kind
	case u < 92:
		e.org = g.buyer()
		e.region = e.org.region
	default:
		e.region = w.districts[rng.IntN(len(w.districts))]
	}

	// Where it comes from, and what it is credited to.
	switch reason {
	case "":
		o := w.paired[e.region][rng.IntN(len(w.paired[e.region]))]
		e.origin, e.pairing, e.certified = o.code, o.pairing, true
	case model.ReasonNoPairing:
		e.origin, e.certified = w.unpaired[e.region][rng.IntN(len(w.unpaired[e.region]))], true
	case model.ReasonNoBuyerRegion:
		d := w.districts[rng.IntN(len(w.districts))]
		e.origin, e.certified = w.paired[d][rng.IntN(len(w.paired[d]))].code, rng.IntN(10) < 8
	default: // the product's certificate: none, expired or revoked
		if rng.IntN(10) < 8 {
			e.origin = w.paired[e.region][rng.IntN(len(w.paired[e.region]))].code
		} else {
			e.origin = w.unpaired[e.region][rng.IntN(len(w.unpaired[e.region]))]
		}
	}
	e.reason = reason
	// One supplier per order, so one origin county; the sector is the
	// buying org's, as service/credit writes it.
	sup := w.suppliers[e.origin]
	e.supplier = sup[rng.IntN(len(sup))]
	if e.org != nil {
		e.sector = e.org.sector
	}
	e.platform, e.pointType = draw(rng, platforms), draw(rng, pointTypes)

	for i := range 1 + rng.IntN(5) {
		g.line++
		ln := e
		ln.lineID = g.line
		ln.category = w.categories[rng.IntN(len(w.categories))]
		ln.quantity = 1 + rng.Int64N(20)
		ln.cents = int64(math.Exp(math.Log(minCents) + rng.Float64()*(math.Log(maxCents)-math.Log(minCents))))
		ln.cents = min(max(ln.cents, minCents), maxCents)
		if i == 0 {
			ln.orders = 1
		}
		g.pending = append(g.pending, ln)
		if rng.IntN(100) < 2 {
			g.ret++
			r := ln
			r.source, r.retID, r.orders = model.SourceReturn, g.ret, 0
			q := 1 + rng.Int64N(ln.quantity)
			r.quantity, r.cents = -q, -(ln.cents * q / ln.quantity)
			g.pending = append(g.pending, r)
		}
	}
}

// appendRow appends e as a VALUES tuple.
func appendRow(b []byte, e *entry) []byte {
	b = append(b, '(')
	b = appendStr(b, e.source)
	b = appendInt(b, e.orderID)
	b = appendInt(b, e.lineID)
	b = appendNullInt(b, e.retID)
	b = appendInt(b, e.quantity)
	b = appendInt(b, e.cents)
	b = appendNullInt(b, e.pairing)
	b = appendStr(b, e.reason)
	if e.certified {
		b = append(b, ",1"...)
	} else {
		b = append(b, ",0"...)
	}
	if e.org != nil {
		b = appendInt(b, e.org.id)
		b = appendStr(b, e.org.chain)
	} else {
		b = append(b, ",NULL"...)
		b = appendStr(b, "")
	}
	for _, s := range []string{e.region, e.kind, e.channel, e.category, e.origin} {
		b = appendStr(b, s)
	}
	b = appendInt(b, int64(e.period))
	b = appendStr(b, e.date)
	b = appendInt(b, int64(e.orders))
	b = appendInt(b, e.supplier)
	for _, s := range []string{e.sector, e.platform, e.pointType, e.created} {
		b = appendStr(b, s)
	}
	return append(b, ')')
}

// appendStr appends ",'s'" ("'s'" first in the tuple). Every string here is
// generated from the bench's own tables; one with a quote or a backslash is
// a bug, not data.
func appendStr(b []byte, s string) []byte {
	if strings.ContainsAny(s, `'\`) {
		panic("statsbench: a generated string needs quoting: " + s)
	}
	if b[len(b)-1] != '(' {
		b = append(b, ',')
	}
	b = append(b, '\'')
	b = append(b, s...)
	return append(b, '\'')
}

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(append(b, ','), v, 10) }

func appendNullInt(b []byte, v int64) []byte {
	if v == 0 {
		return append(b, ",NULL"...)
	}
	return appendInt(b, v)
}

// loadLedger inserts o.rows entries, o.batch per statement, from o.conns
// connections, and returns the generator's record.
func loadLedger(ctx context.Context, l *bench.Loader, w *world, o options) (*record, time.Duration, error) {
	start := time.Now()
	db := l.DB()
	db.SetMaxOpenConns(max(o.conns, 4))
	g := newGenerator(w, l.Rand)
	batches := make(chan []byte, 2*o.conns)
	var inserted atomic.Int64
	eg, ectx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		defer close(batches)
		for left := o.rows; left > 0; {
			n := min(o.batch, left)
			q := make([]byte, 0, 64+n*200)
			q = append(q, "INSERT INTO credits ("+creditCols+") VALUES "...)
			for i := range n {
				if i > 0 {
					q = append(q, ',')
				}
				q = appendRow(q, g.next())
			}
			select {
			case batches <- q:
			case <-ectx.Done():
				return ectx.Err()
			}
			left -= n
		}
		return nil
	})
	for range o.conns {
		eg.Go(func() error {
			for q := range batches {
				res, err := db.ExecContext(ectx, string(q))
				if err != nil {
					return fmt.Errorf("insert credits: %w", err)
				}
				n, err := res.RowsAffected()
				if err != nil {
					return err
				}
				inserted.Add(n)
			}
			return nil
		})
	}
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		last, lastAt := int64(0), start
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				n := inserted.Load()
				bench.Logf("credits: %d of %d (%.0f%%), %.0f rows/s now, %.0f rows/s overall",
					n, o.rows, 100*float64(n)/float64(o.rows), float64(n-last)/now.Sub(lastAt).Seconds(), float64(n)/now.Sub(start).Seconds())
				last, lastAt = n, now
			}
		}
	}()
	err := eg.Wait()
	close(stop)
	if err != nil {
		return nil, 0, err
	}
	took := time.Since(start)
	if n := inserted.Load(); n != int64(o.rows) {
		return nil, 0, fmt.Errorf("credits: %d rows inserted, want %d", n, o.rows)
	}
	bench.Logf("credits: %d entries (%d orders) in %.1fs, %.0f rows/s", o.rows, g.order, took.Seconds(), float64(o.rows)/took.Seconds())
	return g.rec, took, nil
}
