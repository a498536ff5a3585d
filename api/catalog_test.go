package api_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

// fixture is what seed inserted, and so what the API must answer.
type fixture struct {
	pairings map[string]pairing        // by short name, e.g. "shangyu-jinkouhe"
	products map[string]product        // visible products' detail, by short name
	rows     map[string]productSummary // the same products as list rows
	hidden   map[string]int64          // products that must not show: off sale, suspended supplier
}

// key names the visible product with this id, or "" when there is none.
func (f *fixture) key(id int64) string {
	for k, p := range f.products {
		if p.ID == id {
			return k
		}
	}
	return fmt.Sprintf("unknown#%d", id)
}

// newest lists keys as the default sort does: newest (highest id) first.
func (f *fixture) newest(keys ...string) []string {
	out := slices.Clone(keys)
	slices.SortFunc(out, func(a, b string) int { return int(f.products[b].ID - f.products[a].ID) })
	return out
}

// visible is every visible product's key.
func (f *fixture) visible() []string {
	var out []string
	for k := range f.products {
		out = append(out, k)
	}
	return out
}

// seedSKU is a SKU to insert and the reserved units to set on it afterwards.
type seedSKU struct {
	spec, unit    string
	price, onHand int64
	reserved      int64
	tiers         []tier
	wantAvailable int64
}

// seedProduct is a product to insert.
type seedProduct struct {
	key, supplier, name, category, brand, description, origin string
	perishable                                                bool
	shelfLifeDays                                             int
	skus                                                      []seedSKU
	cert                                                      *certification // nil: never certified
	revoke, offSale                                           bool
	pairings                                                  []string
}

// Reference data that the migrations load (names as GB/T 2260 gives them).
var (
	regionNames = map[string]string{
		"330600": "绍兴市", "330603": "柯桥区", "330604": "上虞区",
		"330800": "衢州市", "330881": "江山市",
		"511100": "乐山市", "511113": "金口河区", "511132": "峨边彝族自治县",
	}
	categoryNames = map[string]string{"herbs": "中药材", "tea": "茶叶", "fruit": "水果", "meat": "肉禽蛋"}
)

// seed inserts pairings, suppliers and products through the store's write
// methods and returns what the API should show for them.
func seed(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	fx := &fixture{pairings: map[string]pairing{}, products: map[string]product{},
		rows: map[string]productSummary{}, hidden: map[string]int64{}}

	for _, p := range []struct {
		key, programme, level, helper, partner string
		since                                  int
		active                                 bool
	}{
		{"shangyu-jinkouhe", model.ProgrammeEastWest, model.LevelCounty, "330604", "511113", 2021, true},
		{"shaoxing-leshan", model.ProgrammeEastWest, model.LevelCity, "330600", "511100", 2021, true},
		{"keqiao-jiangshan", model.ProgrammeMountainSea, model.LevelCounty, "330603", "330881", 2003, true},
		{"shaoxing-quzhou", model.ProgrammeMountainSea, model.LevelCity, "330600", "330800", 2003, true},
		{"keqiao-ebian", model.ProgrammeEastWest, model.LevelCounty, "330603", "511132", 2021, true},
		// inactive: a product of Jinkouhe must not count for it
		{"keqiao-jinkouhe", model.ProgrammeEastWest, model.LevelCounty, "330603", "511113", 2022, false},
	} {
		m := model.Pairing{Programme: p.programme, Level: p.level, HelperCode: p.helper, PartnerCode: p.partner,
			SinceYear: p.since, Active: p.active}
		if err := st.CreatePairing(ctx, &m); err != nil {
			t.Fatalf("create pairing %s: %v", p.key, err)
		}
		fx.pairings[p.key] = pairing{ID: m.ID, Programme: p.programme, Level: p.level, SinceYear: p.since, Active: p.active,
			Helper:  regionRef{Code: p.helper, Name: regionNames[p.helper]},
			Partner: regionRef{Code: p.partner, Name: regionNames[p.partner]}}
	}

	suppliers := map[string]supplierRef{}
	for _, s := range []struct{ key, name, region, status string }{
		{"jinkouhe", "金口河区山珍有限公司", "511113", model.SupplierActive},
		{"jiangshan", "江山市红心果业合作社", "330881", model.SupplierActive},
		{"ebian", "峨边黑竹沟茶业有限公司", "511132", model.SupplierActive},
		{"gone", "金口河区停业农产品公司", "511113", model.SupplierSuspended},
	} {
		m := model.Supplier{Name: s.name, RegionCode: s.region, Status: model.SupplierActive}
		if err := st.CreateSupplier(ctx, &m); err != nil {
			t.Fatalf("create supplier %s: %v", s.key, err)
		}
		suppliers[s.key] = supplierRef{ID: m.ID, Name: s.name}
	}

	certValid := &certification{CertificateNo: "LS-JKH-2024-001", Issuer: "乐山市农业农村局", Batch: "2024-1",
		ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid, ValidToday: true}
	certExpired := &certification{CertificateNo: "QZ-JS-2020-007", Issuer: "衢州市农业农村局", Batch: "",
		ValidFrom: "2020-01-01", ValidTo: "2020-12-31", Status: model.CertValid, ValidToday: false}
	certRevoked := &certification{CertificateNo: "LS-JKH-2024-002", Issuer: "乐山市农业农村局", Batch: "2024-1",
		ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertRevoked, ValidToday: false}

	// Names carry no place names, so a keyword hit on the origin is told apart
	// from one on the name.
	for _, p := range []seedProduct{
		{key: "chuanxiong", supplier: "jinkouhe", name: "川芎饮片", category: "herbs", brand: "金河",
			description: "道地药材，晒干切片。", origin: "511113", shelfLifeDays: 365,
			skus: []seedSKU{
				{spec: "500g", unit: "袋", price: 2990, onHand: 100, reserved: 30, wantAvailable: 70,
					tiers: []tier{{MinQty: 10, PriceCents: 2790}, {MinQty: 50, PriceCents: 2590}}},
				{spec: "1kg", unit: "袋", price: 5500, onHand: 5, reserved: 5, wantAvailable: 0},
			},
			cert: certValid, pairings: []string{"shangyu-jinkouhe", "shaoxing-leshan"}},
		{key: "kiwi", supplier: "jiangshan", name: "红心猕猴桃", category: "fruit", brand: "江山红",
			origin: "330881", perishable: true, shelfLifeDays: 20,
			skus:     []seedSKU{{spec: "5斤", unit: "箱", price: 3900, onHand: 50, wantAvailable: 50}},
			cert:     certExpired,
			pairings: []string{"keqiao-jiangshan", "shaoxing-quzhou"}},
		{key: "greentea", supplier: "ebian", name: "高山绿茶", category: "tea", brand: "黑竹沟",
			origin: "511132", shelfLifeDays: 540,
			skus: []seedSKU{{spec: "250g", unit: "罐", price: 8800, onHand: 12, reserved: 2, wantAvailable: 10,
				tiers: []tier{{MinQty: 20, PriceCents: 8000}}}},
			pairings: []string{"shaoxing-leshan", "keqiao-ebian"}},
		{key: "bacon", supplier: "jinkouhe", name: "手工腊肉", category: "meat", origin: "511113",
			skus: []seedSKU{{spec: "500g", unit: "袋", price: 4500, onHand: 10}}, offSale: true},
		{key: "eggs", supplier: "gone", name: "土鸡蛋", category: "meat", origin: "511113",
			skus: []seedSKU{{spec: "30枚", unit: "盒", price: 3600, onHand: 10}}, cert: certValid},
		{key: "chicken", supplier: "jinkouhe", name: "跑山土鸡", category: "meat", origin: "511113",
			perishable: true, shelfLifeDays: 3,
			skus: []seedSKU{{spec: "约1.5kg", unit: "只", price: 6800, onHand: 8, wantAvailable: 8}},
			cert: certRevoked, revoke: true,
			pairings: []string{"shangyu-jinkouhe", "shaoxing-leshan"}},
	} {
		m := model.Product{SupplierID: suppliers[p.supplier].ID, Name: p.name, CategoryCode: p.category,
			Brand: p.brand, Description: p.description, OriginCode: p.origin, OnSale: true,
			Perishable: p.perishable, ShelfLifeDays: p.shelfLifeDays}
		skus := make([]model.SKU, len(p.skus))
		for i, k := range p.skus {
			skus[i] = model.SKU{Spec: k.spec, Unit: k.unit, PriceCents: k.price, OnHand: k.onHand}
			for _, tr := range k.tiers {
				skus[i].Tiers = append(skus[i].Tiers, model.Tier{MinQty: tr.MinQty, PriceCents: tr.PriceCents})
			}
		}
		if err := st.CreateProduct(ctx, &m, skus); err != nil {
			t.Fatalf("create product %s: %v", p.key, err)
		}
		for i, k := range p.skus {
			if k.reserved == 0 {
				continue
			}
			// Reservations come from orders, which this package does not place.
			if _, err := st.DB().ExecContext(ctx, "UPDATE skus SET reserved = ? WHERE id = ?", k.reserved, skus[i].ID); err != nil {
				t.Fatalf("reserve on %s: %v", p.key, err)
			}
		}
		if c := p.cert; c != nil {
			if err := st.Certify(ctx, &model.Certification{ProductID: m.ID, CertificateNo: c.CertificateNo,
				Issuer: c.Issuer, Batch: c.Batch, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo}); err != nil {
				t.Fatalf("certify %s: %v", p.key, err)
			}
		}
		if p.revoke {
			if err := st.RevokeCertification(ctx, m.ID); err != nil {
				t.Fatalf("revoke %s: %v", p.key, err)
			}
		}
		if p.offSale {
			if err := st.SetProductOnSale(ctx, m.ID, false); err != nil {
				t.Fatalf("take %s off sale: %v", p.key, err)
			}
		}
		if p.offSale || p.supplier == "gone" {
			fx.hidden[p.key] = m.ID
			continue
		}

		want := product{ID: m.ID, Name: p.name, Category: p.category, CategoryName: categoryNames[p.category],
			Brand: p.brand, Description: p.description, Origin: regionRef{Code: p.origin, Name: regionNames[p.origin]},
			Supplier: suppliers[p.supplier], Perishable: p.perishable, ShelfLifeDays: p.shelfLifeDays,
			Certified: p.cert != nil && p.cert.ValidToday, Certification: p.cert,
			SKUs: []sku{}, Pairings: []pairing{}, Images: []imageBody{}}
		priceFrom := int64(0)
		for i, k := range p.skus {
			s := sku{ID: skus[i].ID, Spec: k.spec, Unit: k.unit, PriceCents: k.price, Available: k.wantAvailable,
				Tiers: append([]tier{}, k.tiers...)}
			want.SKUs = append(want.SKUs, s)
			if i == 0 || k.price < priceFrom {
				priceFrom = k.price
			}
		}
		for _, name := range p.pairings {
			want.Pairings = append(want.Pairings, fx.pairings[name])
		}
		fx.products[p.key] = want
		fx.rows[p.key] = productSummary{ID: m.ID, Name: p.name, Category: p.category,
			CategoryName: categoryNames[p.category], Brand: p.brand, Origin: want.Origin, Supplier: want.Supplier,
			PriceFromCents: priceFrom, Perishable: p.perishable, ShelfLifeDays: p.shelfLifeDays,
			Certified: want.Certified, Images: []imageBody{}}
	}

	if _, err := st.SetSupplierStatus(ctx, suppliers["gone"].ID, model.SupplierSuspended); err != nil {
		t.Fatalf("suspend supplier: %v", err)
	}
	return fx
}

// TestCatalog runs the catalogue through the real router on every backend.
// Subtests only read: all writes happen in seed.
func TestCatalog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		fx := seed(t, b.Store)
		t.Run("regions", func(t *testing.T) { testRegions(t, h) })
		t.Run("pairings", func(t *testing.T) { testPairings(t, h, fx) })
		t.Run("categories", func(t *testing.T) { testCategories(t, h) })
		t.Run("products", func(t *testing.T) { testProducts(t, h, fx) })
		t.Run("product rows", func(t *testing.T) { testProductRows(t, h, fx) })
		t.Run("pagination", func(t *testing.T) { testPagination(t, h, fx) })
		t.Run("detail", func(t *testing.T) { testDetail(t, h, fx) })
		t.Run("hidden", func(t *testing.T) { testHidden(t, h, fx) })
		t.Run("bad input", func(t *testing.T) { testBadInput(t, h) })
	})
}

// countRows counts rows straight from the database, not through the API.
func countRows(t *testing.T, h *harness, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := h.store.DB().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func ptr(s string) *string { return &s }

func testRegions(t *testing.T, h *harness) {
	// the national table (migration 0013) is many pages: read them all
	all := decode[page[region]](t, h.get(t, "/api/v1/regions?page_size=100"))
	if got, want := all.Total, countRows(t, h, "SELECT COUNT(*) FROM regions"); got != want {
		t.Errorf("total = %d, want %d (rows in regions)", got, want)
	}
	byCode := map[string]region{}
	for pg := 1; (pg-1)*100 < int(all.Total); pg++ {
		for _, r := range decode[page[region]](t, h.get(t, fmt.Sprintf("/api/v1/regions?page_size=100&page=%d", pg))).Items {
			byCode[r.Code] = r
		}
	}
	if len(byCode) != int(all.Total) {
		t.Errorf("%d regions over the pages, want %d", len(byCode), all.Total)
	}
	for _, want := range []region{
		{Code: "511113", Name: "金口河区", Level: model.LevelCounty, ParentCode: ptr("511100"), Side: model.SidePartner},
		{Code: "330604", Name: "上虞区", Level: model.LevelCounty, ParentCode: ptr("330600"), Side: model.SideHelper},
		{Code: "330000", Name: "浙江省", Level: model.LevelProvince, ParentCode: nil, Side: ""},
	} {
		if got := byCode[want.Code]; !reflect.DeepEqual(got, want) {
			t.Errorf("region %s = %+v, want %+v", want.Code, got, want)
		}
	}

	for _, tc := range []struct {
		query       string
		wantParent  string // every item's parent, when set
		wantLevel   string // every item's level, when set
		wantHas     []string
		wantMissing []string
		wantTotal   int64
	}{
		{query: "parent=511100", wantParent: "511100", wantHas: []string{"511113", "511132"},
			wantMissing: []string{"511100", "330881"},
			wantTotal:   countRows(t, h, "SELECT COUNT(*) FROM regions WHERE parent_code = ?", "511100")},
		{query: "parent=330800", wantParent: "330800", wantHas: []string{"330881", "330824"},
			wantMissing: []string{"511113"},
			wantTotal:   countRows(t, h, "SELECT COUNT(*) FROM regions WHERE parent_code = ?", "330800")},
		{query: "level=city&parent=510000", wantLevel: model.LevelCity, wantHas: []string{"511100", "513200"},
			wantMissing: []string{"511113", "330600"},
			wantTotal:   countRows(t, h, "SELECT COUNT(*) FROM regions WHERE level = ? AND parent_code = ?", "city", "510000")},
		{query: "parent=511100&level=city", wantTotal: 0},
		{query: "parent=999999", wantTotal: 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got := decode[page[region]](t, h.get(t, "/api/v1/regions?page_size=100&"+tc.query))
			if got.Total != tc.wantTotal || int64(len(got.Items)) != tc.wantTotal {
				t.Errorf("total = %d with %d items, want %d", got.Total, len(got.Items), tc.wantTotal)
			}
			codes := map[string]bool{}
			for _, r := range got.Items {
				codes[r.Code] = true
				if tc.wantParent != "" && (r.ParentCode == nil || *r.ParentCode != tc.wantParent) {
					t.Errorf("%s has parent %v, want %s", r.Code, r.ParentCode, tc.wantParent)
				}
				if tc.wantLevel != "" && r.Level != tc.wantLevel {
					t.Errorf("%s has level %s, want %s", r.Code, r.Level, tc.wantLevel)
				}
			}
			for _, c := range tc.wantHas {
				if !codes[c] {
					t.Errorf("%s missing", c)
				}
			}
			for _, c := range tc.wantMissing {
				if codes[c] {
					t.Errorf("%s listed", c)
				}
			}
		})
	}
}

func testPairings(t *testing.T, h *harness, fx *fixture) {
	byProgramme := func(programme string) []pairing {
		out := []pairing{}
		for _, p := range fx.pairings {
			if programme == "" || p.Programme == programme {
				out = append(out, p)
			}
		}
		slices.SortFunc(out, func(a, b pairing) int { return int(a.ID - b.ID) })
		return out
	}
	for _, tc := range []struct {
		query string
		want  []pairing
	}{
		{"", byProgramme("")},
		{"programme=east_west", byProgramme(model.ProgrammeEastWest)},
		{"programme=mountain_sea", byProgramme(model.ProgrammeMountainSea)},
	} {
		t.Run("?"+tc.query, func(t *testing.T) {
			got := decode[page[pairing]](t, h.get(t, "/api/v1/pairings?"+tc.query))
			if !reflect.DeepEqual(got.Items, tc.want) {
				t.Errorf("items =\n%+v\nwant\n%+v", got.Items, tc.want)
			}
			if got.Total != int64(len(tc.want)) {
				t.Errorf("total = %d, want %d", got.Total, len(tc.want))
			}
		})
	}
	// spot check one pairing's names, written out rather than derived
	got := decode[page[pairing]](t, h.get(t, "/api/v1/pairings?programme=east_west"))
	if len(got.Items) == 0 || got.Items[0].Helper != (regionRef{"330604", "上虞区"}) ||
		got.Items[0].Partner != (regionRef{"511113", "金口河区"}) {
		t.Errorf("first east_west pairing = %+v, want 上虞区 → 金口河区", got.Items)
	}
}

func testCategories(t *testing.T, h *harness) {
	got := decode[page[category]](t, h.get(t, "/api/v1/categories?page_size=100"))
	if want := countRows(t, h, "SELECT COUNT(*) FROM categories"); got.Total != want || int64(len(got.Items)) != want {
		t.Errorf("total = %d with %d items, want %d", got.Total, len(got.Items), want)
	}
	names := map[string]string{}
	for _, c := range got.Items {
		names[c.Code] = c.Name
	}
	for code, want := range categoryNames {
		if names[code] != want {
			t.Errorf("category %s = %q, want %q", code, names[code], want)
		}
	}
	if !slices.IsSortedFunc(got.Items, func(a, b category) int { return strings.Compare(a.Code, b.Code) }) {
		t.Errorf("categories not sorted by code: %+v", got.Items)
	}
}

// listKeys fetches a product list and names its items.
func listKeys(t *testing.T, h *harness, fx *fixture, query string) (keys []string, total int64) {
	t.Helper()
	got := decode[page[productSummary]](t, h.get(t, "/api/v1/products?"+query))
	keys = []string{}
	for _, p := range got.Items {
		keys = append(keys, fx.key(p.ID))
	}
	return keys, got.Total
}

func testProducts(t *testing.T, h *harness, fx *fixture) {
	id := func(key string) string { return fmt.Sprint(fx.pairings[key].ID) }
	byPrice := func(desc bool) []string {
		out := fx.visible()
		slices.SortFunc(out, func(a, b string) int {
			pa, pb := fx.rows[a].PriceFromCents, fx.rows[b].PriceFromCents
			if pa == pb {
				return int(fx.rows[a].ID - fx.rows[b].ID)
			}
			if desc {
				return int(pb - pa)
			}
			return int(pa - pb)
		})
		return out
	}
	byName := fx.visible()
	slices.SortFunc(byName, func(a, b string) int { return strings.Compare(fx.rows[a].Name, fx.rows[b].Name) })

	for _, tc := range []struct {
		name  string
		query string
		want  []string
	}{
		{"all, newest first", "", fx.newest(fx.visible()...)},
		{"keyword in name", "q=川芎", []string{"chuanxiong"}},
		{"keyword in brand", "q=黑竹沟", []string{"greentea"}},
		{"keyword in brand not origin", "q=江山红", []string{"kiwi"}},
		{"keyword in county name", "q=金口河", fx.newest("chuanxiong", "chicken")},
		{"keyword in city name", "q=乐山", fx.newest("chuanxiong", "greentea", "chicken")},
		{"keyword trimmed", "q=%20%E5%B7%9D%E8%8A%8E%20", []string{"chuanxiong"}},
		{"keyword matching nothing", "q=榴莲", []string{}},
		{"keyword with LIKE wildcards", "q=%25_", []string{}},
		{"two terms in the name, either order", "q=饮片%20川芎", []string{"chuanxiong"}},
		{"brand and name", "q=金河%20川芎", []string{"chuanxiong"}},
		{"city and name", "q=乐山%20绿茶", []string{"greentea"}},
		{"county and name typed together", "q=金口河川芎", []string{"chuanxiong"}},
		{"every term must match", "q=川芎%20榴莲", []string{}},
		{"only punctuation", "q=%EF%BC%81%EF%BC%9F%20%27%22", []string{}},
		{"SQL text is a term like any other", "q=%27%20OR%201%3D1%20--", []string{}},
		// ranked: the name (高山绿茶, 跑山土鸡) over the brand (江山红) over the
		// origin (乐山市), newest among equals
		{"ranked by where the term is", "q=山", append(fx.newest("greentea", "chicken"), "kiwi", "chuanxiong")},
		{"an explicit sort wins over relevance", "q=山&sort=price_asc", []string{"chuanxiong", "kiwi", "chicken", "greentea"}},
		{"relevance without terms is newest", "sort=relevance", fx.newest(fx.visible()...)},
		{"category herbs", "category=herbs", []string{"chuanxiong"}},
		{"category meat without hidden", "category=meat", []string{"chicken"}},
		{"category known but empty", "category=coffee", []string{}},
		{"origin county", "origin=511113", fx.newest("chuanxiong", "chicken")},
		{"origin city", "origin=511100", fx.newest("chuanxiong", "greentea", "chicken")},
		{"origin other county", "origin=330881", []string{"kiwi"}},
		{"origin other city", "origin=330800", []string{"kiwi"}},
		{"origin known but empty", "origin=330824", []string{}},
		{"county pairing", "pairing=" + id("shangyu-jinkouhe"), fx.newest("chuanxiong", "chicken")},
		{"city pairing", "pairing=" + id("shaoxing-leshan"), fx.newest("chuanxiong", "greentea", "chicken")},
		{"mountain-sea county pairing", "pairing=" + id("keqiao-jiangshan"), []string{"kiwi"}},
		{"mountain-sea city pairing", "pairing=" + id("shaoxing-quzhou"), []string{"kiwi"}},
		{"certified", "certified=true", []string{"chuanxiong"}},
		{"not certified: never, expired, revoked", "certified=false", fx.newest("kiwi", "greentea", "chicken")},
		{"filters combine", "origin=511100&category=meat", []string{"chicken"}},
		{"filters combine to nothing", "certified=true&category=tea", []string{}},
		{"sort newest", "sort=newest", fx.newest(fx.visible()...)},
		{"sort price_asc", "sort=price_asc", byPrice(false)},
		{"sort price_desc", "sort=price_desc", byPrice(true)},
		{"sort name", "sort=name", byName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total := listKeys(t, h, fx, tc.query)
			if !slices.Equal(got, tc.want) {
				t.Errorf("?%s = %v, want %v", tc.query, got, tc.want)
			}
			if total != int64(len(tc.want)) {
				t.Errorf("?%s total = %d, want %d", tc.query, total, len(tc.want))
			}
		})
	}
}

// testProductRows checks every field of every list row.
func testProductRows(t *testing.T, h *harness, fx *fixture) {
	got := decode[page[productSummary]](t, h.get(t, "/api/v1/products"))
	want := []productSummary{}
	for _, k := range fx.newest(fx.visible()...) {
		want = append(want, fx.rows[k])
	}
	if !reflect.DeepEqual(got.Items, want) {
		t.Errorf("rows =\n%+v\nwant\n%+v", got.Items, want)
	}
	if got.Page != 1 || got.PageSize != 20 {
		t.Errorf("page, page_size = %d, %d, want the defaults 1, 20", got.Page, got.PageSize)
	}
}

func testPagination(t *testing.T, h *harness, fx *fixture) {
	all := fx.newest(fx.visible()...)
	n := int64(len(all))
	for _, tc := range []struct {
		query        string
		wantPage     int
		wantPageSize int
		want         []string
	}{
		{"page_size=1000", 1, 100, all},
		{"page_size=100", 1, 100, all},
		{"page_size=2", 1, 2, all[:2]},
		{"page=2&page_size=2", 2, 2, all[2:4]},
		{"page=2&page_size=3", 2, 3, all[3:]},
		{"page=3&page_size=2", 3, 2, []string{}},
		{"page=1000000&page_size=100", 1000000, 100, []string{}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got := decode[page[productSummary]](t, h.get(t, "/api/v1/products?"+tc.query))
			keys := []string{}
			for _, p := range got.Items {
				keys = append(keys, fx.key(p.ID))
			}
			if got.Page != tc.wantPage || got.PageSize != tc.wantPageSize || got.Total != n || !slices.Equal(keys, tc.want) {
				t.Errorf("page %d size %d total %d items %v, want page %d size %d total %d items %v",
					got.Page, got.PageSize, got.Total, keys, tc.wantPage, tc.wantPageSize, n, tc.want)
			}
		})
	}

	// the reference lists clamp and count the same way
	regions := countRows(t, h, "SELECT COUNT(*) FROM regions")
	got := decode[page[region]](t, h.get(t, "/api/v1/regions?page_size=1000"))
	if got.PageSize != 100 || got.Total != regions || int64(len(got.Items)) != min(regions, 100) {
		t.Errorf("regions?page_size=1000: page_size %d total %d items %d, want 100, %d, %d",
			got.PageSize, got.Total, len(got.Items), regions, min(regions, 100))
	}
	second := decode[page[region]](t, h.get(t, "/api/v1/regions?page=2&page_size=5"))
	if second.Page != 2 || second.Total != regions || len(second.Items) != int(min(5, max(regions-5, 0))) {
		t.Errorf("regions?page=2&page_size=5: page %d total %d items %d", second.Page, second.Total, len(second.Items))
	}
	cats := decode[page[category]](t, h.get(t, "/api/v1/categories?page=1000"))
	if len(cats.Items) != 0 || cats.Total == 0 {
		t.Errorf("categories?page=1000: %d items of %d, want none of some", len(cats.Items), cats.Total)
	}
}

func testDetail(t *testing.T, h *harness, fx *fixture) {
	for _, key := range fx.newest(fx.visible()...) {
		t.Run(key, func(t *testing.T) {
			want := fx.products[key]
			res := h.get(t, fmt.Sprintf("/api/v1/products/%d", want.ID))
			wantStatus(t, res, http.StatusOK)
			got := decode[product](t, res)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("product =\n%+v\nwant\n%+v", got, want)
				if got.Certification != nil && want.Certification != nil {
					t.Errorf("certification = %+v, want %+v", *got.Certification, *want.Certification)
				}
			}
		})
	}

	// The points the design names, written out rather than derived.
	p := decode[product](t, h.get(t, fmt.Sprintf("/api/v1/products/%d", fx.products["chuanxiong"].ID)))
	if len(p.SKUs) != 2 || p.SKUs[0].Available != 100-30 || p.SKUs[1].Available != 0 {
		t.Errorf("available = %+v, want on hand − reserved: 70 and 0", p.SKUs)
	}
	if len(p.SKUs) > 0 && !reflect.DeepEqual(p.SKUs[0].Tiers, []tier{{10, 2790}, {50, 2590}}) {
		t.Errorf("tiers = %+v", p.SKUs[0].Tiers)
	}
	var helps []string
	for _, pr := range p.Pairings {
		helps = append(helps, pr.Helper.Name+"–"+pr.Partner.Name+" "+pr.Level)
	}
	if want := []string{"上虞区–金口河区 county", "绍兴市–乐山市 city"}; !slices.Equal(helps, want) {
		t.Errorf("Jinkouhe product counts for %v, want %v", helps, want)
	}
	if p.Certification == nil || !p.Certification.ValidToday || !p.Certified {
		t.Errorf("certification = %+v, want valid today", p.Certification)
	}

	res := h.get(t, fmt.Sprintf("/api/v1/products/%d", fx.products["greentea"].ID))
	if !strings.Contains(string(res.Body), `"certification":null`) {
		t.Errorf("uncertified product: body has no \"certification\":null: %s", res.Body)
	}
	kiwi := decode[product](t, h.get(t, fmt.Sprintf("/api/v1/products/%d", fx.products["kiwi"].ID)))
	if kiwi.Certification == nil || kiwi.Certification.ValidToday || kiwi.Certified {
		t.Errorf("expired certificate: %+v certified=%v, want valid_today false", kiwi.Certification, kiwi.Certified)
	}
}

func testHidden(t *testing.T, h *harness, fx *fixture) {
	for key, id := range fx.hidden {
		t.Run(key, func(t *testing.T) {
			res := h.get(t, fmt.Sprintf("/api/v1/products/%d", id))
			wantStatus(t, res, http.StatusNotFound)
			if got := decode[errorBody](t, res).Error.Code; got != "not_found" {
				t.Errorf("code = %q, want not_found", got)
			}
			for _, q := range []string{"", "category=meat", "origin=511113", "q=土鸡蛋", "q=腊肉", "certified=true"} {
				got := decode[page[productSummary]](t, h.get(t, "/api/v1/products?page_size=100&"+q))
				for _, p := range got.Items {
					if p.ID == id {
						t.Errorf("?%s lists hidden product %s", q, key)
					}
				}
			}
		})
	}
}

func testBadInput(t *testing.T, h *harness) {
	for _, tc := range []struct {
		target     string
		wantStatus int
		wantCode   string
		wantFields []string // the fields named, for 422
	}{
		{"/api/v1/products?page=-1", 422, "invalid", []string{"page"}},
		{"/api/v1/products?page=0", 422, "invalid", []string{"page"}},
		{"/api/v1/products?page=abc", 422, "invalid", []string{"page"}},
		{"/api/v1/products?page=1000001", 422, "invalid", []string{"page"}},
		{"/api/v1/products?page_size=0", 422, "invalid", []string{"page_size"}},
		{"/api/v1/products?page_size=-5", 422, "invalid", []string{"page_size"}},
		{"/api/v1/products?page_size=99999999999999999999", 422, "invalid", []string{"page_size"}},
		{"/api/v1/products?sort=cheapest", 422, "invalid", []string{"sort"}},
		{"/api/v1/products?certified=maybe", 422, "invalid", []string{"certified"}},
		{"/api/v1/products?pairing=abc", 422, "invalid", []string{"pairing"}},
		{"/api/v1/products?pairing=0", 422, "invalid", []string{"pairing"}},
		{"/api/v1/products?pairing=999999", 422, "invalid", []string{"pairing"}},
		{"/api/v1/products?origin=999999", 422, "invalid", []string{"origin"}},
		{"/api/v1/products?origin=abc", 422, "invalid", []string{"origin"}},
		{"/api/v1/products?category=durian", 422, "invalid", []string{"category"}},
		{"/api/v1/products?q=" + strings.Repeat("茶", 65), 422, "invalid", []string{"q"}},
		{"/api/v1/products?q=%FF", 422, "invalid", []string{"q"}},
		{"/api/v1/products?page=0&sort=x&certified=x", 422, "invalid", []string{"page", "sort", "certified"}},
		{"/api/v1/products?category=durian&origin=999999", 422, "invalid", []string{"category", "origin"}},
		{"/api/v1/regions?page=0", 422, "invalid", []string{"page"}},
		{"/api/v1/pairings?page_size=abc", 422, "invalid", []string{"page_size"}},
		{"/api/v1/categories?page=-3", 422, "invalid", []string{"page"}},
		{"/api/v1/products/abc", 400, "invalid_id", nil},
		{"/api/v1/products/0", 400, "invalid_id", nil},
		{"/api/v1/products/-1", 400, "invalid_id", nil},
		{"/api/v1/products/1.5", 400, "invalid_id", nil},
		{"/api/v1/products/99999999999999999999", 400, "invalid_id", nil},
		{"/api/v1/products/9223372036854775807", 404, "not_found", nil},
		{"/api/v1/products/123456789", 404, "not_found", nil},
		{"/api/v1/nowhere", 404, "not_found", nil},
		{"/api/v1/products/1/skus", 404, "not_found", nil},
	} {
		t.Run(tc.target, func(t *testing.T) {
			res := h.getBad(t, tc.target)
			wantStatus(t, res, tc.wantStatus)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			body := decode[errorBody](t, res)
			if body.Error.Code != tc.wantCode || body.Error.Message == "" {
				t.Errorf("error = %+v, want code %q and a message", body.Error, tc.wantCode)
			}
			var fields []string
			for _, f := range body.Error.Fields {
				fields = append(fields, f.Field)
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Field)
				}
			}
			if !slices.Equal(fields, tc.wantFields) {
				t.Errorf("fields = %v, want %v", fields, tc.wantFields)
			}
		})
	}
}
