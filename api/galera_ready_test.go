package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"shanhai/api"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

// TestGaleraReady cuts one node of the three off from the others
// (gmcast.isolate: it leaves the cluster's primary component and refuses
// every query with error 1047) while three replicas, one per node, serve:
//   - the replica on the cut-off node fails /readyz (503, database
//     "unavailable"), though its database still answers a ping, and answers
//     503 unavailable to reads, logins-by-token and orders, never 500 or 401;
//   - the replicas on the other two nodes stay ready and keep selling;
//   - once the node is let back in, its replica is ready again and sees the
//     orders placed meanwhile.
func TestGaleraReady(t *testing.T) {
	nodes, ok := storetest.Galera(t)
	if !ok {
		t.Skip("SKIPPED: needs SHANHAI_TEST_GALERA (three node DSNs; scripts/galera/cluster.sh start)")
	}
	if len(nodes) < 3 {
		t.Fatalf("SHANHAI_TEST_GALERA names %d nodes, want 3", len(nodes))
	}
	limits := testOrderLimits()
	limits.RateOrders = 0
	replicas := make([]*harness, len(nodes))
	for i, b := range nodes {
		replicas[i] = newHarness(t, b, func(d *api.Deps, st *store.Store) {
			d.Orders = newOrders(st, nil, limits)
			d.Checks["database"] = st.Ready
		})
	}
	c := &concWorld{h: replicas[0], backend: "galera"}
	buyers := c.addConsumers(t, "galready", 2)
	_, skus := c.sku(t, 20)
	waitReplicated(t, replicas, "SELECT COUNT(*) FROM skus WHERE id = ?", skus[0])
	waitReplicated(t, replicas, "SELECT COUNT(*) FROM users WHERE username = ?", buyers[1].user.Username)
	body := jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": skus[0], "quantity": 1}}})

	for i, h := range replicas {
		if r := concDo(h, http.MethodGet, "/readyz", "", "", ""); r.status != http.StatusOK {
			t.Fatalf("replica %d before the cut: /readyz %d %s", i+1, r.status, r.body)
		}
	}

	cut := replicas[2]
	isolate := func(v int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := cut.store.DB().ExecContext(ctx, fmt.Sprintf("SET GLOBAL wsrep_provider_options='gmcast.isolate=%d'", v))
		return err
	}
	healed := false
	heal := func() {
		if healed {
			return
		}
		healed = true
		if err := isolate(0); err != nil {
			t.Errorf("heal node 3: %v", err)
			return
		}
		// wait for the node to be Synced again, so later tests find the
		// whole cluster
		deadline := time.Now().Add(60 * time.Second)
		for cut.store.Ready(context.Background()) != nil {
			if time.Now().After(deadline) {
				t.Errorf("node 3 not ready 60 s after it was let back in")
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Cleanup(heal)
	if err := isolate(1); err != nil {
		t.Fatalf("isolate node 3: %v", err)
	}

	// The node notices at once that it lost its peers; allow the view
	// change its timeouts.
	deadline := time.Now().Add(30 * time.Second)
	var r concRes
	for {
		r = concDo(cut, http.MethodGet, "/readyz", "", "", "")
		if r.status == http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(r.body, &ready); err != nil || r.status != http.StatusServiceUnavailable ||
		ready.Checks["database"] != "unavailable" {
		t.Fatalf("replica 3 on the cut-off node: /readyz %d %s, want 503 with database unavailable", r.status, r.body)
	}
	if err := cut.store.Ping(context.Background()); err != nil {
		t.Logf("note: the cut-off node does not answer a ping either: %v", err)
	}

	// The cut-off replica: 503 unavailable, never 500 (nor 401 for a token
	// it cannot look up).
	for _, q := range []struct{ method, target, token, key, body string }{
		{http.MethodGet, "/api/v1/products", "", "", ""},
		{http.MethodGet, fmt.Sprintf("/api/v1/products/%d", queryOne[int64](t, replicas[0], "SELECT product_id FROM skus WHERE id = ?", skus[0])), "", "", ""},
		{http.MethodGet, "/api/v1/orders", buyers[0].token, "", ""},
		{http.MethodPost, "/api/v1/orders", buyers[0].token, "galready-cut", body},
	} {
		r := concDo(cut, q.method, q.target, q.token, q.key, q.body)
		if r.status != http.StatusServiceUnavailable || r.code != "unavailable" {
			t.Errorf("replica 3 on the cut-off node: %s %s → %d %s, want 503 unavailable", q.method, q.target, r.status, r.body)
		}
	}

	// The other two keep selling.
	placed := map[int64]bool{}
	for i, h := range replicas[:2] {
		if r := concDo(h, http.MethodGet, "/readyz", "", "", ""); r.status != http.StatusOK {
			t.Fatalf("replica %d while node 3 is cut off: /readyz %d %s", i+1, r.status, r.body)
		}
		r := concDo(h, http.MethodPost, "/api/v1/orders", buyers[i].token, fmt.Sprintf("galready-%d", i), body)
		if r.status != http.StatusCreated {
			t.Fatalf("replica %d while node 3 is cut off: place → %d %s", i+1, r.status, r.body)
		}
		var o struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(r.body, &o); err != nil || o.ID == 0 {
			t.Fatalf("replica %d: order answer %s", i+1, r.body)
		}
		placed[o.ID] = true
	}

	heal()
	if r := concDo(cut, http.MethodGet, "/readyz", "", "", ""); r.status != http.StatusOK {
		t.Fatalf("replica 3 after the node is back: /readyz %d %s", r.status, r.body)
	}
	for id := range placed {
		if n := queryOneOn[int64](cut.store, "SELECT COUNT(*) FROM orders WHERE id = ?", id); n != 1 {
			t.Errorf("node 3 after it rejoined: order %d placed meanwhile on another node not there", id)
		}
	}
	if r := concDo(cut, http.MethodPost, "/api/v1/orders", buyers[0].token, "galready-after", body); r.status != http.StatusCreated {
		t.Errorf("replica 3 after the node is back: place → %d %s", r.status, r.body)
	}
}

// TestReadyWithoutGalera: off Galera (SQLite, one MariaDB server) the
// database readiness check is the ping it always was, and /readyz is 200.
func TestReadyWithoutGalera(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if err := b.Store.Ready(context.Background()); err != nil {
			t.Fatalf("Ready on %s: %v", b.Name, err)
		}
		h := newHarness(t, b, func(d *api.Deps, st *store.Store) { d.Checks["database"] = st.Ready })
		if r := h.get(t, "/readyz"); r.Status != http.StatusOK {
			t.Fatalf("/readyz on %s: %d %s", b.Name, r.Status, r.Body)
		}
	})
}
