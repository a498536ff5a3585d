package main

import (
	"fmt"
	"io"
	"time"

	"shanhai/scripts/bench"
)

// report prints the machine, the workload and two tables (timed scenarios,
// sell-outs), plain or Markdown.
func report(w io.Writer, o options, m machine, rows []*row, sells []sellRow) {
	rep := bench.Report{W: w, Markdown: o.Markdown}
	line := rep.Line
	rep.Heading("order benchmark")
	line("machine: %s; MariaDB %s (innodb_flush_log_at_trx_commit=%d, buffer pool %d MiB)%s",
		m.host, m.mariadb, m.flushAtCommit, m.bufferPool>>20,
		map[bool]string{true: ", Redis " + m.redis, false: ""}[m.redis != ""])
	line("data: %d suppliers, %d products × %d SKUs of %d units, 1 hot SKU of %d units, %d sell-out SKUs of %d units, %d consumers; loaded in %.1fs",
		numSuppliers, numProducts, skusPerProduct, bigStock, bigStock, len(sells), o.last, numUsers, m.loadTime.Seconds())
	line("server: the real binary, SHANHAI_DB_MAX_OPEN=%d, SHANHAI_RATE_ORDERS=0, SHANHAI_SKU_CAP=0, %s; POST /api/v1/orders with a bearer token and a fresh Idempotency-Key per request, keep-alive, from this process",
		o.pool, map[bool]string{true: "without Redis, and again with SHANHAI_REDIS", false: "no Redis"}[m.redis != ""])
	line("ceiling: database/sql + go-sql-driver/mysql in this process, pool %d, the store's connection settings; per order one transaction with the server's writes in its order: INSERT idempotency key, UPDATE skus … WHERE id = ? AND on_hand - reserved >= ? AND version = ? per SKU in id order (RowsAffected checked), INSERT orders, order_lines, order_events, UPDATE the key with the response; no HTTP, no reads", o.pool)
	line("each scenario: every buyer is its own consumer; the runners take turns in %d rounds of %s each (%s before a runner's first round), %s measured per runner in all; orders/s = orders placed in the measured windows; p50/p99 over every request in them; errors over everything (any non-201, an out_of_stock included)",
		o.rounds, (o.Duration / time.Duration(o.rounds)).Round(time.Millisecond), o.Warmup, o.Duration)
	line("after every round the database is checked against what the bench was told: per SKU, reserved = units placed = Σ quantity of lines in open orders, on hand as loaded, on hand − reserved ≥ 0; orders and lines created = placed; no idempotency key left running")
	fmt.Fprintln(w)

	table := &bench.Table{Header: []string{"scenario", "buyers", "run", "orders/s", "p50", "p99", "errors", "×ceiling", "target", "check", "CPU per order"}}
	for _, r := range rows {
		ceil := r.ceiling
		add := func(run string, x *result, isCeiling bool) {
			if x == nil {
				return
			}
			ratio, verdict := "—", "—"
			if !isCeiling {
				q := x.rate() / ceil.rate()
				ratio = fmt.Sprintf("%.2f", q)
				v := "PASS"
				if q < target || x.errors > 0 || !x.check.ok() {
					v = "MISS"
				}
				verdict = fmt.Sprintf("≥ %.2f %s", target, v)
			}
			chk := "balanced"
			if !x.check.ok() {
				chk = "FAILED"
			}
			table.Add(r.name, fmt.Sprint(r.buyers), run,
				fmt.Sprintf("%.0f", x.rate()), ms(x.lat.Pct(50)), ms(x.lat.Pct(99)), fmt.Sprint(x.errors), ratio, verdict,
				fmt.Sprintf("%s, %d orders", chk, x.check.created), x.cpu.perOrder(x.cpuSrcs, x.placed))
		}
		add("ceiling", ceil, true)
		add("server", r.server, false)
		add("server (redis)", r.redis, false)
	}
	rep.Table(table)
	fmt.Fprintln(w)

	table = &bench.Table{Header: []string{"sell-out", "units", "placed", "out_of_stock", "refused early", "errors", "sold out in", "orders/s", "p50", "p99", "check", "verdict"}}
	for _, s := range sells {
		r := s.r
		v := "OK"
		if r.orders != s.units || r.premature > 0 || r.errors > 0 || r.soldOut != sellOutBuyers || !r.check.ok() {
			v = "FAIL"
		}
		chk := "balanced"
		if !r.check.ok() {
			chk = "FAILED"
		}
		table.Add(fmt.Sprintf("%s, %d buyers", s.name, sellOutBuyers), fmt.Sprint(s.units),
			fmt.Sprint(r.orders), fmt.Sprint(r.soldOut), fmt.Sprint(r.premature), fmt.Sprint(r.errors),
			fmt.Sprintf("%.2fs", r.elapsed.Seconds()), fmt.Sprintf("%.0f", r.rate()), ms(r.lat.Pct(50)), ms(r.lat.Pct(99)), chk, v)
	}
	rep.Table(table)
	fmt.Fprintln(w)

	line("×ceiling = the run's orders/s ÷ the ceiling's in the same scenario; a target is met at ≥ %.2f with 0 errors and a balanced check", target)
	line("CPU per order: user + system CPU time of each process over the measured windows (from /proc) ÷ orders placed in them; bench is this process: the HTTP load generator in server runs, the ceiling itself in ceiling runs; MariaDB is the threads serving connections to the bench database (its background threads and other databases' clients excluded), only when it runs on this machine")
	line("sell-out: one SKU of %d units, %d buyers each ordering 1 unit until told 409 out_of_stock (expected there, not an error); OK = exactly %d placed, every buyer refused once, none refused while units were left (a refusal answered before another order that succeeded was sent), 0 errors, balanced check",
		o.last, sellOutBuyers, o.last)
	fmt.Fprintln(w)
	for _, r := range rows {
		for _, x := range []struct {
			run string
			r   *result
		}{{"ceiling", r.ceiling}, {"server", r.server}, {"server (redis)", r.redis}} {
			if x.r == nil {
				continue
			}
			line("%s, %d buyers, %s: %s", r.name, r.buyers, x.run, x.r.check)
			if x.r.errors > 0 {
				line("errors in %s, %d buyers, %s: %s", r.name, r.buyers, x.run, bench.Reasons(x.r.reasons))
			}
		}
	}
	for _, s := range sells {
		line("sell-out, %s: %s", s.name, s.r.check)
		if s.r.errors > 0 {
			line("errors in the %s sell-out: %s", s.name, bench.Reasons(s.r.reasons))
		}
	}
}
