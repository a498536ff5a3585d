package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/order"
)

// TestSalesPoints: an org_admin registers the org's sales points (五专); the
// org's buyers name one on an order, and the sale's credit entries carry its
// type; nobody else's order may name it.
func TestSalesPoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		c.addUser(t, &model.User{Username: "kq_admin", Role: model.RoleOrgAdmin, OrgID: &c.keqiaoCanteen.ID})
		points := path(v1+"/orgs", c.keqiaoCanteen.ID, "sales-points")
		admin := c.token(t, "kq_admin")
		res := c.h.call(t, http.MethodPost, points, admin, `{"type": "counter", "name": "门诊楼专柜", "region_code": "330603"}`)
		wantStatus(t, res, http.StatusCreated)
		sp := decode[struct {
			ID         int64  `json:"id"`
			OrgID      int64  `json:"org_id"`
			Type       string `json:"type"`
			Name       string `json:"name"`
			RegionCode string `json:"region_code"`
			CreatedAt  string `json:"created_at"`
		}](t, res)
		if sp.OrgID != c.keqiaoCanteen.ID || sp.Type != "counter" || sp.Name != "门诊楼专柜" {
			t.Errorf("sales point %+v", sp)
		}
		for _, tc := range []struct{ body, field string }{
			{`{"type": "counter", "name": "门诊楼专柜", "region_code": "330603"}`, "name"},
			{`{"type": "kiosk", "name": "自助柜", "region_code": "330603"}`, "type"},
			{`{"type": "zone", "name": "专区", "region_code": "999999"}`, "region_code"},
		} {
			wantError(t, c.h.callBad(t, http.MethodPost, points, admin, tc.body), http.StatusUnprocessableEntity, "invalid", tc.field)
		}
		// another org's org_admin does not see the org
		wantError(t, c.h.call(t, http.MethodPost, points, c.token(t, model.RoleOrgAdmin), `{"type": "zone", "name": "x", "region_code": "330603"}`),
			http.StatusNotFound, "not_found")
		res = c.h.call(t, http.MethodGet, points, c.token(t, "kq_buyer"), "")
		wantStatus(t, res, http.StatusOK)

		o := c.buyFor(t, "kq_buyer", c.jkh, 3, 3, order.Delivery{SalesPointID: sp.ID})
		e := c.only(t, o, 3*c.price)
		if e.PointType != "counter" || e.Sector == "" || e.Platform != model.PlatformMall || e.SupplierID != c.supA.ID {
			t.Errorf("entry: point type %q sector %q platform %q supplier %d", e.PointType, e.Sector, e.Platform, e.SupplierID)
		}
		// an order without one has none
		if e := c.only(t, c.buy(t, "kq_buyer", c.jkh, 1, 1), c.price); e.PointType != "" {
			t.Errorf("no sales point: point type %q", e.PointType)
		}
		// a consumer, or another org's buyer, cannot name it; nothing is placed
		before := queryOne[int64](t, c.h, "SELECT COUNT(*) FROM orders")
		for _, who := range []string{"employee", "sy_buyer"} {
			_, err := c.h.orders.Place(context.Background(), c.users[who], "sp-"+who,
				order.PlaceInput{Lines: []order.LineInput{{SKUID: c.jkh, Quantity: 1}}, Delivery: order.Delivery{SalesPointID: sp.ID}},
				func(*order.Placed) ([]byte, error) { return []byte("{}"), nil })
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalid) || len(me.Fields) != 1 || me.Fields[0].Field != "sales_point_id" {
				t.Errorf("%s names another org's sales point: %v", who, err)
			}
		}
		if after := queryOne[int64](t, c.h, "SELECT COUNT(*) FROM orders"); after != before {
			t.Errorf("orders %d → %d after refused placements", before, after)
		}
		if _, err := c.h.ledger.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, c.h)
		// the channel statistics show the sale under its sales-point type
		res = c.h.call(t, http.MethodGet, v1+"/stats/channels?year="+o.CreatedAt.In(model.China).Format("2006"), c.token(t, model.RoleAdmin), "")
		wantStatus(t, res, http.StatusOK)
		if want := fmt.Sprintf(`{"code":"counter","name":"专柜","sales_cents":%d,"credited_cents":%d,"orders":1}`, 3*c.price, 3*c.price); !strings.Contains(string(res.Body), want) {
			t.Errorf("channels: %s, want %s", truncate(res.Body), want)
		}
	})
}
