package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"shanhai/scripts/bench"
)

// line is one line of an order request.
type line struct {
	SKUID    int64 `json:"sku_id"`
	Quantity int64 `json:"quantity"`
}

// outcome of one order attempt.
type outcome int

const (
	placed  outcome = iota // 201, or the ceiling's commit
	soldOut                // 409 out_of_stock
	failed                 // anything else
)

// placer places one order for buyer (an index into the dataset's users).
type placer interface {
	place(ctx context.Context, buyer int, key string, lines []line) (outcome, string)
}

// httpPlacer is the real server: POST /api/v1/orders as each buyer.
type httpPlacer struct {
	client *http.Client
	url    string
	auth   []string // "Bearer <token>" per buyer
}

func (h *httpPlacer) place(ctx context.Context, buyer int, key string, lines []line) (outcome, string) {
	body, _ := json.Marshal(struct {
		Lines []line `json:"lines"`
	}{lines})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return failed, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", h.auth[buyer])
	req.Header.Set("Idempotency-Key", key)
	resp, err := h.client.Do(req)
	if err != nil {
		return failed, bench.ShortError(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return failed, "reading body: " + err.Error()
	}
	if resp.StatusCode == http.StatusCreated {
		// What the client was told: an order waiting for payment.
		var o struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Lines  []struct {
				SKUID int64 `json:"sku_id"`
			} `json:"lines"`
		}
		if err := json.Unmarshal(b, &o); err != nil || o.ID < 1 || o.Status != "pending_payment" || len(o.Lines) != len(lines) {
			return failed, fmt.Sprintf("201 with an unexpected body: %.120s", b)
		}
		return placed, ""
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(b, &e)
	if resp.StatusCode == http.StatusConflict && e.Error.Code == "out_of_stock" {
		return soldOut, ""
	}
	return failed, fmt.Sprintf("HTTP %d %s", resp.StatusCode, e.Error.Code)
}

// login gets a token for the first n consumers, a few at a time.
func login(ctx context.Context, client *http.Client, base string, d *dataset, n int) ([]string, error) {
	auth := make([]string, min(n, len(d.usernames)))
	err := bench.Each(ctx, len(auth), 8, func(i int) error {
		tok, err := loginOne(ctx, client, base, d.usernames[i])
		if err != nil {
			return err
		}
		auth[i] = "Bearer " + tok
		return nil
	})
	return auth, err
}

func loginOne(ctx context.Context, client *http.Client, base, username string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Token == "" {
		return "", fmt.Errorf("login %s: HTTP %d %.200s", username, resp.StatusCode, b)
	}
	return out.Token, nil
}

// load is what a run asks for.
type load struct {
	buyers           int
	pick             func(rng *rand.Rand, buf []line) []line
	warmup, duration time.Duration
	// sellOut: no clock; each buyer orders until told out_of_stock, which is
	// then expected rather than an error.
	sellOut bool
	cpu     []cpuSource // whose CPU time to sample over the measured window
}

// threeLines: 3 distinct SKUs of one random supplier (an order holds one
// supplier's goods), 1 to 3 units each, in random order.
func threeLines(d *dataset) func(*rand.Rand, []line) []line {
	return func(rng *rand.Rand, buf []line) []line {
		ids := d.bySupplier[rng.IntN(len(d.bySupplier))]
		buf = buf[:0]
	next:
		for len(buf) < 3 {
			id := ids[rng.IntN(len(ids))]
			for _, l := range buf {
				if l.SKUID == id {
					continue next
				}
			}
			buf = append(buf, line{SKUID: id, Quantity: 1 + rng.Int64N(3)})
		}
		return buf
	}
}

// oneUnit: one line, one unit of sku.
func oneUnit(sku int64) func(*rand.Rand, []line) []line {
	return func(_ *rand.Rand, buf []line) []line { return append(buf[:0], line{SKUID: sku, Quantity: 1}) }
}

// result is one run's measurements and what the placer told it.
type result struct {
	placed  int             // orders placed in the measured window (sell-out: in the whole run)
	soldOut int             // 409 out_of_stock, whole run
	errors  int             // failures, whole run (a 409 out_of_stock is one unless the run sells out)
	reasons map[string]int  // failures by kind
	elapsed time.Duration   // measured window (sell-out: start to the last buyer's refusal)
	lat     bench.Latencies // every request of the measured window, sorted

	told      map[int64]int64 // units per SKU of every order placed, warm-up included
	orders    int             // every order placed, warm-up included
	lines     int             // their lines
	premature int             // sell-out: refusals answered before another order of the SKU was even sent
	check     *checkResult
	cpu       cpuUse // CPU time by source over the measured window
	cpuSrcs   []cpuSource
}

func (r *result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.placed) / r.elapsed.Seconds()
}

type worker struct {
	lat                   []time.Duration
	placed, orders, lines int
	soldOut, errors       int
	reasons               map[string]int
	told                  map[int64]int64
	last                  time.Time
	lastPlacedSent        time.Time   // sell-out: when the worker's last successful order was sent
	refusedAt             []time.Time // sell-out: when its out_of_stock answers arrived
}

// drive runs l.buyers concurrent buyers against p, each as its own consumer,
// every request with a fresh Idempotency-Key.
func drive(ctx context.Context, name string, p placer, l load) (*result, error) {
	prefix := bench.RandomHex(4)
	start := time.Now()
	from := start.Add(l.warmup)
	until := from.Add(l.duration)
	if l.sellOut {
		from, until = start, start.Add(5*time.Minute) // a safety stop only
		bench.Logf("%-28s %d buyers, one unit each until out_of_stock", name, l.buyers)
	} else {
		bench.Logf("%-28s %d buyers: warm-up %s, then %s measured", name, l.buyers, l.warmup, l.duration)
	}
	atFrom := make(chan cpuSample, 1)
	go func() {
		time.Sleep(time.Until(from))
		atFrom <- sampleCPU(l.cpu)
	}()
	workers := make([]worker, l.buyers)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.reasons, w.told = map[string]int{}, map[int64]int64{}
		rng := rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))
		buyer := i % numUsers
		wg.Go(func() {
			var buf []line
			keyBase := prefix + "-" + strconv.Itoa(i) + "-"
			for seq := 0; ctx.Err() == nil; seq++ {
				t0 := time.Now()
				if !t0.Before(until) {
					return
				}
				buf = l.pick(rng, buf)
				out, reason := p.place(ctx, buyer, keyBase+strconv.Itoa(seq), buf)
				t1 := time.Now()
				if ctx.Err() != nil {
					return
				}
				measured := !t0.Before(from)
				switch out {
				case placed:
					w.orders++
					w.lines += len(buf)
					for _, ln := range buf {
						w.told[ln.SKUID] += ln.Quantity
					}
					w.lastPlacedSent = t0
					if measured {
						w.placed++
					}
				case soldOut:
					w.soldOut++
					if !l.sellOut {
						w.errors++
						w.reasons["409 out_of_stock"]++
					}
				case failed:
					w.errors++
					w.reasons[reason]++
					if l.sellOut && w.errors >= 50 {
						return // a broken server: the sell-out reports FAIL rather than spin for minutes
					}
				}
				if measured {
					w.lat = append(w.lat, t1.Sub(t0))
					w.last = t1
				}
				if l.sellOut && out == soldOut {
					w.refusedAt = append(w.refusedAt, t1)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cpu := sampleCPU(l.cpu).since(<-atFrom)

	r := &result{reasons: map[string]int{}, told: map[int64]int64{}, cpu: cpu, cpuSrcs: l.cpu}
	last := until
	if l.sellOut {
		last = start
	}
	var lastPlacedSent time.Time
	for i := range workers {
		w := &workers[i]
		r.placed += w.placed
		r.orders += w.orders
		r.lines += w.lines
		r.soldOut += w.soldOut
		r.errors += w.errors
		for k, v := range w.reasons {
			r.reasons[k] += v
		}
		for k, v := range w.told {
			r.told[k] += v
		}
		r.lat = append(r.lat, w.lat...)
		if w.last.After(last) {
			last = w.last
		}
		if w.lastPlacedSent.After(lastPlacedSent) {
			lastPlacedSent = w.lastPlacedSent
		}
	}
	if l.sellOut {
		// A refusal that arrived before another order was sent and then
		// placed means a buyer was told "sold out" while units were left.
		for i := range workers {
			for _, t := range workers[i].refusedAt {
				if t.Before(lastPlacedSent) {
					r.premature++
				}
			}
		}
	}
	slices.Sort(r.lat)
	r.elapsed = last.Sub(from)
	bench.Logf("%-28s %8.0f orders/s  p50 %s  p99 %s  errors %d  (%d orders, %d out_of_stock)  CPU/order %s",
		name, r.rate(), ms(r.lat.Pct(50)), ms(r.lat.Pct(99)), r.errors, r.orders, r.soldOut, r.cpu.perOrder(r.cpuSrcs, r.placed))
	if r.errors > 0 {
		bench.Logf("%-28s errors: %s", name, bench.Reasons(r.reasons))
	}
	return r, nil
}

func ms(d time.Duration) string { return bench.Ms(d, 1) }

// clone is a copy of r that merging into does not change r.
func (r *result) clone() *result {
	c := *r
	c.reasons, c.told, c.cpu = maps.Clone(r.reasons), maps.Clone(r.told), maps.Clone(r.cpu)
	c.lat = slices.Clone(r.lat)
	return &c
}

// merge adds the segment b to a (a nil a is b): a scenario's runner is
// measured in rounds and reported as one.
func merge(a, b *result) *result {
	if a == nil {
		return b
	}
	a.placed += b.placed
	a.soldOut += b.soldOut
	a.errors += b.errors
	for k, v := range b.reasons {
		a.reasons[k] += v
	}
	a.elapsed += b.elapsed
	a.lat = append(a.lat, b.lat...)
	slices.Sort(a.lat)
	for k, v := range b.told {
		a.told[k] += v
	}
	a.orders += b.orders
	a.lines += b.lines
	a.premature += b.premature
	for k, v := range b.cpu {
		a.cpu[k] += v
	}
	a.check = a.check.merge(b.check)
	return a
}
