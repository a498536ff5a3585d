package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/order"
)

// TestReferenceLists: the buyer sectors (五进) and sales-point types (五专)
// start with the built-in codes; an admin adds one (audited), after which an
// org or a sales point may name it, its sales are named by it in the channel
// figures, and nobody else may add one.
func TestReferenceLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		admin := c.token(t, model.RoleAdmin)
		type refPage struct {
			Items []struct {
				Code string `json:"code"`
				Name string `json:"name"`
			} `json:"items"`
			Total    int `json:"total"`
			Page     int `json:"page"`
			PageSize int `json:"page_size"`
		}
		names := func(route string) map[string]string {
			res := c.h.get(t, v1+route)
			wantStatus(t, res, http.StatusOK)
			out := map[string]string{}
			for _, it := range decode[refPage](t, res).Items {
				out[it.Code] = it.Name
			}
			return out
		}
		if got := names("/sectors"); len(got) != 6 || got["hospital"] != "医院" || got["other"] != "其他" {
			t.Errorf("sectors: %v", got)
		}
		if got := names("/sales-point-types"); len(got) != 5 || got["remote_counter"] != "飞柜" {
			t.Errorf("sales-point types: %v", got)
		}

		// not yet listed: refused
		org := `{"name": "柯桥区福利院", "kind": "canteen", "region_code": "330603", "sector": "elderly"}`
		wantError(t, c.h.callBad(t, http.MethodPost, v1+"/admin/orgs", admin, org), http.StatusUnprocessableEntity, "invalid", "sector")
		c.addUser(t, &model.User{Username: "kq_admin", Role: model.RoleOrgAdmin, OrgID: &c.keqiaoCanteen.ID})
		points := path(v1+"/orgs", c.keqiaoCanteen.ID, "sales-points")
		point := `{"type": "mobile_cart", "name": "流动售卖车一号", "region_code": "330603"}`
		wantError(t, c.h.callBad(t, http.MethodPost, points, c.token(t, "kq_admin"), point), http.StatusUnprocessableEntity, "invalid", "type")

		// an admin adds them; others may not; codes are checked and unique
		wantError(t, c.h.call(t, http.MethodPost, v1+"/admin/sectors", c.token(t, model.RoleOfficer), `{"code": "elderly", "name": "养老机构"}`),
			http.StatusForbidden, "forbidden")
		res := c.h.call(t, http.MethodPost, v1+"/admin/sectors", admin, `{"code": "elderly", "name": " 养老机构 "}`)
		wantStatus(t, res, http.StatusCreated)
		if got := decode[struct{ Code, Name string }](t, res); got.Code != "elderly" || got.Name != "养老机构" {
			t.Errorf("created %+v", got)
		}
		wantError(t, c.h.call(t, http.MethodPost, v1+"/admin/sectors", admin, `{"code": "elderly", "name": "重复"}`),
			http.StatusUnprocessableEntity, "invalid", "code")
		wantError(t, c.h.callBad(t, http.MethodPost, v1+"/admin/sales-point-types", admin, `{"code": "Mobile Cart", "name": ""}`),
			http.StatusUnprocessableEntity, "invalid", "code", "name")
		wantStatus(t, c.h.call(t, http.MethodPost, v1+"/admin/sales-point-types", admin, `{"code": "mobile_cart", "name": "流动售卖车"}`),
			http.StatusCreated)
		if got := names("/sectors"); got["elderly"] != "养老机构" || len(got) != 7 {
			t.Errorf("sectors after: %v", got)
		}
		var audits int
		if err := c.h.store.DB().QueryRow("SELECT COUNT(*) FROM audits WHERE action IN ('sector.create', 'sales_point_type.create')").Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 2 {
			t.Errorf("%d audit rows, want 2", audits)
		}

		// now they are taken
		res = c.h.call(t, http.MethodPost, v1+"/admin/orgs", admin, org)
		wantStatus(t, res, http.StatusCreated)
		res = c.h.call(t, http.MethodPost, points, c.token(t, "kq_admin"), point)
		wantStatus(t, res, http.StatusCreated)
		var sp struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(res.Body, &sp); err != nil {
			t.Fatal(err)
		}
		// the sector of the canteen itself, so its sale carries both
		execSQL(t, c.h, "UPDATE orgs SET sector = 'elderly' WHERE id = ?", c.keqiaoCanteen.ID)
		o := c.buyFor(t, "kq_buyer", c.jkh, 2, 2, order.Delivery{SalesPointID: sp.ID})
		if e := c.only(t, o, 2*c.price); e.PointType != "mobile_cart" || e.Sector != "elderly" {
			t.Errorf("entry: point type %q, sector %q", e.PointType, e.Sector)
		}
		if _, err := c.h.ledger.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		res = c.h.call(t, http.MethodGet, v1+"/stats/channels?year="+itoa(int64(time.Now().In(model.China).Year())), admin, "")
		wantStatus(t, res, http.StatusOK)
		var body struct {
			Tables map[string][]struct {
				Code       string `json:"code"`
				Name       string `json:"name"`
				SalesCents int64  `json:"sales_cents"`
			} `json:"tables"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			t.Fatal(err)
		}
		found := 0
		for facet, want := range map[string]string{"point_type": "流动售卖车", "sector": "养老机构"} {
			for _, r := range body.Tables[facet] {
				if r.Name == want && r.SalesCents == 2*c.price {
					found++
				}
			}
		}
		if found != 2 {
			t.Errorf("channels do not name the new codes: %+v", body.Tables)
		}
	})
}
