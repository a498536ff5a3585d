package storetest

// The catalogue list: keyword, category, origin, pairing and certified
// filters, sorts and pages, over a fixture whose answers the test knows
// because it inserted them.

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"shanhai/model"
	"shanhai/model/store"
)

// listed is one fixture product and what the test knows about it.
type listed struct {
	key      string
	p        *model.Product
	supplier *model.Supplier
	minPrice int64 // the lowest SKU price the test gave
	visible  bool  // on sale and its supplier active
	cert     bool  // certified on catalogue.today
}

type catalogue struct {
	today    string
	items    map[string]*listed
	order    []string // keys in insertion (id) order
	pairings map[string]*model.Pairing
}

// Region names of the fixture's counties and cities, from GB/T 2260.
var regionNames = map[string]string{
	"511113": "金口河区", "511132": "峨边彝族自治县", "511133": "马边彝族自治县", "511100": "乐山市",
	"513226": "金川县", "513200": "阿坝藏族羌族自治州",
	"330881": "江山市", "330800": "衢州市", "331127": "景宁畲族自治县", "331100": "丽水市",
}

// buildCatalogue inserts thirteen products, ten of them listed (on sale, of
// an active supplier), certified in every way the rules distinguish, judged
// on 2024-06-15.
func buildCatalogue(t *testing.T, h Harness) *catalogue {
	c := &catalogue{today: "2024-06-15", items: map[string]*listed{}, pairings: map[string]*model.Pairing{}}
	sup := map[string]*model.Supplier{
		"A": mustSupplier(t, h, "金口河茶业", "511113", model.SupplierActive),
		"B": mustSupplier(t, h, "马边农庄", "511133", model.SupplierActive),
		"C": mustSupplier(t, h, "峨边山货", "511132", model.SupplierSuspended),
		"D": mustSupplier(t, h, "金川牧场", "513226", model.SupplierActive),
		"E": mustSupplier(t, h, "江山蜂业", "330881", model.SupplierActive),
		"F": mustSupplier(t, h, "景宁惠明", "331127", model.SupplierActive),
		"G": mustSupplier(t, h, "景宁合作社", "331127", model.SupplierPending),
	}
	type cert struct{ from, to string }
	for _, f := range []struct {
		key, sup, name, category, brand string
		prices                          []int64
		certs                           []cert // oldest first; the last is current
		revoke, offSale                 bool
		certified                       bool // on 2024-06-15, by the rules
	}{
		{"p1", "A", "金口河高山茶", "tea", "高山云雾", []int64{3800, 2600}, []cert{{"2024-01-01", "2024-12-31"}}, false, false, true},
		{"p2", "A", "川贝母", "herbs", "", []int64{12000}, []cert{{"2024-06-15", "2025-06-14"}}, false, false, true},                                         // from today
		{"p3", "B", "高山茶", "tea", "", []int64{2600}, []cert{{"2023-06-15", "2024-06-15"}}, false, false, true},                                            // to today
		{"p4", "B", "马边竹笋", "vegetables", "", []int64{990}, []cert{{"2024-01-01", "2024-06-14"}}, false, false, false},                                    // ended yesterday
		{"p5", "D", "高山茶", "tea", "", []int64{5000}, []cert{{"2024-06-16", "2025-06-15"}}, false, false, false},                                           // starts tomorrow
		{"p6", "D", "牦牛肉干", "meat", "", []int64{8800}, []cert{{"2024-01-01", "2024-12-31"}}, true, false, false},                                          // revoked
		{"p7", "E", "江山蜂蜜", "honey", "蜂之乡", []int64{6800, 4500}, []cert{{"2024-01-01", "2024-12-31"}, {"2023-01-01", "2023-12-31"}}, false, false, false}, // newer expired
		{"p8", "E", "100%纯蜂蜜", "honey", "", []int64{6800}, []cert{{"2023-01-01", "2023-12-31"}, {"2024-01-01", "2025-12-31"}}, false, false, true},        // newer valid
		{"p9", "F", "山_茶", "tea", "", []int64{2600}, nil, false, false, false},
		{"p10", "F", "惠明茶", "tea", "", []int64{15800}, []cert{{"2024-01-01", "2024-12-31"}}, false, true, true},
		{"p11", "C", "峨边核桃", "fruit", "", []int64{3000}, []cert{{"2024-01-01", "2024-12-31"}}, false, false, true},
		{"p12", "G", "景宁香菇", "mushrooms", "", []int64{2000}, []cert{{"2024-01-01", "2024-12-31"}}, false, false, true},
		{"p13", "F", "景宁香菇", "mushrooms", "", []int64{2000}, []cert{{"2024-01-01", "2025-12-31"}}, false, false, true},
	} {
		s := sup[f.sup]
		p := &model.Product{SupplierID: s.ID, Name: f.name, CategoryCode: f.category, Brand: f.brand, OriginCode: s.RegionCode, OnSale: true}
		skus := make([]model.SKU, len(f.prices))
		for i, price := range f.prices {
			skus[i] = model.SKU{Spec: "规格", Unit: "件", PriceCents: price, OnHand: 5}
		}
		if err := h.Store.CreateProduct(t.Context(), p, skus); err != nil {
			t.Fatalf("create %s: %v", f.key, err)
		}
		for _, ct := range f.certs {
			mustCertify(t, h, p.ID, ct.from, ct.to)
		}
		if n := len(f.certs); n > 0 {
			// the product carries its current (newest) certificate
			p.CertStatus, p.CertValidFrom, p.CertValidTo = model.CertValid, f.certs[n-1].from, f.certs[n-1].to
		}
		if f.revoke {
			if err := h.Store.RevokeCertification(t.Context(), p.ID); err != nil {
				t.Fatal(err)
			}
			p.CertStatus = model.CertRevoked
		}
		if f.offSale {
			if err := h.Store.SetProductOnSale(t.Context(), p.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		c.items[f.key] = &listed{key: f.key, p: p, supplier: s, minPrice: slices.Min(f.prices), visible: !f.offSale && s.Status == model.SupplierActive, cert: f.certified}
		c.order = append(c.order, f.key)
	}
	for _, p := range []struct {
		key, programme, level, helper, partner string
	}{
		{"上虞–金口河", model.ProgrammeEastWest, model.LevelCounty, "330604", "511113"},
		{"绍兴–乐山", model.ProgrammeEastWest, model.LevelCity, "330600", "511100"},
		{"柯桥–金川", model.ProgrammeEastWest, model.LevelCounty, "330603", "513226"},
		{"柯桥–江山", model.ProgrammeMountainSea, model.LevelCounty, "330603", "330881"},
		{"绍兴–丽水", model.ProgrammeMountainSea, model.LevelCity, "330600", "331100"},
		{"越城–开化", model.ProgrammeMountainSea, model.LevelCounty, "330602", "330824"},
	} {
		c.pairings[p.key] = mustPairing(t, h, p.programme, p.level, p.helper, p.partner, true)
	}
	return c
}

// ids are the products of keys, newest first (the default sort).
func (c *catalogue) ids(keys ...string) []int64 {
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = c.items[k].p.ID
	}
	slices.SortFunc(out, func(a, b int64) int { return cmp.Compare(b, a) })
	return out
}

// visible lists the listed products, in id order.
func (c *catalogue) visible() []*listed {
	var out []*listed
	for _, k := range c.order {
		if c.items[k].visible {
			out = append(out, c.items[k])
		}
	}
	return out
}

func testProducts(t *testing.T, h Harness) {
	c := buildCatalogue(t, h)
	list := func(t *testing.T, q model.ProductQuery) model.Page[model.ProductSummary] {
		t.Helper()
		if q.Page == 0 {
			q.Page, q.PageSize = 1, 100
		}
		if q.Today == "" {
			q.Today = c.today
		}
		page, err := h.Store.Products(t.Context(), q)
		if err != nil {
			t.Fatalf("Products(%+v): %v", q, err)
		}
		return page
	}
	idsOf := func(items []model.ProductSummary) []int64 {
		out := make([]int64, len(items))
		for i, it := range items {
			out[i] = it.ID
		}
		return out
	}

	t.Run("summaries", func(t *testing.T) {
		page := list(t, model.ProductQuery{})
		vis := c.visible()
		if page.Total != int64(len(vis)) || len(page.Items) != len(vis) {
			t.Fatalf("got %d items of %d, want %d", len(page.Items), page.Total, len(vis))
		}
		cats := map[string]string{"tea": "茶叶", "herbs": "中药材", "vegetables": "蔬菜", "meat": "肉禽蛋", "honey": "蜂蜜", "mushrooms": "食用菌与山珍干货"}
		for _, it := range page.Items {
			var l *listed
			for _, v := range vis {
				if v.p.ID == it.ID {
					l = v
				}
			}
			if l == nil {
				t.Errorf("product %d %s listed, but it is not visible", it.ID, it.Name)
				continue
			}
			want := model.ProductSummary{Product: *l.p, CategoryName: cats[l.p.CategoryCode],
				OriginName: regionNames[l.p.OriginCode], SupplierName: l.supplier.Name, Certified: l.cert}
			want.PriceMinCents = l.minPrice
			if it != want {
				t.Errorf("%s:\n got %+v\nwant %+v", l.key, it, want)
			}
		}
	})

	yes, no := true, false
	filters := []struct {
		name string
		q    model.ProductQuery
		want []string
	}{
		{"no filter", model.ProductQuery{}, []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p13"}},
		{"keyword in a name", model.ProductQuery{Q: "川贝"}, []string{"p2"}},
		{"keyword in names and a brand", model.ProductQuery{Q: "高山"}, []string{"p1", "p3", "p5"}},
		{"keyword in a brand only", model.ProductQuery{Q: "云雾"}, []string{"p1"}},
		{"keyword in another brand", model.ProductQuery{Q: "蜂之乡"}, []string{"p7"}},
		{"keyword in a name or the origin's name", model.ProductQuery{Q: "金口河"}, []string{"p1", "p2"}},
		{"keyword is the origin county", model.ProductQuery{Q: "金川"}, []string{"p5", "p6"}},
		{"keyword is the origin's city", model.ProductQuery{Q: "乐山"}, []string{"p1", "p2", "p3", "p4"}},
		{"keyword is a prefecture", model.ProductQuery{Q: "阿坝"}, []string{"p5", "p6"}},
		{"keyword is another city", model.ProductQuery{Q: "丽水"}, []string{"p9", "p13"}},
		// punctuation separates words and is never a wildcard
		{"percent alone finds nothing", model.ProductQuery{Q: "%"}, nil},
		{"underscore alone finds nothing", model.ProductQuery{Q: "_"}, nil},
		{"a word beside a percent sign", model.ProductQuery{Q: "100%"}, []string{"p8"}},
		{"words beside an underscore: each is a word", model.ProductQuery{Q: "山_茶"}, []string{"p9", "p5", "p3", "p1"}},
		{"the escape character is literal", model.ProductQuery{Q: "!"}, nil},
		{"supplier names are not searched", model.ProductQuery{Q: "惠明"}, nil},
		{"keyword matching nothing", model.ProductQuery{Q: "咖啡"}, nil},
		{"keyword of a hidden product", model.ProductQuery{Q: "核桃"}, nil},
		{"category", model.ProductQuery{Category: "tea"}, []string{"p1", "p3", "p5", "p9"}},
		{"category honey", model.ProductQuery{Category: "honey"}, []string{"p7", "p8"}},
		{"category of hidden products only", model.ProductQuery{Category: "fruit"}, nil},
		{"origin county", model.ProductQuery{Origin: "511113"}, []string{"p1", "p2"}},
		{"origin city", model.ProductQuery{Origin: "511100"}, []string{"p1", "p2", "p3", "p4"}},
		{"origin prefecture", model.ProductQuery{Origin: "513200"}, []string{"p5", "p6"}},
		{"origin province Sichuan", model.ProductQuery{Origin: "510000"}, []string{"p1", "p2", "p3", "p4", "p5", "p6"}},
		{"origin province Zhejiang", model.ProductQuery{Origin: "330000"}, []string{"p7", "p8", "p9", "p13"}},
		{"origin city Lishui", model.ProductQuery{Origin: "331100"}, []string{"p9", "p13"}},
		{"origin county with nothing", model.ProductQuery{Origin: "330824"}, nil},
		{"origin a helper city", model.ProductQuery{Origin: "330600"}, nil},
		{"county pairing", model.ProductQuery{PairingID: c.pairings["上虞–金口河"].ID}, []string{"p1", "p2"}},
		{"city pairing", model.ProductQuery{PairingID: c.pairings["绍兴–乐山"].ID}, []string{"p1", "p2", "p3", "p4"}},
		{"county pairing in Aba", model.ProductQuery{PairingID: c.pairings["柯桥–金川"].ID}, []string{"p5", "p6"}},
		{"mountain–sea county pairing", model.ProductQuery{PairingID: c.pairings["柯桥–江山"].ID}, []string{"p7", "p8"}},
		{"mountain–sea city pairing", model.ProductQuery{PairingID: c.pairings["绍兴–丽水"].ID}, []string{"p9", "p13"}},
		{"pairing without products", model.ProductQuery{PairingID: c.pairings["越城–开化"].ID}, nil},
		{"unknown pairing", model.ProductQuery{PairingID: c.pairings["越城–开化"].ID + 100}, nil},
		{"certified", model.ProductQuery{Certified: &yes}, []string{"p1", "p2", "p3", "p8", "p13"}},
		{"not certified", model.ProductQuery{Certified: &no}, []string{"p4", "p5", "p6", "p7", "p9"}},
		{"certified the day before", model.ProductQuery{Certified: &yes, Today: "2024-06-14"}, []string{"p1", "p3", "p4", "p8", "p13"}},
		{"certified a year later", model.ProductQuery{Certified: &yes, Today: "2025-06-15"}, []string{"p5", "p8", "p13"}},
		{"keyword, category and certified", model.ProductQuery{Q: "茶", Category: "tea", Certified: &yes}, []string{"p1", "p3"}},
		{"origin and not certified", model.ProductQuery{Origin: "511100", Certified: &no}, []string{"p4"}},
		{"pairing and category", model.ProductQuery{PairingID: c.pairings["绍兴–乐山"].ID, Category: "tea"}, []string{"p1", "p3"}},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			page := list(t, tc.q)
			got, want := idsOf(page.Items), c.ids(tc.want...)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (%v)", got, want, tc.want)
			}
			if page.Total != int64(len(want)) {
				t.Errorf("Total: got %d, want %d", page.Total, len(want))
			}
		})
	}

	// Certified flags on the rows agree with the filter, whatever the day.
	for _, today := range []string{"2024-06-14", "2024-06-15", "2025-06-15"} {
		all := list(t, model.ProductQuery{Today: today})
		certified := list(t, model.ProductQuery{Today: today, Certified: &yes})
		in := map[int64]bool{}
		for _, it := range certified.Items {
			in[it.ID] = true
		}
		for _, it := range all.Items {
			if it.Certified != in[it.ID] {
				t.Errorf("%s: product %d flagged certified=%v, but the certified filter says %v", today, it.ID, it.Certified, in[it.ID])
			}
		}
	}

	// Sorts: built from the prices and names the test inserted; ties by id.
	byPrice := func(desc bool) func(a, b *listed) int {
		return func(a, b *listed) int {
			d := cmp.Compare(minOf(a), minOf(b))
			if desc {
				d = -d
			}
			return cmp.Or(d, cmp.Compare(a.p.ID, b.p.ID))
		}
	}
	sorts := []struct {
		sort string
		by   func(a, b *listed) int
	}{
		{model.SortNewest, func(a, b *listed) int { return cmp.Compare(b.p.ID, a.p.ID) }},
		{"", func(a, b *listed) int { return cmp.Compare(b.p.ID, a.p.ID) }},
		{model.SortPriceAsc, byPrice(false)},
		{model.SortPriceDesc, byPrice(true)},
		// Names hold no Latin letters, so byte order is also MySQL's utf8mb4_general_ci order.
		{model.SortName, func(a, b *listed) int {
			return cmp.Or(strings.Compare(a.p.Name, b.p.Name), cmp.Compare(a.p.ID, b.p.ID))
		}},
	}
	for _, tc := range sorts {
		t.Run("sort "+cmp.Or(tc.sort, "default"), func(t *testing.T) {
			vis := c.visible()
			slices.SortFunc(vis, tc.by)
			want := make([]int64, len(vis))
			for i, l := range vis {
				want[i] = l.p.ID
			}
			page := list(t, model.ProductQuery{Sort: tc.sort})
			if got := idsOf(page.Items); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			// Pages of 3 put together give the same list.
			var paged []int64
			for p := 1; ; p++ {
				page := list(t, model.ProductQuery{Sort: tc.sort, Page: p, PageSize: 3})
				if page.Total != int64(len(want)) || page.Page != p || page.PageSize != 3 {
					t.Errorf("page %d: Total %d Page %d PageSize %d, want %d %d 3", p, page.Total, page.Page, page.PageSize, len(want), p)
				}
				if len(page.Items) == 0 {
					if p != (len(want)+2)/3+1 {
						t.Errorf("page %d empty, want %d pages", p, (len(want)+2)/3)
					}
					break
				}
				if len(page.Items) > 3 {
					t.Errorf("page %d: %d items", p, len(page.Items))
				}
				paged = append(paged, idsOf(page.Items)...)
			}
			if !slices.Equal(paged, want) {
				t.Errorf("paged: got %v, want %v", paged, want)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		vis := c.visible() // 10 listed
		for _, tc := range []struct {
			page, size int
			wantItems  int
		}{
			{1, 10, 10},
			{1, 100, 10},
			{2, 4, 4},
			{3, 4, 2},
			{4, 4, 0},
			{2, 10, 0},
			{50, 20, 0},
		} {
			page := list(t, model.ProductQuery{Sort: model.SortName, Page: tc.page, PageSize: tc.size})
			if len(page.Items) != tc.wantItems || page.Total != int64(len(vis)) {
				t.Errorf("page %d of %d: got %d items of %d, want %d of %d", tc.page, tc.size, len(page.Items), page.Total, tc.wantItems, len(vis))
			}
			if page.Items == nil {
				t.Errorf("page %d of %d: Items is nil, want an empty list", tc.page, tc.size)
			}
		}
	})

	// A cold list or detail (no cache in front) costs at most two round
	// trips, whatever its filters, sort and page: the count and the page; the
	// product with its supplier, origin, category, certificate, pairings and
	// images, then its SKUs with their tiers.
	t.Run("round trips", func(t *testing.T) {
		var queries []model.ProductQuery
		for _, f := range filters {
			queries = append(queries, f.q)
		}
		for _, s := range sorts {
			queries = append(queries, model.ProductQuery{Sort: s.sort}, model.ProductQuery{Sort: s.sort, Category: "tea", Page: 2, PageSize: 1})
		}
		for _, q := range queries {
			if q.Page == 0 {
				q.Page, q.PageSize = 1, 100
			}
			if q.Today == "" {
				q.Today = c.today
			}
			ctx, count := store.CountStatements(t.Context())
			if _, err := h.Store.Products(ctx, q); err != nil {
				t.Fatal(err)
			}
			// Only punctuation to search for answers with no query at all.
			nothing := q.Q != "" && len(model.SearchTerms(q.Q)) == 0
			if n := count(); n > 2 || n < 1 && !nothing {
				t.Errorf("Products(%+v): %d statements, want 1 or 2", q, n)
			}
		}
		for _, key := range c.order {
			ctx, count := store.CountStatements(t.Context())
			if _, err := h.Store.Product(ctx, c.items[key].p.ID); err != nil {
				t.Fatal(err)
			}
			if n := count(); n > 2 || n < 1 {
				t.Errorf("Product(%s): %d statements, want 1 or 2", key, n)
			}
		}
	})

	t.Run("detail pairings", func(t *testing.T) {
		for _, tc := range []struct {
			key  string
			want []string
		}{
			{"p1", []string{"上虞–金口河", "绍兴–乐山"}},
			{"p4", []string{"绍兴–乐山"}},
			{"p6", []string{"柯桥–金川"}},
			{"p8", []string{"柯桥–江山"}},
			{"p13", []string{"绍兴–丽水"}},
		} {
			d, err := h.Store.Product(t.Context(), c.items[tc.key].p.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []int64
			for _, p := range d.Pairings {
				got = append(got, p.ID)
			}
			for _, k := range tc.want {
				want = append(want, c.pairings[k].ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: pairings %v, want %v (%v)", tc.key, got, want, tc.want)
			}
		}
	})
}

func minOf(l *listed) int64 { return l.minPrice }
