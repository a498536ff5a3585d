package store_test

import (
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// BenchmarkRegionTree is what crediting an order costs to learn the region
// tree, on the migrated national table (over 3,000 regions): "read" reads
// every region and indexes them, as each crediting transaction did; "count"
// counts them, as it does now while the tree it keeps is current.
//
//	go test ./model/store -run '^$' -bench RegionTree   # SQLite, and MariaDB with SHANHAI_TEST_MYSQL
func BenchmarkRegionTree(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			ctx := b.Context()
			b.Run("read", func(b *testing.B) {
				for b.Loop() {
					regions, err := be.Store.Regions(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if len(model.NewRegionTree(regions)) < 3000 {
						b.Fatalf("%d regions, want the national table", len(regions))
					}
				}
			})
			b.Run("count", func(b *testing.B) {
				for b.Loop() {
					n, err := be.Store.RegionCount(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if n < 3000 {
						b.Fatalf("%d regions, want the national table", n)
					}
				}
			})
		})
	}
}
