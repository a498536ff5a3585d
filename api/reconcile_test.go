package api_test

// The reconciliation test: thousands of random orders of one to three lines
// through the API with partial acceptances, returns and cancellations over
// three months, while rollup workers in two other processes are killed and
// restarted at random. The test keeps its own record of every sale and of
// where each order counts; at the end its record, the ledger (by SQL) and
// every rollup must agree, to the cent and to the order.
//
// The orders are drawn from a seed the test logs; SHANHAI_TEST_SEED=<seed>
// draws the same orders again (the kills and goroutine timing differ).

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/credit"
)

// rollupWorkerEnv makes the test binary a rollup worker on that database.
const rollupWorkerEnv = "SHANHAI_TEST_ROLLUP_WORKER"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(rollupWorkerEnv); dsn != "" {
		os.Exit(rollupWorker(dsn))
	}
	os.Exit(m.Run())
}

// rollupWorker feeds the rollups of dsn until killed.
func rollupWorker(dsn string) int {
	st, err := store.Open(dsn, 4)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rollup worker:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, orphaned := context.WithCancel(ctx)
	go exitWithParent(orphaned)
	credit.New(st, nil).Run(ctx, 20*time.Millisecond)
	return 0
}

// exitWithParent calls stop once this process's parent is gone (it is
// reparented): a test binary that dies — a panic, the -timeout — must not
// leave its workers feeding rollups, holding go test's output open.
func exitWithParent(stop func()) {
	parent := os.Getppid()
	for os.Getppid() == parent {
		time.Sleep(100 * time.Millisecond)
	}
	stop()
}

// workers are rollup worker processes the test kills and restarts.
type workers struct {
	t    *testing.T
	dsn  string
	mu   sync.Mutex
	cmds []*exec.Cmd
	kill int // SIGKILLs sent
}

func (w *workers) start(i int) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), rollupWorkerEnv+"="+w.dsn)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		w.t.Errorf("start rollup worker: %v", err)
		return
	}
	w.cmds[i] = cmd
}

func (w *workers) stop(i int, sig os.Signal) {
	if c := w.cmds[i]; c != nil {
		_ = c.Process.Signal(sig)
		_ = c.Wait()
		w.cmds[i] = nil
	}
}

// chaos kills a random worker with SIGKILL and starts it again, at random
// intervals, until done closes.
func (w *workers) chaos(done <-chan struct{}, rng *rand.Rand) {
	for {
		select {
		case <-done:
			return
		case <-time.After(time.Duration(100+rng.IntN(400)) * time.Millisecond):
		}
		w.mu.Lock()
		i := rng.IntN(len(w.cmds))
		w.stop(i, syscall.SIGKILL)
		w.kill++
		if rng.IntN(4) > 0 { // sometimes leave it down for a while
			w.start(i)
		}
		w.mu.Unlock()
	}
}

// saleKey is one group of entries: everything a rollup is keyed by.
type saleKey struct {
	period                int
	pairing               int64
	reason, kind, channel string
	certified             bool
	org                   int64
	region, origin        string
}

// saleSum is what the test expects a group to hold.
type saleSum struct{ cents, orders int64 }

type ledgerRecord struct {
	mu     sync.Mutex
	sums   map[saleKey]saleSum
	orders int
}

func (r *ledgerRecord) add(k saleKey, cents, orders int64) {
	r.mu.Lock()
	s := r.sums[k]
	s.cents += cents
	s.orders += orders
	r.sums[k] = s
	r.mu.Unlock()
}

// seedFrom is SHANHAI_TEST_SEED, or a new seed.
func seedFrom(t *testing.T) uint64 {
	if v := os.Getenv("SHANHAI_TEST_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SHANHAI_TEST_SEED=%q: %v", v, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

func TestReconciliation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		perPhase := 400 // three phases: 1,200 orders on MySQL
		if b.Name == "sqlite" {
			perPhase = 80
		}
		if testing.Short() {
			perPhase = 40
		}
		c := newCreditWorld(t, b)
		ctx := context.Background()
		seed := seedFrom(t)
		rng := rand.New(rand.NewPCG(seed, 7))
		t.Logf("seed %d: SHANHAI_TEST_SEED=%d draws the same orders again (the kills and goroutine timing are not replayable)",
			seed, seed)

		// who buys, and what the test expects each purchase to count for
		type buyerOf struct {
			name    string
			org     int64
			region  string
			kind    string
			channel string
		}
		buyers := []buyerOf{
			{"sy_buyer", c.child.ID, "330604", model.CreditDirect, model.OrgCanteen},
			{"kq_buyer", c.keqiaoCanteen.ID, "330603", model.CreditDirect, model.OrgCanteen},
			{"mk_buyer", c.keqiaoMarket.ID, "330603", model.CreditAssisted, model.OrgSupermarket},
			{"employee", c.other.ID, "330603", model.CreditDirect, model.ChannelApp},
			{"yc_resident", 0, "330602", model.CreditDirect, model.ChannelApp},
			{"nowhere", 0, "", model.CreditDirect, model.ChannelApp},
		}
		// the org chains, top first, as the test set them up
		chains := map[int64][]int64{c.child.ID: {c.parent.ID, c.child.ID}, c.keqiaoCanteen.ID: {c.keqiaoCanteen.ID},
			c.keqiaoMarket.ID: {c.keqiaoMarket.ID}, c.other.ID: {c.other.ID}}
		type goods struct {
			sku    int64
			origin string
			reason string // when not credited whatever the buyer
		}
		products := []goods{{c.jkh, "511113", ""}, {c.js, "330881", ""}, {c.expired, "511113", model.ReasonCertExpired},
			{c.revoked, "511113", model.ReasonCertRevoked}, {c.uncertified, "511113", model.ReasonUncertified}}
		// one supplier's goods, for orders of several lines
		supplierA := []goods{products[0], products[2], products[3], products[4]}
		// the expired certificate ended yesterday and the revoked one was
		// revoked today: both still counted in the earlier months
		expect := func(by buyerOf, g goods, current bool) (int64, string) {
			switch {
			case by.region == "":
				return 0, model.ReasonNoBuyerRegion
			case g.reason != "" && (current || g.reason == model.ReasonUncertified):
				return 0, g.reason
			case by.region == "330604" && g.origin == "511113":
				return c.pairing, ""
			case g.origin == "511113":
				return c.shaoxingLeshan, ""
			case by.region == "330603" && g.origin == "330881":
				return c.keqiaoJiangshan, ""
			}
			return c.shaoxingQuzhou, "" // 越城 buying Jiangshan goods: the city pairing
		}
		certified := func(g goods, current bool) bool {
			return g.reason == "" || (g.reason != model.ReasonUncertified && !current)
		}

		rec := &ledgerRecord{sums: map[saleKey]saleSum{}}
		ws := &workers{t: t, dsn: b.DSN, cmds: make([]*exec.Cmd, 2)}
		ws.start(0)
		ws.start(1)
		done := make(chan struct{})
		chaosDone := make(chan struct{})
		chaosRng := rand.New(rand.NewPCG(rng.Uint64(), 1))
		go func() { ws.chaos(done, chaosRng); close(chaosDone) }()
		defer func() {
			ws.mu.Lock()
			defer ws.mu.Unlock()
			for i := range ws.cmds {
				ws.stop(i, syscall.SIGKILL)
			}
		}()

		tokens := map[string]string{}
		for _, by := range buyers {
			tokens[by.name] = c.token(t, by.name)
		}
		supplierTok := map[int64]string{c.supA.ID: c.token(t, model.RoleSupplier), c.supB.ID: c.token(t, "supplier_b")}
		var keyMu sync.Mutex
		key := func() string {
			keyMu.Lock()
			defer keyMu.Unlock()
			c.keys++
			return fmt.Sprintf("rec-%d", c.keys)
		}
		call := func(method, target, token, body string, hdr map[string]string, want int) []byte {
			res := c.h.do(t, withHeaders(newRequest(method, target, token, body), hdr), false)
			if res.Status != want {
				t.Errorf("%s %s: %d %s, want %d", method, target, res.Status, res.Body, want)
				return nil
			}
			return res.Body
		}
		type part struct {
			k     saleKey
			cents int64
		}
		type pendingReturn struct {
			id      int64
			parts   []part // what the approval takes back, the period set then
			approve bool
		}
		takeBack := func(r pendingReturn, period int) {
			for _, p := range r.parts {
				k := p.k
				k.period = period
				rec.add(k, -p.cents, 0)
			}
		}
		var deferred []pendingReturn
		today := time.Now().In(model.China)
		phases := []time.Time{today.AddDate(0, 0, -62), today.AddDate(0, 0, -31), today}
		for phase, now := range phases {
			c.h.orders.SetClock(func() time.Time { return now })
			period := model.Period(now)
			var next []pendingReturn
			var nextMu sync.Mutex
			jobs := make(chan int)
			var wg sync.WaitGroup
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for job := range jobs {
						// each order draws from its own stream: the same seed, the same orders
						rng := rand.New(rand.NewPCG(seed, uint64(phase)<<32|uint64(job)))
						by := buyers[rng.IntN(len(buyers))]
						var picked []goods
						if rng.IntN(3) == 0 { // two or three lines, one supplier's goods
							for _, i := range rng.Perm(len(supplierA))[:2+rng.IntN(2)] {
								picked = append(picked, supplierA[i])
							}
						} else {
							picked = []goods{products[rng.IntN(len(products))]}
						}
						qty := map[int64]int64{}
						var lines []map[string]int64
						for _, gd := range picked {
							qty[gd.sku] = int64(1 + rng.IntN(5))
							lines = append(lines, map[string]int64{"sku_id": gd.sku, "quantity": qty[gd.sku]})
						}
						tok := tokens[by.name]
						body := call(http.MethodPost, v1+"/orders", tok, jsonBody(map[string]any{"lines": lines}),
							map[string]string{"Idempotency-Key": key()}, http.StatusCreated)
						var o struct {
							ID         int64  `json:"id"`
							Status     string `json:"status"`
							SupplierID int64  `json:"supplier_id"`
							Lines      []struct {
								ID    int64 `json:"id"`
								SKUID int64 `json:"sku_id"`
							} `json:"lines"`
						}
						if body == nil || json.Unmarshal(body, &o) != nil {
							continue
						}
						if len(o.Lines) != len(picked) {
							t.Errorf("order %d has %d lines, %d asked for", o.ID, len(o.Lines), len(picked))
							continue
						}
						if rng.IntN(7) == 0 {
							call(http.MethodPost, path(v1+"/orders", o.ID, "cancel"), tok, `{"reason":"不要了"}`, nil, http.StatusOK)
							continue
						}
						if o.Status == model.OrderPendingPayment {
							call(http.MethodPost, path(v1+"/orders", o.ID, "pay"), tok, "{}",
								map[string]string{"Idempotency-Key": key()}, http.StatusOK)
						}
						if rng.IntN(10) == 0 { // cancelled after payment: refunded, never credited
							call(http.MethodPost, path(v1+"/orders", o.ID, "cancel"), tok, "", nil, http.StatusOK)
							continue
						}
						call(http.MethodPost, path(v1+"/orders", o.ID, "ship"), supplierTok[o.SupplierID],
							`{"carrier":"邮政","tracking_no":"YZ1"}`, nil, http.StatusOK)
						// the ledger walks the lines in id order
						slices.SortFunc(o.Lines, func(a, b struct {
							ID    int64 `json:"id"`
							SKUID int64 `json:"sku_id"`
						}) int {
							return int(a.ID - b.ID)
						})
						goodsOf := map[int64]goods{}
						for _, gd := range picked {
							goodsOf[gd.sku] = gd
						}
						type sold struct {
							line, received int64
							k              saleKey
						}
						var sales []sold
						var accepted []map[string]int64
						for _, ln := range o.Lines {
							gd := goodsOf[ln.SKUID]
							received := qty[ln.SKUID]
							if rng.IntN(3) == 0 {
								received = rng.Int64N(received + 1)
							}
							accepted = append(accepted, map[string]int64{"line_id": ln.ID, "received_quantity": received})
							pairing, reason := expect(by, gd, phase == len(phases)-1)
							sales = append(sales, sold{ln.ID, received, saleKey{period: period, pairing: pairing, reason: reason,
								kind: by.kind, channel: by.channel, certified: certified(gd, phase == len(phases)-1), org: by.org,
								region: by.region, origin: gd.origin}})
						}
						if call(http.MethodPost, path(v1+"/orders", o.ID, "accept"), tok, jsonBody(map[string]any{"lines": accepted}),
							nil, http.StatusOK) == nil {
							continue
						}
						// the order counts once: on its first credited line received, else its first line received
						counted := -1
						for i, sl := range sales {
							if sl.received > 0 && (counted < 0 || sales[counted].k.pairing == 0 && sl.k.pairing != 0) {
								counted = i
							}
						}
						var returned []map[string]int64
						var pr pendingReturn
						for i, sl := range sales {
							if sl.received == 0 {
								continue
							}
							rec.add(sl.k, sl.received*c.price, map[bool]int64{true: 1}[i == counted])
							if rng.IntN(4) == 0 {
								q := 1 + rng.Int64N(sl.received)
								returned = append(returned, map[string]int64{"line_id": sl.line, "quantity": q})
								pr.parts = append(pr.parts, part{sl.k, q * c.price})
							}
						}
						if len(returned) == 0 {
							continue
						}
						body = call(http.MethodPost, path(v1+"/orders", o.ID, "returns"), tok, jsonBody(map[string]any{
							"reason": "quality", "lines": returned}), nil, http.StatusCreated)
						var ret struct {
							ID int64 `json:"id"`
						}
						if body == nil || json.Unmarshal(body, &ret) != nil {
							continue
						}
						pr.id, pr.approve = ret.ID, rng.IntN(4) > 0
						switch rng.IntN(3) {
						case 0: // decided next month
							nextMu.Lock()
							next = append(next, pr)
							nextMu.Unlock()
						default:
							decide(t, c, call, supplierTok, pr.id, pr.approve)
							if pr.approve {
								takeBack(pr, period)
							}
						}
					}
				}()
			}
			for i := 0; i < perPhase; i++ {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			for _, r := range deferred {
				decide(t, c, call, supplierTok, r.id, r.approve)
				if r.approve {
					takeBack(r, period)
				}
			}
			deferred = next
			rec.orders += perPhase
		}
		// decide the last returns as the final month ends
		for _, r := range deferred {
			decide(t, c, call, supplierTok, r.id, r.approve)
			if r.approve {
				takeBack(r, model.Period(phases[len(phases)-1]))
			}
		}

		// stop the chaos, let both workers finish the feed
		close(done)
		<-chaosDone
		ws.mu.Lock()
		for i, cmd := range ws.cmds {
			if cmd == nil {
				ws.start(i)
			}
		}
		ws.mu.Unlock()
		deadline := time.Now().Add(60 * time.Second)
		for {
			var n int
			if err := c.h.store.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM credit_pending").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d entries still pending a minute after the load", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		ws.mu.Lock()
		for i := range ws.cmds {
			ws.stop(i, syscall.SIGTERM)
		}
		kills := ws.kill
		ws.mu.Unlock()

		// the test's record = the ledger, by SQL, on every key, cents and orders
		rows, err := c.h.store.DB().QueryContext(ctx, `SELECT period, COALESCE(pairing_id, 0), reason, kind, channel,
			certified, COALESCE(buyer_org_id, 0), buyer_region, origin_code, SUM(amount_cents), SUM(orders) FROM credits
			GROUP BY period, COALESCE(pairing_id, 0), reason, kind, channel, certified, COALESCE(buyer_org_id, 0),
			buyer_region, origin_code`)
		if err != nil {
			t.Fatal(err)
		}
		ledger := map[saleKey]saleSum{}
		for rows.Next() {
			var k saleKey
			var v saleSum
			if err := rows.Scan(&k.period, &k.pairing, &k.reason, &k.kind, &k.channel, &k.certified, &k.org, &k.region,
				&k.origin, &v.cents, &v.orders); err != nil {
				t.Fatal(err)
			}
			ledger[k] = v
		}
		rows.Close()
		var total, credited, orders int64
		for k, v := range rec.sums {
			if ledger[k] != v {
				t.Errorf("%+v: ledger %+v, the test's record %+v", k, ledger[k], v)
			}
			total += v.cents
			orders += v.orders
			if k.pairing != 0 {
				credited += v.cents
			}
		}
		for k, v := range ledger {
			if _, ok := rec.sums[k]; !ok && v != (saleSum{}) {
				t.Errorf("%+v: ledger %+v, the test's record nothing", k, v)
			}
		}
		// every rollup = the ledger (pairings, areas = districts × origins,
		// orgs and subtrees, by month and by year, cents and orders)
		checkRollups(t, c.h)
		// and every rollup row = the test's record, cents and orders
		want := map[string]string{}
		addTo := func(key string, vals ...int64) {
			var old []int64
			if s, ok := want[key]; ok {
				for _, f := range strings.Split(s, ",") {
					n, _ := strconv.ParseInt(f, 10, 64)
					old = append(old, n)
				}
			} else {
				old = make([]int64, len(vals))
			}
			var out []string
			for i, v := range vals {
				out = append(out, strconv.FormatInt(old[i]+v, 10))
			}
			want[key] = strings.Join(out, ",")
		}
		for k, v := range rec.sums {
			var cert, cred int64
			if k.certified {
				cert = v.cents
			}
			if k.pairing != 0 {
				cred = v.cents
			}
			for _, per := range []int{k.period, k.period / 100 * 100} {
				addTo(fmt.Sprintf("pairings %d|%d|%s|%s|%s", per, k.pairing, k.reason, k.kind, k.channel), v.cents, v.orders)
				addTo(fmt.Sprintf("areas %d|%d|%s|%s|%s|%s", per, k.pairing, k.reason, k.kind, k.region, k.origin), v.cents, v.orders)
				for _, id := range chains[k.org] {
					if id == k.org {
						addTo(fmt.Sprintf("orgs %d|%d", per, id), v.cents, cert, cred, v.cents, cert, cred)
					} else {
						addTo(fmt.Sprintf("orgs %d|%d", per, id), 0, 0, 0, v.cents, cert, cred)
					}
				}
			}
		}
		got := rollupRows(t, c.h)
		for k, v := range want {
			if strings.Trim(v, "0,") == "" {
				v = ""
			}
			if got[k] != v {
				t.Errorf("rollup %s: %q, the test's record %q", k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("rollup %s: %q, the test's record nothing", k, v)
			}
		}
		// the breakdowns by origin and by channel, as an official reads them
		// over the whole test, = the test's record
		byOrigin, byChannel := map[string][2]int64{}, map[string][2]int64{}
		for k, v := range rec.sums {
			var credited int64
			if k.pairing != 0 {
				credited = v.cents
			}
			for _, by := range []struct {
				m   map[string][2]int64
				key string
			}{{byOrigin, k.origin}, {byChannel, k.channel}} {
				x := by.m[by.key]
				by.m[by.key] = [2]int64{x[0] + v.cents, x[1] + credited}
			}
		}
		admin := c.token(t, model.RoleAdmin)
		rangeQ := fmt.Sprintf("from=%s&to=%s", phases[0].Format("2006-01"), phases[len(phases)-1].Format("2006-01"))
		for _, tc := range []struct {
			route, table string
			want         map[string][2]int64
		}{{"origins", model.FacetOrigin, byOrigin}, {"channels", model.FacetChannel, byChannel}} {
			body := call(http.MethodGet, v1+"/stats/"+tc.route+"?"+rangeQ, admin, "", nil, http.StatusOK)
			var rep struct {
				Tables map[string][]struct {
					Code          string `json:"code"`
					SalesCents    int64  `json:"sales_cents"`
					CreditedCents int64  `json:"credited_cents"`
				} `json:"tables"`
			}
			if err := json.Unmarshal(body, &rep); err != nil {
				t.Fatal(err)
			}
			got := map[string][2]int64{}
			for _, r := range rep.Tables[tc.table] {
				got[r.Code] = [2]int64{r.SalesCents, r.CreditedCents}
			}
			for k, v := range tc.want {
				if v != ([2]int64{}) && got[k] != v {
					t.Errorf("/stats/%s %s: %v (sales, credited), the test's record %v", tc.route, k, got[k], v)
				}
			}
			for k, v := range got {
				if _, ok := tc.want[k]; !ok {
					t.Errorf("/stats/%s %s: %v, the test's record nothing", tc.route, k, v)
				}
			}
		}
		if orders == 0 || credited == 0 {
			t.Errorf("the test accepted %d orders (%d cents credited): it proved nothing", orders, credited)
		}
		t.Logf("%d orders (%d counted), %d cents accepted net of returns (%d credited), %d worker kills",
			rec.orders, orders, total, credited, kills)
		if kills == 0 {
			t.Errorf("no worker was killed: the test proved nothing about crashes")
		}
	})
}

// decide approves or rejects a return as the order's supplier.
func decide(t *testing.T, c *creditWorld, call func(method, target, token, body string, hdr map[string]string, want int) []byte,
	supplierTok map[int64]string, id int64, approve bool) {
	ret, err := c.h.store.Return(context.Background(), id)
	if err != nil {
		t.Error(err)
		return
	}
	o, err := c.h.store.Order(context.Background(), ret.OrderID)
	if err != nil {
		t.Error(err)
		return
	}
	if approve {
		call(http.MethodPost, path(v1+"/returns", id, "approve"), supplierTok[o.SupplierID], "", nil, http.StatusOK)
	} else {
		call(http.MethodPost, path(v1+"/returns", id, "reject"), supplierTok[o.SupplierID], `{"note":"完好无损"}`, nil, http.StatusOK)
	}
}

// rollupRows reads every rollup row by SQL as "table key" → "values",
// leaving out rows of zeros.
func rollupRows(t *testing.T, h *harness) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []struct{ name, table, keys, vals string }{
		{"pairings", "rollup_pairings", "period, pairing_id, reason, kind, channel", "cents, orders"},
		{"areas", "rollup_areas", "period, pairing_id, reason, kind, buyer_region, origin_code", "cents, orders"},
		{"orgs", "rollup_orgs", "period, org_id",
			"cents, certified_cents, credited_cents, subtree_cents, subtree_certified_cents, subtree_credited_cents"},
	} {
		nk, nv := len(strings.Split(q.keys, ",")), len(strings.Split(q.vals, ","))
		rows, err := h.store.DB().Query("SELECT " + q.keys + ", " + q.vals + " FROM " + q.table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			cols := make([]string, nk+nv)
			dst := make([]any, len(cols))
			for i := range cols {
				dst[i] = &cols[i]
			}
			if err := rows.Scan(dst...); err != nil {
				t.Fatal(err)
			}
			if vals := strings.Join(cols[nk:], ","); strings.Trim(vals, "0,") != "" {
				out[q.name+" "+strings.Join(cols[:nk], "|")] = vals
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}
