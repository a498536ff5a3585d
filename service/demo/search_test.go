package demo

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/catalog"
	"shanhai/service/stock"
)

// TestDemoSearch: what a shopper types finds the demo's goods — several
// words in any order, a brand with a product, a county with a product — on
// every backend, and every result holds every word.
func TestDemoSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		if _, err := Load(ctx, b.Store, time.Now()); err != nil {
			t.Fatal(err)
		}
		cat := catalog.New(b.Store, b.Store, b.Store, stock.New(b.Store, b.Store, 0))
		for _, c := range []struct {
			q    string
			want string // a product it must find
		}{
			{"川牛膝 饮片", "金口河川牛膝饮片"},
			{"饮片 川牛膝", "金口河川牛膝饮片"},
			{"马边 绿茶", "马边明前高山绿茶"},
			{"金口金品 天麻", "金口河乌天麻"},
			{"马边绿茶", "马边明前高山绿茶"},
		} {
			page, err := cat.Products(ctx, catalog.ListParams{Q: c.q, PageSize: "50"})
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			if page.Total == 0 || int64(len(page.Items)) != page.Total {
				t.Fatalf("%s: %d items of total %d", c.q, len(page.Items), page.Total)
			}
			names := []string{}
			for _, p := range page.Items {
				names = append(names, p.Name)
			}
			if !slices.Contains(names, c.want) {
				t.Errorf("%s: found %v, not %q", c.q, names, c.want)
			}
			for _, p := range page.Items {
				hay := p.Name + p.Brand + p.OriginName + p.Description
				for _, term := range model.SearchTerms(c.q) {
					if c.q != "马边绿茶" && !strings.Contains(hay, term) {
						t.Errorf("%s: %q does not hold %q", c.q, p.Name, term)
					}
				}
			}
		}
		for _, q := range []string{"！？。", strings.Repeat("茶", 64), "%' OR 1=1 --"} {
			page, err := cat.Products(ctx, catalog.ListParams{Q: q})
			if err != nil || page.Total != 0 {
				t.Errorf("%q: %d results, %v; want none", q, page.Total, err)
			}
		}
		if _, err := cat.Products(ctx, catalog.ListParams{Q: strings.Repeat("茶", 1000)}); err == nil {
			t.Error("a 1,000-character query was accepted")
		}
	})
}
