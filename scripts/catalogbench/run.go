package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"shanhai/scripts/bench"
)

// run is one whole benchmark: load, build, measure, print, clean up.
func run(ctx context.Context, ws *bench.Workspace, o options) (err error) {
	info := machine{mariadb: ws.MariaDB}

	// Redis: the bench's own database, flushed before and after.
	rdb, err := bench.OpenRedis(ctx, o.redis)
	if err != nil {
		return err
	}
	defer rdb.Close()
	info.redis = rdb.Version

	if err := ws.CreateDatabase(ctx); err != nil {
		return err
	}

	// Load, and build the server meanwhile: both take a few seconds.
	built := ws.Build(ctx)
	data, err := loadCatalogue(ctx, ws.DSN, o.products)
	if err != nil {
		return err
	}
	if err := built(); err != nil {
		return err
	}

	// The plans of the standard lists, and the statements of the
	// database/sql baseline, from a store opened as the server opens it.
	st, err := openBenchStore(ws)
	if err != nil {
		return err
	}
	defer st.Close()
	// The loader writes products with plain SQL: their search grams are
	// written here, as the store writes them with each product.
	if err := st.RebuildSearchIndex(ctx); err != nil {
		return err
	}
	if info.plans, err = explainLists(ctx, st); err != nil {
		return err
	}
	lists, searches := listQueries(), searchQueries()
	detailStmts, listStmts := baselineStatements(st, data.productIDs, lists)
	_, searchStmts := baselineStatements(st, nil, searches)
	searchPaths := make([]string, len(searches))
	for i, l := range searches {
		searchPaths[i] = l.path
	}

	env := ws.ServerEnv(serverPool)
	detailPaths := make([]string, len(data.productIDs))
	for i, id := range data.productIDs {
		detailPaths[i] = fmt.Sprintf("/api/v1/products/%d", id)
	}
	listPaths := make([]string, len(lists))
	for i, l := range lists {
		listPaths[i] = l.path
	}
	results := map[string]result{}

	// Cache off: the real server straight on MariaDB. It also supplies the
	// product detail the ceiling serves.
	srv, err := ws.StartServer(ctx, "server (cache off)", env, "server-cache-off.log")
	if err != nil {
		return err
	}
	sample, sizes, err := preflight(ctx, srv.Base, detailPaths, listPaths)
	if err == nil {
		info.detailBytes, info.listBytes = sizes[0], sizes[1]
		results["detail (cache off)"], err = drive(ctx, "detail (cache off)", srv.Base, detailPaths, o)
	}
	if err == nil {
		results["list (cache off)"], err = drive(ctx, "list (cache off)", srv.Base, listPaths, o)
	}
	if err == nil {
		results["search (cache off)"], err = drive(ctx, "search (cache off)", srv.Base, searchPaths, o)
	}
	if stopErr := srv.Stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}
	// The same SQL straight on database/sql, the server stopped.
	results["detail (database/sql)"], err = sqlBaseline(ctx, "detail (database/sql)", st.DB(), detailStmts, o)
	if err == nil {
		results["list (database/sql)"], err = sqlBaseline(ctx, "list (database/sql)", st.DB(), listStmts, o)
	}
	if err == nil {
		results["search (database/sql)"], err = sqlBaseline(ctx, "search (database/sql)", st.DB(), searchStmts, o)
	}
	st.DB().SetMaxIdleConns(0) // give the connections back to the servers' budget
	if err != nil {
		return err
	}
	if o.cold {
		info.fill(o, data, len(listPaths))
		coldReport(bench.Report{W: os.Stdout, Markdown: o.Markdown}, o, info, results, nil)
		return nil
	}

	// The ceiling: bare Gin encoding that detail, in its own process.
	samplePath := filepath.Join(ws.Tmp, "ceiling-product.json")
	if err := os.WriteFile(samplePath, sample, 0o644); err != nil {
		return err
	}
	srv, err = startCeiling(ctx, samplePath, filepath.Join(ws.Tmp, "ceiling.log"))
	if err != nil {
		return err
	}
	if info.ceilingBytes, err = checkCeiling(ctx, srv.Base, sample); err == nil {
		results["ceiling"], err = drive(ctx, "ceiling", srv.Base, detailPaths, o)
	}
	if stopErr := srv.Stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}

	// Cache on: the same server with Redis (and whatever in-process layer the
	// cache keeps in front of it).
	envRedis := append(slices.Clip(env), "SHANHAI_REDIS="+o.redis)
	srv, err = ws.StartServer(ctx, "server (redis)", envRedis, "server-redis.log")
	if err != nil {
		return err
	}
	if _, _, err = preflight(ctx, srv.Base, detailPaths, listPaths); err == nil {
		results["detail (redis)"], err = drive(ctx, "detail (redis)", srv.Base, detailPaths, o)
	}
	if err == nil {
		results["list (redis)"], err = drive(ctx, "list (redis)", srv.Base, listPaths, o)
	}
	if stopErr := srv.Stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}

	// The stampede: the Redis database flushed under load, with the
	// catalogue's database reads unbounded, then bounded (the default).
	mixed := slices.Concat(detailPaths, listPaths)
	var stampedes []stampede
	for _, limit := range []int{0, defaultCatalogReads} {
		name := fmt.Sprintf("flush (reads ≤ %d)", limit)
		if limit == 0 {
			name = "flush (unbounded)"
		}
		envFlush := append(slices.Clip(env), "SHANHAI_REDIS="+o.redis, fmt.Sprintf("SHANHAI_CATALOG_DB_READS=%d", limit))
		srv, err = ws.StartServer(ctx, "server "+name, envFlush, fmt.Sprintf("server-flush-%d.log", limit))
		if err != nil {
			return err
		}
		var sp stampede
		sp, err = runStampede(ctx, name, srv.Base, mixed, o, func(ctx context.Context) error { return rdb.FlushDB(ctx).Err() })
		sp.limit = limit
		if stopErr := srv.Stop(); err == nil {
			err = stopErr
		}
		if err != nil {
			return err
		}
		stampedes = append(stampedes, sp)
	}

	info.fill(o, data, len(listPaths))
	report(os.Stdout, o, info, results, stampedes)
	return nil
}

// defaultCatalogReads is the server's default SHANHAI_CATALOG_DB_READS.
const defaultCatalogReads = 16

// machine is what the figures were measured on.
type machine struct {
	host           bench.Host
	mariadb, redis string

	products, suppliers, skus, tiers, certs int
	loadTime                                time.Duration
	listQueries                             int
	detailBytes, listBytes, ceilingBytes    int
	plans                                   []plan
}

func (m *machine) fill(o options, d *catalogue, listQueries int) {
	m.host = bench.ThisHost()
	m.products, m.suppliers, m.skus, m.tiers, m.certs = len(d.productIDs), d.suppliers, d.skus, d.tiers, d.certs
	m.loadTime = d.elapsed
	m.listQueries = listQueries
}
