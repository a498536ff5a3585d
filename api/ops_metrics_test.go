package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

// gauge reads one sample's value from a /metrics answer; ok false when absent.
func gauge(body []byte, sample string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`)
	m := re.FindSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	return v, err == nil
}

// The operators' figures: orders placed counted once each (a replay is not
// an order), the rollup backlog and the sweeper lag as the database has them,
// and the build.
func TestOperationsMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b, func(d *api.Deps, st *store.Store) {
			d.Ops = st
			d.Build = api.BuildInfo{Version: "v-test", Revision: "abc123"}
		})
		w := seedWorld(t, h)
		g := w.orderGoods(t)
		shopper := w.token(t, model.RoleConsumer)
		metrics := func() []byte { return h.get(t, "/metrics").Body }

		if v, ok := gauge(metrics(), `shanhai_sweeper_lag_seconds`); !ok || v != 0 {
			t.Errorf("sweeper lag with nothing overdue: %v %v, want 0", v, ok)
		}
		var orderID int64
		for i := 0; i < 2; i++ { // the second is a replay of the first
			res := h.callWith(t, http.MethodPost, v1+"/orders", shopper, ordLines(g.skuA, 1), ordKey("metrics-1"))
			if res.Status != http.StatusCreated {
				t.Fatalf("place: %d %s", res.Status, res.Body)
			}
			var o struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal(res.Body, &o); err != nil || o.ID == 0 {
				t.Fatalf("no order id in %s", res.Body)
			}
			orderID = o.ID
		}
		body := metrics()
		if v, _ := gauge(body, `shanhai_orders_placed_total{channel="app"}`); v != 1 {
			t.Errorf("orders placed = %v after one order and its replay, want 1", v)
		}
		if _, ok := gauge(body, `shanhai_build_info{go_version="`+goVersion(body)+`",revision="abc123",version="v-test"}`); !ok {
			t.Errorf("no build info in %s", body)
		}
		backlog, _ := gauge(body, "shanhai_rollup_backlog")
		if want := queryOne[int64](t, h, "SELECT COUNT(*) FROM credit_pending"); int64(backlog) != want {
			t.Errorf("rollup backlog %v, want %d (the database)", backlog, want)
		}

		// the order's payment deadline passed an hour ago and no timer ran
		execSQL(t, h, "UPDATE orders SET deadline_at = ? WHERE id = ?", time.Now().Add(-time.Hour).UTC(), orderID)
		if v, _ := gauge(metrics(), "shanhai_sweeper_lag_seconds"); v < 3600 || v > 3600+600 {
			t.Errorf("sweeper lag %v s, want about an hour", v)
		}
	})
}

var goVersionLabel = regexp.MustCompile(`shanhai_build_info\{go_version="([^"]+)"`)

func goVersion(body []byte) string {
	if m := goVersionLabel.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return "?"
}
