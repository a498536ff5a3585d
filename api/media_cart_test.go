package api_test

// GET /cart as a client draws it: each line's product, spec, unit price now
// (tiers applied), available units, supplier and thumbnail, and a warning
// for a line that can no longer be had.

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

type cartLine struct {
	SKUID          int64       `json:"sku_id"`
	Quantity       int64       `json:"quantity"`
	ProductID      int64       `json:"product_id"`
	ProductName    string      `json:"product_name"`
	Spec           string      `json:"spec"`
	Unit           string      `json:"unit"`
	UnitPriceCents int64       `json:"unit_price_cents"`
	AmountCents    int64       `json:"amount_cents"`
	Available      int64       `json:"available"`
	PurchaseLimit  int64       `json:"purchase_limit"`
	Supplier       supplierRef `json:"supplier"`
	ThumbnailURL   string      `json:"thumbnail_url"`
	Warning        *string     `json:"warning"`
}

func TestCartView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		ctx := context.Background()
		shopper := w.token(t, "shopper")
		tea, err := h.store.SKU(ctx, w.tea)
		if err != nil {
			t.Fatal(err)
		}
		res := h.upload(t, w.token(t, model.RoleSupplier), tea.ProductID, testPNG(t, 50, 50, true))
		wantStatus(t, res, http.StatusCreated)
		img := decode[imageBody](t, res)
		// tea at 10 units (the tier price), scarce beyond its stock, an
		// off-sale SKU, a suspended supplier's, and the fruit untouched
		items := []model.CartItem{{SKUID: w.tea, Quantity: 10}, {SKUID: w.scarce, Quantity: 5},
			{SKUID: w.offSale, Quantity: 1}, {SKUID: w.suspended, Quantity: 1}, {SKUID: w.fruit, Quantity: 1}}
		// Items are taken as stored; PUT refuses off-sale SKUs, but a cart
		// holds what was on sale when it was filled.
		u := w.users["shopper"]
		if err := h.store.ReplaceCart(ctx, u.ID, items); err != nil {
			t.Fatal(err)
		}
		got := decode[ordCart](t, h.call(t, http.MethodGet, v1+"/cart", shopper, ""))
		if len(got.Lines) != len(items) || len(got.Items) != len(items) {
			t.Fatalf("cart: %d items, %d lines, want %d", len(got.Items), len(got.Lines), len(items))
		}
		by := map[int64]cartLine{}
		for i, l := range got.Lines {
			by[l.SKUID] = l
			if got.Items[i].SKUID != l.SKUID || got.Items[i].Quantity != l.Quantity {
				t.Errorf("line %d is not item %d", i, i)
			}
		}
		warn := func(l cartLine) string {
			if l.Warning == nil {
				return ""
			}
			return *l.Warning
		}
		teaLine := by[w.tea]
		if teaLine.UnitPriceCents != 900 || teaLine.AmountCents != 9000 || teaLine.Available != 100 ||
			teaLine.ProductName == "" || teaLine.Spec != tea.Spec || teaLine.Supplier.ID != w.supA.ID ||
			teaLine.Supplier.Name == "" || teaLine.ThumbnailURL != img.ThumbnailURL || warn(teaLine) != "" {
			t.Errorf("tea line = %+v", teaLine)
		}
		for sku, want := range map[int64]string{w.scarce: "insufficient_stock", w.offSale: "off_sale",
			w.suspended: "supplier_suspended", w.fruit: ""} {
			if got := warn(by[sku]); got != want {
				t.Errorf("sku %d: warning %q, want %q", sku, got, want)
			}
		}
		if by[w.scarce].Available != 2 {
			t.Errorf("scarce available = %d, want 2", by[w.scarce].Available)
		}
	})
}

// TestOrderNames: an order carries its supplier's and buyer org's names as
// they were when it was placed; a rename afterwards does not change them.
func TestOrderNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		org := w.place(t, "canteen_buyer", w.tea, 1)
		mine := w.place(t, "shopper", w.tea, 1)
		if org.SupplierName != w.supA.Name || org.OrgName != w.canteen.Name || mine.OrgName != "" || mine.SupplierName != w.supA.Name {
			t.Fatalf("placed: supplier %q org %q; consumer's: supplier %q org %q", org.SupplierName, org.OrgName,
				mine.SupplierName, mine.OrgName)
		}
		execSQL(t, h, "UPDATE suppliers SET name = ? WHERE id = ?", "改名后的供应商", w.supA.ID)
		execSQL(t, h, "UPDATE orgs SET name = ? WHERE id = ?", "改名后的食堂", w.canteen.ID)
		list := decode[page[ordOrder]](t, h.call(t, http.MethodGet, v1+"/orders", w.token(t, "canteen_buyer"), ""))
		found := false
		for _, o := range list.Items {
			if o.ID == org.ID {
				found = true
				if o.SupplierName != w.supA.Name || o.OrgName != w.canteen.Name {
					t.Errorf("listed after the renames: supplier %q org %q", o.SupplierName, o.OrgName)
				}
				if len(o.Lines) != 1 || o.Lines[0].ProductName == "" || o.Lines[0].Spec == "" {
					t.Errorf("line: %+v", o.Lines)
				}
			}
		}
		if !found {
			t.Error("the order is not listed")
		}
	})
}

type returnListItem struct {
	ID       int64       `json:"id"`
	OrderID  int64       `json:"order_id"`
	Status   string      `json:"status"`
	Supplier supplierRef `json:"supplier"`
	OrgID    *int64      `json:"org_id"`
	OrgName  string      `json:"org_name"`
	Lines    []struct {
		LineID      int64  `json:"line_id"`
		Quantity    int64  `json:"quantity"`
		ProductName string `json:"product_name"`
		Spec        string `json:"spec"`
	} `json:"lines"`
}

// TestReturnList: the buyer side and the supplier's queue list a return
// with the names a client draws; others do not see it; status filters.
func TestReturnList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, model.OrderSettled)
		rt := w.seedReturn(t, model.RoleBuyer, o)
		list := func(who, query string) page[returnListItem] {
			t.Helper()
			// leniently: the document checks the full shape of every answer
			res := h.call(t, http.MethodGet, v1+"/returns"+query, w.token(t, who), "")
			wantStatus(t, res, http.StatusOK)
			var p page[returnListItem]
			if err := json.Unmarshal(res.Body, &p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		for _, who := range []string{model.RoleBuyer, model.RoleApprover, model.RoleSupplier, model.RoleAdmin} {
			got := list(who, "")
			if got.Total != 1 || len(got.Items) != 1 {
				t.Fatalf("%s: %d returns, want 1", who, got.Total)
			}
			it := got.Items[0]
			if it.ID != rt.ID || it.OrderID != o.ID || it.Status != model.ReturnRequested || it.Supplier.ID != w.supA.ID ||
				it.Supplier.Name != w.supA.Name || it.OrgID == nil || *it.OrgID != w.parent.ID || it.OrgName != w.parent.Name ||
				len(it.Lines) != 1 || it.Lines[0].ProductName != "金口河高山土豆" || it.Lines[0].Spec != "5kg" || it.Lines[0].Quantity != 1 {
				t.Errorf("%s sees %+v", who, it)
			}
		}
		for _, who := range []string{model.RoleConsumer, "supplier_b"} {
			if got := list(who, ""); got.Total != 0 || len(got.Items) != 0 {
				t.Errorf("%s sees %d returns, want none", who, got.Total)
			}
		}
		if got := list(model.RoleSupplier, "?status=requested"); got.Total != 1 {
			t.Errorf("status=requested: %d", got.Total)
		}
		if got := list(model.RoleSupplier, "?status=approved"); got.Total != 0 {
			t.Errorf("status=approved: %d", got.Total)
		}
		if got := list(model.RoleBuyer, "?page=2&page_size=1"); got.Total != 1 || len(got.Items) != 0 {
			t.Errorf("page 2: %+v", got)
		}
		wantError(t, h.callBad(t, http.MethodGet, v1+"/returns?status=x", w.token(t, model.RoleBuyer), ""),
			http.StatusUnprocessableEntity, "invalid", "status")
		wantError(t, h.call(t, http.MethodGet, v1+"/returns", w.token(t, model.RoleOfficer), ""), http.StatusForbidden, "forbidden")
	})
}
