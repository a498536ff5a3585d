package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// TestOrderTextAtLimits: text at its longest is stored, never a 500 from a
// column too short for it: a padded address or note is stored trimmed, and a
// return refused with the longest note still fits the order's history.
func TestOrderTextAtLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		g := w.orderGoods(t)

		// outside the document (maxLength counts the spaces), inside what the
		// service accepts once trimmed
		address, note := strings.Repeat("址", 300), strings.Repeat("注", 500)
		res := h.callBadWith(t, http.MethodPost, v1+"/orders", w.token(t, model.RoleConsumer), jsonBody(map[string]any{
			"lines": []map[string]int64{{"sku_id": g.skuA, "quantity": 1}}, "address": "  " + address + "  ",
			"note": " " + note + " "}), map[string]string{"Idempotency-Key": "text-limits"})
		wantStatus(t, res, http.StatusCreated)
		var placed struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(res.Body, &placed); err != nil {
			t.Fatal(err)
		}
		id := placed.ID
		if got := queryOne[string](t, h, "SELECT address FROM orders WHERE id = ?", id); got != address {
			t.Errorf("address stored as %q…, want it trimmed", got[:min(len(got), 12)])
		}
		if got := queryOne[string](t, h, "SELECT note FROM orders WHERE id = ?", id); got != note {
			t.Errorf("note stored as %q…, want it trimmed", got[:min(len(got), 12)])
		}

		o := w.seedOrderIn(t, model.RoleBuyer, g.skuA, model.OrderSettled)
		r := w.seedReturn(t, model.RoleBuyer, o)
		res = h.call(t, http.MethodPost, path(v1+"/returns", r.ID, "reject"), w.token(t, model.RoleSupplier),
			jsonBody(map[string]string{"note": strings.Repeat("退", 500)}))
		wantStatus(t, res, http.StatusOK)
		if got := queryOne[string](t, h, "SELECT status FROM returns WHERE id = ?", r.ID); got != model.ReturnRejected {
			t.Errorf("return status = %s, want rejected", got)
		}
	})
}
