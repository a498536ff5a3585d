package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"shanhai/model"
	"shanhai/model/store"
)

// testSearch: the catalogue search finds, counts and ranks what the plain
// LIKE over the searched fields would (the search index only narrows the
// candidates), words typed together or apart, across name, brand, origin
// and description; odd input finds nothing or what it spells, never an
// error; an edited product is found by its new text at once.
func testSearch(t *testing.T, h Harness) {
	ctx := t.Context()
	ma := mustSupplier(t, h, "马边农庄", "511133", model.SupplierActive)  // 马边彝族自治县, 乐山市
	jk := mustSupplier(t, h, "金口河茶业", "511113", model.SupplierActive) // 金口河区, 乐山市
	ids := map[string]int64{}
	for _, f := range []struct {
		key, name, brand, desc string
		sup                    *model.Supplier
	}{
		{"niuxi", "川牛膝饮片", "", "切制饮片", jk},
		{"niuxi2", "牛膝", "川牛", "", jk},       // 川牛膝 in no field whole
		{"greentea", "绿茶", "", "高山云雾", ma},   // 马边 from the origin, 绿茶 from the name
		{"mabiantea", "马边绿茶", "", "", jk},    // the whole term in the name
		{"tianma", "天麻", "金口金品", "", jk},     // the brand
		{"tianma2", "天麻片", "", "金口金品出品", ma}, // the description
		{"meta", "100%纯_蜜!'\\", "", "", ma},
		{"latin", "Green Tea 500g", "ABC", "", ma},
	} {
		p := &model.Product{SupplierID: f.sup.ID, Name: f.name, Brand: f.brand, Description: f.desc,
			CategoryCode: "tea", OriginCode: f.sup.RegionCode, OnSale: true}
		if err := h.Store.CreateProduct(ctx, p, []model.SKU{{Spec: "规格", Unit: "件", PriceCents: 100, OnHand: 1}}); err != nil {
			t.Fatalf("create %s: %v", f.key, err)
		}
		ids[f.key] = p.ID
	}
	search := func(t *testing.T, q string) ([]int64, int64) {
		t.Helper()
		cctx, count := store.CountStatements(ctx)
		page, err := h.Store.Products(cctx, model.ProductQuery{Q: q, Sort: model.SortRelevance, Page: 1, PageSize: 100, Today: "2024-06-15"})
		if err != nil {
			t.Fatalf("Products(%q): %v", q, err)
		}
		if n := count(); n > 2 {
			t.Errorf("Products(%q): %d statements, want at most 2", q, n)
		}
		var got []int64
		for _, it := range page.Items {
			got = append(got, it.ID)
		}
		return got, page.Total
	}
	long := strings.Repeat("茶", 1000)
	for _, tc := range []struct {
		name, q string
		want    []string // in rank order
	}{
		{"a term and a word: 川牛膝 饮片", "川牛膝 饮片", []string{"niuxi"}},
		{"川牛膝 alone", "川牛膝", []string{"niuxi"}},
		{"origin and name apart: 马边 绿茶", "马边 绿茶", []string{"mabiantea", "greentea"}},
		{"origin and name together: 马边绿茶", "马边绿茶", []string{"mabiantea", "greentea"}},
		{"brand before description: 金口金品 天麻", "金口金品 天麻", []string{"tianma", "tianma2"}},
		{"one character: 麻", "麻", []string{"tianma2", "tianma"}},
		{"punctuation only", "！？、,.;%_", nil},
		{"1,000 characters", long, nil},
		{"percent", "%", nil},
		{"underscore", "_", nil},
		{"escape character", "!", nil},
		{"quote", "'", nil},
		{"backslash", "\\", nil},
		{"metacharacters around words", "100%纯_蜜!'\\", []string{"meta"}},
		{"a word beside metacharacters", "纯' OR 1=1 --", nil},
		{"Latin, any case", "GREEN tea", []string{"latin"}},
		{"two letters", "ab", []string{"latin"}},
		{"digits and letters", "500G", []string{"latin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total := search(t, tc.q)
			var want []int64
			for _, k := range tc.want {
				want = append(want, ids[k])
			}
			if !slices.Equal(got, want) || total != int64(len(want)) {
				t.Errorf("%q: got %v (total %d), want %v %v", tc.q, got, total, want, tc.want)
			}
		})
	}

	t.Run("edited then searched at once", func(t *testing.T) {
		name, desc := "黑苦荞茶", "新配方"
		if err := h.Store.UpdateProduct(ctx, ids["tianma2"], model.ProductPatch{Name: &name, Description: &desc}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			q    string
			want []int64
		}{
			{"苦荞", []int64{ids["tianma2"]}},
			{"新配方", []int64{ids["tianma2"]}},
			{"天麻片", nil},
			{"金口金品", []int64{ids["tianma"]}},
		} {
			if got, total := search(t, tc.q); !slices.Equal(got, tc.want) || total != int64(len(tc.want)) {
				t.Errorf("%q after the edit: got %v (total %d), want %v", tc.q, got, total, tc.want)
			}
		}
		// Edited in a transaction: searched inside it, the new name is found.
		brand := "荞麦坊"
		err := h.Store.InTx(ctx, func(ctx context.Context) error {
			if err := h.Store.UpdateProduct(ctx, ids["tianma2"], model.ProductPatch{Brand: &brand}); err != nil {
				return err
			}
			page, err := h.Store.Products(ctx, model.ProductQuery{Q: "荞麦坊", Page: 1, PageSize: 10, Today: "2024-06-15"})
			if err != nil {
				return err
			}
			if page.Total != 1 || len(page.Items) != 1 || page.Items[0].ID != ids["tianma2"] {
				return fmt.Errorf("in the edit's transaction: got %+v", page)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
