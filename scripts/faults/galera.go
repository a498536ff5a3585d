package main

// The Galera mode (-galera): the three replicas each talk to their own node
// of a three-node MariaDB Galera cluster, started with
// scripts/galera/cluster.sh on ports of its own (GALERA_PORT_BASE), and the
// scenarios are the cluster's faults: a node SIGKILLed and restarted, a node
// cut off from the others, and one SKU's last units bought from the three
// nodes at once.

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// galera is the run's private cluster.
type galera struct {
	script string // scripts/galera/cluster.sh
	dir    string // GALERA_DIR (not under the temp dir: the nodes run as mysql)
	base   int    // GALERA_PORT_BASE: node n's SQL port is base+n
	dbs    []*sql.DB
}

// newGalera starts a three-node cluster on ports no other cluster uses and
// creates the shanhai database through node 1.
func newGalera(ctx context.Context, root string) (*galera, error) {
	g := &galera{script: filepath.Join(root, "scripts", "galera", "cluster.sh"),
		dir: filepath.Join(os.TempDir(), fmt.Sprintf("shanhai-faults-galera.%d", os.Getpid()))}
	for _, b := range []int{3340, 3350, 3360, 3370, 3380, 3390, 3400} {
		if portsFree(b) {
			g.base = b
			break
		}
	}
	if g.base == 0 {
		return nil, fmt.Errorf("galera: no free set of ports for a second cluster")
	}
	if out, err := g.run(ctx, "start"); err != nil {
		g.stop()
		return nil, fmt.Errorf("galera start: %v\n%s", err, out)
	}
	root1, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/", g.port(1)))
	if err != nil {
		return nil, err
	}
	defer root1.Close()
	if _, err := root1.ExecContext(ctx, "CREATE DATABASE shanhai CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return nil, err
	}
	for n := 1; n <= 3; n++ {
		db, err := sql.Open("mysql", g.dsn(n)+"&parseTime=true")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(4)
		g.dbs = append(g.dbs, db)
	}
	return g, nil
}

// portsFree: every port of a cluster at base is free now.
func portsFree(base int) bool {
	off := base - 3310
	for n := 1; n <= 3; n++ {
		for _, p := range []int{base + n, 4067 + 100*n + off, 4068 + 100*n + off, 4044 + 100*n + off} {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}

func (g *galera) port(n int) int { return g.base + n }

// dsn is node n's DSN for the shanhai database; reads wait for the node to
// have applied every write committed before them anywhere.
func (g *galera) dsn(n int) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/shanhai?wsrep_sync_wait=1", g.port(n))
}

func (g *galera) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", append([]string{g.script}, args...)...)
	cmd.Env = append(os.Environ(), "GALERA_DIR="+g.dir, "GALERA_PORT_BASE="+strconv.Itoa(g.base))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// stop stops the nodes and removes their data (the script's stop).
func (g *galera) stop() {
	for _, db := range g.dbs {
		db.Close()
	}
	if out, err := g.run(context.Background(), "stop"); err != nil {
		logf("galera stop: %v %s", err, out)
	}
}

// state is node n's wsrep_local_state_comment ("" when it does not answer).
func (g *galera) state(ctx context.Context, n int) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var name, v string
	g.dbs[n-1].QueryRowContext(ctx, "SHOW STATUS LIKE 'wsrep_local_state_comment'").Scan(&name, &v)
	return v
}

// repoint restarts replica i on node n.
func (e *env) repoint(ctx context.Context, i, n int) error {
	r := e.replicas[i]
	r.signal(syscall.SIGTERM, 10*time.Second)
	r.env = append(r.env, "SHANHAI_DB=mysql:"+e.gal.dsn(n))
	return e.startReplica(ctx, i, 60*time.Second)
}

// oneNode puts the three replicas on node 1 (the others still replicate);
// threeNodes puts them back on a node each.
func oneNode(ctx context.Context, e *env) error {
	for i := 1; i < 3; i++ {
		if err := e.repoint(ctx, i, 1); err != nil {
			return err
		}
	}
	return nil
}

func threeNodes(ctx context.Context, e *env) error {
	for i := 1; i < 3; i++ {
		if err := e.repoint(ctx, i, i+1); err != nil {
			return err
		}
	}
	return nil
}

// nodeKilled SIGKILLs node 3 mid-load, starts it again 2 s later and waits
// until it is Synced (it rejoins by incremental state transfer from the
// others' cache) and its replica is ready. The outage window, in which
// replica 3 may answer 503, runs until then + 1 s.
func nodeKilled(ctx context.Context, e *env) ([2]time.Time, []verdict, error) {
	var w [2]time.Time
	sleep(ctx, faultDelay)
	logPath := filepath.Join(e.gal.dir, "node3", "error.log")
	var logFrom int64
	if fi, err := os.Stat(logPath); err == nil {
		logFrom = fi.Size()
	}
	w[0] = time.Now()
	logf("  SIGKILL galera node 3")
	if out, err := e.gal.run(ctx, "kill", "3"); err != nil {
		return w, nil, fmt.Errorf("kill node 3: %v %s", err, out)
	}
	sleep(ctx, 2*time.Second)
	notReady := !e.replicas[2].ready(ctx)
	if out, err := e.gal.run(ctx, "restart", "3"); err != nil {
		return w, nil, fmt.Errorf("restart node 3: %v %s", err, out)
	}
	synced := time.Since(w[0])
	// how it caught up: its log since the kill
	b, _ := os.ReadFile(logPath)
	log := string(b[min(int64(len(b)), logFrom):])
	os.WriteFile(filepath.Join(e.tmp, "node3-rejoin.log"), []byte(log), 0o644) // kept with -keep
	how := "a state transfer"
	switch {
	// With the rsync method the joiner's SST script starts either way; a
	// donor that can serve the gap from its cache skips the copy, and the
	// write-sets arrive as "IST received".
	case strings.Contains(log, "IST received"):
		how = "IST"
	case strings.Contains(log, "SST received"):
		how = "SST (a full copy)"
	}
	back := time.Now()
	for !e.replicas[2].ready(ctx) && time.Since(back) < 30*time.Second && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
	}
	w[1] = time.Now().Add(time.Second)
	v := held("galera fault")
	v.detail = fmt.Sprintf("node 3 Synced again %s after the kill (by %s); replica 3 ready %s later",
		synced.Round(100*time.Millisecond), how, time.Since(back).Round(100*time.Millisecond))
	if how != "IST" {
		v = broken("galera fault", "node 3 rejoined by %s, not IST (%s)", how, v.detail)
	} else if !notReady {
		v = broken("galera fault", "replica 3 still answered /readyz 200 2 s after its node was killed")
	} else if !e.replicas[2].ready(ctx) {
		v = broken("galera fault", "replica 3 not ready 30 s after node 3 was Synced again")
	}
	logf("  %s", v.detail)
	return w, []verdict{v}, nil
}

// nodeCut cuts node 3 off from the others (gmcast.isolate=1): it leaves the
// primary component, refuses queries (1047), and its replica must fail
// /readyz and answer 503 while the other two keep selling; 4 s later the
// node is let back in and must be Synced and its replica ready again.
func nodeCut(ctx context.Context, e *env) ([2]time.Time, []verdict, error) {
	var w [2]time.Time
	sleep(ctx, faultDelay)
	w[0] = time.Now()
	logf("  galera node 3 cut off (gmcast.isolate=1)")
	if out, err := e.gal.run(ctx, "isolate", "3"); err != nil {
		return w, nil, fmt.Errorf("isolate node 3: %v %s", err, out)
	}
	var offAfter time.Duration
	for time.Since(w[0]) < 15*time.Second && ctx.Err() == nil {
		if !e.replicas[2].ready(ctx) {
			offAfter = time.Since(w[0])
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	othersReady := e.replicas[0].ready(ctx) && e.replicas[1].ready(ctx)
	placed := func() int {
		e.rec().mu.Lock()
		defer e.rec().mu.Unlock()
		return e.rec().placed
	}
	placedBefore := placed()
	sleep(ctx, 4*time.Second)
	soldMeanwhile := placed() - placedBefore
	state := e.gal.state(ctx, 3)
	healAt := time.Now()
	logf("  node 3 let back in (gmcast.isolate=0); it was %q", state)
	if out, err := e.gal.run(ctx, "heal", "3"); err != nil {
		return w, nil, fmt.Errorf("heal node 3: %v %s", err, out)
	}
	for time.Since(healAt) < 60*time.Second && ctx.Err() == nil {
		if e.gal.state(ctx, 3) == "Synced" && e.replicas[2].ready(ctx) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	back := time.Since(healAt)
	w[1] = time.Now().Add(time.Second)
	v := held("galera fault")
	switch {
	case offAfter == 0:
		v = broken("galera fault", "replica 3 still ready 15 s after its node was cut off")
	case !othersReady:
		v = broken("galera fault", "replicas 1 and 2 not both ready while node 3 was cut off")
	case soldMeanwhile == 0:
		v = broken("galera fault", "no order placed in the 4 s node 3 was cut off")
	case !e.replicas[2].ready(ctx):
		v = broken("galera fault", "replica 3 not ready 60 s after node 3 was let back in")
	}
	if v.detail == "" {
		v.detail = fmt.Sprintf("replica 3 unready %s after the cut (node %s); %d orders placed on the others meanwhile; node Synced and replica ready %s after the heal",
			offAfter.Round(100*time.Millisecond), state, soldMeanwhile, back.Round(100*time.Millisecond))
	}
	logf("  %s", v.detail)
	return w, []verdict{v}, nil
}

// hotSKU: 200 buyers (placements from the three buyer accounts, each with
// its own key) at once, spread over the three nodes, for one unit each of
// one SKU with 50 available: exactly 50 orders and 150 refusals, nothing
// else; the load runs beside it. A refusal is out_of_stock, or hold_share
// when one of the three accounts already holds its share of the SKU
// (SHANHAI_HOLD_SHARE): three accounts can hold more than 50 units together,
// so the share never keeps a unit unsold.
func hotSKU(ctx context.Context, e *env) ([2]time.Time, []verdict, error) {
	const units, buyers = 50, 200
	sleep(ctx, faultDelay)
	s := e.w.probe
	sup := e.w.tokens["supplier.jinkouhe"]
	var onHand, reserved int64
	if err := e.db.db.QueryRowContext(ctx, "SELECT on_hand, reserved FROM skus WHERE id = ?", s.id).Scan(&onHand, &reserved); err != nil {
		return [2]time.Time{}, nil, err
	}
	if delta := units - (onHand - reserved); delta != 0 {
		status, body, err := e.c.call(ctx, sup, http.MethodPatch, path("/api/v1/supplier/skus/%d", s.id), map[string]int64{"stock_delta": delta}, "", nil)
		if err != nil || status != http.StatusOK {
			return [2]time.Time{}, nil, fmt.Errorf("hot SKU stock %+d: %d %v %.200s", delta, status, err, body)
		}
	}
	// every node has the stock before the buyers come
	for n := 1; n <= 3; n++ {
		var avail int64
		e.gal.dbs[n-1].QueryRowContext(ctx, "SELECT on_hand - reserved FROM skus WHERE id = ?", s.id).Scan(&avail)
		if avail != units {
			return [2]time.Time{}, nil, fmt.Errorf("hot SKU: node %d shows %d available, want %d", n, avail, units)
		}
	}
	accounts := []string{"consumer", "market.buyer", "canteen.buyer"}
	var mu sync.Mutex
	tally := map[string]int{}
	var ids []int64
	var wg sync.WaitGroup
	var gate sync.WaitGroup
	gate.Add(1)
	for i := range buyers {
		wg.Go(func() {
			gate.Wait()
			key := newKey()
			var o orderResp
			status, body, err := e.c.call(ctx, e.w.tokens[accounts[i%3]], http.MethodPost, "/api/v1/orders",
				map[string]any{"lines": []map[string]int64{{"sku_id": s.id, "quantity": 1}}, "address": "绍兴市柯桥区", "phone": "0575-12345678"}, key, &o)
			label := strconv.Itoa(status) + " " + errCode(body)
			if err != nil {
				label = "error " + err.Error()
			}
			mu.Lock()
			tally[strings.TrimSpace(label)]++
			if status == http.StatusCreated {
				ids = append(ids, o.ID)
				e.rec().mu.Lock()
				e.rec().acked[o.ID] = key
				e.rec().placed++
				e.rec().mu.Unlock()
			}
			mu.Unlock()
		})
	}
	began := time.Now()
	gate.Done()
	wg.Wait()
	took := time.Since(began)
	// The SKU is the stock probe's, which the load never buys: its order
	// lines are the buyers'.
	var lines int64
	e.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM order_lines WHERE sku_id = ?", s.id).Scan(&lines)
	v := held("galera fault")
	v.detail = fmt.Sprintf("hot SKU: %d buyers on 3 nodes for %d units in %s: %v; %d order lines in the database",
		buyers, units, took.Round(10*time.Millisecond), tally, lines)
	if tally["201"] != units || tally["409 out_of_stock"]+tally["409 hold_share"] != buyers-units || lines != units {
		v = broken("galera fault", "%s (want %d × 201, %d × 409 out_of_stock or hold_share, %d lines)", v.detail,
			units, buyers-units, units)
	}
	logf("  %s", v.detail)
	return [2]time.Time{}, []verdict{v}, nil
}
