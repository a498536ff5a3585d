package storetest

// Catalogue conformance: reference data, pairings, suppliers, products,
// prices, certification and the catalogue list.

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"shanhai/model"
)

func testReferenceData(t *testing.T, h Harness) {
	ctx := t.Context()
	regions, err := h.Store.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int64(len(regions)), queryInt64(t, h, "SELECT COUNT(*) FROM regions"); got != want {
		t.Errorf("Regions: got %d regions, want the %d in the table", got, want)
	}
	if n, err := h.Store.RegionCount(ctx); err != nil || n != int64(len(regions)) {
		t.Errorf("RegionCount: got (%d, %v), want (%d, nil)", n, err, len(regions))
	}
	if !sort.SliceIsSorted(regions, func(i, j int) bool { return regions[i].Code < regions[j].Code }) {
		t.Error("Regions: not in code order")
	}

	for _, tc := range []struct {
		code string
		want *model.Region
		err  error
	}{
		{"330000", &model.Region{Code: "330000", Name: "浙江省", Level: model.LevelProvince}, nil},
		{"330600", &model.Region{Code: "330600", Name: "绍兴市", Level: model.LevelCity, ParentCode: ptr("330000"), Side: model.SideHelper}, nil},
		{"330604", &model.Region{Code: "330604", Name: "上虞区", Level: model.LevelCounty, ParentCode: ptr("330600"), Side: model.SideHelper}, nil},
		{"511113", &model.Region{Code: "511113", Name: "金口河区", Level: model.LevelCounty, ParentCode: ptr("511100"), Side: model.SidePartner}, nil},
		{"513226", &model.Region{Code: "513226", Name: "金川县", Level: model.LevelCounty, ParentCode: ptr("513200"), Side: model.SidePartner}, nil},
		{"999999", nil, model.ErrNotFound},
		{"", nil, model.ErrNotFound},
	} {
		got, err := h.Store.Region(ctx, tc.code)
		errorIs(t, "Region("+tc.code+")", err, tc.err)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Region(%q): got %+v, want %+v", tc.code, got, tc.want)
		}
		if tc.want != nil && !slices.ContainsFunc(regions, func(r model.Region) bool { return reflect.DeepEqual(r, *tc.want) }) {
			t.Errorf("Regions: %s missing", tc.code)
		}
	}

	cats, err := h.Store.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !sort.SliceIsSorted(cats, func(i, j int) bool { return cats[i].Code < cats[j].Code }) {
		t.Error("Categories: not in code order")
	}
	for _, tc := range []struct {
		code string
		want *model.Category
		err  error
	}{
		{"herbs", &model.Category{Code: "herbs", Name: "中药材"}, nil},
		{"tea", &model.Category{Code: "tea", Name: "茶叶"}, nil},
		{"nope", nil, model.ErrNotFound},
	} {
		got, err := h.Store.Category(ctx, tc.code)
		errorIs(t, "Category("+tc.code+")", err, tc.err)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Category(%q): got %+v, want %+v", tc.code, got, tc.want)
		}
		if tc.want != nil && !slices.Contains(cats, *tc.want) {
			t.Errorf("Categories: %s missing", tc.code)
		}
	}
}

func testPairings(t *testing.T, h Harness) {
	ctx := t.Context()
	county := mustPairing(t, h, model.ProgrammeEastWest, model.LevelCounty, "330604", "511113", true)
	city := mustPairing(t, h, model.ProgrammeEastWest, model.LevelCity, "330600", "511100", false)
	want := []model.PairingView{
		{Pairing: *county, HelperName: "上虞区", PartnerName: "金口河区"},
		{Pairing: *city, HelperName: "绍兴市", PartnerName: "乐山市"},
	}
	got, err := h.Store.Pairings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Pairings: got %+v, want %+v", got, want)
	}
	if n := queryInt64(t, h, "SELECT COUNT(*) FROM pairings WHERE id = ? AND active = 0", city.ID); n != 1 {
		t.Errorf("an inactive pairing was stored active")
	}

	for _, tc := range []struct {
		name string
		id   int64
		want *model.PairingView
		err  error
	}{
		{"county", county.ID, &want[0], nil},
		{"city", city.ID, &want[1], nil},
		{"unknown", city.ID + 100, nil, model.ErrNotFound},
	} {
		got, err := h.Store.Pairing(ctx, tc.id)
		errorIs(t, "Pairing "+tc.name, err, tc.err)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Pairing %s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}

	dup := &model.Pairing{Programme: model.ProgrammeEastWest, Level: model.LevelCounty, HelperCode: "330604", PartnerCode: "511113", SinceYear: 2022, Active: true}
	errorIs(t, "a second identical pairing", h.Store.CreatePairing(ctx, dup), model.ErrConflict)
	other := &model.Pairing{Programme: model.ProgrammeMountainSea, Level: model.LevelCounty, HelperCode: "330604", PartnerCode: "511113", SinceYear: 2022, Active: true}
	errorIs(t, "the same regions under the other programme", h.Store.CreatePairing(ctx, other), nil)
	if n := queryInt64(t, h, "SELECT COUNT(*) FROM pairings"); n != 3 {
		t.Errorf("pairings stored: got %d, want 3", n)
	}
}

func testSuppliers(t *testing.T, h Harness) {
	ctx := t.Context()
	a := mustSupplier(t, h, "金口河茶业", "511113", model.SupplierActive)
	b := mustSupplier(t, h, "江山蜂业", "330881", model.SupplierActive)
	idle := mustSupplier(t, h, "景宁合作社", "331127", model.SupplierPending)
	if a.CreatedAt.IsZero() {
		t.Error("CreateSupplier: CreatedAt not set")
	}
	got, err := h.Store.Supplier(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("Supplier: got %+v, %v, want %+v", got, err, a)
	}
	_, err = h.Store.Supplier(ctx, idle.ID+100)
	errorIs(t, "Supplier(unknown)", err, model.ErrNotFound)

	dup := &model.Supplier{Name: "金口河茶业", RegionCode: "511132", Status: model.SupplierActive}
	errorIs(t, "CreateSupplier with a taken name", h.Store.CreateSupplier(ctx, dup), model.ErrConflict)
	if n := queryInt64(t, h, "SELECT COUNT(*) FROM suppliers WHERE name = ?", "金口河茶业"); n != 1 {
		t.Errorf("suppliers named 金口河茶业: got %d, want 1", n)
	}

	p1, _ := mustProduct(t, h, a, "高山茶", "tea", 2600)
	p2, _ := mustProduct(t, h, a, "川贝母", "herbs", 12000)
	p3, _ := mustProduct(t, h, b, "江山蜂蜜", "honey", 4500)
	visible := func() int64 {
		t.Helper()
		page, err := h.Store.Products(ctx, model.ProductQuery{Page: 1, PageSize: 20, Today: "2024-06-15"})
		if err != nil {
			t.Fatal(err)
		}
		return page.Total
	}

	for _, tc := range []struct {
		name        string
		id          int64
		status      string
		wantIDs     []int64
		err         error
		wantVisible int64
	}{
		{"suspend", a.ID, model.SupplierSuspended, []int64{p1.ID, p2.ID}, nil, 1},
		{"suspend again", a.ID, model.SupplierSuspended, []int64{p1.ID, p2.ID}, nil, 1},
		{"reactivate", a.ID, model.SupplierActive, []int64{p1.ID, p2.ID}, nil, 3},
		{"other supplier", b.ID, model.SupplierPending, []int64{p3.ID}, nil, 2},
		{"no products", idle.ID, model.SupplierActive, nil, nil, 2},
		{"unknown", idle.ID + 100, model.SupplierActive, nil, model.ErrNotFound, 2},
	} {
		ids, err := h.Store.SetSupplierStatus(ctx, tc.id, tc.status)
		errorIs(t, "SetSupplierStatus "+tc.name, err, tc.err)
		slices.Sort(ids)
		if len(ids) != 0 || len(tc.wantIDs) != 0 {
			if !slices.Equal(ids, tc.wantIDs) {
				t.Errorf("SetSupplierStatus %s: got product ids %v, want %v", tc.name, ids, tc.wantIDs)
			}
		}
		if tc.err == nil {
			if n := queryInt64(t, h, "SELECT COUNT(*) FROM suppliers WHERE id = ? AND status = ?", tc.id, tc.status); n != 1 {
				t.Errorf("SetSupplierStatus %s: status not stored", tc.name)
			}
		}
		if got := visible(); got != tc.wantVisible {
			t.Errorf("after %s: got %d products listed, want %d", tc.name, got, tc.wantVisible)
		}
	}
}

func testProductDetail(t *testing.T, h Harness) {
	ctx := t.Context()
	sup := mustSupplier(t, h, "金口河茶业", "511113", model.SupplierActive)
	county := mustPairing(t, h, model.ProgrammeEastWest, model.LevelCounty, "330604", "511113", true)
	city := mustPairing(t, h, model.ProgrammeEastWest, model.LevelCity, "330600", "511100", true)
	mustPairing(t, h, model.ProgrammeMountainSea, model.LevelCounty, "330603", "511113", false) // inactive
	mustPairing(t, h, model.ProgrammeEastWest, model.LevelCounty, "330603", "511132", true)     // another county
	mustPairing(t, h, model.ProgrammeMountainSea, model.LevelCity, "330600", "330800", true)    // another city

	p := &model.Product{SupplierID: sup.ID, Name: "金口河高山茶", CategoryCode: "tea", Brand: "高山云雾",
		Description: "海拔一千二百米", OriginCode: "511113", OnSale: true, Perishable: true, ShelfLifeDays: 540}
	skus := []model.SKU{
		{Spec: "250克", Unit: "盒", PriceCents: 3800, OnHand: 40,
			Tiers: []model.Tier{{MinQty: 100, PriceCents: 3000}, {MinQty: 10, PriceCents: 3500}}},
		{Spec: "100克", Unit: "袋", PriceCents: 2600, OnHand: 7},
		{Spec: "500克", Unit: "罐", PriceCents: 6900, OnHand: 0, Tiers: []model.Tier{{MinQty: 5, PriceCents: 6500}}},
	}
	if err := h.Store.CreateProduct(ctx, p, skus); err != nil {
		t.Fatal(err)
	}
	if p.PriceMinCents != 2600 {
		t.Errorf("CreateProduct: PriceMinCents %d, want 2600", p.PriceMinCents)
	}
	if got := queryInt64(t, h, "SELECT price_min_cents FROM products WHERE id = ?", p.ID); got != 2600 {
		t.Errorf("stored price_min_cents %d, want 2600", got)
	}
	old := mustCertify(t, h, p.ID, "2023-01-01", "2023-12-31")
	cur := mustCertify(t, h, p.ID, "2024-01-01", "2024-12-31")
	if old.ID >= cur.ID {
		t.Fatalf("certificate ids not increasing: %d then %d", old.ID, cur.ID)
	}
	// the product carries its current certificate's state
	p.CertStatus, p.CertValidFrom, p.CertValidTo = model.CertValid, "2024-01-01", "2024-12-31"

	want := &model.ProductDetail{
		Product:       *p,
		Category:      model.Category{Code: "tea", Name: "茶叶"},
		Origin:        model.Region{Code: "511113", Name: "金口河区", Level: model.LevelCounty, ParentCode: ptr("511100"), Side: model.SidePartner},
		Supplier:      *sup,
		Certification: cur,
		SKUs: []model.SKU{
			{ID: skus[0].ID, ProductID: p.ID, Spec: "250克", Unit: "盒", PriceCents: 3800, OnHand: 40,
				Tiers: []model.Tier{{SKUID: skus[0].ID, MinQty: 10, PriceCents: 3500}, {SKUID: skus[0].ID, MinQty: 100, PriceCents: 3000}}},
			{ID: skus[1].ID, ProductID: p.ID, Spec: "100克", Unit: "袋", PriceCents: 2600, OnHand: 7},
			{ID: skus[2].ID, ProductID: p.ID, Spec: "500克", Unit: "罐", PriceCents: 6900,
				Tiers: []model.Tier{{SKUID: skus[2].ID, MinQty: 5, PriceCents: 6500}}},
		},
		Pairings: []model.PairingView{
			{Pairing: *county, HelperName: "上虞区", PartnerName: "金口河区"},
			{Pairing: *city, HelperName: "绍兴市", PartnerName: "乐山市"},
		},
	}
	if !(skus[0].ID < skus[1].ID && skus[1].ID < skus[2].ID) {
		t.Errorf("SKU ids not in creation order: %d %d %d", skus[0].ID, skus[1].ID, skus[2].ID)
	}
	got, err := h.Store.Product(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Product:\n got %s\nwant %s", dump(got), dump(want))
	}

	// A product with nothing optional: no certificate, no pairing, off sale.
	bare := mustSupplier(t, h, "马尔康菌业", "513201", model.SupplierSuspended)
	q, qskus := mustProduct(t, h, bare, "松茸", "mushrooms", 9900)
	if err := h.Store.SetProductOnSale(ctx, q.ID, false); err != nil {
		t.Fatal(err)
	}
	got, err = h.Store.Product(ctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Certification != nil || len(got.Pairings) != 0 || got.OnSale || len(got.SKUs) != 1 || got.SKUs[0].ID != qskus[0].ID {
		t.Errorf("Product of a bare product: got %s", dump(got))
	}

	_, err = h.Store.Product(ctx, q.ID+100)
	errorIs(t, "Product(unknown)", err, model.ErrNotFound)

	// Product names are unique per supplier only.
	dup := &model.Product{SupplierID: sup.ID, Name: "金口河高山茶", CategoryCode: "tea", OriginCode: "511113", OnSale: true}
	err = h.Store.CreateProduct(ctx, dup, []model.SKU{{Spec: "1", Unit: "件", PriceCents: 1}})
	errorIs(t, "CreateProduct with a name the supplier already uses", err, model.ErrConflict)
	mustProduct(t, h, bare, "金口河高山茶", "tea", 100)
	if n := queryInt64(t, h, "SELECT COUNT(*) FROM products"); n != 3 {
		t.Errorf("products stored: got %d, want 3", n)
	}
}

func testSKUPrice(t *testing.T, h Harness) {
	ctx := t.Context()
	sup := mustSupplier(t, h, "江山蜂业", "330881", model.SupplierActive)
	p, skus := mustProduct(t, h, sup, "江山蜂蜜", "honey", 4500, 6800, 9900)
	for _, tc := range []struct {
		name    string
		sku     int64
		price   int64
		err     error
		wantMin int64
	}{
		{"raise a dearer sku", skus[1].ID, 7000, nil, 4500},
		{"cut below the cheapest", skus[2].ID, 3000, nil, 3000},
		{"raise the cheapest", skus[2].ID, 12000, nil, 4500},
		{"same price", skus[0].ID, 4500, nil, 4500},
		{"unknown sku", skus[2].ID + 100, 1, model.ErrNotFound, 4500},
	} {
		got, err := h.Store.SetSKUPrice(ctx, tc.sku, tc.price)
		errorIs(t, tc.name, err, tc.err)
		if tc.err == nil {
			if got != p.ID {
				t.Errorf("%s: returned product %d, want %d", tc.name, got, p.ID)
			}
			if price := queryInt64(t, h, "SELECT price_cents FROM skus WHERE id = ?", tc.sku); price != tc.price {
				t.Errorf("%s: stored price %d, want %d", tc.name, price, tc.price)
			}
		}
		if min := queryInt64(t, h, "SELECT price_min_cents FROM products WHERE id = ?", p.ID); min != tc.wantMin {
			t.Errorf("%s: stored price_min_cents %d, want %d", tc.name, min, tc.wantMin)
		}
		d, err := h.Store.Product(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.PriceMinCents != tc.wantMin {
			t.Errorf("%s: Product.PriceMinCents %d, want %d", tc.name, d.PriceMinCents, tc.wantMin)
		}
	}
	k, err := h.Store.SKU(ctx, skus[1].ID)
	if err != nil || k.PriceCents != 7000 || k.ProductID != p.ID {
		t.Errorf("SKU: got %+v, %v", k, err)
	}
	_, err = h.Store.SKU(ctx, skus[2].ID+100)
	errorIs(t, "SKU(unknown)", err, model.ErrNotFound)
}

func testProductOnSale(t *testing.T, h Harness) {
	ctx := t.Context()
	sup := mustSupplier(t, h, "江山蜂业", "330881", model.SupplierActive)
	p, _ := mustProduct(t, h, sup, "江山蜂蜜", "honey", 4500)
	for _, tc := range []struct {
		name   string
		id     int64
		onSale bool
		err    error
		want   int64 // on_sale as stored, and how many products the catalogue lists
	}{
		{"take off sale", p.ID, false, nil, 0},
		{"off sale again", p.ID, false, nil, 0},
		{"back on sale", p.ID, true, nil, 1},
		{"on sale again", p.ID, true, nil, 1},
		{"unknown", p.ID + 100, false, model.ErrNotFound, 1},
	} {
		errorIs(t, tc.name, h.Store.SetProductOnSale(ctx, tc.id, tc.onSale), tc.err)
		if got := queryInt64(t, h, "SELECT on_sale FROM products WHERE id = ?", p.ID); got != tc.want {
			t.Errorf("%s: stored on_sale %d, want %d", tc.name, got, tc.want)
		}
		page, err := h.Store.Products(ctx, model.ProductQuery{Page: 1, PageSize: 20, Today: "2024-06-15"})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != tc.want || int64(len(page.Items)) != tc.want {
			t.Errorf("%s: catalogue lists %d (%d items), want %d", tc.name, page.Total, len(page.Items), tc.want)
		}
	}
}

func testCertification(t *testing.T, h Harness) {
	ctx := t.Context()
	sup := mustSupplier(t, h, "金口河茶业", "511113", model.SupplierActive)
	p, _ := mustProduct(t, h, sup, "高山茶", "tea", 2600)
	other, _ := mustProduct(t, h, sup, "川贝母", "herbs", 12000)
	var first, second *model.Certification

	current := func() *model.Certification {
		t.Helper()
		d, err := h.Store.Product(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return d.Certification
	}
	status := func(c *model.Certification) (string, int64) {
		t.Helper()
		var s string
		var revoked int64
		if err := h.SQL.QueryRowContext(ctx, `SELECT status, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END
			FROM certifications WHERE id = ?`, c.ID).Scan(&s, &revoked); err != nil {
			t.Fatal(err)
		}
		return s, revoked
	}

	for _, tc := range []struct {
		name string
		do   func() error
		err  error
		want func() *model.Certification // the current certificate afterwards
	}{
		{"revoke with no certificate", func() error { return h.Store.RevokeCertification(ctx, p.ID) }, model.ErrNotFound,
			func() *model.Certification { return nil }},
		{"certify", func() error {
			first = &model.Certification{ProductID: p.ID, CertificateNo: "BF-2024-001", Issuer: "绍兴市农业农村局",
				Batch: "2024-1", ValidFrom: "2024-01-01", ValidTo: "2024-12-31"}
			return h.Store.Certify(ctx, first)
		}, nil, func() *model.Certification { return first }},
		{"revoke", func() error { return h.Store.RevokeCertification(ctx, p.ID) }, nil,
			func() *model.Certification {
				want := *first
				want.Status = model.CertRevoked
				want.RevokedAt = &time.Time{} // any time: the store sets it
				if got := current(); got != nil && got.RevokedAt != nil && !got.RevokedAt.IsZero() {
					want.RevokedAt = got.RevokedAt
				}
				return &want
			}},
		{"revoke again", func() error { return h.Store.RevokeCertification(ctx, p.ID) }, model.ErrNotFound, nil},
		{"certify anew", func() error {
			second = &model.Certification{ProductID: p.ID, CertificateNo: "BF-2024-077", Issuer: "绍兴市农业农村局",
				ValidFrom: "2024-07-01", ValidTo: "2025-06-30"}
			return h.Store.Certify(ctx, second)
		}, nil, func() *model.Certification { return second }},
		{"revoke for an unknown product", func() error { return h.Store.RevokeCertification(ctx, other.ID+100) }, model.ErrNotFound, nil},
		{"revoke another product's (none)", func() error { return h.Store.RevokeCertification(ctx, other.ID) }, model.ErrNotFound, nil},
	} {
		errorIs(t, tc.name, tc.do(), tc.err)
		if tc.want == nil {
			continue
		}
		got, want := current(), tc.want()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: current certificate\n got %s\nwant %s", tc.name, dump(got), dump(want))
		}
	}

	for _, tc := range []struct {
		cert        *model.Certification
		wantStatus  string
		wantRevoked int64
	}{
		{first, model.CertRevoked, 1},
		{second, model.CertValid, 0},
	} {
		if s, r := status(tc.cert); s != tc.wantStatus || r != tc.wantRevoked {
			t.Errorf("certificate %s: stored status %q revoked_at set %d, want %q %d", tc.cert.CertificateNo, s, r, tc.wantStatus, tc.wantRevoked)
		}
	}
	if first.Status != model.CertValid || first.CreatedAt.IsZero() {
		t.Errorf("Certify: got status %q created %v, want valid and a time", first.Status, first.CreatedAt)
	}
}

func dump(v any) string { return fmt.Sprintf("%+v", v) }
