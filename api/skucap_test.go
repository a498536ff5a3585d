package api_test

// The per-user SKU cap (SHANHAI_SKU_CAP) under concurrency: one user's
// orders placed at once through several replicas, on one MariaDB server
// and on three Galera nodes, where a row lock holds only on its node and
// the cap must be decided by the user's holding row that every placement
// writes.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

// TestSKUCapReplicas: one consumer sends twelve one-unit orders of a SKU
// at once, spread over replicas (two stores on MariaDB, one per node on
// Galera), with a cap of five: exactly five are placed, the others are 409
// sku_cap, and the user's holding and the SKU's reserved units are five.
func TestSKUCapReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		var others []storetest.Backend
		if b.Name == "mysql" {
			st2, err := store.Open(b.DSN, 4)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st2.Close() })
			others = append(others, storetest.Backend{Name: b.Name, DSN: b.DSN, Store: st2})
		}
		capRush(t, b, others)
	})
	if nodes, ok := storetest.Galera(t); ok {
		t.Run("galera", func(t *testing.T) { capRush(t, nodes[0], nodes[1:]) })
	}
}

// capRush: one user's orders at once over replicas on b and others; the
// cap of five lets exactly five through.
func capRush(t *testing.T, b storetest.Backend, others []storetest.Backend) {
	const capUnits, tries = 5, 12
	limits := testOrderLimits()
	limits.SKUCap, limits.HoldShare = capUnits, 100
	w := ordNewWorld(t, b, limits, nil)
	sku := holdSKU(t, w, 1000)
	engines := []http.Handler{w.h.engine}
	for _, o := range others {
		engines = append(engines, newHarness(t, o, withOrders(nil, limits)).engine)
	}
	token := w.token(t, model.RoleConsumer)
	type answer struct {
		code int
		body []byte
	}
	answers := make([]answer, tries)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req := newRequest(http.MethodPost, v1+"/orders", token, ordLines(sku, 1))
			req.Header.Set("Idempotency-Key", fmt.Sprintf("cap-%d", i))
			rec := httptest.NewRecorder()
			engines[i%len(engines)].ServeHTTP(rec, req)
			answers[i] = answer{rec.Code, rec.Body.Bytes()}
		}()
	}
	close(start)
	wg.Wait()
	placed := 0
	for i, a := range answers {
		switch {
		case a.code == http.StatusCreated:
			placed++
		case a.code == http.StatusConflict && decode[errorBody](t, response{Status: a.code, Body: a.body}).Error.Code == "sku_cap":
		default:
			t.Errorf("order %d: %d %s", i, a.code, truncate(a.body))
		}
	}
	if placed != capUnits {
		t.Errorf("%d one-unit orders placed under a cap of %d", placed, capUnits)
	}
	user := w.users[model.RoleConsumer].ID
	if got := queryOne[int64](t, w.h, "SELECT COALESCE(SUM(units), 0) FROM user_holds WHERE user_id = ? AND sku_id = ?", user, sku); got != int64(placed) {
		t.Errorf("the user holds %d, want %d", got, placed)
	}
	if n := queryOne[int64](t, w.h, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.user_id = ? AND l.sku_id = ?`, user, sku); n != int64(placed) {
		t.Errorf("%d units stored in the user's orders, %d placed", n, placed)
	}
	ordWantStock(t, w.h, sku, 1000, int64(placed))
}
