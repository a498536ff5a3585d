package api_test

// Clients that hang up while their order is being placed. Each placement's
// request context is cancelled after a random delay (from before the
// handler starts to after it ends), many times, several at once; then the
// same key is sent again by a client that waits. Afterwards, by SQL: every
// key placed exactly one whole order (its line, its reservation, its
// history, its key done) and the retry got that order back; stock reserved
// is exactly the units of the open lines; no key is left running; and the
// log holds no internal error nor any 5xx, only 499 for the clients that
// left. The real run is MariaDB (SHANHAI_TEST_MYSQL), where a cancelled
// context rolls back a transaction under its feet; SQLite runs it smaller.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store/storetest"
)

// lockedBuffer is a log sink many requests write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestOrderClientGone(t *testing.T) {
	logs := &lockedBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(api.LogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	t.Cleanup(func() { slog.SetDefault(prev) })

	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		attempts, workers := 600, 8
		if b.Name == "sqlite" {
			attempts, workers = 120, 4
		}
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		sku := w.orderGoods(t).skuA
		tok := w.token(t, model.RoleConsumer)
		consumer := w.users[model.RoleConsumer].ID
		onHand, reserved := concStock(t, h, sku)
		body := func(qty int64) string { return ordLines(sku, qty) }

		// How long one placement takes here: the cancellations spread
		// over twice that, so they land before, in and after it.
		var took []time.Duration
		for range 5 {
			start := time.Now()
			w.place(t, model.RoleConsumer, sku, 1)
			took = append(took, time.Since(start))
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		spread := 2 * took[len(took)/2]
		logs.mu.Lock()
		logs.b.Reset()
		logs.mu.Unlock()

		type attempt struct {
			key      string
			qty      int64
			first    concRes // the client that hung up (status 0: it left before any answer)
			retry    concRes
			firstID  int64
			retryID  int64
			canceled bool
		}
		as := concRun(attempts, workers, func(i int) attempt {
			a := attempt{key: "gone-" + b.Name + "-" + itoa(int64(i)), qty: int64(1 + i%3)}
			ctx, cancel := context.WithCancel(context.Background())
			delay := time.Duration(rand.Int64N(int64(spread)))
			timer := time.AfterFunc(delay, cancel)
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, v1+"/orders", strings.NewReader(body(a.qty)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Idempotency-Key", a.key)
			rec := httptest.NewRecorder()
			h.engine.ServeHTTP(rec, req)
			a.canceled = !timer.Stop()
			cancel()
			a.first = concRes{status: rec.Code, body: rec.Body.Bytes()}
			a.retry = concDo(h, http.MethodPost, v1+"/orders", tok, a.key, body(a.qty))
			if o, err := concDecode[concOrder](a.first); err == nil && a.first.status == http.StatusCreated {
				a.firstID = o.ID
			}
			if o, err := concDecode[concOrder](a.retry); err == nil && a.retry.status == http.StatusCreated {
				a.retryID = o.ID
			}
			return a
		})

		firsts := map[int]int{}
		canceled := 0
		want := map[string]int64{} // key → the order its retry got
		var units int64
		for _, a := range as {
			firsts[a.first.status]++
			if a.canceled {
				canceled++
			}
			switch a.first.status {
			case http.StatusCreated:
				if a.retryID != a.firstID {
					t.Errorf("key %s: placed order %d, the retry got order %d", a.key, a.firstID, a.retryID)
				}
			case api.StatusClientClosedRequest:
				if !a.canceled {
					t.Errorf("key %s: 499 for a client that had not left", a.key)
				}
			default:
				t.Errorf("key %s: first answer %d %s, want 201 or 499 (client gone)", a.key, a.first.status, truncate(a.first.body))
			}
			if a.retry.status != http.StatusCreated || a.retryID == 0 {
				t.Errorf("key %s: the retry got %d %s, want 201 with the order", a.key, a.retry.status, truncate(a.retry.body))
				continue
			}
			want[a.key] = a.retryID
			units += a.qty
		}
		t.Logf("%d placements cancelled within %s (%d before their answer): first answers %v", attempts, spread, canceled, firsts)
		if firsts[api.StatusClientClosedRequest] == 0 {
			t.Errorf("no placement was cut off (first answers %v): the test did not test anything", firsts)
		}

		// By SQL: each key is done and holds the one order its retry got,
		// whole.
		got := map[string]int64{}
		concRows(t, h, func(r *sql.Rows) error {
			var key, status string
			var result []byte
			if err := r.Scan(&key, &status, &result); err != nil {
				return err
			}
			if status != model.IdemDone {
				t.Errorf("key %s is %s, want done", key, status)
			}
			var o concOrder
			if err := json.Unmarshal(result, &o); err != nil {
				t.Errorf("key %s: stored result %s: %v", key, truncate(result), err)
			}
			got[key] = o.ID
			return nil
		}, "SELECT idem_key, status, body FROM idempotency_keys WHERE user_id = ? AND idem_key LIKE ?", consumer, "gone-%")
		for k, id := range want {
			if got[k] != id {
				t.Errorf("key %s: stored order %d, the retry got %d", k, got[k], id)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d keys stored, want %d", len(got), len(want))
		}
		ids := map[int64]bool{}
		for _, id := range want {
			ids[id] = true
		}
		var orders int
		concRows(t, h, func(r *sql.Rows) error {
			var id, lines, qty, events int64
			var status string
			if err := r.Scan(&id, &status, &lines, &qty, &events); err != nil {
				return err
			}
			orders++
			if !ids[id] {
				t.Errorf("order %d is stored but no key answered it", id)
			}
			if status != model.OrderPendingPayment || lines != 1 || qty < 1 || events != 1 {
				t.Errorf("order %d: %s with %d lines of %d units and %d events, want pending_payment, 1 line, its place event",
					id, status, lines, qty, events)
			}
			return nil
		}, `SELECT o.id, o.status,
				(SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id),
				(SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l WHERE l.order_id = o.id),
				(SELECT COUNT(*) FROM order_events e WHERE e.order_id = o.id)
			FROM orders o WHERE o.user_id = ? AND o.id > ?`,
			consumer, maxKeyOrder(t, h, consumer))
		if orders != len(want) {
			t.Errorf("%d orders stored by the cut-off placements, want %d", orders, len(want))
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM idempotency_keys WHERE status <> ?", model.IdemDone); n != 0 {
			t.Errorf("%d idempotency keys left running", n)
		}
		gotOnHand, gotReserved := concStock(t, h, sku)
		open := queryOne[int64](t, h, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
			WHERE l.sku_id = ? AND o.status IN ('pending_approval', 'pending_payment', 'awaiting_shipment')`, sku)
		if gotOnHand != onHand || gotReserved != open || gotReserved != reserved+5+units {
			t.Errorf("sku %d: on hand %d, reserved %d; want on hand %d, reserved %d (the open lines) = %d + 5 + %d placed",
				sku, gotOnHand, gotReserved, onHand, open, reserved, units)
		}

		// The log: nothing internal, no 5xx; the clients that left are 499s.
		var gone int
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec struct {
				Level  string `json:"level"`
				Msg    string `json:"msg"`
				Status int    `json:"status"`
			}
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			if rec.Level == "ERROR" || rec.Msg == "internal error" || rec.Status >= 500 {
				t.Errorf("log: %s", line)
			}
			if rec.Msg == "request" && rec.Status == api.StatusClientClosedRequest {
				gone++
			}
		}
		if gone != firsts[api.StatusClientClosedRequest] {
			t.Errorf("log: %d requests logged 499, the clients saw %d", gone, firsts[api.StatusClientClosedRequest])
		}
	})
}

// maxKeyOrder is the newest order of user placed before the cut-off
// placements (the five timed ones).
func maxKeyOrder(t *testing.T, h *harness, user int64) int64 {
	t.Helper()
	var id int64
	concRows(t, h, func(r *sql.Rows) error {
		var k string
		var body []byte
		if err := r.Scan(&k, &body); err != nil {
			return err
		}
		var o concOrder
		if json.Unmarshal(body, &o) == nil && o.ID > id {
			id = o.ID
		}
		return nil
	}, "SELECT idem_key, body FROM idempotency_keys WHERE user_id = ? AND idem_key NOT LIKE ?", user, "gone-%")
	return id
}
