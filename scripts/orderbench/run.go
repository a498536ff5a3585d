package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"time"

	"shanhai/scripts/bench"
)

// scenario is one workload, run against the server(s) and the ceiling.
type scenario struct {
	name   string
	buyers int
	pick   func(*rand.Rand, []line) []line
}

// row is one scenario's results.
type row struct {
	scenario
	server, redis, ceiling *result
}

// sellRow is one sell-out run.
type sellRow struct {
	name  string
	units int
	r     *result
}

const sellOutBuyers = 200

// run is one whole benchmark: load, build, measure, check, print, clean up.
func run(ctx context.Context, ws *bench.Workspace, o options) (err error) {
	info := machine{mariadb: ws.MariaDB}
	if err := ws.Admin.QueryRowContext(ctx, "SELECT @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size").
		Scan(&info.flushAtCommit, &info.bufferPool); err != nil {
		return fmt.Errorf("MariaDB at %s: %w", ws.Addr, err)
	}

	// Redis, only for the optional second server run: the bench's own
	// database, flushed before and after.
	var rdb *bench.Redis
	if o.redis != "" {
		if rdb, err = bench.OpenRedis(ctx, o.redis); err != nil {
			return err
		}
		defer rdb.Close()
		info.redis = rdb.Addr
	}

	if err := ws.CreateDatabase(ctx); err != nil {
		return err
	}
	dsn := ws.DSN

	// Load, and build the server meanwhile.
	built := ws.Build(ctx)
	sellRuns := 2
	if rdb != nil {
		sellRuns = 3
	}
	d, err := loadData(ctx, dsn, sellRuns, o.last)
	if err != nil {
		return err
	}
	if err := built(); err != nil {
		return err
	}

	checkDB, err := openPool(dsn, 2)
	if err != nil {
		return err
	}
	defer checkDB.Close()
	ceilDB, err := openPool(dsn, o.pool)
	if err != nil {
		return err
	}
	defer ceilDB.Close()
	ceil := &ceiling{db: ceilDB, d: d}
	lg := &ledger{told: map[int64]int64{}}

	measure := func(name string, p placer, l load) (*result, error) {
		r, err := drive(ctx, name, p, l)
		if err != nil {
			return nil, err
		}
		if r.check, err = check(ctx, checkDB, d, lg, r); err != nil {
			return nil, fmt.Errorf("check after %s: %w", name, err)
		}
		bench.Logf("%-28s %s", name, r.check)
		return r, nil
	}

	// The servers: without Redis, and with it when asked; both stay up for
	// the whole run, idle while another runner is measured.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 512, IdleConnTimeout: 90 * time.Second, DisableCompression: true}}
	type runner struct {
		name    string
		p       placer
		slot    func(*row) **result
		sellSKU int64
		cpu     []cpuSource
	}
	var db []cpuSource
	if pid := localMariaDB(); pid != 0 {
		db = []cpuSource{mariadbCPU(ctx, checkDB, pid, ws.DBName)}
	}
	type start struct {
		name, log string
		env       []string
		slot      func(*row) **result
	}
	// No per-user order rate limit or SKU cap (256 buyers place thousands of
	// orders a minute), and an unpaid deadline no run reaches, so no order is
	// cancelled under the check.
	env := ws.ServerEnv(o.pool, "SHANHAI_RATE_ORDERS=0", "SHANHAI_SKU_CAP=0", "SHANHAI_UNPAID_TTL="+unpaidTTL.String())
	starts := []start{{"server", "server.log", env, func(r *row) **result { return &r.server }}}
	if rdb != nil {
		starts = append(starts, start{"server (redis)", "server-redis.log", append(slices.Clip(env), "SHANHAI_REDIS="+o.redis),
			func(r *row) **result { return &r.redis }})
	}
	var runners []runner
	for i, st := range starts {
		srv, startErr := ws.StartServer(ctx, st.name, st.env, st.log)
		if startErr != nil {
			return startErr
		}
		defer func() {
			if stopErr := srv.Stop(); err == nil {
				err = stopErr // the named result: a server that died during the run fails it
			}
		}()
		auth, loginErr := login(ctx, client, srv.Base, d)
		if loginErr != nil {
			return loginErr
		}
		runners = append(runners, runner{st.name, &httpPlacer{client: client, url: srv.Base + "/api/v1/orders", auth: auth}, st.slot, d.last[i],
			append(append([]cpuSource{processCPU("server", srv.Pid())}, db...), processCPU("bench", os.Getpid()))})
	}
	runners = append(runners, runner{"ceiling", ceil, func(r *row) **result { return &r.ceiling }, d.last[len(starts)],
		append([]cpuSource{processCPU("ceiling", os.Getpid())}, db...)})

	rows := []*row{
		{scenario: scenario{"3-line orders, 10,000 SKUs", 32, threeLines(d)}},
		{scenario: scenario{"3-line orders, 10,000 SKUs", 64, threeLines(d)}},
		{scenario: scenario{"hot SKU, 1 line × 1 unit", 200, oneUnit(d.hot)}},
	}
	// Each scenario alternates the runners in rounds, so that a machine
	// whose speed drifts (other work, MariaDB flushing) weighs on all alike.
	segment := o.Duration / time.Duration(o.rounds)
	for _, r := range rows {
		for round := range o.rounds {
			for _, rn := range runners {
				l := load{buyers: r.buyers, pick: r.pick, duration: segment, cpu: rn.cpu}
				if round == 0 {
					l.warmup = o.Warmup
				}
				name := fmt.Sprintf("%s, %d, %d/%d", rn.name, r.buyers, round+1, o.rounds)
				seg, err := measure(name, rn.p, l)
				if err != nil {
					return err
				}
				slot := rn.slot(r)
				*slot = merge(*slot, seg)
			}
		}
	}
	var sells []sellRow
	for _, rn := range runners {
		sr, err := measure(rn.name+", sell-out", rn.p, load{buyers: sellOutBuyers, pick: oneUnit(rn.sellSKU), sellOut: true, cpu: rn.cpu})
		if err != nil {
			return err
		}
		sells = append(sells, sellRow{name: rn.name, units: o.last, r: sr})
	}

	info.fill(d)
	report(os.Stdout, o, info, rows, sells)
	return nil
}

// machine is what the figures were measured on.
type machine struct {
	host           bench.Host
	mariadb, redis string
	flushAtCommit  int
	bufferPool     int64
	skus           int
	loadTime       time.Duration
}

func (m *machine) fill(d *dataset) {
	m.host = bench.ThisHost()
	m.skus = len(d.skus)
	m.loadTime = d.elapsed
}
