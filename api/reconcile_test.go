package api_test

// The reconciliation test: thousands of random orders through the API with
// partial acceptances, returns and cancellations over three months, while
// rollup workers in two other processes are killed and restarted at random.
// The test keeps its own record of every sale; at the end its record, the
// ledger (by SQL) and every rollup must agree to the cent.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
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
	credit.New(st, nil).Run(ctx, 20*time.Millisecond)
	return 0
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

// sale is what the test expects an entry group to hold.
type saleKey struct {
	period         int
	pairing        int64
	reason, kind   string
	org            int64
	region, origin string
}

type ledgerRecord struct {
	mu     sync.Mutex
	sums   map[saleKey]int64
	orders int
}

func (r *ledgerRecord) add(k saleKey, cents int64) {
	r.mu.Lock()
	r.sums[k] += cents
	r.mu.Unlock()
}

func TestReconciliation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		perPhase := 700 // three phases: a few thousand orders on MySQL
		if b.Name == "sqlite" {
			perPhase = 80
		}
		if testing.Short() {
			perPhase = 40
		}
		c := newCreditWorld(t, b)
		ctx := context.Background()
		seed := uint64(time.Now().UnixNano())
		rng := rand.New(rand.NewPCG(seed, 7))
		t.Logf("seed %d (the orders are random; the kills and goroutine timing are not replayable)", seed)

		// who buys, and what the test expects each purchase to count for
		type buyerOf struct {
			name   string
			org    int64
			region string
			kind   string
		}
		buyers := []buyerOf{
			{"sy_buyer", c.child.ID, "330604", model.CreditDirect},
			{"kq_buyer", c.keqiaoCanteen.ID, "330603", model.CreditDirect},
			{"mk_buyer", c.keqiaoMarket.ID, "330603", model.CreditAssisted},
			{"employee", c.other.ID, "330603", model.CreditDirect},
			{"yc_resident", 0, "330602", model.CreditDirect},
			{"nowhere", 0, "", model.CreditDirect},
		}
		type goods struct {
			sku    int64
			origin string
			reason string // when not credited whatever the buyer
		}
		products := []goods{{c.jkh, "511113", ""}, {c.js, "330881", ""}, {c.expired, "511113", model.ReasonCertExpired},
			{c.revoked, "511113", model.ReasonCertRevoked}, {c.uncertified, "511113", model.ReasonUncertified}}
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

		rec := &ledgerRecord{sums: map[saleKey]int64{}}
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
		type pendingReturn struct {
			id, cents int64
			k         saleKey
			approve   bool
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
				go func(seed uint64) {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(seed, 3))
					for range jobs {
						by := buyers[rng.IntN(len(buyers))]
						gd := products[rng.IntN(len(products))]
						qty := int64(1 + rng.IntN(5))
						tok := tokens[by.name]
						body := call(http.MethodPost, v1+"/orders", tok, jsonBody(map[string]any{
							"lines": []map[string]int64{{"sku_id": gd.sku, "quantity": qty}}}),
							map[string]string{"Idempotency-Key": key()}, http.StatusCreated)
						var o struct {
							ID         int64  `json:"id"`
							Status     string `json:"status"`
							SupplierID int64  `json:"supplier_id"`
							Lines      []struct {
								ID int64 `json:"id"`
							} `json:"lines"`
						}
						if body == nil || json.Unmarshal(body, &o) != nil {
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
						received := qty
						if rng.IntN(3) == 0 {
							received = rng.Int64N(qty + 1)
						}
						if call(http.MethodPost, path(v1+"/orders", o.ID, "accept"), tok, jsonBody(map[string]any{
							"lines": []map[string]int64{{"line_id": o.Lines[0].ID, "received_quantity": received}}}),
							nil, http.StatusOK) == nil {
							continue
						}
						pairing, reason := expect(by, gd, phase == len(phases)-1)
						k := saleKey{period: period, pairing: pairing, reason: reason, kind: by.kind, org: by.org,
							region: by.region, origin: gd.origin}
						rec.add(k, received*c.price)
						if received == 0 || rng.IntN(3) > 0 {
							continue
						}
						q := 1 + rng.Int64N(received)
						body = call(http.MethodPost, path(v1+"/orders", o.ID, "returns"), tok, jsonBody(map[string]any{
							"reason": "quality", "lines": []map[string]int64{{"line_id": o.Lines[0].ID, "quantity": q}}}),
							nil, http.StatusCreated)
						var ret struct {
							ID int64 `json:"id"`
						}
						if body == nil || json.Unmarshal(body, &ret) != nil {
							continue
						}
						pr := pendingReturn{id: ret.ID, cents: q * c.price, k: k, approve: rng.IntN(4) > 0}
						switch rng.IntN(3) {
						case 0: // decided next month
							nextMu.Lock()
							next = append(next, pr)
							nextMu.Unlock()
						default:
							decide(t, c, call, supplierTok, pr.id, pr.approve)
							if pr.approve {
								k.period = period
								rec.add(k, -pr.cents)
							}
						}
					}
				}(rng.Uint64())
			}
			for i := 0; i < perPhase; i++ {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			for _, r := range deferred {
				decide(t, c, call, supplierTok, r.id, r.approve)
				if r.approve {
					k := r.k
					k.period = period
					rec.add(k, -r.cents)
				}
			}
			deferred = next
			rec.orders += perPhase
		}
		// decide the last returns as the final month ends
		for _, r := range deferred {
			decide(t, c, call, supplierTok, r.id, r.approve)
			if r.approve {
				k := r.k
				k.period = model.Period(phases[len(phases)-1])
				rec.add(k, -r.cents)
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

		// the test's record = the ledger, by SQL, on every key
		rows, err := c.h.store.DB().QueryContext(ctx, `SELECT period, COALESCE(pairing_id, 0), reason, kind,
			COALESCE(buyer_org_id, 0), buyer_region, origin_code, SUM(amount_cents) FROM credits
			GROUP BY period, COALESCE(pairing_id, 0), reason, kind, COALESCE(buyer_org_id, 0), buyer_region, origin_code`)
		if err != nil {
			t.Fatal(err)
		}
		ledger := map[saleKey]int64{}
		for rows.Next() {
			var k saleKey
			var v int64
			if err := rows.Scan(&k.period, &k.pairing, &k.reason, &k.kind, &k.org, &k.region, &k.origin, &v); err != nil {
				t.Fatal(err)
			}
			ledger[k] = v
		}
		rows.Close()
		var total, credited, notCredited int64
		for k, v := range rec.sums {
			if ledger[k] != v {
				t.Errorf("%+v: ledger %d, the test's record %d", k, ledger[k], v)
			}
			total += v
			if k.pairing != 0 {
				credited += v
			} else {
				notCredited += v
			}
		}
		for k, v := range ledger {
			if _, ok := rec.sums[k]; !ok && v != 0 {
				t.Errorf("%+v: ledger %d, the test's record nothing", k, v)
			}
		}
		// every rollup = the ledger (pairings, areas = districts × origins,
		// orgs and subtrees, by month and by year, cents and orders)
		checkRollups(t, c.h)
		// the year's rollups = the test's record, credited and not
		var rollCredited, rollNot int64
		for _, year := range []int{202600} {
			if err := c.h.store.DB().QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN pairing_id > 0 THEN cents ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN pairing_id = 0 THEN cents ELSE 0 END), 0) FROM rollup_pairings WHERE period = ?`, year).
				Scan(&rollCredited, &rollNot); err != nil {
				t.Fatal(err)
			}
		}
		if rollCredited != credited || rollNot != notCredited || credited+notCredited != total {
			t.Errorf("year rollups: credited %d + not credited %d; the test's record %d + %d = %d",
				rollCredited, rollNot, credited, notCredited, total)
		}
		t.Logf("%d orders, %d cents accepted net of returns (%d credited), %d worker kills", rec.orders, total, credited, kills)
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
