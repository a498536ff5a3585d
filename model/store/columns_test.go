package store

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"shanhai/model"
)

// TestProductColumns: the detail reads every column of a product and of a
// SKU by name (scanned in order, not by GORM), so a field added to
// model.Product or model.SKU must be added to productColumns and skusSQL
// with its scan destination, or the detail would silently leave it zero.
func TestProductColumns(t *testing.T) {
	for _, tc := range []struct {
		name   string
		model  any
		sql    string
		prefix string
		nDest  int
	}{
		{"products", &model.Product{}, productColumns, "p.", len(productDest(&model.Product{}, nil))},
		{"skus", &model.SKU{}, skusSQL, "k.", 9},
	} {
		s, err := schema.Parse(tc.model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		list, _, _ := strings.Cut(tc.sql, "FROM") // the select list
		var got []string
		for _, m := range regexp.MustCompile(regexp.QuoteMeta(tc.prefix)+`(\w+)`).FindAllStringSubmatch(list, -1) {
			got = append(got, m[1])
		}
		if len(got) != len(s.DBNames) || len(got) != tc.nDest {
			t.Errorf("%s: reads %d columns %v with %d destinations, the model has %d: %v", tc.name, len(got), got, tc.nDest, len(s.DBNames), s.DBNames)
		}
		for _, col := range s.DBNames {
			if !slices.Contains(got, col) {
				t.Errorf("%s: column %s of the model not read", tc.name, col)
			}
		}
	}
}
