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

// scenario is one workload, run against the server(s) and the ceilings.
type scenario struct {
	name   string
	buyers int
	pick   func(*rand.Rand, []line) []line
}

// Runner names, in the order they take turns in a round.
const (
	runServer  = "server"
	runRedis   = "server (redis)"
	runCeiling = "ceiling"
	runNaive   = "naive"
)

// row is one scenario's results: per runner the whole (all rounds merged)
// and each round's segment.
type row struct {
	scenario
	res    map[string]*result
	rounds map[string][]*result
}

// sale is a sell-out workload: one SKU of units, buyers each ordering one
// unit until told out_of_stock; only by the runners named in by (all when
// empty).
type sale struct {
	name          string
	units, buyers int
	by            []string
}

func (s sale) runs(runner string) bool { return len(s.by) == 0 || slices.Contains(s.by, runner) }

// saleRow is one sale of one runner.
type saleRow struct {
	sale
	runner string
	r      *result
}

const (
	sellOutBuyers = 200
	hotBuyers     = 200
)

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

	runnerNames := []string{runServer}
	if rdb != nil {
		runnerNames = append(runnerNames, runRedis)
	}
	runnerNames = append(runnerNames, runCeiling, runNaive)
	sales := []sale{{"sell-out", o.last, sellOutBuyers, nil}}
	if o.flash > 0 {
		// the server (without Redis) and the naive ceiling only: two minutes less
		sales = append(sales, sale{"flash sale", o.flash, numUsers, []string{runServer, runNaive}})
	}
	// one SKU per runner and sale: runner i's sale j is saleUnits[i*len(sales)+j]
	var saleUnits []int
	for range runnerNames {
		for _, s := range sales {
			saleUnits = append(saleUnits, s.units)
		}
	}

	// Load, and build the server meanwhile.
	built := ws.Build(ctx)
	d, err := loadData(ctx, dsn, saleUnits)
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
	// The ceiling and the naive ceiling never run at once: one pool.
	ceilDB, err := openPool(dsn, o.pool)
	if err != nil {
		return err
	}
	defer ceilDB.Close()
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
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: 90 * time.Second, DisableCompression: true}}
	type runner struct {
		name string
		p    placer
		cpu  []cpuSource
	}
	var db []cpuSource
	if pid := localMariaDB(); pid != 0 {
		db = []cpuSource{mariadbCPU(ctx, checkDB, pid, ws.DBName)}
	}
	// No per-user order rate limit or SKU cap (buyers place thousands of
	// orders a minute), and an unpaid deadline no run reaches, so no order is
	// cancelled under the check.
	env := ws.ServerEnv(o.pool, "SHANHAI_RATE_ORDERS=0", "SHANHAI_SKU_CAP=0", "SHANHAI_UNPAID_TTL="+unpaidTTL.String())
	var runners []runner
	for _, name := range runnerNames {
		switch name {
		case runServer, runRedis:
			e, logName := env, "server.log"
			if name == runRedis {
				e, logName = append(slices.Clip(env), "SHANHAI_REDIS="+o.redis), "server-redis.log"
			}
			srv, startErr := ws.StartServer(ctx, name, e, logName)
			if startErr != nil {
				return startErr
			}
			defer func() {
				if stopErr := srv.Stop(); err == nil {
					err = stopErr // the named result: a server that died during the run fails it
				}
			}()
			// the consumers this server's runs need: the hot SKU scenario's, or a sale's
			users := 0
			for _, s := range append(slices.Clip(sales), sale{buyers: hotBuyers}) {
				if s.runs(name) {
					users = max(users, s.buyers)
				}
			}
			auth, loginErr := login(ctx, client, srv.Base, d, users)
			if loginErr != nil {
				return loginErr
			}
			runners = append(runners, runner{name, &httpPlacer{client: client, url: srv.Base + "/api/v1/orders", auth: auth},
				append(append([]cpuSource{processCPU("server", srv.Pid())}, db...), processCPU("bench", os.Getpid()))})
		case runCeiling:
			runners = append(runners, runner{name, &ceiling{db: ceilDB, d: d}, append([]cpuSource{processCPU("ceiling", os.Getpid())}, db...)})
		case runNaive:
			runners = append(runners, runner{name, &naive{db: ceilDB, d: d}, append([]cpuSource{processCPU("naive", os.Getpid())}, db...)})
		}
	}

	rows := []*row{
		{scenario: scenario{"3-line orders, 10,000 SKUs", 32, threeLines(d)}},
		{scenario: scenario{"3-line orders, 10,000 SKUs", 64, threeLines(d)}},
		{scenario: scenario{"hot SKU, 1 line × 1 unit", hotBuyers, oneUnit(d.hot)}},
	}
	// Each scenario alternates the runners in rounds, so that a machine
	// whose speed drifts (other work, MariaDB flushing) weighs on all alike;
	// each round's ratios compare runs a few seconds apart.
	segment := o.Duration / time.Duration(o.rounds)
	for _, r := range rows {
		r.res, r.rounds = map[string]*result{}, map[string][]*result{}
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
				r.rounds[rn.name] = append(r.rounds[rn.name], seg)
				r.res[rn.name] = merge(r.res[rn.name], seg.clone())
			}
		}
	}
	var sells []saleRow
	for j, s := range sales {
		for i, rn := range runners {
			if !s.runs(rn.name) {
				continue
			}
			sr, err := measure(rn.name+", "+s.name, rn.p, load{buyers: s.buyers, pick: oneUnit(d.last[i*len(sales)+j]), sellOut: true, cpu: rn.cpu})
			if err != nil {
				return err
			}
			sells = append(sells, saleRow{sale: s, runner: rn.name, r: sr})
		}
	}

	info.fill(d)
	report(os.Stdout, o, info, runnerNames, rows, sells)
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
