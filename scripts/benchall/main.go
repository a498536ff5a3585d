// Command benchall runs every benchmark under scripts/ in one go against the
// local MariaDB and Redis and writes their reports, with the machine, the
// versions, the start-up time of a replica and its peak RSS under the order
// load, to BENCHMARKS.md. Nothing in that file is typed by hand.
//
//	go run ./scripts/benchall                       # full runs (statsbench at 10,000,000 entries)
//	go run ./scripts/benchall -stats-rows 1000000   # the catalogue and order benches in full, stats at 1M
//	go run ./scripts/benchall -quick                # smoke: -quick benches, stats at 20,000 entries
//
// One run:
//
//  1. builds the server (go build .) and the four benches (go build
//     ./scripts/<name>) once into a temp dir;
//  2. measures start-up: creates a scratch database shanhai_bench_<random>,
//     starts the server binary -starts times on it (SHANHAI_DEMO=0, no Redis,
//     a free port) and times each from the process start to the first 200 from
//     /readyz; the first start migrates the empty database, the others are
//     warm; drops the database;
//  3. orders/s on one Galera node and on three (galera.go): when galera-4 is
//     installed, runs scripts/faults -galera -only a1,a -markdown, which starts
//     and stops its own three-node cluster (scripts/galera/cluster.sh, ports of
//     its own); otherwise the section says it was not measured;
//  4. runs catalogbench, orderbench (with -redis: also the server with Redis),
//     statsbench and importbench with -markdown, one after another, capturing their
//     Markdown; their progress goes to stderr; any failure fails the run and
//     no file is written;
//  5. while orderbench runs, polls /proc for the server processes it starts
//     (its children named shanhai) and records each one's VmHWM (peak RSS);
//  6. writes -out: the command line, the date (UTC), the machine, the versions,
//     each bench's report as printed, the start-up and RSS figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"shanhai/scripts/bench"
)

type options struct {
	quick         bool
	statsRows     int
	statsBaseline int
	out           string
	mysql         string
	redis         string
	starts        int
	keep          bool
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "smoke run: catalogbench, orderbench and importbench with -quick, statsbench with -rows 20000 unless -stats-rows is set")
	flag.IntVar(&o.statsRows, "stats-rows", 0, "statsbench -rows (default: statsbench's own, 10,000,000; with -quick 20,000)")
	flag.IntVar(&o.statsBaseline, "stats-baseline", 0, "statsbench -baseline-iterations: measured runs of each GROUP BY (default: statsbench's own, 5; at 10,000,000 entries each run takes seconds)")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "the Markdown file to write (relative to the current directory)")
	flag.StringVar(&o.mysql, "mysql", "root@tcp(127.0.0.1:3306)/", "MariaDB DSN (go-sql-driver) every bench creates and drops its database on")
	flag.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/9", "Redis URL of the benches' own database (flushed; db 0 refused): catalogbench's cache-on run and orderbench's server (redis) run; empty: no orderbench Redis run")
	flag.IntVar(&o.starts, "starts", 3, "server starts to time (the first migrates an empty database)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (binaries, logs)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: benchall [flags]\n\nRuns catalogbench, orderbench, statsbench and importbench, times the server's start-up, reads its peak RSS under\nthe order load, and writes everything to a Markdown file (BENCHMARKS.md).\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 || o.starts < 2 || o.statsRows < 0 {
		fmt.Fprintln(os.Stderr, "benchall: no arguments; -starts >= 2 (one cold, at least one warm); -stats-rows >= 0")
		os.Exit(2)
	}
	if o.quick && o.statsRows == 0 {
		o.statsRows = 20000
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, commandLine())
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, "benchall: FAILED:", err)
		os.Exit(1)
	}
}

// commandLine is how this run was asked for, as one would type it.
func commandLine() string {
	parts := []string{"go", "run", "./scripts/benchall"}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\*?;&|<>()") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// section is one bench's Markdown report and how long the bench took.
type section struct {
	name, args string
	markdown   string
	took       time.Duration
}

func run(ctx context.Context, o options, cmdline string) (err error) {
	began := time.Now()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	outPath, err := filepath.Abs(o.out)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "benchall-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil || o.keep {
			bench.Logf("temp dir (binaries, logs) kept in %s", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()

	m := describeMachine(ctx)
	bench.Logf("machine: %s", m.summary())

	// Build everything once.
	bins := map[string]string{}
	for _, name := range []string{"shanhai", "catalogbench", "orderbench", "statsbench", "importbench"} {
		pkg := "./scripts/" + name
		if name == "shanhai" {
			pkg = "."
		}
		bins[name] = filepath.Join(tmp, name)
		t := time.Now()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bins[name], pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build -o %s %s: %v\n%s", bins[name], pkg, err, out)
		}
		bench.Logf("built %s in %.1fs", name, time.Since(t).Seconds())
	}

	// Start-up first, while the machine is not yet busy with our own load.
	st, err := measureStartup(ctx, o, bins["shanhai"], tmp)
	if err != nil {
		return fmt.Errorf("start-up: %w", err)
	}

	var sections []section
	// Galera next: orders/s on one node and on three (its own cluster).
	s, err := galeraSection(ctx, o, root, tmp)
	if err != nil {
		return err
	}
	sections = append(sections, s)

	common := []string{"-markdown", "-mysql", o.mysql, "-root", root}
	quick := func(args []string) []string {
		if o.quick {
			return append(args, "-quick")
		}
		return args
	}
	catArgs := quick(append([]string{}, common...))
	if o.redis != "" {
		catArgs = append(catArgs, "-redis", o.redis)
	}
	s, err = runBench(ctx, root, bins["catalogbench"], "catalogbench", catArgs, nil)
	if err != nil {
		return err
	}
	sections = append(sections, s)

	ordArgs := quick(append([]string{}, common...))
	if o.redis != "" {
		ordArgs = append(ordArgs, "-redis", o.redis)
	}
	rss := &rssWatch{peak: map[int]*proc{}}
	s, err = runBench(ctx, root, bins["orderbench"], "orderbench", ordArgs, rss.watch)
	if err != nil {
		return err
	}
	sections = append(sections, s)
	if len(rss.peak) == 0 {
		return errors.New("orderbench: no server process seen under it: no peak RSS to report")
	}

	statArgs := []string{"-markdown", "-mysql", o.mysql}
	if o.statsRows > 0 {
		statArgs = append(statArgs, "-rows", strconv.Itoa(o.statsRows))
	}
	if o.statsBaseline > 0 {
		statArgs = append(statArgs, "-baseline-iterations", strconv.Itoa(o.statsBaseline))
	}
	s, err = runBench(ctx, root, bins["statsbench"], "statsbench", statArgs, nil)
	if err != nil {
		return err
	}
	sections = append(sections, s)

	s, err = runBench(ctx, root, bins["importbench"], "importbench", quick([]string{"-markdown", "-mysql", o.mysql}), nil)
	if err != nil {
		return err
	}
	sections = append(sections, s)

	m.loadEnd = loadAvg()
	doc := render(o, cmdline, began, time.Since(began), m, st, rss, sections)
	if err := writeFile(outPath, doc); err != nil {
		return err
	}
	bench.Logf("wrote %s (%d bytes) after %s", outPath, len(doc), time.Since(began).Round(time.Second))
	return nil
}

// runBench runs one bench binary from the module root, its progress to our
// stderr, its Markdown report captured; watch, if given, runs alongside with
// the bench's pid until it exits.
func runBench(ctx context.Context, root, bin, name string, args []string, watch func(ctx context.Context, pid int)) (section, error) {
	bench.Logf("── %s %s", name, strings.Join(args, " "))
	t := time.Now()
	var out strings.Builder
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // let it drop its database
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		return section{}, fmt.Errorf("%s: %w", name, err)
	}
	done := make(chan struct{})
	watched := make(chan struct{})
	if watch != nil {
		wctx, cancel := context.WithCancel(ctx)
		go func() {
			<-done
			cancel()
		}()
		go func() { watch(wctx, cmd.Process.Pid); close(watched) }()
	} else {
		close(watched)
	}
	err := cmd.Wait()
	close(done)
	<-watched
	if err != nil {
		return section{}, fmt.Errorf("%s %s failed (%v); its output so far:\n%s", name, strings.Join(args, " "), err, out.String())
	}
	if strings.TrimSpace(out.String()) == "" {
		return section{}, fmt.Errorf("%s printed no report", name)
	}
	took := time.Since(t)
	bench.Logf("── %s done in %s", name, took.Round(time.Second))
	return section{name: name, args: strings.Join(args, " "), markdown: out.String(), took: took}, nil
}

// moduleRoot is the directory of the current module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the shanhai module: run from the repository")
	}
	return filepath.Dir(gomod), nil
}

// writeFile writes doc to path through a temp file, so a failed write
// leaves the old file.
func writeFile(path, doc string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(doc), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
