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
}

func main() {
	var o options
	flag.BoolVar(&o.short, "short", false, "short run: 8 s of load per scenario")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "load per scenario (the fault scenarios run at least until the fault is over + 2 s)")
	flag.IntVar(&o.workers, "workers", 16, "concurrent load workers")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (data directory, server logs)")
	flag.StringVar(&o.only, "only", "", "comma-separated scenario letters to run (e.g. a,c); default all")
	flag.Parse()
	if o.short {
		set := false
		flag.Visit(func(f *flag.Flag) { set = set || f.Name == "duration" })
		if !set {
			o.duration = 8 * time.Second
		}
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
}

// stopAll stops the replicas, then Redis and MariaDB, and removes the temp
// dir unless -keep.
func (e *env) stopAll() {
	for _, r := range e.replicas {
		r.signal(syscall.SIGTERM, 10*time.Second)
	}
	if e.redis != nil {
		e.redis.signal(syscall.SIGTERM, 5*time.Second)
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
	if e.db, err = newMariaDB(ctx, tmp); err != nil {
		<-built
		return err
	}
	logf("mariadbd on 127.0.0.1:%d (pid %d)", e.db.port, e.db.cmd.Process.Pid)
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
	base = append(base,
		"SHANHAI_DB=mysql:"+e.db.dsn(),
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
	e.c = newClient(bases, 10*time.Second)
	if e.w, err = setup(ctx, e.c); err != nil {
		return err
	}
	logf("load buys %d SKUs of supplier %d; probe SKU %d", len(e.w.skus), e.w.supplierID, e.w.probe.id)

	var results []result
	for _, s := range scenarios() {
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
}

type result struct {
	name     string
	t        *tally
	rec      *record
	verdicts []verdict
	probes   []probe // the abuse section's probes, each with its own tally
	took     time.Duration
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

var columns = []string{"orders", "stock", "ledger=rollups", "ledger=accepted-returns", "record⊆db", "money", "5xx", "api stock=db", "redis probe", "readyz ≤10s", "return race", "metrics flood", "login accents"}

func (e *env) runScenario(ctx context.Context, s scenario) (result, error) {
	logf("scenario %s: load for %s", s.name, e.o.duration)
	t, rec := newTally(), newRecord()
	e.c.tally.Store(t)
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
	return result{name: s.name, t: t, rec: rec, verdicts: vs, took: time.Since(began)}, nil
}

// report prints the table and the details of anything broken; it says
// whether everything held.
func report(results []result) bool {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\trequests\t2xx\t4xx\t5xx(503)\terrors\t%s\n", strings.Join(columns, "\t"))
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
			fmt.Sprintf("%d(%d)", r.t.c5xx.Load(), r.t.c503.Load()), fmt.Sprint(r.t.errs.Load())}
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
	for _, r := range results {
		if len(r.probes) == 0 {
			continue
		}
		fmt.Println()
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "abuse probe\trequests\t2xx\t4xx\t5xx(503)\terrors\tverdict")
		for _, p := range r.probes {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d(%d)\t%d\t%s\n", p.v.name, p.t.requests.Load(), p.t.ok.Load(), p.t.c4xx.Load(),
				p.t.c5xx.Load(), p.t.c503.Load(), p.t.errs.Load(), p.v.state)
		}
		fmt.Fprintf(tw, "section\t%d\t%d\t%d\t%d(%d)\t%d\t\n", r.t.requests.Load(), r.t.ok.Load(), r.t.c4xx.Load(),
			r.t.c5xx.Load(), r.t.c503.Load(), r.t.errs.Load())
		tw.Flush()
		fmt.Println()
	}
	for _, d := range details {
		fmt.Println(d)
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
