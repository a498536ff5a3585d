package storetest

// The conformance suite: one set of tests every store runs on every backend
// (SQLite, MySQL, and later the cache-wrapped store), after mattermost's
// storetest. Each test gets a fresh database from the caller, builds its
// expected answers from what it inserted itself, and checks what was really
// stored by SQL on the database underneath, not only through the store.

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"shanhai/model"
)

// Subject is what the suite exercises: *store.Store, or a layer over it that
// offers the same methods (the cache).
type Subject interface {
	Regions(ctx context.Context) ([]model.Region, error)
	RegionCount(ctx context.Context) (int64, error)
	Region(ctx context.Context, code string) (*model.Region, error)
	Categories(ctx context.Context) ([]model.Category, error)
	Category(ctx context.Context, code string) (*model.Category, error)
	Pairings(ctx context.Context) ([]model.PairingView, error)
	Pairing(ctx context.Context, id int64) (*model.PairingView, error)
	CreatePairing(ctx context.Context, p *model.Pairing) error
	Supplier(ctx context.Context, id int64) (*model.Supplier, error)
	CreateSupplier(ctx context.Context, sup *model.Supplier) error
	SetSupplierStatus(ctx context.Context, id int64, status string) ([]int64, error)
	CreateProduct(ctx context.Context, p *model.Product, skus []model.SKU) error
	SetProductOnSale(ctx context.Context, id int64, onSale bool) error
	UpdateProduct(ctx context.Context, id int64, p model.ProductPatch) error
	SKU(ctx context.Context, id int64) (*model.SKU, error)
	SetSKUPrice(ctx context.Context, skuID, priceCents int64) (int64, error)
	AdjustStock(ctx context.Context, skuID, delta int64) (int64, error)
	Certify(ctx context.Context, c *model.Certification) error
	RevokeCertification(ctx context.Context, productID int64) error
	Product(ctx context.Context, id int64) (*model.ProductDetail, error)
	Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error)
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AfterCommit(ctx context.Context, f func())
}

// Harness is one fresh, migrated database for one conformance test.
type Harness struct {
	Store Subject // what the test exercises
	SQL   *sql.DB // the database underneath, read directly to check what is stored
}

// RunConformance runs every conformance test as a subtest of t; fresh gives
// each test a database of its own, so no test sees another's rows.
func RunConformance(t *testing.T, fresh func(t *testing.T) Harness) {
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"ReferenceData", testReferenceData},
		{"Pairings", testPairings},
		{"Suppliers", testSuppliers},
		{"ProductDetail", testProductDetail},
		{"SKUPrice", testSKUPrice},
		{"ProductOnSale", testProductOnSale},
		{"Certification", testCertification},
		{"Products", testProducts},
		{"Search", testSearch},
		{"AdjustStock", testAdjustStock},
		{"AdjustStockConcurrently", testAdjustStockConcurrently},
		{"ReadsWhileWriting", testReadsWhileWriting},
		{"Transactions", testTransactions},
		{"RollupFeed", testRollupFeed},
		{"RollupOverlappingWorkers", testRollupOverlappingWorkers},
		{"RollupConcurrentWorkers", testRollupConcurrentWorkers},
		{"RebuildRollups", testRebuildRollups},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, fresh(t)) })
	}
}

// FromBackend is the harness of a plain SQL store.
func FromBackend(b Backend) Harness {
	return Harness{Store: b.Store, SQL: b.Store.DB()}
}

// --- helpers shared by the suite's files ---

// queryInt64 is a single integer read straight from the database.
func queryInt64(t *testing.T, h Harness, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := h.SQL.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return n
}

// exec runs a statement straight on the database, e.g. to simulate reservations.
func exec(t *testing.T, h Harness, query string, args ...any) {
	t.Helper()
	if _, err := h.SQL.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
}

// errorIs compares an error with the wanted kind (nil for success).
func errorIs(t *testing.T, what string, got, want error) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("%s: got error %v, want none", what, got)
	case want != nil && !errors.Is(got, want):
		t.Errorf("%s: got error %v, want %v", what, got, want)
	}
}

func mustSupplier(t *testing.T, h Harness, name, region, status string) *model.Supplier {
	t.Helper()
	s := &model.Supplier{Name: name, RegionCode: region, Status: status}
	if err := h.Store.CreateSupplier(t.Context(), s); err != nil {
		t.Fatalf("create supplier %s: %v", name, err)
	}
	return s
}

// mustProduct creates an on-sale product of sup, from sup's county, with one
// SKU per price (10 units on hand each).
func mustProduct(t *testing.T, h Harness, sup *model.Supplier, name, category string, prices ...int64) (*model.Product, []model.SKU) {
	t.Helper()
	p := &model.Product{SupplierID: sup.ID, Name: name, CategoryCode: category, OriginCode: sup.RegionCode, OnSale: true}
	skus := make([]model.SKU, len(prices))
	for i, price := range prices {
		skus[i] = model.SKU{Spec: "规格", Unit: "件", PriceCents: price, OnHand: 10}
	}
	if err := h.Store.CreateProduct(t.Context(), p, skus); err != nil {
		t.Fatalf("create product %s: %v", name, err)
	}
	return p, skus
}

func mustCertify(t *testing.T, h Harness, productID int64, from, to string) *model.Certification {
	t.Helper()
	c := &model.Certification{ProductID: productID, CertificateNo: "BF-" + from + "-" + to, Issuer: "绍兴市农业农村局",
		ValidFrom: from, ValidTo: to}
	if err := h.Store.Certify(t.Context(), c); err != nil {
		t.Fatalf("certify product %d: %v", productID, err)
	}
	return c
}

func mustPairing(t *testing.T, h Harness, programme, level, helper, partner string, active bool) *model.Pairing {
	t.Helper()
	p := &model.Pairing{Programme: programme, Level: level, HelperCode: helper, PartnerCode: partner, SinceYear: 2021, Active: active}
	if err := h.Store.CreatePairing(t.Context(), p); err != nil {
		t.Fatalf("create pairing %s→%s: %v", helper, partner, err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }
