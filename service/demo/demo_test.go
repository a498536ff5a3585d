package demo

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/check"
)

// now is late evening UTC on New Year's Eve: already 2026-01-01 in China, so
// the certificate windows must be computed in China time.
var now = time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC)

const today = "2026-01-01"

// counts reads the table sizes straight from the database.
func counts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"pairings", "suppliers", "products", "skus", "sku_tiers", "certifications", "orgs"} {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// want is what one load writes, computed from the tables in data.go.
func want() map[string]int {
	out := map[string]int{"pairings": len(pairings), "suppliers": len(suppliers),
		"products": len(products), "orgs": len(orgs)}
	for _, p := range products {
		out["skus"] += len(p.skus)
		for _, k := range p.skus {
			out["sku_tiers"] += len(k.tiers)
		}
		if p.cert != certNone {
			out["certifications"]++
		}
	}
	return out
}

func sameCounts(t *testing.T, got, want map[string]int) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %d rows, want %d", k, got[k], w)
		}
	}
}

func visible(t *testing.T, st *store.Store) int64 {
	t.Helper()
	page, err := st.Products(context.Background(), model.ProductQuery{Page: 1, PageSize: 100, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}

func TestLoadTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		loaded, err := Load(ctx, b.Store, now)
		if err != nil || !loaded {
			t.Fatalf("first load: got (%v, %v), want (true, nil)", loaded, err)
		}
		first, firstVisible := counts(t, b.Store.DB()), visible(t, b.Store)
		sameCounts(t, first, want())
		if first["pairings"] != 12 || first["products"] < 40 || first["orgs"] < 8 {
			t.Errorf("too little demo data: %v", first)
		}

		loaded, err = Load(ctx, b.Store, now)
		if err != nil || loaded {
			t.Fatalf("second load: got (%v, %v), want (false, nil)", loaded, err)
		}
		sameCounts(t, counts(t, b.Store.DB()), first)
		if got := visible(t, b.Store); got != firstVisible {
			t.Errorf("visible products: got %d after the second load, want %d", got, firstVisible)
		}
		views, err := b.Store.Pairings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(views) != len(pairings) {
			t.Errorf("pairings: got %d, want %d", len(views), len(pairings))
		}
	})
}

// A database with any account never gets the demo's accounts (their password
// is published), whoever that account is.
func TestNoLoadBesideUsers(t *testing.T) {
	for _, role := range []string{model.RoleAdmin, model.RoleConsumer} {
		storetest.Each(t, func(t *testing.T, b storetest.Backend) {
			ctx := context.Background()
			if err := b.Store.CreateUser(ctx, &model.User{Username: "owner", PasswordHash: "x", Role: role}); err != nil {
				t.Fatal(err)
			}
			loaded, err := Load(ctx, b.Store, now)
			if err != nil || loaded {
				t.Fatalf("load beside a %s: got (%v, %v), want (false, nil)", role, loaded, err)
			}
			var users, admins int
			if err := b.Store.DB().QueryRow("SELECT COUNT(*), COALESCE(SUM(username = 'admin'), 0) FROM users").Scan(&users, &admins); err != nil {
				t.Fatal(err)
			}
			if users != 1 || admins != 0 {
				t.Errorf("users after the refused load: got %d (demo admin %d), want only the owner", users, admins)
			}
			for table, n := range counts(t, b.Store.DB()) {
				if n != 0 {
					t.Errorf("%s: %d rows written beside an existing user", table, n)
				}
			}
		})
	}
}

// Replicas starting together all try to load; exactly one copy must result.
func TestLoadConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		other, err := store.Open(b.DSN, 8) // a second replica's pool on the same database
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		stores := []*store.Store{b.Store, other}

		const n = 6
		var wg sync.WaitGroup
		loaded := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				loaded[i], errs[i] = Load(context.Background(), stores[i%2], now)
			}()
		}
		wg.Wait()
		winners := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("load %d: %v", i, errs[i])
			}
			if loaded[i] {
				winners++
			}
		}
		if winners != 1 {
			t.Errorf("loads that reported true: got %d, want 1", winners)
		}
		sameCounts(t, counts(t, b.Store.DB()), want())
	})
}

// The data shows what the demo is for: certificates in every state, perishable
// goods, volume tiers, hidden products, and origins the pairings cover.
func TestLoadedData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		if _, err := Load(ctx, b.Store, now); err != nil {
			t.Fatal(err)
		}
		rows, err := b.Store.DB().Query("SELECT id FROM products ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}

		var uncertified, expired, future, valid, perishable, tiered, offSale, hidden int
		visibleValid := 0
		for _, id := range ids {
			d, err := b.Store.Product(ctx, id)
			if err != nil {
				t.Fatalf("product %d: %v", id, err)
			}
			if d.OriginCode != d.Supplier.RegionCode {
				t.Errorf("%s: origin %s, supplier in %s", d.Name, d.OriginCode, d.Supplier.RegionCode)
			}
			if d.Origin.Level != model.LevelCounty || d.Origin.Side != model.SidePartner {
				t.Errorf("%s: origin %s is a %s on the %q side, want a partner county", d.Name,
					d.Origin.Name, d.Origin.Level, d.Origin.Side)
			}
			if len(d.Pairings) == 0 {
				t.Errorf("%s: no active pairing covers %s", d.Name, d.Origin.Name)
			}
			if n := len(d.SKUs); n < 1 || n > 3 {
				t.Errorf("%s: %d SKUs, want 1 to 3", d.Name, n)
			}
			hasTiers := false
			for _, k := range d.SKUs {
				if k.Spec == "" || k.Unit == "" || k.PriceCents <= 0 || k.OnHand < 50 || k.OnHand > 5000 || k.Reserved != 0 {
					t.Errorf("%s %q: implausible SKU %+v", d.Name, k.Spec, k)
				}
				last := model.Tier{PriceCents: k.PriceCents}
				for _, tr := range k.Tiers {
					if tr.MinQty <= last.MinQty || tr.PriceCents >= last.PriceCents {
						t.Errorf("%s %q: tier %+v does not lower the price of %+v", d.Name, k.Spec, tr, last)
					}
					last = tr
					hasTiers = true
				}
			}
			if hasTiers {
				tiered++
			}
			if d.Perishable {
				perishable++
				if d.ShelfLifeDays <= 0 {
					t.Errorf("%s: perishable without a shelf life", d.Name)
				}
			}
			shown := d.OnSale && d.Supplier.Status == model.SupplierActive
			if !d.OnSale {
				offSale++
			}
			if d.Supplier.Status != model.SupplierActive {
				hidden++
			}
			c := d.Certification
			switch {
			case c == nil:
				uncertified++
			case !model.ValidDate(c.ValidFrom) || !model.ValidDate(c.ValidTo) || c.ValidFrom > c.ValidTo || c.Issuer == "" || c.CertificateNo == "":
				t.Errorf("%s: malformed certificate %+v", d.Name, c)
			case c.ValidTo < today:
				expired++
			case c.ValidFrom > today:
				future++
			case c.ValidOn(today):
				valid++
				if shown {
					visibleValid++
				}
			}
		}
		checks := []struct {
			what     string
			got, min int
		}{
			{"products", len(ids), 40},
			{"uncertified", uncertified, 3},
			{"expired", expired, 2},
			{"not yet valid", future, 1},
			{"valid", valid, len(ids) / 2},
			{"perishable", perishable, 5},
			{"with tiers", tiered, 20},
			{"off sale", offSale, 2},
			{"of a suspended supplier", hidden, 1},
		}
		for _, c := range checks {
			if c.got < c.min {
				t.Errorf("%s: got %d products, want at least %d", c.what, c.got, c.min)
			}
		}

		// The catalogue agrees: hidden products stay out, and "certified" is judged on today.
		yes := true
		page, err := b.Store.Products(ctx, model.ProductQuery{Page: 1, PageSize: 100, Today: today, Certified: &yes})
		if err != nil {
			t.Fatal(err)
		}
		if int(page.Total) != visibleValid {
			t.Errorf("certified visible products: got %d, want %d", page.Total, visibleValid)
		}
		if got, want := visible(t, b.Store), int64(len(ids)-offSale-hidden); got != want {
			t.Errorf("visible products: got %d, want %d", got, want)
		}
	})
}

func TestSuppliersAndOrgs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		if _, err := Load(ctx, b.Store, now); err != nil {
			t.Fatal(err)
		}
		db := b.Store.DB()

		// Every partner county the article names has a supplier, and so does
		// a county reached only through a city pairing (沐川 via 乐山).
		for _, code := range []string{"511113", "511133", "511132", "513226", "331121", "331127", "330824", "330881", "330328", "511129"} {
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM suppliers WHERE region_code = ? AND status = ?",
				code, model.SupplierActive).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("no active supplier in %s", code)
			}
		}
		// Every demo supplier carries a credit code that passes GB 32100.
		supRows, err := db.Query("SELECT name, credit_code FROM suppliers")
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]string{}
		for supRows.Next() {
			var name, code string
			if err := supRows.Scan(&name, &code); err != nil {
				t.Fatal(err)
			}
			codes[name] = code
		}
		supRows.Close()
		seen := map[string]bool{}
		for name, code := range codes {
			if !check.CreditCodeValid(code) || seen[code] {
				t.Errorf("supplier %s: credit code %q invalid or repeated", name, code)
			}
			seen[code] = true
		}
		for _, status := range []string{model.SupplierPending, model.SupplierSuspended} {
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM suppliers WHERE status = ?", status).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%s suppliers: got %d, want 1", status, n)
			}
		}

		// Read every row before asking anything else: SQLite has one connection.
		type orgRow struct {
			name, kind, region, terms, credit, taxID, parentKind string
			threshold                                            int64
		}
		var got []orgRow
		rows, err := db.Query(`SELECT o.name, o.kind, o.region_code, o.payment_terms, o.credit_kind, o.tax_id,
			o.approval_threshold_cents, COALESCE(p.kind, '') FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var o orgRow
			if err := rows.Scan(&o.name, &o.kind, &o.region, &o.terms, &o.credit, &o.taxID, &o.threshold, &o.parentKind); err != nil {
				t.Fatal(err)
			}
			got = append(got, o)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(orgs) {
			t.Errorf("orgs: got %d, want %d", len(got), len(orgs))
		}
		kinds := map[string]int{}
		for _, o := range got {
			kinds[o.kind]++
			wantTerms := model.TermsPrepay
			if o.kind == model.OrgCanteen {
				wantTerms = model.TermsAfterDelivery
				if o.parentKind != model.OrgGovernment {
					t.Errorf("%s: supervised by a %q, want a government unit", o.name, o.parentKind)
				}
			}
			if o.terms != wantTerms || o.credit != model.DefaultCreditKind(o.kind) || len(o.taxID) != 18 || o.threshold < 0 {
				t.Errorf("%s: terms %s, credit %s, tax id %q, threshold %d", o.name, o.terms, o.credit, o.taxID, o.threshold)
			}
			r, err := b.Store.Region(ctx, o.region)
			if err != nil || r.Side != model.SideHelper {
				t.Errorf("%s: region %s is not on the helper side (%v)", o.name, o.region, err)
			}
		}
		for _, k := range []string{model.OrgCanteen, model.OrgUnion, model.OrgGovernment, model.OrgSupermarket, model.OrgWholesale, model.OrgCoop} {
			if kinds[k] == 0 {
				t.Errorf("no %s org", k)
			}
		}
	})
}
