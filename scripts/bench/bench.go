// Package bench is the machinery the benchmark commands under scripts/ share:
// their common flags, a run's workspace (a temp dir, the server binary built
// from the module, a MariaDB database of its own, dropped at the end), the
// real server as a subprocess, the bench's Redis database, batched inserts,
// latency percentiles and the report (plain text or Markdown).
//
// Progress goes to stderr (Logf), results to stdout.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options are the flags every benchmark takes.
type Options struct {
	MySQL    string
	Root     string
	Duration time.Duration
	Warmup   time.Duration
	Keep     bool
	Markdown bool
	Quick    bool
}

// Flags registers the common flags on the command line: per names what
// -duration and -warmup apply to ("scenario", "run"), markdown what
// -markdown prints ("a Markdown table").
func (o *Options) Flags(per, markdown string) {
	flag.StringVar(&o.MySQL, "mysql", "root@tcp(127.0.0.1:3306)/", "MariaDB/MySQL server DSN (go-sql-driver); the bench creates and drops its own database there")
	flag.StringVar(&o.Root, "root", "", "repository root to build the server from (default: the module root of the current directory)")
	flag.DurationVar(&o.Duration, "duration", 10*time.Second, "measured time per "+per)
	flag.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured warm-up per "+per)
	flag.BoolVar(&o.Keep, "keep", false, "keep the database and the temp dir (server logs)")
	flag.BoolVar(&o.Markdown, "markdown", false, "print the results as "+markdown)
	flag.BoolVar(&o.Quick, "quick", false, "smoke run: -duration 2s -warmup 1s unless set explicitly")
}

// Parse parses the command line and applies -quick to -duration and
// -warmup unless they were set explicitly.
func (o *Options) Parse() {
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.Quick {
		if !set["duration"] {
			o.Duration = 2 * time.Second
		}
		if !set["warmup"] {
			o.Warmup = time.Second
		}
	}
}

// Main opens the run's workspace, calls run with it until it returns or
// SIGINT/SIGTERM cancels it, closes the workspace (dropping the database),
// and exits with 1 and "name: error" on stderr when the run failed.
func Main(name string, o Options, run func(context.Context, *Workspace) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ws, err := openWorkspace(ctx, name, o)
	if err == nil {
		err = run(ctx, ws)
		ws.close(err)
	}
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Logf prints progress to stderr, so that stdout holds only the results.
func Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// RandomHex is n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Each calls f(i) for every i in [0, n) from at most workers goroutines. A
// worker stops at its first error; the others finish what they took. It
// returns the first error, else ctx's.
func Each(ctx context.Context, n, workers int, f func(i int) error) error {
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// ShortError is the cause at the end of a client error:
// `Get "...": dial tcp ...: connection refused` → "connection refused".
func ShortError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}
