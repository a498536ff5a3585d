package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"shanhai/scripts/bench"
)

// The naive target (issue 22): the server's orders/s at least 1.0× the
// naive ceiling's, as the median of the rounds' ratios, with its p99 at most
// 1.5× the naive p99.
const (
	naiveTarget = 1.0
	naiveP99    = 1.5
)

// report prints the machine, the workload and three tables (timed
// scenarios, their rounds against the naive ceiling, sales), plain or
// Markdown.
func report(w io.Writer, o options, m machine, runners []string, rows []*row, sells []saleRow) {
	rep := bench.Report{W: w, Markdown: o.Markdown}
	line := rep.Line
	rep.Heading("order benchmark")
	line("machine: %s; MariaDB %s (innodb_flush_log_at_trx_commit=%d, buffer pool %d MiB)%s",
		m.host, m.mariadb, m.flushAtCommit, m.bufferPool>>20,
		map[bool]string{true: ", Redis " + m.redis, false: ""}[m.redis != ""])
	line("data: %d suppliers, %d products × %d SKUs of %d units, 1 hot SKU of %d units, %d sale SKUs (one per sale and runner), %d consumers; loaded in %.1fs",
		numSuppliers, numProducts, skusPerProduct, bigStock, bigStock, len(sells), numUsers, m.loadTime.Seconds())
	line("server: the real binary, SHANHAI_DB_MAX_OPEN=%d, SHANHAI_RATE_ORDERS=0, SHANHAI_SKU_CAP=0, %s; POST /api/v1/orders with a bearer token and a fresh Idempotency-Key per request, keep-alive, from this process",
		o.pool, map[bool]string{true: "without Redis, and again with SHANHAI_REDIS", false: "no Redis"}[m.redis != ""])
	line("ceiling: database/sql + go-sql-driver/mysql in this process, pool %d, the store's connection settings; per order one transaction with the server's writes in its order: INSERT idempotency key, UPDATE skus … WHERE id = ? AND on_hand - reserved >= ? AND version = ? per SKU in id order (RowsAffected checked), INSERT orders, order_lines, order_events, UPDATE the key with the response; no HTTP, no reads", o.pool)
	line("naive: the same pool; per order one transaction with only UPDATE skus SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ? per SKU in id order (RowsAffected checked), INSERT orders, INSERT order_lines (one statement), COMMIT: no idempotency key, no history row, no holdings, no version check, no HTTP, no reads")
	line("each scenario: every buyer is its own consumer; the runners take turns (%s) in %d rounds of %s each (%s before a runner's first round), %s measured per runner in all; orders/s = orders placed in the measured windows; p50/p99 over every request in them; errors over everything (any non-201, an out_of_stock included)",
		strings.Join(runners, ", "), o.rounds, (o.Duration / time.Duration(o.rounds)).Round(time.Millisecond), o.Warmup, o.Duration)
	line("after every round the database is checked against what the bench was told: per SKU, reserved = units placed = Σ quantity of lines in open orders, on hand as loaded, on hand − reserved ≥ 0; orders and lines created = placed; no idempotency key left running")
	fmt.Fprintln(w)

	ratio := func(a, b float64) string {
		if b <= 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	table := &bench.Table{Header: []string{"scenario", "buyers", "run", "orders/s", "p50", "p99", "errors", "×naive", "×ceiling", "target", "check", "CPU per order"}}
	for _, r := range rows {
		for _, run := range runners {
			x := r.res[run]
			verdict := "—"
			if run == runServer || run == runRedis {
				v := "PASS"
				if x.rate() < target*r.res[runCeiling].rate() || x.errors > 0 || !x.check.ok() {
					v = "MISS"
				}
				verdict = fmt.Sprintf("≥ %.2f× ceiling %s", target, v)
			}
			chk := "balanced"
			if !x.check.ok() {
				chk = "FAILED"
			}
			table.Add(r.name, fmt.Sprint(r.buyers), run,
				fmt.Sprintf("%.0f", x.rate()), ms(x.lat.Pct(50)), ms(x.lat.Pct(99)), fmt.Sprint(x.errors),
				ratio(x.rate(), r.res[runNaive].rate()), ratio(x.rate(), r.res[runCeiling].rate()), verdict,
				fmt.Sprintf("%s, %d orders", chk, x.check.created), x.cpu.perOrder(x.cpuSrcs, x.placed))
		}
	}
	rep.Table(table)
	fmt.Fprintln(w)

	// Against the naive ceiling, round by round.
	table = &bench.Table{Header: []string{"scenario", "buyers", "run", "×naive per round", "median ×naive", "p99 ×naive", "CPU/order ×naive", "target"}}
	for _, r := range rows {
		for _, run := range runners {
			if run == runNaive {
				continue
			}
			var per []string
			var qs []float64
			for i, seg := range r.rounds[run] {
				nv := r.rounds[runNaive][i]
				if nv.rate() > 0 {
					qs = append(qs, seg.rate()/nv.rate())
					per = append(per, fmt.Sprintf("%.2f", seg.rate()/nv.rate()))
				}
			}
			med := median(qs)
			x, nv := r.res[run], r.res[runNaive]
			p99 := float64(x.lat.Pct(99)) / float64(max(nv.lat.Pct(99), 1))
			v := "PASS"
			if med < naiveTarget || p99 > naiveP99 || x.errors > 0 || !x.check.ok() {
				v = "MISS"
			}
			table.Add(r.name, fmt.Sprint(r.buyers), run, strings.Join(per, " "), fmt.Sprintf("%.2f", med), fmt.Sprintf("%.2f", p99),
				ratio(float64(x.cpu.total())/float64(max(x.placed, 1)), float64(nv.cpu.total())/float64(max(nv.placed, 1))),
				fmt.Sprintf("≥ %.2f, p99 ≤ %.2f %s", naiveTarget, naiveP99, v))
		}
	}
	rep.Table(table)
	fmt.Fprintln(w)

	table = &bench.Table{Header: []string{"sale", "run", "units", "buyers", "placed", "out_of_stock", "refused early", "errors", "sold out in", "time ×naive", "orders/s", "p50", "p99", "check", "CPU per order", "verdict"}}
	for _, s := range sells {
		r := s.r
		v := "OK"
		if r.orders != s.units || r.premature > 0 || r.errors > 0 || r.soldOut != s.buyers || !r.check.ok() {
			v = "FAIL"
		}
		chk := "balanced"
		if !r.check.ok() {
			chk = "FAILED"
		}
		base := r
		for _, t := range sells {
			if t.name == s.name && t.runner == runNaive {
				base = t.r
			}
		}
		table.Add(s.name, s.runner, fmt.Sprint(s.units), fmt.Sprint(s.buyers),
			fmt.Sprint(r.orders), fmt.Sprint(r.soldOut), fmt.Sprint(r.premature), fmt.Sprint(r.errors),
			fmt.Sprintf("%.2fs", r.elapsed.Seconds()), ratio(r.elapsed.Seconds(), base.elapsed.Seconds()),
			fmt.Sprintf("%.0f", r.rate()), ms(r.lat.Pct(50)), ms(r.lat.Pct(99)), chk, r.cpu.perOrder(r.cpuSrcs, r.placed), v)
	}
	rep.Table(table)
	fmt.Fprintln(w)

	line("×naive, ×ceiling = the run's orders/s ÷ the naive ceiling's (the ceiling's) in the same scenario; the ceiling target is met at ≥ %.2f with 0 errors and a balanced check", target)
	line("×naive per round = each round's orders/s ÷ the naive ceiling's in the same round (they run seconds apart); median over the rounds; p99 ×naive = the p99 over all rounds ÷ the naive's; CPU/order ×naive = all processes' CPU per order ÷ the naive's; the naive target is met at a median ≥ %.2f with p99 ≤ %.2f×, 0 errors and a balanced check",
		naiveTarget, naiveP99)
	line("CPU per order: user + system CPU time of each process over the measured windows (from /proc) ÷ orders placed in them; bench is this process: the HTTP load generator in server runs, the ceiling itself in ceiling and naive runs; MariaDB is the threads serving connections to the bench database (its background threads and other databases' clients excluded), only when it runs on this machine")
	line("sales: one SKU of the units per runner (the flash sale: the server without Redis and the naive ceiling only), the buyers (each its own consumer) each ordering 1 unit until told 409 out_of_stock (expected there, not an error); sold out in = start to the last buyer's refusal; time ×naive = that ÷ the naive ceiling's; OK = exactly the units placed, every buyer refused once, none refused while units were left (a refusal answered before another order that succeeded was sent), 0 errors, balanced check")
	fmt.Fprintln(w)
	for _, r := range rows {
		for _, run := range runners {
			x := r.res[run]
			line("%s, %d buyers, %s: %s", r.name, r.buyers, run, x.check)
			if x.errors > 0 {
				line("errors in %s, %d buyers, %s: %s", r.name, r.buyers, run, bench.Reasons(x.reasons))
			}
		}
	}
	for _, s := range sells {
		line("%s, %s: %s", s.name, s.runner, s.r.check)
		if s.r.errors > 0 {
			line("errors in the %s %s: %s", s.runner, s.name, bench.Reasons(s.r.reasons))
		}
	}
}

// median of qs (0 for none).
func median(qs []float64) float64 {
	if len(qs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(qs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
