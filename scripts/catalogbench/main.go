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
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Targets from the issue: ratio of requests/s to the bare-Gin ceiling.
const (
	targetDetail = 0.50
	targetList   = 0.25
)

type options struct {
	mysql       string
	redis       string
	root        string
	products    int
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	keep        bool
	markdown    bool
	quick       bool
}

func main() {
	var o options
	var ceilingAddr, ceilingBody string
	flag.StringVar(&o.mysql, "mysql", "root@tcp(127.0.0.1:3306)/", "MariaDB/MySQL server DSN (go-sql-driver); the bench creates and drops its own database there")
	flag.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/9", "Redis URL for the cache-on run; its database is the bench's own and is flushed before and after (db 0 is refused)")
	flag.StringVar(&o.root, "root", "", "repository root to build the server from (default: the module root of the current directory)")
	flag.IntVar(&o.products, "products", 10000, "generated products to load")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured warm-up per scenario")
	flag.IntVar(&o.concurrency, "concurrency", 64, "concurrent client connections")
	flag.BoolVar(&o.keep, "keep", false, "keep the database and the temp dir (server logs)")
	flag.BoolVar(&o.markdown, "markdown", false, "print the results as a Markdown table")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: -duration 2s -warmup 1s unless set explicitly")
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
	flag.Parse()

	if ceilingAddr != "" {
		if err := serveCeiling(ceilingAddr, ceilingBody); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}

	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		if !set["duration"] {
			o.duration = 2 * time.Second
		}
		if !set["warmup"] {
			o.warmup = time.Second
		}
	}
	if o.products < 1 || o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 {
		fmt.Fprintln(os.Stderr, "catalogbench: -products and -concurrency must be >= 1, -duration > 0, -warmup >= 0")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, "catalogbench:", err)
		os.Exit(1)
	}
}

// logf prints progress to stderr, so that stdout holds only the results.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
