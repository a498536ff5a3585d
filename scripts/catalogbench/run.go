package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// run is one whole benchmark: load, build, measure, print, clean up.
func run(ctx context.Context, o options) (err error) {
	root, err := moduleRoot(o.root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "catalogbench-")
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
	if err := admin.QueryRowContext(ctx, "SELECT VERSION()").Scan(&info.mariadb); err != nil {
		return fmt.Errorf("MariaDB at %s: %w", dbcfg.Addr, err)
	}

	// Redis: the bench's own database, flushed before and after.
	ropts, err := redis.ParseURL(o.redis)
	if err != nil {
		return fmt.Errorf("-redis: %w", err)
	}
	if ropts.DB == 0 {
		return fmt.Errorf("-redis %s: database 0 is where tests and dev servers live and the bench flushes its database; pick another, e.g. redis://%s/9", o.redis, ropts.Addr)
	}
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	if info.redis, err = redisVersion(ctx, rdb); err != nil {
		return fmt.Errorf("Redis at %s: %w", ropts.Addr, err)
	}
	flush := func() error { return rdb.FlushDB(context.WithoutCancel(ctx)).Err() }
	if err := flush(); err != nil {
		return fmt.Errorf("Redis FLUSHDB %d: %w", ropts.DB, err)
	}
	defer flush()

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

	// Load, and build the server meanwhile: both take a few seconds.
	bin := filepath.Join(tmp, "shanhai")
	built := make(chan error, 1)
	go func() { built <- buildServer(ctx, root, bin) }()
	data, err := loadCatalogue(ctx, dsn, o.products)
	if err != nil {
		return err
	}
	if err := <-built; err != nil {
		return err
	}

	env := serverEnv(dsn)
	detailPaths := make([]string, len(data.productIDs))
	for i, id := range data.productIDs {
		detailPaths[i] = fmt.Sprintf("/api/v1/products/%d", id)
	}
	listPaths := listQueries()
	results := map[string]result{}

	// Cache off: the real server straight on MariaDB. It also supplies the
	// product detail the ceiling serves.
	srv, err := startReal(ctx, "server (cache off)", bin, env, filepath.Join(tmp, "server-cache-off.log"))
	if err != nil {
		return err
	}
	sample, sizes, err := preflight(ctx, srv.base, detailPaths, listPaths)
	if err == nil {
		info.detailBytes, info.listBytes = sizes[0], sizes[1]
		results["detail (cache off)"], err = drive(ctx, "detail (cache off)", srv.base, detailPaths, o)
	}
	if err == nil {
		results["list (cache off)"], err = drive(ctx, "list (cache off)", srv.base, listPaths, o)
	}
	if stopErr := srv.stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}

	// The ceiling: bare Gin encoding that detail, in its own process.
	samplePath := filepath.Join(tmp, "ceiling-product.json")
	if err := os.WriteFile(samplePath, sample, 0o644); err != nil {
		return err
	}
	srv, err = startCeiling(ctx, samplePath, filepath.Join(tmp, "ceiling.log"))
	if err != nil {
		return err
	}
	if info.ceilingBytes, err = checkCeiling(ctx, srv.base, sample); err == nil {
		results["ceiling"], err = drive(ctx, "ceiling", srv.base, detailPaths, o)
	}
	if stopErr := srv.stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}

	// Cache on: the same server with Redis (and whatever in-process layer the
	// cache keeps in front of it).
	envRedis := append(slices.Clip(env), "SHANHAI_REDIS="+o.redis)
	srv, err = startReal(ctx, "server (redis)", bin, envRedis, filepath.Join(tmp, "server-redis.log"))
	if err != nil {
		return err
	}
	if _, _, err = preflight(ctx, srv.base, detailPaths, listPaths); err == nil {
		results["detail (redis)"], err = drive(ctx, "detail (redis)", srv.base, detailPaths, o)
	}
	if err == nil {
		results["list (redis)"], err = drive(ctx, "list (redis)", srv.base, listPaths, o)
	}
	if stopErr := srv.stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}

	info.fill(o, data, len(listPaths))
	report(os.Stdout, o, info, results)
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
// of the caller, plus the bench's settings. SHANHAI_ADDR is added per start.
func serverEnv(dsn string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHANHAI_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"SHANHAI_DB=mysql:"+dsn,
		"SHANHAI_DB_MAX_OPEN=32",
		"SHANHAI_DEMO=0",
		"SHANHAI_JWT_SECRET="+randomHex(24),
		"SHANHAI_PAYMENT_SECRET="+randomHex(24),
	)
}

func redisVersion(ctx context.Context, rdb *redis.Client) (string, error) {
	s, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v, nil
		}
	}
	return "unknown", nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// machine is what the figures were measured on.
type machine struct {
	cpus, gomaxprocs int
	cpuModel         string
	goVersion        string
	mariadb, redis   string

	products, suppliers, skus, tiers, certs int
	loadTime                                time.Duration
	listQueries                             int
	detailBytes, listBytes, ceilingBytes    int
}

func (m *machine) fill(o options, d *catalogue, listQueries int) {
	m.cpus, m.gomaxprocs = runtime.NumCPU(), runtime.GOMAXPROCS(0)
	m.goVersion = runtime.Version()
	m.cpuModel = cpuModel()
	m.products, m.suppliers, m.skus, m.tiers, m.certs = len(d.productIDs), d.suppliers, d.skus, d.tiers, d.certs
	m.loadTime = d.elapsed
	m.listQueries = listQueries
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
