// Command orderbench measures order placement (POST /api/v1/orders) against two
// ceilings: the same stock updates and inserts issued directly with
// database/sql, and the naive ceiling (stock updates, order and lines only,
// naive.go), with the same pool size, in the same run; and a flash sale.
//
// One run:
//
//  1. creates its own MariaDB database (shanhai_bench_<random>), migrates it with
//     the store and loads, by batched SQL, 20 suppliers, 5,000 products with 2
//     SKUs each (10,000 SKUs of 1,000,000 units, so 3-line orders never run
//     out), one hot SKU (1,000,000 units), one "last units" SKU (-last units)
//     per sale and runner, and 2,000 consumers in 柯桥 (330603);
//  2. builds the real server and starts it as a subprocess (SHANHAI_DB_MAX_OPEN
//     = -pool, SHANHAI_RATE_ORDERS=0, SHANHAI_SKU_CAP=0, no Redis; with -redis a
//     second server with SHANHAI_REDIS repeats the scenarios); every consumer
//     logs in once;
//  3. runs each scenario against the server, then against the ceiling (in this
//     process: pool -pool, per order one transaction with the server's writes,
//     no HTTP, no reads): 3-line orders over random SKUs of one supplier at 32
//     and at 64 buyers, and 1-line orders of the hot SKU at 200 buyers; each
//     -warmup, then -duration measured;
//  4. after every run checks the database against its own record of every
//     order it was told was placed: per SKU, reserved = units placed = Σ
//     quantity of order lines in open orders, on hand unchanged, on hand −
//     reserved ≥ 0; orders (and lines) created = 201s received; no idempotency
//     key left running;
//  5. sells out a "last units" SKU with 200 buyers, each ordering one unit until
//     told 409 out_of_stock (expected, not an error): exactly -last units must
//     be placed, and no buyer refused while stock was left;
//  6. prints orders/s, p50, p99 and errors of server and ceiling, the ratio and
//     PASS/MISS against the target (≥ 0.7× the ceiling, 0 errors, balanced
//     stock); -markdown prints the tables as Markdown.
//
// The database is dropped at the end (-keep keeps it and the server logs).
//
//	go run ./scripts/orderbench -duration 5s
//	go run ./scripts/orderbench -quick                          # smoke: 2s per run, 1s warm-up
//	go run ./scripts/orderbench -redis redis://127.0.0.1:6379/9  # also with Redis
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"shanhai/scripts/bench"
)

// target is the issue's: the server places at least 0.7× the ceiling's orders/s.
const target = 0.70

type options struct {
	bench.Options
	redis  string
	pool   int
	rounds int
	last   int
	flash  int
}

func main() {
	var o options
	o.Flags("run", "Markdown tables")
	flag.StringVar(&o.redis, "redis", "", "Redis URL for a second server run with SHANHAI_REDIS (e.g. redis://127.0.0.1:6379/9; its database is flushed before and after, db 0 is refused); empty: no Redis run")
	flag.IntVar(&o.pool, "pool", 32, "database pool size of both the server (SHANHAI_DB_MAX_OPEN) and the ceiling")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds per scenario: the runners alternate, each measured -duration/-rounds per round; the ratios to the naive ceiling are reported per round and as their median")
	flag.IntVar(&o.last, "last", 5000, "units of the SKU each sell-out run sells to the last one")
	flag.IntVar(&o.flash, "flash", 10000, "units of the SKU each flash sale (2,000 buyers) sells to the last one; 0: no flash sale")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: orderbench [flags]\n\nMeasures POST /api/v1/orders against the same SQL issued directly, and checks the stock afterwards.\n\n")
		flag.PrintDefaults()
	}
	o.Parse()

	if o.pool < 1 || o.rounds < 1 || o.last < 1 || o.flash < 0 || o.Duration <= 0 || o.Warmup < 0 {
		fmt.Fprintln(os.Stderr, "orderbench: -pool, -rounds and -last must be >= 1, -flash >= 0, -duration > 0, -warmup >= 0")
		os.Exit(2)
	}
	bench.Main("orderbench", o.Options, func(ctx context.Context, ws *bench.Workspace) error { return run(ctx, ws, o) })
}
