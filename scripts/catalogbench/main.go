// Command catalogbench measures the public catalogue against a bare-Gin ceiling.
//
// One run:
//
//  1. creates its own MariaDB database (shanhai_bench_<random>), migrates it with
//     the store and loads -products generated products (suppliers, SKUs, tiers,
//     certificates, the seed's pairings) with batched SQL inserts;
//  2. builds the real server once and starts it twice as a subprocess, without
//     Redis (cache off) and with SHANHAI_REDIS (cache on), and starts a bare Gin
//     server (this binary re-executed with -ceiling-serve) whose one handler
//     encodes a real product detail: the most any JSON handler can do here;
//  3. drives each with -concurrency keep-alive clients: every path once (fills
//     the cache, warms the buffer pool), then -warmup, then -duration measured:
//     product detail over random loaded ids, and a filtered list over a fixed
//     set of 50 query strings;
//  4. prints requests/s, p50 and p99, absolute and as ratios to the ceiling,
//     and PASS/MISS against the targets (detail with Redis >= 0.5x the ceiling,
//     filtered list with Redis >= 0.25x); -markdown prints the table as Markdown.
//
// The database is dropped and the Redis database flushed at the end (-keep keeps
// the database and the temp dir with the server logs).
//
//	go run ./scripts/catalogbench -duration 5s
//	go run ./scripts/catalogbench -quick            # smoke: 2s per scenario, 1s warm-up
//	go run ./scripts/catalogbench -cold -duration 5s # the cold path only
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"shanhai/scripts/bench"
)

// Targets from the issue: ratio of requests/s to the bare-Gin ceiling.
const (
	targetDetail = 0.50
	targetList   = 0.25
)

type options struct {
	bench.Options
	redis       string
	products    int
	concurrency int
	cold        bool
}

func main() {
	var o options
	var ceilingAddr, ceilingBody string
	o.Flags("scenario", "a Markdown table")
	flag.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/9", "Redis URL for the cache-on run; its database is the bench's own and is flushed before and after (db 0 is refused)")
	flag.IntVar(&o.products, "products", 10000, "generated products to load")
	flag.IntVar(&o.concurrency, "concurrency", 64, "concurrent client connections")
	flag.BoolVar(&o.cold, "cold", false, "only the cold path: the cache-off server against the same SQL on database/sql, and the plans (no ceiling, Redis or flush)")
	// Internal: the ceiling server, run as a separate process like the real one.
	flag.StringVar(&ceilingAddr, "ceiling-serve", "", "")
	flag.StringVar(&ceilingBody, "ceiling-body", "", "")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: catalogbench [flags]\n\nMeasures product detail and a filtered list, with Redis and with the cache off,\nagainst a bare Gin handler on the same machine.\n\n")
		flag.VisitAll(func(f *flag.Flag) {
			if f.Usage != "" {
				fmt.Fprintf(flag.CommandLine.Output(), "  -%s (default %q)\n    \t%s\n", f.Name, f.DefValue, f.Usage)
			}
		})
	}
	o.Parse()

	if ceilingAddr != "" {
		if err := serveCeiling(ceilingAddr, ceilingBody); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}
	if o.products < 1 || o.concurrency < 1 || o.Duration <= 0 || o.Warmup < 0 {
		fmt.Fprintln(os.Stderr, "catalogbench: -products and -concurrency must be >= 1, -duration > 0, -warmup >= 0")
		os.Exit(2)
	}
	bench.Main("catalogbench", o.Options, func(ctx context.Context, ws *bench.Workspace) error { return run(ctx, ws, o) })
}
