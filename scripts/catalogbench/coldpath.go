package main

// The cold path: what the catalogue costs without a cache, against the same
// SQL run straight on database/sql; the plans of the standard lists; and a
// cache flush under load (the stampede), with and without the bound on the
// catalogue's concurrent database reads.

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/scripts/bench"
)

// serverPool is SHANHAI_DB_MAX_OPEN of every server the bench starts, and
// the pool of the database/sql baseline.
const serverPool = 32

// openBenchStore opens the bench database as the server does (same driver
// options), with the server's pool size.
func openBenchStore(ws *bench.Workspace) (*store.Store, error) {
	return store.Open("mysql:"+ws.DSN, serverPool)
}

// sqlBaseline runs, for each request, the statements the server runs for it
// (store.ListStatements, store.DetailStatements) on the store's database/sql
// pool: no HTTP, no GORM, no JSON, rows read as raw bytes. The cold server's
// rate is reported as a ratio to it.
func sqlBaseline(ctx context.Context, name string, db *sql.DB, stmts [][]store.Statement, o options) (result, error) {
	do := func(i int) string {
		for _, st := range stmts[i] {
			if err := drain(ctx, db, st); err != nil {
				return bench.ShortError(err)
			}
		}
		return ""
	}
	if err := bench.Each(ctx, len(stmts), o.concurrency, func(i int) error {
		if r := do(i); r != "" {
			return fmt.Errorf("%s: %s", name, r)
		}
		return nil
	}); err != nil {
		return result{}, err
	}
	return hammer(ctx, name, len(stmts), do, o, "", nil)
}

// drain runs one statement and reads every row.
func drain(ctx context.Context, db *sql.DB, st store.Statement) error {
	rows, err := db.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// baselineStatements are the statements of every detail and list path, in
// the scenarios' order.
func baselineStatements(st *store.Store, ids []int64, lists []listQuery) (details, pages [][]store.Statement) {
	today := model.DateOf(time.Now())
	for _, id := range ids {
		details = append(details, st.DetailStatements(id))
	}
	for _, l := range lists {
		q := l.q
		q.Today = today
		pages = append(pages, st.ListStatements(q))
	}
	return details, pages
}

// plan is the plan of one standard list: its count's and its page's.
type plan struct {
	name        string
	count, page []store.PlanRow
}

// sorts reports whether either plan sorts or builds a temporary table.
func (p plan) sorts() bool {
	for _, r := range slices.Concat(p.count, p.page) {
		if r.Sorts() {
			return true
		}
	}
	return false
}

// explainLists runs EXPLAIN on every standard list (store.ListShapes, which
// hold the list scenarios' shapes) over the loaded catalogue, after ANALYZE.
func explainLists(ctx context.Context, st *store.Store) ([]plan, error) {
	if _, err := st.DB().ExecContext(ctx, "ANALYZE TABLE products, suppliers, regions, categories, pairings"); err != nil {
		return nil, err
	}
	var pairing int64
	if err := st.DB().QueryRowContext(ctx, "SELECT MIN(id) FROM pairings WHERE partner_code = '511100'").Scan(&pairing); err != nil {
		return nil, fmt.Errorf("the 乐山 pairing: %w", err)
	}
	var out []plan
	for _, shape := range store.ListShapes("tea", "511100", "511133", pairing, model.DateOf(time.Now())) {
		stmts := st.ListStatements(shape.Query)
		p := plan{name: shape.Name}
		var err error
		if p.count, err = st.Explain(ctx, stmts[0]); err != nil {
			return nil, fmt.Errorf("EXPLAIN %s: %w", shape.Name, err)
		}
		if p.page, err = st.Explain(ctx, stmts[1]); err != nil {
			return nil, fmt.Errorf("EXPLAIN %s: %w", shape.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// productsRow is the plan row of the products table (the one that matters:
// every other table is a primary-key lookup or a constant).
func productsRow(rows []store.PlanRow) string {
	for _, r := range rows {
		if r.Table != nil && *r.Table == "p" {
			return r.String()
		}
	}
	return "?"
}

// others summarises the other tables' access types, e.g. "s,r,rp,c eq_ref".
func others(rows []store.PlanRow) string {
	by := map[string][]string{}
	var types []string
	for _, r := range rows {
		if r.Table == nil || *r.Table == "p" || r.Type == nil {
			continue
		}
		t := *r.Type
		if r.SelectType != "SIMPLE" && r.SelectType != "PRIMARY" {
			t = strings.ToLower(r.SelectType) + " " + t
		}
		if _, ok := by[t]; !ok {
			types = append(types, t)
		}
		by[t] = append(by[t], *r.Table)
	}
	var parts []string
	for _, t := range types {
		parts = append(parts, strings.Join(by[t], ",")+" "+t)
	}
	return strings.Join(parts, "; ")
}

// stampede is one cache flush under load.
type stampede struct {
	limit       int           // SHANHAI_CATALOG_DB_READS of the server
	res         result        // the whole measured window
	peakBefore  float64       // most catalogue DB reads at once in the second before the flush
	peakAfter   float64       // ... in the recovery window after it
	p99Before   time.Duration // of requests started in the window before the flush
	p99After    time.Duration // ... in the recovery window
	rateBefore  float64
	rateAfter   float64
	errorsAfter int
}

// stampedeWindow is the flush scenario's measured window at least (the flush
// is halfway through), and recovery how long before and after the flush its
// figures are taken.
const (
	stampedeWindow = 8 * time.Second
	recovery       = 3 * time.Second
)

// runStampede drives details and lists on a Redis-backed server and flushes
// the bench's Redis database (which also drops the generation hash, so every
// replica's in-process entries go within a second) halfway through.
func runStampede(ctx context.Context, name, base string, paths []string, o options, flush func(ctx context.Context) error) (stampede, error) {
	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = base + p
	}
	tr := &http.Transport{MaxIdleConns: o.concurrency, MaxIdleConnsPerHost: o.concurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	if err := prime(ctx, client, name, urls, o.concurrency); err != nil {
		return stampede{}, err
	}
	o.Duration = max(o.Duration, stampedeWindow)
	var s stampede // the event's fields are read after done
	var flushAt time.Time
	var flushErr error
	done := make(chan struct{})
	// The peak gauge restarts at each scrape: one a second before the flush,
	// one at it (that second's peak), one after the recovery window.
	event := func(time.Time) {
		defer close(done)
		s.peakBefore = scrape(ctx, base, "shanhai_catalog_db_reads_peak")
		flushAt = time.Now()
		flushErr = flush(ctx)
		time.Sleep(recovery)
		s.peakAfter = scrape(ctx, base, "shanhai_catalog_db_reads_peak")
	}
	// Restart the peak a second before the flush, so peakBefore covers that second.
	go func() {
		time.Sleep(o.Warmup + o.Duration/2 - time.Second)
		scrape(ctx, base, "shanhai_catalog_db_reads_peak")
	}()
	res, err := hammer(ctx, name, len(urls), func(i int) string { return get(ctx, client, urls[i]) }, o, base, event)
	<-done
	if err != nil {
		return s, err
	}
	if flushErr != nil {
		return s, flushErr
	}
	s.res = res
	var before, after []time.Duration
	for _, smp := range res.samples {
		switch {
		case smp.at.Before(flushAt) && smp.at.After(flushAt.Add(-recovery)):
			before = append(before, smp.lat)
		case !smp.at.Before(flushAt) && smp.at.Before(flushAt.Add(recovery)):
			after = append(after, smp.lat)
		}
	}
	slices.Sort(before)
	slices.Sort(after)
	s.p99Before, s.p99After = bench.Latencies(before).Pct(99), bench.Latencies(after).Pct(99)
	s.rateBefore, s.rateAfter = float64(len(before))/recovery.Seconds(), float64(len(after))/recovery.Seconds()
	bench.Logf("%-20s flush: before %.0f req/s p99 %s peak %.0f DB reads; %s after: %.0f req/s p99 %s peak %.0f DB reads",
		name, s.rateBefore, ms(s.p99Before), s.peakBefore, recovery, s.rateAfter, ms(s.p99After), s.peakAfter)
	return s, nil
}

// scrape reads one gauge from the server's /metrics (-1 when absent).
func scrape(ctx context.Context, base, metric string) float64 {
	status, b, err := fetch(ctx, base+"/metrics")
	if err != nil || status != http.StatusOK {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if ok && name == metric {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				return f
			}
		}
	}
	return -1
}
