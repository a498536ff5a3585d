package api_test

// The per-user SKU cap (SHANHAI_SKU_CAP) under concurrency: one user's
// orders placed at once through several replicas, on one MariaDB server
// and on three Galera nodes, where a row lock holds only on its node and
// the cap must be decided by the user's holding row that every placement
// writes.

import (
	"net/http"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// TestSKUCapReplicas: one user sends twelve one-unit orders of a SKU at
// once, spread over replicas (two stores on MariaDB, one per node on
// Galera), with a cap of five: exactly five are placed, the others are 409
// sku_cap, and the user's holding and the SKU's reserved units are five —
// for a consumer (its buyer row is its cap's) and for an org's buyer (a
// user row of its own).
func TestSKUCapReplicas(t *testing.T) {
	acrossReplicas(t, capRush)
}

// capRush: a consumer's orders at once over replicas on b and others, then
// an org buyer's; the cap of five lets exactly five of each through.
func capRush(t *testing.T, b storetest.Backend, others []storetest.Backend) {
	const capUnits, tries = 5, 12
	limits := testOrderLimits()
	limits.SKUCap, limits.HoldShare = capUnits, 100
	w := ordNewWorld(t, b, limits, nil)
	sku := holdSKU(t, w, 1000)
	engines := replicaEngines(t, w.h, others, limits)
	for _, u := range []struct {
		name, held string // the holding row the cap reads
	}{
		{model.RoleConsumer, "SELECT COALESCE(SUM(units), 0) FROM buyer_holds WHERE holder = CONCAT('u', ?) AND sku_id = ?"},
		{"market_buyer", "SELECT COALESCE(SUM(units), 0) FROM user_holds WHERE user_id = ? AND sku_id = ?"},
	} {
		tokens := make([]string, tries)
		for i := range tokens {
			tokens[i] = w.token(t, u.name)
		}
		answers := placeAtOnce(engines, tokens, "cap-"+u.name, func(int) string { return ordLines(sku, 1) })
		placed := 0
		for i, a := range answers {
			switch {
			case a.Status == http.StatusCreated:
				placed++
			case a.Status == http.StatusConflict && decode[errorBody](t, a).Error.Code == "sku_cap":
			default:
				t.Errorf("%s: order %d: %d %s", u.name, i, a.Status, truncate(a.Body))
			}
		}
		if placed != capUnits {
			t.Errorf("%s: %d one-unit orders placed under a cap of %d", u.name, placed, capUnits)
		}
		user := queryOne[int64](t, w.h, "SELECT id FROM users WHERE username = ?", u.name)
		if got := queryOne[int64](t, w.h, u.held, user, sku); got != int64(placed) {
			t.Errorf("%s holds %d, want %d", u.name, got, placed)
		}
		if n := queryOne[int64](t, w.h, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
			WHERE o.user_id = ? AND l.sku_id = ?`, user, sku); n != int64(placed) {
			t.Errorf("%d units stored in %s's orders, %d placed", n, u.name, placed)
		}
	}
	ordWantStock(t, w.h, sku, 1000, 2*capUnits)
}
