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
func report(w io.Writer, o options, m machine, results map[string]result) {
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
}
