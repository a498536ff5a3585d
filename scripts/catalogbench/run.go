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

	env := ws.ServerEnv(32)
	detailPaths := make([]string, len(data.productIDs))
	for i, id := range data.productIDs {
		detailPaths[i] = fmt.Sprintf("/api/v1/products/%d", id)
	}
	listPaths := listQueries()
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
	if stopErr := srv.Stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
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

	info.fill(o, data, len(listPaths))
	report(os.Stdout, o, info, results)
	return nil
}

// machine is what the figures were measured on.
type machine struct {
	host           bench.Host
	mariadb, redis string

	products, suppliers, skus, tiers, certs int
	loadTime                                time.Duration
	listQueries                             int
	detailBytes, listBytes, ceilingBytes    int
}

func (m *machine) fill(o options, d *catalogue, listQueries int) {
	m.host = bench.ThisHost()
	m.products, m.suppliers, m.skus, m.tiers, m.certs = len(d.productIDs), d.suppliers, d.skus, d.tiers, d.certs
	m.loadTime = d.elapsed
	m.listQueries = listQueries
}
