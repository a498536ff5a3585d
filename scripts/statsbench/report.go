package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"shanhai/scripts/bench"
)

// report prints the machine, the data, the rollup rebuild, one table of
// timings with the targets, and the checks; plain or Markdown.
func report(w io.Writer, o options, f facts, results []*measured, c *checks) {
	rep := bench.Report{W: w, Markdown: o.Markdown}
	line := rep.Line
	rep.Heading("statistics benchmark")
	line("machine: %s; MariaDB %s (buffer pool %d MiB); load average %s at the start, %s at the end (other work shares the machine when it exceeds the CPUs)",
		f.host, f.mariadb, f.bufferPool>>20, f.loadStart, f.loadEnd)
	line("ledger: %s credit entries (%s orders) over %d-01..%d-12, %s of table and indexes; %d orgs (%d of the demo, %d generated under %d supervising units), the demo's 12 pairings; loaded in %.1fs (%s rows/s, %d connections, %d rows per INSERT)",
		group3(f.rows), group3(f.orders), firstYear, firstYear+months/12-1, bytesText(f.tableBytes), f.orgs, f.demoOrgs, f.orgs-f.demoOrgs, len(supervisors),
		f.load.Seconds(), group3(int64(float64(f.rows)/f.load.Seconds())), o.conns, o.batch)
	rr := f.rebuildReport
	var rows []string
	for _, t := range rollupTables {
		rows = append(rows, fmt.Sprintf("%s %s", t, group3(f.rollupRows[t])))
	}
	line("rollups: store.RebuildRollups in %.1fs (%s entries/s): %s entries counted, %d pending, %d rows compared, %d corrected (from empty: every row); rows: %s",
		f.rebuild.Seconds(), group3(int64(float64(rr.Entries)/f.rebuild.Seconds())), group3(rr.Entries), rr.Pending, rr.Rows, rr.Corrected,
		strings.Join(rows, ", "))
	httpNote := ""
	if o.http {
		httpNote = "; HTTP: api.New on an httptest server, GET over loopback with keep-alive and the demo admin's bearer token (request logs encoded, then discarded)"
	}
	line("service: stats.New(store, nil, geography cached 1 s), cache off (no Redis), admin scope; in-process: a direct call%s; %d calls per runner after 20 unmeasured, in-process and HTTP taking turns", httpNote, o.iterations)
	line("round-trip floor: SELECT 1 on the store's pool, %d calls taking turns with the per-pairing calls: p50 %s, p99 %s, mean %s", len(f.floor.lat), dur(f.floor.lat.Pct(50)), dur(f.floor.lat.Pct(99)), dur(f.floor.mean()))
	line("GROUP BY: one unmeasured run (the one checked), then %d measured, the %d queries taking turns", o.baseline, len(results))
	for _, r := range results {
		line("service calls, %s: %s", r.name, r.breakdown)
	}
	for _, r := range results {
		line("GROUP BY plan, %s: %s", r.name, r.groupByPlan)
	}
	fmt.Fprintln(w)

	table := &bench.Table{
		Header: []string{"query", "runner", "calls", "p50", "p99", "mean", "speed-up", "p99 < 10 ms", "≥ 100×"},
		Right:  func(col int) bool { return col >= 2 && col <= 6 },
	}
	for _, r := range results {
		base := r.groupBy.lat.Pct(50)
		add := func(runner string, t *timing) {
			if t == nil {
				return
			}
			p99 := t.lat.Pct(99)
			speedup := float64(base) / float64(p99)
			table.Add(r.name, runner, fmt.Sprint(len(t.lat)), dur(t.lat.Pct(50)), dur(p99), dur(t.mean()),
				speedupText(speedup), verdict(p99 < targetP99), verdict(speedup >= targetSpeedup))
		}
		add("service, in-process", r.inproc)
		add("service, HTTP", r.overHTTP)
		g := r.groupBy
		table.Add(r.name, "GROUP BY credits", fmt.Sprint(len(g.lat)), dur(g.lat.Pct(50)), dur(g.lat.Pct(99)), dur(g.mean()), "—", "—", "—")
	}
	rep.Table(table)
	fmt.Fprintln(w)

	line("speed-up = the GROUP BY's p50 ÷ the service's p99 (the slow end of the service against the typical GROUP BY)")
	scale := "at 10,000,000 entries"
	if f.rows != targetRows {
		scale = fmt.Sprintf("stated at 10,000,000 entries; this run has %s, so the verdicts are indicative only", group3(f.rows))
	}
	line("targets (%s): service p99 < %s and speed-up ≥ %.0f×; a MISS is a result, not an error", scale, dur(targetP99), targetSpeedup)
	line("p50/p99: nearest rank over the measured calls (with %d GROUP BY runs, p99 is the slowest)", o.baseline)
	for _, s := range c.compared {
		line("checked: %s", s)
	}
	if c.ok() {
		line("figures: the service = the GROUP BY over the ledger = the bench's own record of what it loaded")
	} else {
		line("FIGURES DIFFER: %d differences", c.n)
		for _, d := range c.diffs {
			line("  %s", d)
		}
		if c.n > len(c.diffs) {
			line("  … and %d more", c.n-len(c.diffs))
		}
	}
}

func speedupText(x float64) string {
	if x < 10 {
		return fmt.Sprintf("%.1f×", x)
	}
	return fmt.Sprintf("%.0f×", x)
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// dur is "0.84 ms" below a second, "5.21 s" above.
func dur(d time.Duration) string {
	if d < time.Second {
		return bench.Ms(d, 2)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// group3 writes n with thousands separators: 10,000,000.
func group3(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
