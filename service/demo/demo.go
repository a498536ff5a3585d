// Package demo loads the demo data: the seed article's pairings, suppliers in
// the partner counties with their products and certificates, and Shaoxing's
// buying organizations. The tables are in data.go; this file writes them.
// Orders (orders.go, tables in orderdata.go) then gives the freshly loaded
// data a day of trade through the order service, so the statistics show
// figures.
//
// Loading is all or nothing, in one transaction, and happens once: the unique
// indexes (pairings, supplier and org names) make a second load — or a
// replica loading at the same moment — fail with a duplicate, which rolls it
// back and reports "already there".
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
)

// Store is what loading needs; *store.Store satisfies it.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	CreatePairing(ctx context.Context, p *model.Pairing) error
	CreateSupplier(ctx context.Context, s *model.Supplier) error
	CreateProduct(ctx context.Context, p *model.Product, skus []model.SKU) error
	Certify(ctx context.Context, c *model.Certification) error
	CreateOrg(ctx context.Context, o *model.Org) error
	CreateUser(ctx context.Context, u *model.User) error
	HasUsers(ctx context.Context) (bool, error)
}

// errNotEmpty stops a load into a database that already has an account: the
// demo's accounts have published passwords and must never sit beside real ones.
var errNotEmpty = errors.New("the database already has users")

// Load loads the demo data into an empty database and reports true. When the
// database has any user, or the data (or anything it would collide with) is
// already there, it changes nothing and reports false. Certificate windows are placed around today,
// in China time, so the demo always shows valid, expired and future ones.
func Load(ctx context.Context, st Store, today time.Time) (loaded bool, err error) {
	err = st.InTx(ctx, func(ctx context.Context) error {
		if has, err := st.HasUsers(ctx); err != nil {
			return err
		} else if has {
			return errNotEmpty
		}
		return load(ctx, st, today)
	})
	if errors.Is(err, errNotEmpty) || isDuplicate(err) {
		// Pairings go in first, so a second loader stops at its first insert,
		// or waits for the first loader's commit and then stops there.
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo data: %w", err)
	}
	return true, nil
}

type sup struct {
	id     int64
	region string
}

// isDuplicate reports a unique-index violation, as the store reports it.
func isDuplicate(err error) bool {
	var me *model.Error
	return errors.As(err, &me) && errors.Is(err, model.ErrConflict) && me.Code == "duplicate"
}

func load(ctx context.Context, st Store, today time.Time) error {
	for _, r := range pairings {
		p := &model.Pairing{Programme: r.programme, Level: r.level, HelperCode: r.helper,
			PartnerCode: r.partner, SinceYear: r.since, Active: true}
		if err := st.CreatePairing(ctx, p); err != nil {
			return fmt.Errorf("pairing %s→%s: %w", r.helper, r.partner, err)
		}
	}

	bySupplier := map[string]sup{}
	for i, r := range suppliers {
		s := &model.Supplier{Name: r.name, RegionCode: r.region, Status: r.status, CreditCode: supplierCreditCode(i, r)}
		if err := st.CreateSupplier(ctx, s); err != nil {
			return fmt.Errorf("supplier %s: %w", r.name, err)
		}
		bySupplier[r.name] = sup{s.ID, r.region}
	}

	w := newWindows(today)
	seq := map[string]int{} // certificate numbers run per issuer prefix and year
	for i, r := range products {
		s, ok := bySupplier[r.supplier]
		if !ok {
			return fmt.Errorf("product %s: unknown supplier %q", r.name, r.supplier)
		}
		p := &model.Product{SupplierID: s.id, Name: r.name, CategoryCode: r.category, Brand: r.brand,
			Description: r.description, OriginCode: s.region, OnSale: !r.offSale,
			Perishable: r.perishable, ShelfLifeDays: r.shelfLife}
		if err := st.CreateProduct(ctx, p, skusOf(r.skus)); err != nil {
			return fmt.Errorf("product %s: %w", r.name, err)
		}
		if r.cert == certNone {
			continue
		}
		iss, ok := issuers[countyCity[s.region]]
		if !ok {
			return fmt.Errorf("product %s: no issuer for region %s", r.name, s.region)
		}
		from, to := w.window(r.cert, i)
		key := fmt.Sprintf("%s-%s", iss.prefix, from[:4])
		seq[key]++
		c := &model.Certification{ProductID: p.ID, Issuer: iss.name,
			CertificateNo: fmt.Sprintf("%s-%04d", key, seq[key]),
			Batch:         batchOf(from), ValidFrom: from, ValidTo: to}
		if err := st.Certify(ctx, c); err != nil {
			return fmt.Errorf("certify %s: %w", r.name, err)
		}
	}

	byOrg := map[string]int64{}
	for _, r := range orgs {
		o := &model.Org{Name: r.name, Kind: r.kind, RegionCode: r.region,
			PaymentTerms: model.TermsPrepay, ApprovalThresholdCents: r.thresholdCents,
			CreditKind: model.DefaultCreditKind(r.kind), InvoiceTitle: r.invoiceTitle, TaxID: r.taxID,
			Sector: sectors[r.name]}
		if r.kind == model.OrgCanteen {
			o.PaymentTerms = model.TermsAfterDelivery // canteens pay once they have accepted the goods
		}
		if r.parent != "" {
			id, ok := byOrg[r.parent]
			if !ok {
				return fmt.Errorf("org %s: parent %q must come earlier", r.name, r.parent)
			}
			o.ParentID = &id
		}
		if err := st.CreateOrg(ctx, o); err != nil {
			return fmt.Errorf("org %s: %w", r.name, err)
		}
		byOrg[r.name] = o.ID
	}
	return loadUsers(ctx, st, byOrg, bySupplier)
}

// loadUsers creates one demo account per role (README lists them), all
// with the password DemoPassword.
func loadUsers(ctx context.Context, st Store, byOrg map[string]int64, bySupplier map[string]sup) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(DemoPassword), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	for _, r := range users {
		u := &model.User{Username: r.username, PasswordHash: string(hash), Role: r.role}
		if r.org != "" {
			id, ok := byOrg[r.org]
			if !ok {
				return fmt.Errorf("user %s: unknown org %q", r.username, r.org)
			}
			u.OrgID = &id
		}
		if r.supplier != "" {
			s, ok := bySupplier[r.supplier]
			if !ok {
				return fmt.Errorf("user %s: unknown supplier %q", r.username, r.supplier)
			}
			u.SupplierID = &s.id
		}
		if r.region != "" {
			u.RegionCode = &r.region
		}
		if r.employer != "" {
			id := byOrg[r.employer]
			u.EmployerID, u.EmployerStatus = &id, model.EmployerConfirmed
		}
		if err := st.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("user %s: %w", r.username, err)
		}
	}
	return nil
}

func skusOf(rows []skuRow) []model.SKU {
	out := make([]model.SKU, len(rows))
	for i, r := range rows {
		out[i] = model.SKU{Spec: r.spec, Unit: r.unit, PriceCents: r.priceCents, OnHand: r.stock}
		for _, t := range r.tiers {
			out[i].Tiers = append(out[i].Tiers, model.Tier{MinQty: t.minQty, PriceCents: t.priceCents})
		}
	}
	return out
}

// windows places certificate validity around today's China date.
type windows struct{ today time.Time } // midnight, China time

func newWindows(today time.Time) windows {
	y, m, d := today.In(model.China).Date()
	return windows{time.Date(y, m, d, 0, 0, 0, 0, model.China)}
}

func (w windows) date(years, days int) string {
	return w.today.AddDate(years, 0, days).Format(model.DateLayout)
}

// window is the inclusive validity of a certificate of kind c. n staggers the
// dates a little so certificates do not all share one day; it never moves a
// window across today.
func (w windows) window(c cert, n int) (from, to string) {
	shift := n % 60
	switch c {
	case certExpired:
		return w.date(-3, -shift), w.date(0, -30-shift)
	case certFuture:
		return w.date(0, 15+shift), w.date(3, shift)
	}
	return w.date(-1, -shift), w.date(2, -shift)
}

// batchOf names the certification round of a start date: two a year.
func batchOf(from string) string {
	half := "第一批"
	if from[5:7] > "06" {
		half = "第二批"
	}
	return from[:4] + "年" + half
}
