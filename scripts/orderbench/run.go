package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
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
func run(ctx context.Context, o options) (err error) {
	root, err := moduleRoot(o.root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "orderbench-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil || o.keep {
			logf("server logs kept in %s", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()

	// The MariaDB server, without a database, to create and drop ours.
	dbcfg, err := mysqldrv.ParseDSN(o.mysql)
	if err != nil {
		return fmt.Errorf("-mysql: %w", err)
	}
	dbcfg.DBName = ""
	conn, err := mysqldrv.NewConnector(dbcfg)
	if err != nil {
		return fmt.Errorf("-mysql: %w", err)
	}
	admin := sql.OpenDB(conn)
	defer admin.Close()
	var info machine
	if err := admin.QueryRowContext(ctx, "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size").
		Scan(&info.mariadb, &info.flushAtCommit, &info.bufferPool); err != nil {
		return fmt.Errorf("MariaDB at %s: %w", dbcfg.Addr, err)
	}

	// Redis, only for the optional second server run: the bench's own
	// database, flushed before and after.
	var rdb *redis.Client
	if o.redis != "" {
		ropts, err := redis.ParseURL(o.redis)
		if err != nil {
			return fmt.Errorf("-redis: %w", err)
		}
		if ropts.DB == 0 {
			return fmt.Errorf("-redis %s: database 0 is where tests and dev servers live and the bench flushes its database; pick another, e.g. redis://%s/9", o.redis, ropts.Addr)
		}
		rdb = redis.NewClient(ropts)
		defer rdb.Close()
		if err := rdb.FlushDB(ctx).Err(); err != nil {
			return fmt.Errorf("Redis at %s: %w", ropts.Addr, err)
		}
		defer rdb.FlushDB(context.WithoutCancel(ctx))
		info.redis = ropts.Addr
	}

	dbName := "shanhai_bench_" + randomHex(4)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+dbName+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	defer func() {
		if o.keep {
			logf("kept database %s", dbName)
			return
		}
		if _, err := admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE `"+dbName+"`"); err != nil {
			logf("drop database %s: %v", dbName, err)
		}
	}()
	dbcfg.DBName = dbName
	dsn := dbcfg.FormatDSN()
	logf("database %s on %s", dbName, dbcfg.Addr)

	// Load, and build the server meanwhile.
	bin := filepath.Join(tmp, "shanhai")
	built := make(chan error, 1)
	go func() { built <- buildServer(ctx, root, bin) }()
	sellRuns := 2
	if rdb != nil {
		sellRuns = 3
	}
	d, err := loadData(ctx, dsn, sellRuns, o.last)
	if err != nil {
		return err
	}
	if err := <-built; err != nil {
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
		logf("%-28s %s", name, r.check)
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
		db = []cpuSource{mariadbCPU(ctx, checkDB, pid, dbName)}
	}
	type start struct {
		name, log string
		env       []string
		slot      func(*row) **result
	}
	env := serverEnv(dsn, o.pool)
	starts := []start{{"server", "server.log", env, func(r *row) **result { return &r.server }}}
	if rdb != nil {
		starts = append(starts, start{"server (redis)", "server-redis.log", append(slices.Clip(env), "SHANHAI_REDIS="+o.redis),
			func(r *row) **result { return &r.redis }})
	}
	var runners []runner
	for i, st := range starts {
		srv, startErr := startReal(ctx, st.name, bin, st.env, filepath.Join(tmp, st.log))
		if startErr != nil {
			return startErr
		}
		defer func() {
			if stopErr := srv.stop(); err == nil {
				err = stopErr // the named result: a server that died during the run fails it
			}
		}()
		auth, loginErr := login(ctx, client, srv.base, d)
		if loginErr != nil {
			return loginErr
		}
		runners = append(runners, runner{st.name, &httpPlacer{client: client, url: srv.base + "/api/v1/orders", auth: auth}, st.slot, d.last[i],
			append(append([]cpuSource{processCPU("server", srv.cmd.Process.Pid)}, db...), processCPU("bench", os.Getpid()))})
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
	segment := o.duration / time.Duration(o.rounds)
	for _, r := range rows {
		for round := range o.rounds {
			for _, rn := range runners {
				l := load{buyers: r.buyers, pick: r.pick, duration: segment, cpu: rn.cpu}
				if round == 0 {
					l.warmup = o.warmup
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

// moduleRoot is -root, else the directory of the current module's go.mod.
func moduleRoot(flagRoot string) (string, error) {
	if flagRoot != "" {
		return filepath.Abs(flagRoot)
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the shanhai module: run from the repository or pass -root")
	}
	return filepath.Dir(gomod), nil
}

// buildServer builds the real server binary, as deployed.
func buildServer(ctx context.Context, root, bin string) error {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %v\n%s", root, err, out)
	}
	logf("built the server in %.1fs", time.Since(start).Seconds())
	return nil
}

// serverEnv is the environment of the real server: ours minus any SHANHAI_*
// of the caller, plus the bench's settings: the pool size the ceiling uses,
// no per-user order rate limit or SKU cap (256 buyers place thousands of
// orders a minute), and an unpaid deadline no run reaches, so no order is
// cancelled under the check. SHANHAI_ADDR is added per start.
func serverEnv(dsn string, pool int) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHANHAI_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"SHANHAI_DB=mysql:"+dsn,
		"SHANHAI_DB_MAX_OPEN="+strconv.Itoa(pool),
		"SHANHAI_DEMO=0",
		"SHANHAI_JWT_SECRET="+randomHex(24),
		"SHANHAI_PAYMENT_SECRET="+randomHex(24),
		"SHANHAI_RATE_ORDERS=0",
		"SHANHAI_SKU_CAP=0",
		"SHANHAI_UNPAID_TTL="+unpaidTTL.String(),
	)
}

// machine is what the figures were measured on.
type machine struct {
	cpus, gomaxprocs int
	cpuModel         string
	goVersion        string
	mariadb, redis   string
	flushAtCommit    int
	bufferPool       int64
	skus             int
	loadTime         time.Duration
}

func (m *machine) fill(d *dataset) {
	m.cpus, m.gomaxprocs = runtime.NumCPU(), runtime.GOMAXPROCS(0)
	m.goVersion = runtime.Version()
	m.cpuModel = cpuModel()
	m.skus = len(d.skus)
	m.loadTime = d.elapsed
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
