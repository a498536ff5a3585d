package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/scripts/bench"
	"shanhai/service/account"
	"shanhai/service/demo"
	"shanhai/service/stats"
)

// measured is one query's figures.
type measured struct {
	name, groupByPlan, breakdown string
	inproc, overHTTP, groupBy    *timing
}

// facts are what the report says about the run besides the timings.
type facts struct {
	host                   bench.Host
	mariadb                string
	bufferPool, tableBytes int64
	rows, orders           int64
	orgs, demoOrgs         int
	load, rebuild          time.Duration
	rebuildReport          *model.RebuildReport
	rollupRows             map[string]int64
	parent                 *org
	loadStart, loadEnd     string  // the machine's load average (1, 5, 15 min) at the start and the end
	floor                  *timing // SELECT 1 round trips: the p99 this machine gives any query
}

// rollupTables are the rollups the rebuild writes.
var rollupTables = []string{"rollup_pairings", "rollup_areas", "rollup_sales", "rollup_orgs", "rollup_org_pairings", "rollup_platforms", "rollup_facets"}

// run is one whole benchmark: load, rebuild the rollups, measure, check,
// print.
func run(ctx context.Context, ws *bench.Workspace, o options) error {
	f := facts{host: bench.ThisHost(), mariadb: ws.MariaDB, rollupRows: map[string]int64{}, loadStart: loadAverage()}
	if err := ws.Admin.QueryRowContext(ctx, "SELECT @@innodb_buffer_pool_size").Scan(&f.bufferPool); err != nil {
		return fmt.Errorf("MariaDB at %s: %w", ws.Addr, err)
	}
	if err := ws.CreateDatabase(ctx); err != nil {
		return err
	}
	l, err := bench.NewLoader(ctx, ws.DSN)
	if err != nil {
		return err
	}
	defer l.Close()
	w, err := seed(ctx, l, o.orgs)
	if err != nil {
		return err
	}
	f.orgs, f.demoOrgs, f.parent = len(w.orgs), len(w.orgs)-o.orgs, w.supervisors[ranked]

	rec, took, err := loadLedger(ctx, l, w, o)
	if err != nil {
		return err
	}
	f.load, f.rows = took, rec.entries
	for _, s := range rec.pairings {
		f.orders += s.orders
	}
	if err := seedTargets(ctx, l, w, rec); err != nil {
		return err
	}
	db := l.DB()
	// Fresh statistics, so that the GROUP BY gets the optimizer's best plan.
	if err := collect(ctx, db, "ANALYZE TABLE credits", func(*sql.Rows) error { return nil }); err != nil {
		return fmt.Errorf("analyze credits: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT data_length + index_length FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_name = 'credits'`).Scan(&f.tableBytes); err != nil {
		return err
	}

	// The rollups, from nothing: every rollup row is written by the rebuild.
	bench.Logf("rebuilding the rollups from %d entries", rec.entries)
	// A store of its own, as `shanhai rollup rebuild` opens it: a rebuild
	// over 10M entries has statements (the sales rollup grouped with the
	// ledger, sorted) longer than the measured store's 30 s read timeout.
	rebuilder, err := store.Open(store.LongStatements("mysql:"+ws.DSN), 4)
	if err != nil {
		return err
	}
	start := time.Now()
	f.rebuildReport, err = rebuilder.RebuildRollups(ctx)
	rebuilder.Close()
	if err != nil {
		return fmt.Errorf("rebuild rollups: %w", err)
	}
	f.rebuild = time.Since(start)
	bench.Logf("rollups rebuilt in %.1fs: %d entries, %d pending, %d rows compared, %d corrected",
		f.rebuild.Seconds(), f.rebuildReport.Entries, f.rebuildReport.Pending, f.rebuildReport.Rows, f.rebuildReport.Corrected)
	for _, t := range rollupTables {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return err
		}
		f.rollupRows[t] = n
	}
	var c checks
	if f.rebuildReport.Entries != rec.entries || f.rebuildReport.Pending != 0 {
		c.differ("RebuildRollups counted %d entries (%d pending), the bench loaded %d", f.rebuildReport.Entries, f.rebuildReport.Pending, rec.entries)
	}

	// The service, cache off: no Redis, no in-process layer.
	svc := stats.New(l.Store, nil, cache.NewGeography(l.Store, time.Second)) // as the server wires it
	qs := queries(w, rec, o, f.parent)
	// The answers checked: the in-process reports as the API encodes them
	// and, with -http, the HTTP bodies.
	type answer struct {
		q    *query
		by   string
		body []byte
	}
	var answers []answer
	for _, q := range qs {
		rep, err := q.ask(ctx, svc)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		answers = append(answers, answer{q, "in-process", encoded(rep)})
	}

	gets := make([]func(context.Context) ([]byte, error), len(qs))
	if o.http {
		// The router logs every request; keep the JSON encoding, drop the output.
		slog.SetDefault(slog.New(api.LogHandler(slog.NewJSONHandler(io.Discard, nil))))
		accounts := account.New(l.Store, bench.RandomHex(24), nil, 0)
		login, err := accounts.Login(ctx, "admin", demo.DemoPassword, "127.0.0.1")
		if err != nil {
			return fmt.Errorf("log in as the demo admin: %w", err)
		}
		srv := httptest.NewServer(api.New(api.Deps{Stats: svc, Accounts: accounts, DB: db,
			Checks: map[string]func(context.Context) error{"database": db.PingContext}}))
		defer srv.Close()
		for i, q := range qs {
			gets[i] = httpGetter(srv.Client(), srv.URL, login.Token, q.path)
			body, err := gets[i](ctx)
			if err != nil {
				return err
			}
			answers = append(answers, answer{q, "HTTP", body})
		}
	}
	// The floor: a trivial round trip on the same pool, taking turns with
	// the per-pairing calls: the p99 this machine gives any query right now.
	selectOne := func(ctx context.Context) error {
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}

	results := make([]*measured, len(qs))
	bench.Logf("service: %d calls of each of %d queries, in-process%s", o.iterations, len(qs), map[bool]string{true: " and over HTTP", false: ""}[o.http])
	for i, q := range qs {
		runners := []func(context.Context) error{
			func(ctx context.Context) error { _, err := q.ask(ctx, svc); return err },
			nil,
		}
		if gets[i] != nil {
			get := gets[i]
			runners[1] = func(ctx context.Context) error { _, err := get(ctx); return err }
		}
		if i == 0 {
			runners = append(runners, selectOne)
		}
		t, err := interleave(ctx, o.iterations, runners...)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		results[i] = &measured{name: q.name, inproc: t[0], overHTTP: t[1]}
		if i == 0 {
			f.floor = t[2]
		}
		bench.Logf("%s: in-process p50 %s p99 %s", q.name, dur(t[0].lat.Pct(50)), dur(t[0].lat.Pct(99)))
	}

	if err := breakdowns(ctx, ws.DSN, o, qs, results); err != nil {
		return err
	}
	baseChecks, err := baseline(ctx, ws.DSN, o, qs, results)
	if err != nil {
		return err
	}

	for _, check := range baseChecks {
		check(&c)
	}
	for _, a := range answers {
		a.q.check(&c, a.by, a.body)
	}

	f.loadEnd = loadAverage()
	report(os.Stdout, o, f, results, &c)
	if !c.ok() {
		return fmt.Errorf("%d figures differ (listed above)", c.n)
	}
	return nil
}

// breakdowns says where a call of each query goes: the same calls through
// a store of their own whose statements are timed.
func breakdowns(ctx context.Context, dsn string, o options, qs []*query, results []*measured) error {
	timedStore, err := store.Open("mysql:"+dsn, 4)
	if err != nil {
		return err
	}
	defer timedStore.Close()
	timer := &queryTimer{}
	if err := timer.hook(timedStore.Gorm()); err != nil {
		return err
	}
	svc := stats.New(timedStore, nil, cache.NewGeography(timedStore, time.Second))
	for i, q := range qs {
		if results[i].breakdown, err = breakdown(ctx, timer, min(o.iterations, 100), func(ctx context.Context) error {
			_, err := q.ask(ctx, svc)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// baseline runs the GROUP BYs: each once checked (and warming the buffer
// pool), then -baseline-iterations times measured, taking turns. It returns
// the checks of the checked runs' figures.
func baseline(ctx context.Context, dsn string, o options, qs []*query, results []*measured) ([]func(*checks), error) {
	// A pool of its own: the store's has a 30 s read timeout, shorter than
	// one GROUP BY over 10M entries on a busy machine.
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.ReadTimeout, cfg.WriteTimeout = time.Hour, time.Hour
	connector, err := mysqldrv.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)

	bench.Logf("GROUP BY: 1 checked run, then %d measured, of each of %d queries", o.baseline, len(qs))
	checks := make([]func(*checks), len(qs))
	for i, q := range qs {
		results[i].groupByPlan = explain(ctx, db, q.sql, q.args...)
		if checks[i], err = q.groupBy(ctx, db); err != nil {
			return nil, fmt.Errorf("GROUP BY, %s: %w", q.name, err)
		}
		results[i].groupBy = &timing{}
	}
	for n := range o.baseline {
		var took []string
		for i, q := range qs {
			start := time.Now()
			if _, err := q.groupBy(ctx, db); err != nil {
				return nil, fmt.Errorf("GROUP BY, %s: %w", q.name, err)
			}
			results[i].groupBy.add(time.Since(start))
			took = append(took, dur(results[i].groupBy.lat[n]))
		}
		bench.Logf("GROUP BY %d/%d: %s", n+1, o.baseline, strings.Join(took, ", "))
	}
	for _, r := range results {
		r.groupBy.sort()
	}
	return checks, nil
}

// loadAverage is the machine's load average, "1.20 0.80 0.50", or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if fields := strings.Fields(string(b)); err == nil && len(fields) >= 3 {
		return strings.Join(fields[:3], " ")
	}
	return "?"
}
