package main

import (
	"fmt"
	"io"

	"shanhai/scripts/bench"
)

// scenarios in the order the table shows them, with their targets (0: none).
var scenarios = []struct {
	name   string
	target float64
}{
	{"ceiling", 0},
	{"detail (redis)", targetDetail},
	{"detail (cache off)", 0},
	{"list (redis)", targetList},
	{"list (cache off)", 0},
}

// report prints the machine, the workload and the table, plain or Markdown.
func report(w io.Writer, o options, m machine, results map[string]result, stampedes []stampede) {
	ceil := results["ceiling"]
	md := o.Markdown
	rep := bench.Report{W: w, Markdown: md}
	line := rep.Line
	rep.Heading("catalogue benchmark")
	line("machine: %s", m.host)
	line("MariaDB %s, Redis %s; server pool SHANHAI_DB_MAX_OPEN=32", m.mariadb, m.redis)
	line("data: %d products, %d SKUs, %d tiers, %d certificates, %d suppliers, loaded in %.1fs",
		m.products, m.skus, m.tiers, m.certs, m.suppliers, m.loadTime.Seconds())
	line("load: %d keep-alive connections from an in-process client on the same machine; %s warm-up, then %s measured per scenario",
		o.concurrency, o.Warmup, o.Duration)
	line("ceiling: bare Gin (gin.New, release mode, no middleware) encoding a real product detail (%d bytes) per request, in its own process", m.ceilingBytes)
	line("detail: GET /api/v1/products/{id}, ids uniform over the %d loaded; mean body %d bytes", m.products, m.detailBytes)
	line("list: GET /api/v1/products?category=…&certified=true&sort=price_asc&page=1..3&page_size=20 and ?origin=… (city or county): %d distinct query strings, uniform; mean body %d bytes",
		m.listQueries, m.listBytes)
	line("each scenario first requests every one of its paths once (fills the cache, warms the buffer pool), then warms up, then measures; cache hits are the server's counters (in-process or Redis) over the measured window")
	fmt.Fprintln(w)

	header := []string{"scenario", "req/s", "req/s ×ceil", "p50", "p50 ×ceil", "p99", "p99 ×ceil", "errors", "cache hits", "target"}
	table := &bench.Table{Header: header, Right: func(col int) bool { return col > 0 && col < len(header)-1 }}
	for _, s := range scenarios {
		r := results[s.name]
		name := s.name
		if name == "ceiling" {
			name = "ceiling (bare Gin)"
		}
		ratio := r.rate() / ceil.rate()
		target := ""
		if s.target > 0 {
			verdict := "PASS"
			if ratio < s.target || r.errors > 0 {
				verdict = "MISS"
			}
			target = fmt.Sprintf("≥ %.2f %s", s.target, verdict)
		}
		hits := "—"
		if r.cache != nil {
			hits = fmt.Sprintf("%.1f%%", r.cache.hitRatio()*100)
		}
		table.Add(
			name,
			fmt.Sprintf("%.0f", r.rate()), fmt.Sprintf("%.2f", ratio),
			ms(r.lat.Pct(50)), fmt.Sprintf("%.2f", float64(r.lat.Pct(50))/float64(ceil.lat.Pct(50))),
			ms(r.lat.Pct(99)), fmt.Sprintf("%.2f", float64(r.lat.Pct(99))/float64(ceil.lat.Pct(99))),
			fmt.Sprint(r.errors), hits, target,
		)
	}
	rep.Table(table)
	fmt.Fprintln(w)
	if md {
		fmt.Fprintln(w, "req/s ×ceil is the scenario's rate ÷ the ceiling's (higher is better); p50/p99 ×ceil is the scenario's latency ÷ the ceiling's (lower is better). A target is met when the rate ratio reaches it with no errors.")
	} else {
		fmt.Fprintln(w, "req/s ×ceil = rate ÷ the ceiling's rate (higher is better); p50/p99 ×ceil = latency ÷ the ceiling's (lower is better).")
		fmt.Fprintln(w, "A target is met when the rate ratio reaches it with no errors.")
	}
	for _, s := range scenarios {
		r := results[s.name]
		if r.errors > 0 {
			line("errors in %s: %s", s.name, bench.Reasons(r.reasons))
		}
		if r.cache != nil && r.cache.redisErrors > 0 {
			line("%s: %.0f Redis errors (timeouts) in the measured window; the server skips Redis for a while after each", s.name, r.cache.redisErrors)
		}
	}
	coldReport(rep, o, m, results, stampedes)
}

// targetCold is the target: the cold server's rate ≥ 0.7× the same
// SQL on database/sql.
const targetCold = 0.70

// coldReport prints the cold path: the server without a cache against the
// same SQL on database/sql, the plans of the standard lists, and the flush.
func coldReport(rep bench.Report, o options, m machine, results map[string]result, stampedes []stampede) {
	w, line := rep.W, rep.Line
	fmt.Fprintln(w)
	rep.Heading("catalogue cold path")
	line("database/sql: the statements the server runs for each request (model/store ListStatements and DetailStatements: the same SQL, arguments interpolated by the same driver options), on a pool of %d connections like the server's, %d goroutines, rows read as raw bytes; no HTTP, GORM or JSON. Measured in the same run, right after the cold server.", serverPool, o.concurrency)
	line("the cold server bounds its concurrent catalogue reads (SHANHAI_CATALOG_DB_READS, default %d); the baseline does not", defaultCatalogReads)
	fmt.Fprintln(w)
	t := &bench.Table{Header: []string{"request", "queries", "server (cache off) req/s", "database/sql req/s", "ratio", "server p99", "database/sql p99", "target"},
		Right: func(col int) bool { return col > 0 && col < 7 }}
	for _, k := range []struct {
		name, queries string
		target        bool
	}{{"detail", "2", true}, {"list", "2 (count, page)", true}, {"search", "2 (count, page)", false}} {
		srv, base := results[k.name+" (cache off)"], results[k.name+" (database/sql)"]
		ratio := srv.rate() / base.rate()
		verdict := "PASS"
		if ratio < targetCold || srv.errors > 0 || base.errors > 0 {
			verdict = "MISS"
		}
		target := fmt.Sprintf("≥ %.2f %s", targetCold, verdict)
		if !k.target {
			target = "—"
		}
		t.Add(k.name, k.queries, fmt.Sprintf("%.0f", srv.rate()), fmt.Sprintf("%.0f", base.rate()), fmt.Sprintf("%.2f", ratio),
			ms(srv.lat.Pct(99)), ms(base.lat.Pct(99)), target)
	}
	rep.Table(t)
	fmt.Fprintln(w)
	// (the cache-off detail and list report theirs with the scenarios above)
	for _, name := range []string{"detail (database/sql)", "list (database/sql)", "search (cache off)", "search (database/sql)"} {
		if r := results[name]; r.errors > 0 {
			line("errors in %s: %s", name, bench.Reasons(r.reasons))
		}
	}
	line("search: %d searches (relevance, page of 20: whole names, Han terms found as two words, brand and city words, two terms, a term in a category), answered by the database (each term of two or more characters narrowed by the search index, search_grams, to the products holding all its grams, then the exact LIKE over the name, brand, origin and description judges those candidates and ranks them); no target", len(searchQueries()))
	fmt.Fprintln(w)

	sorting := 0
	for _, p := range m.plans {
		if p.sorts() {
			sorting++
		}
	}
	line("plans: MariaDB's EXPLAIN of every standard list (each documented sort, alone and with each filter; category tea, city 511100, county 511133, the 乐山 pairing) over the loaded catalogue, after ANALYZE TABLE: %d of %d show Using filesort or Using temporary (model/store TestCatalogueListPlans fails on any)", sorting, len(m.plans))
	fmt.Fprintln(w)
	pt := &bench.Table{Header: []string{"list", "count: products", "page: products", "page: other tables", "sorts"}}
	for _, p := range m.plans {
		verdict := "no"
		if p.sorts() {
			verdict = "YES"
		}
		pt.Add(p.name, productsRow(p.count), productsRow(p.page), others(p.page), verdict)
	}
	rep.Table(pt)
	fmt.Fprintln(w)

	if len(stampedes) == 0 {
		return // -cold: no flush
	}
	line("flush: the Redis database flushed (FLUSHDB, which also drops the generation hash: every replica drops its in-process entries within a second) halfway through %s of load over every detail and list path (%d keep-alive connections, Redis on); before = the %s before the flush, after = the %s from it; peak = shanhai_catalog_db_reads_peak, the most catalogue reads the replica ran on MariaDB at once", max(o.Duration, stampedeWindow), o.concurrency, recovery, recovery)
	fmt.Fprintln(w)
	ft := &bench.Table{Header: []string{"catalogue reads", "req/s before", "req/s after", "p99 before", "p99 after", "peak DB reads before", "peak DB reads after", "errors"},
		Right: func(col int) bool { return col > 0 }}
	for _, s := range stampedes {
		name := fmt.Sprintf("≤ %d (SHANHAI_CATALOG_DB_READS=%d)", s.limit, s.limit)
		if s.limit == 0 {
			name = "unbounded (SHANHAI_CATALOG_DB_READS=0)"
		}
		ft.Add(name, fmt.Sprintf("%.0f", s.rateBefore), fmt.Sprintf("%.0f", s.rateAfter), ms(s.p99Before), ms(s.p99After),
			fmt.Sprintf("%.0f", s.peakBefore), fmt.Sprintf("%.0f", s.peakAfter), fmt.Sprint(s.res.errors))
	}
	rep.Table(ft)
	fmt.Fprintln(w)
	line("peak DB reads counts the catalogue reads past the bound's gate (unbounded: every one, waiting for a pooled connection included); reads over the bound queue in the replica; concurrent misses of one key in one replica share one read (singleflight) either way")
}
