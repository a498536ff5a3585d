package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// faultDelay is how long the load runs before the fault.
const faultDelay = 2 * time.Second

// redisDown kills Redis, and while it is down changes the probe SKU's stock
// through one replica and reads it back from every replica; then it starts
// Redis again and does the same once more (pub/sub is back, the local
// caches must not keep what they fetched while it was away).
func redisDown(ctx context.Context, e *env) ([2]time.Time, []verdict, error) {
	sleep(ctx, faultDelay)
	logf("  SIGKILL redis-server (pid %d)", e.redis.cmd.Process.Pid)
	e.redis.signal(syscall.SIGKILL, 5*time.Second)
	killed := time.Now()
	sleep(ctx, 500*time.Millisecond)
	down := e.probe(ctx, 0, "redis down")
	sleep(ctx, 2500*time.Millisecond-time.Since(killed))
	if err := e.redis.start(); err != nil {
		return [2]time.Time{}, nil, err
	}
	if err := waitTCP(fmt.Sprintf("127.0.0.1:%s", e.redisPort()), 10*time.Second); err != nil {
		return [2]time.Time{}, nil, err
	}
	logf("  redis-server back after %s (pid %d)", time.Since(killed).Round(10*time.Millisecond), e.redis.cmd.Process.Pid)
	sleep(ctx, 1500*time.Millisecond)
	up := e.probe(ctx, 1, "redis back")
	v := held("redis probe")
	if down.state != "HELD" {
		v = down
	} else if up.state != "HELD" {
		v = up
	}
	v.name = "redis probe"
	return [2]time.Time{}, []verdict{v}, nil
}

func (e *env) redisPort() string {
	for i, a := range e.redis.args {
		if a == "--port" {
			return e.redis.args[i+1]
		}
	}
	return ""
}

// probe adds one unit to the probe SKU through replica i, waits 1.5 s (a
// committed write reaches every replica's cache within a second) and
// compares every replica's answer with the database.
func (e *env) probe(ctx context.Context, i int, when string) verdict {
	name := "redis probe"
	p := fmt.Sprintf("/api/v1/supplier/skus/%d", e.w.probe.id)
	status, body, err := e.c.once(ctx, e.replicas[i].base, e.w.tokens["supplier.jinkouhe"], http.MethodPatch, p, []byte(`{"stock_delta":1}`), "", false)
	if err != nil || status != http.StatusOK {
		return broken(name, "%s: PATCH %s on %s: %d %v %.200s", when, p, e.replicas[i].name, status, err, body)
	}
	sleep(ctx, 1500*time.Millisecond)
	v := checkAPIStock(ctx, e.c, e.db.db, []int64{e.w.probe.product}, e.w.probe.id)
	if v.state != "HELD" {
		v.detail = when + ": " + v.detail
	}
	logf("  stock probe (%s): %s %s", when, v.state, v.detail)
	return v
}

// mariadbDown stops mariadbd with SIGTERM, waits for its exit, starts it
// again 3 s later and measures how long the replicas take to be ready. The
// outage window, for the 5xx check, runs from the SIGTERM until every
// replica is ready again, plus a second.
func mariadbDown(ctx context.Context, e *env) ([2]time.Time, []verdict, error) {
	var w [2]time.Time
	sleep(ctx, faultDelay)
	w[0] = time.Now()
	logf("  SIGTERM mariadbd (pid %d)", e.db.cmd.Process.Pid)
	if err := e.db.signal(syscall.SIGTERM, 60*time.Second); err != nil {
		return w, nil, err
	}
	logf("  mariadbd exited after %s", time.Since(w[0]).Round(10*time.Millisecond))
	sleep(ctx, 3*time.Second)
	if err := e.db.start(); err != nil {
		return w, nil, err
	}
	if err := e.db.waitUp(ctx, e.db.db, 60*time.Second); err != nil {
		return w, nil, err
	}
	back := time.Now()
	logf("  mariadbd answering again after %s down (pid %d)", back.Sub(w[0]).Round(10*time.Millisecond), e.db.cmd.Process.Pid)
	var mu sync.Mutex
	var slowest time.Duration
	var wg sync.WaitGroup
	for _, r := range e.replicas {
		wg.Go(func() {
			for time.Since(back) < 30*time.Second && ctx.Err() == nil {
				if r.ready(ctx) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			d := time.Since(back)
			mu.Lock()
			slowest = max(slowest, d)
			mu.Unlock()
		})
	}
	wg.Wait()
	w[1] = time.Now().Add(time.Second)
	logf("  every replica ready %s after the database's return", slowest.Round(10*time.Millisecond))
	v := held("readyz ≤10s")
	if slowest > 10*time.Second {
		v = broken("readyz ≤10s", "the slowest replica was ready %s after the database came back", slowest.Round(10*time.Millisecond))
	}
	v.detail = fmt.Sprintf("all replicas ready %s after the database's return", slowest.Round(10*time.Millisecond))
	return w, []verdict{v}, nil
}

// replicaKilled kills replica 2 with SIGKILL mid-load and starts it again
// a second later; the load's requests to it fail and are retried elsewhere.
func replicaKilled(ctx context.Context, e *env) ([2]time.Time, []verdict, error) {
	sleep(ctx, faultDelay)
	r := e.replicas[1]
	logf("  SIGKILL %s (pid %d)", r.name, r.cmd.Process.Pid)
	r.signal(syscall.SIGKILL, 5*time.Second)
	sleep(ctx, time.Second)
	if err := e.startReplica(ctx, 1, 60*time.Second); err != nil {
		return [2]time.Time{}, nil, err
	}
	return [2]time.Time{}, nil, nil
}
