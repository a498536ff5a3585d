// Command faults runs shanhai under a mixed load while it breaks things —
// Redis, the database, a replica — and then checks by SQL that nothing was
// lost, doubled or mis-counted.
//
//	go run ./scripts/faults -short          # about 8 s of load per scenario
//	go run ./scripts/faults -duration 60s   # longer
//
// It never touches the machine's shared MariaDB or Redis: it starts its own
// mariadbd (a fresh data directory in a temp dir) and redis-server on free
// loopback ports, builds the server once, and runs three replicas of it
// with the demo data. Everything is stopped and removed on exit, Ctrl-C
// included. See README.md beside this file for what each scenario proves.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-sql-driver/mysql"
)

type options struct {
	short    bool
	duration time.Duration
	workers  int
	keep     bool
	only     string
	galera   bool
	markdown bool
}

func main() {
	var o options
	flag.BoolVar(&o.short, "short", false, "short run: 8 s of load per scenario")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "load per scenario (the fault scenarios run at least until the fault is over + 2 s)")
	flag.IntVar(&o.workers, "workers", 16, "concurrent load workers")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (data directory, server logs)")
	flag.StringVar(&o.only, "only", "", "comma-separated scenario letters to run (e.g. a,c); default all")
	flag.BoolVar(&o.galera, "galera", false, "run on a three-node Galera cluster (scripts/galera/cluster.sh), a replica per node: scenarios a1, a, g, h, i")
	flag.BoolVar(&o.markdown, "markdown", false, "print the report as Markdown (scripts/benchall's Galera section: -galera -only a1,a -markdown)")
	flag.Parse()
	if o.short {
		set := false
		flag.Visit(func(f *flag.Flag) { set = set || f.Name == "duration" })
		if !set {
			o.duration = 8 * time.Second
		}
	}
	if o.markdown {
		reportOut = os.Stderr
	}
	mysql.SetLogger(log.New(io.Discard, "", 0)) // our own pool's reconnect chatter during the outage
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// env is the whole private installation.
type env struct {
	o        options
	tmp      string
	db       *mariadb
	redis    *proc
	replicas []*replica
	c        *client
	w        *world
	gal      *galera                // the cluster, in the Galera mode
	cur      atomic.Pointer[record] // the running scenario's record
}

// rec is the running scenario's record.
func (e *env) rec() *record { return e.cur.Load() }

// stopAll stops the replicas, then Redis and MariaDB, and removes the temp
// dir unless -keep.
func (e *env) stopAll() {
	for _, r := range e.replicas {
		r.signal(syscall.SIGTERM, 10*time.Second)
	}
	if e.redis != nil {
		e.redis.signal(syscall.SIGTERM, 5*time.Second)
	}
	if e.gal != nil {
		e.gal.stop()
	}
	if e.db != nil {
		if e.db.db != nil {
			e.db.db.Close()
		}
		e.db.signal(syscall.SIGTERM, 30*time.Second)
	}
	if e.o.keep {
		logf("kept %s", e.tmp)
		return
	}
	os.RemoveAll(e.tmp)
}

func run(ctx context.Context, o options) (err error) {
	began := time.Now()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "shanhai-faults-")
	if err != nil {
		return err
	}
	e := &env{o: o, tmp: tmp}
	defer e.stopAll()

	bin := filepath.Join(tmp, "shanhai")
	built := make(chan error, 1)
	go func() { built <- buildServer(ctx, root, bin) }()
	logf("temp dir %s; building the server, initialising MariaDB", tmp)
	if o.galera {
		if e.gal, err = newGalera(ctx, root); err != nil {
			<-built
			return err
		}
		// The checks read through node 1 (never the node the faults hit),
		// waiting for every write committed anywhere before them.
		e.db = &mariadb{port: e.gal.port(1), db: e.gal.dbs[0]}
		logf("galera: three nodes on 127.0.0.1:%d-%d (GALERA_DIR=%s GALERA_PORT_BASE=%d)", e.gal.port(1), e.gal.port(3), e.gal.dir, e.gal.base)
	} else {
		if e.db, err = newMariaDB(ctx, tmp); err != nil {
			<-built
			return err
		}
		logf("mariadbd on 127.0.0.1:%d (pid %d)", e.db.port, e.db.cmd.Process.Pid)
	}
	var redisPort int
	if e.redis, redisPort, err = newRedis(tmp); err != nil {
		<-built
		return err
	}
	logf("redis-server on 127.0.0.1:%d (pid %d)", redisPort, e.redis.cmd.Process.Pid)
	if err := <-built; err != nil {
		return err
	}
	logf("built %s", bin)

	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHANHAI_") {
			base = append(base, kv)
		}
	}
	if !o.galera {
		base = append(base, "SHANHAI_DB=mysql:"+e.db.dsn())
	}
	base = append(base,
		"SHANHAI_DB_MAX_OPEN=30",
		"SHANHAI_REDIS=redis://127.0.0.1:"+strconv.Itoa(redisPort)+"/0",
		"SHANHAI_JWT_SECRET=faults-jwt-secret-0123456789abcdef",
		"SHANHAI_PAYMENT_SECRET=faults-payment-secret-0123456789",
		"SHANHAI_DEMO=1",
		// The login limit is on (the load never fails a login); the abuse
		// section's look-alike usernames need it.
		"SHANHAI_RATE_LOGIN=10",
		"SHANHAI_RATE_ORDERS=0",
		// Short deadlines so the timeout sweepers of all replicas race the
		// payments (scenario e pays some orders right around the deadline).
		"SHANHAI_UNPAID_TTL=3s",
		"SHANHAI_ORG_UNPAID_TTL=3s",
	)
	var bases []string
	for i := range 3 {
		r, err := newReplica(i, bin, tmp, base)
		if err != nil {
			return err
		}
		if o.galera {
			r.env = append(r.env, "SHANHAI_DB=mysql:"+e.gal.dsn(i+1))
		}
		e.replicas = append(e.replicas, r)
		bases = append(bases, r.base)
	}
	// The first replica migrates and loads the demo data alone; the others
	// then start on a ready database.
	if err := e.startReplica(ctx, 0, 120*time.Second); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := 1; i < 3; i++ {
		wg.Go(func() { errs[i] = e.startReplica(ctx, i, 60*time.Second) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	timeout := 10 * time.Second
	if o.galera {
		// A node that dies without a word stalls the commits of the
		// others until they declare it gone (evs.suspect_timeout 3 s,
		// evs.inactive_timeout 6 s in cluster.sh): a request caught by that
		// and then by a retry may take longer than 10 s without hanging.
		timeout = 20 * time.Second
	}
	e.c = newClient(bases, timeout)
	if e.w, err = setup(ctx, e.c); err != nil {
		return err
	}
	logf("load buys %d SKUs of supplier %d; probe SKU %d", len(e.w.skus), e.w.supplierID, e.w.probe.id)

	var results []result
	list := scenarios()
	if o.galera {
		list = galeraScenarios()
	}
	for _, s := range list {
		if o.only != "" && !strings.Contains(","+o.only+",", ","+s.letter+",") {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		do := e.runScenario
		if s.section != nil {
			do = func(ctx context.Context, s scenario) (result, error) { return s.section(ctx, e) }
		}
		res, err := do(ctx, s)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.name, err)
		}
		results = append(results, res)
	}
	ok := report(results)
	if !ok {
		e.givenUp()
	}
	if o.markdown {
		markdownReport(o, results)
	}
	logf("finished in %s", time.Since(began).Round(time.Second))
	if !ok {
		return errors.New("an invariant is BROKEN")
	}
	return nil
}

func (e *env) startReplica(ctx context.Context, i int, limit time.Duration) error {
	r := e.replicas[i]
	if err := r.start(); err != nil {
		return err
	}
	if err := r.waitReady(ctx, limit); err != nil {
		return err
	}
	logf("%s ready on %s (pid %d)", r.name, r.base, r.cmd.Process.Pid)
	return nil
}

// scenario is one fault (or none) injected while the load runs.
type scenario struct {
	letter, name string
	delayPay     bool
	// fault runs while the load does; it returns the database outage
	// window (zero when the database stayed up) and extra verdicts.
	fault func(ctx context.Context, e *env) (outage [2]time.Time, extra []verdict, err error)
	// section, when set, runs instead of the load and the fault, with its
	// own checks (the abuse probes).
	section func(ctx context.Context, e *env) (result, error)
	// before and after, when set, run before the load starts and after the
	// checks (the Galera mode's one-node baseline moves the replicas).
	before, after func(ctx context.Context, e *env) error
}

type result struct {
	name     string
	t        *tally
	rec      *record
	verdicts []verdict
	probes   []probe // the abuse section's probes, each with its own tally
	took     time.Duration
	perSec   float64 // orders placed (acknowledged) per second of load
}

func scenarios() []scenario {
	none := func(context.Context, *env) ([2]time.Time, []verdict, error) { return [2]time.Time{}, nil, nil }
	return []scenario{
		{letter: "a", name: "a baseline", fault: none},
		{letter: "b", name: "b redis down", fault: redisDown},
		{letter: "c", name: "c mariadb down", fault: mariadbDown},
		{letter: "d", name: "d replica killed", fault: replicaKilled},
		{letter: "e", name: "e timers race", delayPay: true, fault: none},
		{letter: "f", name: "f abuse", section: abuseSection},
	}
}

// galeraScenarios are the Galera mode's: the baseline on one node and on
// three (orders/s side by side), then the cluster's faults.
func galeraScenarios() []scenario {
	none := func(context.Context, *env) ([2]time.Time, []verdict, error) { return [2]time.Time{}, nil, nil }
	return []scenario{
		{letter: "a1", name: "a1 one node", fault: none, before: oneNode, after: threeNodes},
		{letter: "a", name: "a three nodes", fault: none},
		{letter: "g", name: "g node killed", fault: nodeKilled},
		{letter: "h", name: "h node cut off", fault: nodeCut},
		{letter: "i", name: "i hot SKU", fault: hotSKU},
	}
}

var columns = []string{"orders", "galera fault", "stock", "ledger=rollups", "ledger=accepted-returns", "record⊆db", "money", "5xx", "api stock=db", "redis probe", "readyz ≤10s", "return race", "metrics flood", "login accents"}

func (e *env) runScenario(ctx context.Context, s scenario) (result, error) {
	if s.before != nil {
		if err := s.before(ctx, e); err != nil {
			return result{}, err
		}
	}
	logf("scenario %s: load for %s", s.name, e.o.duration)
	t, rec := newTally(), newRecord()
	e.c.tally.Store(t)
	e.cur.Store(rec)
	var startMax int64
	if err := e.db.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM orders").Scan(&startMax); err != nil {
		return result{}, err
	}
	began := time.Now()
	var stop atomic.Bool
	l := &loader{c: e.c, w: e.w, rec: rec, stop: &stop, delayPay: s.delayPay}
	var wg sync.WaitGroup
	for range e.o.workers {
		wg.Go(func() { l.run(ctx) })
	}
	outage, extra, err := s.fault(ctx, e)
	if err != nil {
		stop.Store(true)
		wg.Wait()
		return result{}, err
	}
	end := began.Add(e.o.duration)
	if !outage[1].IsZero() && outage[1].Add(2*time.Second).After(end) {
		end = outage[1].Add(2 * time.Second)
	}
	sleep(ctx, time.Until(end))
	stop.Store(true)
	wg.Wait()
	loadTook := time.Since(began)
	logf("scenario %s: load stopped after %s; %d placed, %d accepted, %d returns approved, %d payments lost to the deadline, %d placements given up, %d retried transitions found already done",
		s.name, time.Since(began).Round(100*time.Millisecond), rec.placed, len(rec.accepted), len(rec.returns), rec.lostRace, rec.abandoned, rec.redone)
	if ctx.Err() != nil {
		return result{}, ctx.Err()
	}
	// Quiet: let unpaid orders time out, then give the caches their second.
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var n int64
		e.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM orders WHERE id > ? AND status IN ('pending_payment', 'pending_approval')", startMax).Scan(&n)
		if n == 0 {
			break
		}
		sleep(ctx, 300*time.Millisecond)
	}
	sleep(ctx, 1500*time.Millisecond)
	products := e.w.products
	vs := checkDB(ctx, e.db.db, rec, startMax)
	vs = append(vs, checkFives(t, outage[0], outage[1]), checkAPIStock(ctx, e.c, e.db.db, products, 0))
	vs = append(vs, extra...)
	t.mu.Lock()
	for k, n := range t.other {
		logf("  4xx %6d  %s", n, k)
	}
	t.mu.Unlock()
	if s.after != nil {
		if err := s.after(ctx, e); err != nil {
			return result{}, err
		}
	}
	rec.mu.Lock()
	perSec := float64(rec.placed) / loadTook.Seconds()
	rec.mu.Unlock()
	return result{name: s.name, t: t, rec: rec, verdicts: vs, took: time.Since(began), perSec: perSec}, nil
}

// reportOut is where report prints: stdout, or stderr with -markdown (the
// Markdown report is then stdout's).
var reportOut io.Writer = os.Stdout

// report prints the table and the details of anything broken; it says
// whether everything held.
func report(results []result) bool {
	tw := tabwriter.NewWriter(reportOut, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\trequests\t2xx\t4xx\t5xx(503)\terrors\torders/s\t%s\n", strings.Join(columns, "\t"))
	ok := true
	var details []string
	for _, r := range results {
		cells := map[string]string{}
		for _, v := range r.verdicts {
			cells[v.name] = v.state
			if v.state == "BROKEN" {
				ok = false
				details = append(details, fmt.Sprintf("%s: %s BROKEN: %s", r.name, v.name, v.detail))
			} else if v.detail != "" {
				details = append(details, fmt.Sprintf("%s: %s %s: %s", r.name, v.name, v.state, v.detail))
			}
			if !contains(columns, v.name) {
				cells[v.name] = v.state
				details = append(details, fmt.Sprintf("%s: %s %s", r.name, v.name, v.state))
			}
		}
		row := []string{r.name, fmt.Sprint(r.t.requests.Load()), fmt.Sprint(r.t.ok.Load()), fmt.Sprint(r.t.c4xx.Load()),
			fmt.Sprintf("%d(%d)", r.t.c5xx.Load(), r.t.c503.Load()), fmt.Sprint(r.t.errs.Load()), "-"}
		if r.perSec > 0 {
			row[6] = fmt.Sprintf("%.1f", r.perSec)
		}
		for _, c := range columns {
			if s, ok := cells[c]; ok {
				row = append(row, s)
			} else {
				row = append(row, "-")
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	rates := map[string]float64{}
	for _, r := range results {
		rates[strings.Fields(r.name)[0]] = r.perSec
	}
	if one, three := rates["a1"], rates["a"]; one > 0 && three > 0 {
		fmt.Fprintf(reportOut, "\norders/s, the same load through three replicas: one Galera node %.1f, three nodes %.1f (×%.2f)\n", one, three, three/one)
	}
	for _, r := range results {
		if len(r.probes) == 0 {
			continue
		}
		fmt.Fprintln(reportOut)
		tw := tabwriter.NewWriter(reportOut, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "abuse probe\trequests\t2xx\t4xx\t5xx(503)\terrors\tverdict")
		for _, p := range r.probes {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d(%d)\t%d\t%s\n", p.v.name, p.t.requests.Load(), p.t.ok.Load(), p.t.c4xx.Load(),
				p.t.c5xx.Load(), p.t.c503.Load(), p.t.errs.Load(), p.v.state)
		}
		fmt.Fprintf(tw, "section\t%d\t%d\t%d\t%d(%d)\t%d\t\n", r.t.requests.Load(), r.t.ok.Load(), r.t.c4xx.Load(),
			r.t.c5xx.Load(), r.t.c503.Load(), r.t.errs.Load())
		tw.Flush()
		fmt.Fprintln(reportOut)
	}
	for _, d := range details {
		fmt.Fprintln(reportOut, d)
	}
	return ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// markdownReport prints the run as Markdown: orders/s with the three
// replicas on one Galera node and on three side by side (when both ran),
// then every scenario's requests, answers and checks.
func markdownReport(o options, results []result) {
	p := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	rates := map[string]float64{}
	for _, r := range results {
		rates[strings.Fields(r.name)[0]] = r.perSec
	}
	if one, three := rates["a1"], rates["a"]; o.galera && one > 0 && three > 0 {
		p("### Orders/s on one Galera node and on three")
		p("")
		p("Three replicas of the server under the same mixed load (%d workers placing, paying, shipping, accepting and returning orders) for %s each, on a three-node Galera cluster on this machine (scripts/galera/cluster.sh, ports of its own): first all three replicas on node 1 (the other two nodes still apply every write), then each replica on its own node. Orders/s are the placements acknowledged (201) per second of load. No target: every write is certified by all three nodes, and on one machine the three nodes share its CPUs, so this measures the cost of the cluster, not a gain.", o.workers, o.duration)
		p("")
		p("| replicas on | orders/s | ratio to one node |")
		p("|---|---:|---:|")
		p("| one node | %.1f | 1.00 |", one)
		p("| three nodes | %.1f | %.2f |", three, three/one)
		p("")
	}
	p("### Scenarios and checks")
	p("")
	p("| scenario | requests | 2xx | 4xx | 5xx (503) | errors | orders/s | checks |")
	p("|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		held, total := 0, 0
		var bad []string
		for _, v := range r.verdicts {
			if v.state == "n/a" {
				continue
			}
			total++
			if v.state == "BROKEN" {
				bad = append(bad, v.name+" BROKEN")
			} else {
				held++
			}
		}
		checks := fmt.Sprintf("%d of %d held", held, total)
		if len(bad) > 0 {
			checks += ": " + strings.Join(bad, ", ")
		}
		p("| %s | %d | %d | %d | %d (%d) | %d | %.1f | %s |", r.name, r.t.requests.Load(), r.t.ok.Load(), r.t.c4xx.Load(),
			r.t.c5xx.Load(), r.t.c503.Load(), r.t.errs.Load(), r.perSec, checks)
	}
}

// givenUp prints the replicas' log lines of transactions given up (a 503
// busy: the attempts, lock wait timeouts, time and last error), so that a
// 5xx the report shows comes with its cause even where the logs are gone.
func (e *env) givenUp() {
	for _, r := range e.replicas {
		b, err := os.ReadFile(r.log)
		if err != nil {
			continue
		}
		n := 0
		for line := range strings.SplitSeq(string(b), "\n") {
			if strings.Contains(line, `"transaction given up"`) && n < 10 {
				logf("  %s: %s", r.name, line)
				n++
			}
		}
	}
}
