package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	start := time.Now()
	if f.rebuildReport, err = l.RebuildRollups(ctx); err != nil {
		return fmt.Errorf("rebuild rollups: %w", err)
	}
	f.rebuild = time.Since(start)
	bench.Logf("rollups rebuilt in %.1fs: %d entries, %d pending, %d rows compared, %d corrected",
		f.rebuild.Seconds(), f.rebuildReport.Entries, f.rebuildReport.Pending, f.rebuildReport.Rows, f.rebuildReport.Corrected)
	for _, t := range []string{"rollup_pairings", "rollup_areas", "rollup_orgs"} {
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
	parent := f.parent
	var pairingsRep *stats.PairingReport
	var orgsRep *stats.OrgReport
	askPairings := func(ctx context.Context) (err error) {
		pairingsRep, err = svc.Pairings(ctx, w.admin, stats.Query{Period: stats.Period{Year: o.year, Month: 0}})
		return err
	}
	askOrgs := func(ctx context.Context) (err error) {
		orgsRep, err = svc.Orgs(ctx, w.admin, stats.Query{Period: stats.Period{Year: o.year}, ParentID: parent.id})
		return err
	}
	if err := askPairings(ctx); err != nil {
		return fmt.Errorf("stats.Pairings: %w", err)
	}
	if err := askOrgs(ctx); err != nil {
		return fmt.Errorf("stats.Orgs: %w", err)
	}
	// The answers checked: the in-process reports as the API encodes them
	// and, with -http, the HTTP bodies.
	answers := []answer{{by: "in-process", pairings: encoded(pairingsRep), orgRanks: encoded(orgsRep)}}

	var client *http.Client
	var baseURL, token string
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
		client, baseURL, token = srv.Client(), srv.URL, login.Token
	}
	getPairings := httpGetter(client, baseURL, token, fmt.Sprintf("/api/v1/stats/pairings?year=%d", o.year))
	getOrgs := httpGetter(client, baseURL, token, fmt.Sprintf("/api/v1/stats/orgs?year=%d&parent_id=%d", o.year, parent.id))
	if o.http {
		pb, err := getPairings(ctx)
		if err != nil {
			return err
		}
		ob, err := getOrgs(ctx)
		if err != nil {
			return err
		}
		answers = append(answers, answer{by: "HTTP", pairings: pb, orgRanks: ob})
	}
	discard := func(get func(context.Context) ([]byte, error)) func(context.Context) error {
		if get == nil {
			return nil
		}
		return func(ctx context.Context) error { _, err := get(ctx); return err }
	}
	// The floor: a trivial round trip on the same pool, taking turns with
	// the per-pairing calls: the p99 this machine gives any query right now.
	selectOne := func(ctx context.Context) error {
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}

	results := []*measured{
		{name: fmt.Sprintf("per-pairing table %d (admin)", o.year)},
		{name: fmt.Sprintf("org ranking %d: %d children of %s", o.year, len(w.children[parent.id]), parent.name)},
	}
	bench.Logf("service: %d calls of each query, in-process%s", o.iterations, map[bool]string{true: " and over HTTP", false: ""}[o.http])
	t, err := interleave(ctx, o.iterations, askPairings, discard(getPairings), selectOne)
	if err != nil {
		return err
	}
	results[0].inproc, results[0].overHTTP, f.floor = t[0], t[1], t[2]
	if t, err = interleave(ctx, o.iterations, askOrgs, discard(getOrgs)); err != nil {
		return err
	}
	results[1].inproc, results[1].overHTTP = t[0], t[1]
	for _, r := range results {
		bench.Logf("%s: in-process p50 %s p99 %s", r.name, dur(r.inproc.lat.Pct(50)), dur(r.inproc.lat.Pct(99)))
	}

	if err := breakdowns(ctx, ws.DSN, w, o, parent, results); err != nil {
		return err
	}
	base, children, figs, err := baseline(ctx, ws.DSN, o, parent, results)
	if err != nil {
		return err
	}

	checkLoad(&c, w, rec, o.year, base, parent, children, figs)
	for _, a := range answers {
		checkPairings(&c, w, rec, o.year, a.by, a.pairings)
		checkOrgs(&c, w, rec, o.year, parent, a.by, a.orgRanks)
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
func breakdowns(ctx context.Context, dsn string, w *world, o options, parent *org, results []*measured) error {
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
	if results[0].breakdown, err = breakdown(ctx, timer, min(o.iterations, 100), func(ctx context.Context) error {
		_, err := svc.Pairings(ctx, w.admin, stats.Query{Period: stats.Period{Year: o.year, Month: 0}})
		return err
	}); err != nil {
		return err
	}
	results[1].breakdown, err = breakdown(ctx, timer, min(o.iterations, 100), func(ctx context.Context) error {
		_, err := svc.Orgs(ctx, w.admin, stats.Query{Period: stats.Period{Year: o.year}, ParentID: parent.id})
		return err
	})
	return err
}

// baseline runs the two GROUP BYs: once checked (and warming the buffer
// pool), then -baseline-iterations times measured, taking turns. It returns
// the checked run's figures.
func baseline(ctx context.Context, dsn string, o options, parent *org, results []*measured) (base []pairingRow, children []int64, figs map[int64]orgFigures, err error) {
	// A pool of its own: the store's has a 30 s read timeout, shorter than
	// one GROUP BY over 10M entries on a busy machine.
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.ReadTimeout, cfg.WriteTimeout = time.Hour, time.Hour
	connector, err := mysqldrv.NewConnector(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)

	from, to := yearRange(o.year)
	results[0].groupByPlan = explain(ctx, db, pairingSQL, from, to)
	results[1].groupByPlan = explain(ctx, db, orgSQL, from, to, fmt.Sprintf("%%/%d/%%", parent.id))
	bench.Logf("GROUP BY: 1 checked run, then %d measured, of each query", o.baseline)
	if base, err = groupPairings(ctx, db, o.year); err != nil {
		return nil, nil, nil, fmt.Errorf("GROUP BY pairings: %w", err)
	}
	if children, figs, err = groupOrgs(ctx, db, o.year, parent.id); err != nil {
		return nil, nil, nil, fmt.Errorf("GROUP BY orgs: %w", err)
	}
	pairings, orgs := &timing{}, &timing{}
	for i := range o.baseline {
		start := time.Now()
		if _, err := groupPairings(ctx, db, o.year); err != nil {
			return nil, nil, nil, err
		}
		pairings.add(time.Since(start))
		start = time.Now()
		if _, _, err := groupOrgs(ctx, db, o.year, parent.id); err != nil {
			return nil, nil, nil, err
		}
		orgs.add(time.Since(start))
		bench.Logf("GROUP BY %d/%d: pairings %s, orgs %s", i+1, o.baseline, dur(pairings.lat[i]), dur(orgs.lat[i]))
	}
	pairings.sort()
	orgs.sort()
	results[0].groupBy, results[1].groupBy = pairings, orgs
	return base, children, figs, nil
}

// loadAverage is the machine's load average, "1.20 0.80 0.50", or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if fields := strings.Fields(string(b)); err == nil && len(fields) >= 3 {
		return strings.Join(fields[:3], " ")
	}
	return "?"
}
