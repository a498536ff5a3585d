// Package record is the off-platform sales records (线下帮扶台账): what an
// org bought or helped sell outside the mall, recorded by its org_admin with
// the invoice and its scans, verified by a city-level (or province-level)
// helper-side officer or an admin, and then credited in the one ledger.
//
//	draft --submit--> submitted --verify--> verified --revoke--> revoked
//	                  submitted --return--> returned --edit, submit--> submitted
//
// Submitting claims the record's invoice (one claim per invoice, whoever
// presents it); a returned record keeps its claim unless its invoice is
// changed, and a revoked record keeps it for good. Every step is audited.
package record

import (
	"context"
	"errors"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
	"shanhai/service/claim"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	Org(ctx context.Context, id int64) (*model.Org, error)
	Region(ctx context.Context, code string) (*model.Region, error)
	Regions(ctx context.Context) ([]model.Region, error)
	Category(ctx context.Context, code string) (*model.Category, error)
	Supplier(ctx context.Context, id int64) (*model.Supplier, error)
	SalesPoint(ctx context.Context, id int64) (*model.SalesPoint, error)
	YearClosed(ctx context.Context, year int) (bool, error)

	CreateRecord(ctx context.Context, r *model.SalesRecord) error
	ReplaceRecord(ctx context.Context, r *model.SalesRecord, from []string) error
	UpdateRecord(ctx context.Context, id int64, from []string, p model.RecordPatch) error
	Record(ctx context.Context, id int64) (*model.SalesRecord, error)
	Records(ctx context.Context, f model.RecordFilter, page, size int) (model.Page[model.SalesRecord], error)
	AddRecordFile(ctx context.Context, f *model.RecordFile) error
	RecordFile(ctx context.Context, recordID, fileID int64) (*model.RecordFile, error)
	ReleaseInvoiceClaims(ctx context.Context, holderKind string, holderID int64) error

	claim.Store
}

// Blobs is the blob store the scans are kept in (private class).
type Blobs interface {
	PutBlob(ctx context.Context, b model.Blob) error
	Blob(ctx context.Context, class, hash string) (*model.Blob, error)
}

// Ledger writes a record's credit entries.
type Ledger interface {
	Recorded(ctx context.Context, rec *model.SalesRecord, now time.Time) ([]*model.Credit, error)
	RecordRevoked(ctx context.Context, recordID int64, now time.Time) ([]*model.Credit, error)
}

// Service is the off-platform records.
type Service struct {
	store  Store
	blobs  Blobs
	ledger Ledger
	now    func() time.Time
}

// New returns the records service.
func New(st Store, blobs Blobs, ledger Ledger) *Service {
	return &Service{store: st, blobs: blobs, ledger: ledger, now: time.Now}
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Input is a record as its org_admin writes it.
type Input struct {
	Kind, Platform, Date string
	SalesPointID         int64 // 0: none
	Note                 string
	Invoice              InvoiceInput
	Producer             ProducerInput
	Items                []ItemInput
}

// InvoiceInput is the record's invoice; the issuer defaults to the producer.
type InvoiceInput struct {
	Number, Code, Date, IssuerCreditCode string
}

// ProducerInput is a registered supplier, or a name, credit code and
// partner county.
type ProducerInput struct {
	SupplierID               int64
	Name, CreditCode, Region string
}

// ItemInput is one item; Quantity is a decimal with up to three places.
type ItemInput struct {
	ProductName, Category, Quantity, Unit, CertificateNo string
	AmountCents                                          int64
}

// MaxItems bounds a record's items.
const MaxItems = 200

// maxAmount bounds an item's amount (a hundred billion yuan), so no total
// overflows.
const maxAmount = 10_000_000_000_000

// build checks in and returns the record it describes for org (422 naming
// every bad field).
func (s *Service) build(ctx context.Context, org *model.Org, in Input) (*model.SalesRecord, error) {
	var f check.Fields
	today := model.DateOf(s.now())
	r := &model.SalesRecord{OrgID: org.ID, Kind: in.Kind, Platform: in.Platform, Date: in.Date,
		Note: f.OptionalText("note", in.Note, 500)}
	f.OneOf("kind", in.Kind, model.CreditDirect, model.CreditAssisted)
	f.OneOf("platform", in.Platform, model.RecordPlatforms...)
	if err := s.checkDate(ctx, &f, "date", in.Date, today); err != nil {
		return nil, err
	}
	if in.SalesPointID != 0 {
		sp, err := s.store.SalesPoint(ctx, in.SalesPointID)
		switch {
		case errors.Is(err, model.ErrNotFound) || (err == nil && sp.OrgID != org.ID):
			f.Add("sales_point_id", "no such sales point of this org")
		case err != nil:
			return nil, err
		default:
			id := sp.ID
			r.SalesPointID = &id
		}
	}
	if err := s.producer(ctx, &f, r, in.Producer); err != nil {
		return nil, err
	}
	issuer := in.Invoice.IssuerCreditCode
	if issuer == "" {
		issuer = r.ProducerCreditCode
	}
	id := claim.Check(&f, "invoice.", claim.Identity{Issuer: issuer, Code: in.Invoice.Code, Number: in.Invoice.Number})
	r.InvoiceIssuer, r.InvoiceCode, r.InvoiceNumber = id.Issuer, id.Code, id.Number
	r.InvoiceDate = in.Invoice.Date
	f.Date("invoice.date", in.Invoice.Date)
	if model.ValidDate(in.Invoice.Date) && in.Invoice.Date > today {
		f.Add("invoice.date", "must not be in the future")
	}
	if len(in.Items) == 0 {
		f.Add("items", "at least one item is required")
	}
	if len(in.Items) > MaxItems {
		f.Add("items", "at most 200 items")
	}
	for i, it := range in.Items {
		if i >= MaxItems {
			break
		}
		p := "items[" + itoa(i) + "]."
		item := model.RecordItem{ProductName: f.Text(p+"product_name", it.ProductName, 128),
			CategoryCode: it.Category, Unit: f.Text(p+"unit", it.Unit, 16),
			CertificateNo: f.OptionalText(p+"certificate_no", it.CertificateNo, 64), AmountCents: it.AmountCents}
		q, ok := model.ParseQuantity(it.Quantity)
		if !ok {
			f.Add(p+"quantity", "must be a positive decimal with at most three places (e.g. 12.5)")
		}
		item.QuantityMilli = q
		f.Range(p+"amount_cents", it.AmountCents, 1, maxAmount)
		if it.Category == "" {
			f.Add(p+"category", "is required")
		} else if _, err := s.store.Category(ctx, it.Category); errors.Is(err, model.ErrNotFound) {
			f.Add(p+"category", "no such category")
		} else if err != nil {
			return nil, err
		}
		r.Items = append(r.Items, item)
		r.TotalCents += item.AmountCents
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// checkDate: a transaction date is a real date, not in the future, and not
// in a closed review year.
func (s *Service) checkDate(ctx context.Context, f *check.Fields, field, d, today string) error {
	if !model.ValidDate(d) {
		f.Add(field, "must be a date YYYY-MM-DD")
		return nil
	}
	if d > today {
		f.Add(field, "must not be in the future")
		return nil
	}
	closed, err := s.store.YearClosed(ctx, atoi(d[:4]))
	if err != nil {
		return err
	}
	if closed {
		f.Add(field, "falls in a closed review year")
	}
	return nil
}

// producer fills the record's producer: a registered supplier, or a name,
// optional credit code and partner-side county.
func (s *Service) producer(ctx context.Context, f *check.Fields, r *model.SalesRecord, in ProducerInput) error {
	if in.SupplierID != 0 {
		sup, err := s.store.Supplier(ctx, in.SupplierID)
		if errors.Is(err, model.ErrNotFound) {
			f.Add("producer.supplier_id", "no such supplier")
			return nil
		}
		if err != nil {
			return err
		}
		id := sup.ID
		r.SupplierID, r.ProducerName, r.ProducerRegion = &id, sup.Name, sup.RegionCode
		r.ProducerCreditCode = f.CreditCode("producer.credit_code", in.CreditCode, false)
		return nil
	}
	r.ProducerName = f.Text("producer.name", in.Name, 128)
	r.ProducerCreditCode = f.CreditCode("producer.credit_code", in.CreditCode, false)
	r.ProducerRegion = in.Region
	_, err := check.Region(ctx, s.store, f, "producer.region_code", in.Region, model.SidePartner)
	return err
}

// Create records a draft for org. Its org_admin only; anyone else gets a 404
// for the org.
func (s *Service) Create(ctx context.Context, actor *model.User, orgID int64, in Input) (*model.SalesRecord, error) {
	org, err := s.recorderOf(ctx, actor, orgID)
	if err != nil {
		return nil, err
	}
	r, err := s.build(ctx, org, in)
	if err != nil {
		return nil, err
	}
	r.Status, r.RecorderID = model.RecordDraft, actor.ID
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateRecord(ctx, r); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "record.create", "sales_record", r.ID, nil, r, "")
	})
	if err != nil {
		return nil, err
	}
	return s.store.Record(ctx, r.ID)
}

// Update rewrites a draft or returned record. A returned record whose
// invoice changes gives its old invoice's claim back; submitting claims the
// new one.
func (s *Service) Update(ctx context.Context, actor *model.User, id int64, in Input) (*model.SalesRecord, error) {
	old, err := s.store.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	org, err := s.editorOf(ctx, actor, old)
	if err != nil {
		return nil, err
	}
	if old.Status != model.RecordDraft && old.Status != model.RecordReturned {
		return nil, model.Conflict("invalid_transition", "a %s record cannot be edited", old.Status)
	}
	r, err := s.build(ctx, org, in)
	if err != nil {
		return nil, err
	}
	r.ID, r.Status, r.RecorderID = old.ID, old.Status, old.RecorderID
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.ReplaceRecord(ctx, r, []string{model.RecordDraft, model.RecordReturned}); err != nil {
			return err
		}
		if old.InvoiceIssuer != r.InvoiceIssuer || old.InvoiceCode != r.InvoiceCode || old.InvoiceNumber != r.InvoiceNumber {
			if err := s.store.ReleaseInvoiceClaims(ctx, model.ClaimRecord, r.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, s.store, actor, "record.update", "sales_record", r.ID, old, r, "")
	})
	if err != nil {
		return nil, err
	}
	return s.store.Record(ctx, id)
}

// Submit sends a draft or returned record for verification and claims its
// invoice in the same transaction: an invoice another record or a mall
// invoice already claimed is a 409 duplicate_invoice and nothing changes. A
// resubmitted record that already holds its invoice's claim keeps it.
func (s *Service) Submit(ctx context.Context, actor *model.User, id int64) (*model.SalesRecord, error) {
	r, err := s.store.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.editorOf(ctx, actor, r); err != nil {
		return nil, err
	}
	if r.Status != model.RecordDraft && r.Status != model.RecordReturned {
		return nil, model.Conflict("invalid_transition", "a %s record cannot be submitted", r.Status)
	}
	var f check.Fields
	if err := s.checkDate(ctx, &f, "date", r.Date, model.DateOf(s.now())); err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateRecord(ctx, id, []string{model.RecordDraft, model.RecordReturned},
			model.RecordPatch{Status: model.RecordSubmitted, SubmittedAt: &now}); err != nil {
			return err
		}
		ident := claim.Identity{Issuer: r.InvoiceIssuer, Code: r.InvoiceCode, Number: r.InvoiceNumber}
		held, err := claim.Holder(ctx, s.store, ident)
		switch {
		case err == nil && held.HolderKind == model.ClaimRecord && held.HolderID == r.ID:
		case err == nil || errors.Is(err, model.ErrNotFound):
			if err := claim.Take(ctx, s.store, ident, r.OrgID, model.ClaimRecord, r.ID); err != nil {
				return err
			}
		default:
			return err
		}
		return audit.Record(ctx, s.store, actor, "record.submit", "sales_record", id,
			map[string]string{"status": r.Status}, map[string]string{"status": model.RecordSubmitted}, "")
	})
	if err != nil {
		return nil, err
	}
	return s.store.Record(ctx, id)
}

// Verified is a verified record with the entries it wrote.
type Verified struct {
	Record  *model.SalesRecord
	Credits []*model.Credit
}

// Verify credits a submitted record: one entry per item, resolved as of its
// transaction date.
func (s *Service) Verify(ctx context.Context, actor *model.User, id int64) (*Verified, error) {
	r, err := s.verifiable(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if r.Status != model.RecordSubmitted {
		return nil, model.Conflict("invalid_transition", "a %s record cannot be verified", r.Status)
	}
	now := s.now()
	out := &Verified{}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateRecord(ctx, id, []string{model.RecordSubmitted}, verifiedPatch(actor, now)); err != nil {
			return err
		}
		credits, err := s.ledger.Recorded(ctx, r, now)
		if err != nil {
			return err
		}
		out.Credits = credits
		return s.store.AddAudit(ctx, verifyAudit(ctx, actor, r, credits))
	})
	if err != nil {
		return nil, err
	}
	out.Record, err = s.store.Record(ctx, id)
	return out, err
}

func verifiedPatch(actor *model.User, now time.Time) model.RecordPatch {
	return model.RecordPatch{Status: model.RecordVerified, VerifierID: &actor.ID, VerifiedAt: &now}
}

// verifyAudit is the audit row of verifying r, which wrote credits.
func verifyAudit(ctx context.Context, actor *model.User, r *model.SalesRecord, credits []*model.Credit) *model.Audit {
	return audit.Row(ctx, actor, "record.verify", "sales_record", r.ID,
		map[string]string{"status": r.Status}, map[string]any{"status": model.RecordVerified, "credits": credits}, "")
}

// Return sends a submitted record back to its org with a reason.
func (s *Service) Return(ctx context.Context, actor *model.User, id int64, reason string) (*model.SalesRecord, error) {
	return s.decide(ctx, actor, id, reason, model.RecordSubmitted, model.RecordReturned, "record.return")
}

// Revoke takes a verified record's credit back with a reason (reversing
// entries); it keeps its invoice's claim.
func (s *Service) Revoke(ctx context.Context, actor *model.User, id int64, reason string) (*model.SalesRecord, error) {
	return s.decide(ctx, actor, id, reason, model.RecordVerified, model.RecordRevoked, "record.revoke")
}

func (s *Service) decide(ctx context.Context, actor *model.User, id int64, reason, from, to, action string) (*model.SalesRecord, error) {
	var f check.Fields
	reason = f.Text("reason", reason, 300)
	r, err := s.verifiable(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if r.Status != from {
		return nil, model.Conflict("invalid_transition", "a %s record cannot be %s", r.Status, to)
	}
	now := s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		p := model.RecordPatch{Status: to, Reason: &reason}
		if to == model.RecordRevoked {
			p.RevokedAt = &now
		}
		if err := s.store.UpdateRecord(ctx, id, []string{from}, p); err != nil {
			return err
		}
		var after any = map[string]string{"status": to}
		if to == model.RecordRevoked {
			credits, err := s.ledger.RecordRevoked(ctx, id, now)
			if err != nil {
				return err
			}
			after = map[string]any{"status": to, "credits": credits}
		}
		return audit.Record(ctx, s.store, actor, action, "sales_record", id, map[string]string{"status": from}, after, reason)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Record(ctx, id)
}

// Get is one record, for whoever may see it (404 otherwise).
func (s *Service) Get(ctx context.Context, actor *model.User, id int64) (*model.SalesRecord, error) {
	r, err := s.store.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.visible(ctx, actor, r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, model.NotFound("sales record")
	}
	return r, nil
}

// ListInput narrows a list.
type ListInput struct {
	OrgID      int64
	Status     string
	Page, Size int
}

// List is the records the caller may see: an org_admin's own org's, an
// officer's scope's (helper side: the buying org's region; partner side: the
// producer's), every record for an admin.
func (s *Service) List(ctx context.Context, actor *model.User, in ListInput) (model.Page[model.SalesRecord], error) {
	f := model.RecordFilter{OrgID: in.OrgID, Status: in.Status}
	if in.Status != "" {
		var fs check.Fields
		fs.OneOf("status", in.Status, model.RecordDraft, model.RecordSubmitted, model.RecordVerified,
			model.RecordReturned, model.RecordRevoked)
		if err := fs.Err(); err != nil {
			return model.Page[model.SalesRecord]{}, err
		}
	}
	switch actor.Role {
	case model.RoleAdmin:
	case model.RoleOrgAdmin:
		if actor.OrgID == nil {
			return model.Page[model.SalesRecord]{Items: []model.SalesRecord{}, Page: in.Page, PageSize: in.Size}, nil
		}
		f.OrgID = *actor.OrgID
		if in.OrgID != 0 && in.OrgID != *actor.OrgID {
			f.OrgRegions = []string{}
		}
	case model.RoleOfficer:
		scope, side, err := s.scope(ctx, actor)
		if err != nil {
			return model.Page[model.SalesRecord]{}, err
		}
		if side == model.SidePartner {
			f.ProducerRegions = scope
		} else {
			f.OrgRegions = scope
		}
	default:
		return model.Page[model.SalesRecord]{}, model.Forbidden("officers, org_admins and admins only")
	}
	return s.store.Records(ctx, f, in.Page, in.Size)
}

// recorderOf is the org actor records for: its org_admin's own org. An
// admin may see the org but records for none (403); anyone else gets a 404.
func (s *Service) recorderOf(ctx context.Context, actor *model.User, orgID int64) (*model.Org, error) {
	if actor.Role == model.RoleAdmin {
		if _, err := s.store.Org(ctx, orgID); err != nil {
			return nil, err
		}
		return nil, model.Forbidden("only the org's org_admin records its sales")
	}
	if actor.Role != model.RoleOrgAdmin || actor.OrgID == nil || *actor.OrgID != orgID {
		return nil, model.NotFound("org")
	}
	return s.store.Org(ctx, orgID)
}

// editorOf is the org of a record actor may change: its org's org_admin.
// Those who may see the record but not change it get a 403, anyone else a 404.
func (s *Service) editorOf(ctx context.Context, actor *model.User, r *model.SalesRecord) (*model.Org, error) {
	if actor.Role == model.RoleOrgAdmin && actor.OrgID != nil && *actor.OrgID == r.OrgID {
		return s.store.Org(ctx, r.OrgID)
	}
	ok, err := s.visible(ctx, actor, r)
	if err != nil {
		return nil, err
	}
	if ok {
		return nil, model.Forbidden("only the org's org_admin changes its records")
	}
	return nil, model.NotFound("sales record")
}

// scope is an officer's region and every region below it, and its side.
func (s *Service) scope(ctx context.Context, actor *model.User) ([]string, string, error) {
	if actor.RegionCode == nil {
		return []string{}, "", nil
	}
	regions, err := s.store.Regions(ctx)
	if err != nil {
		return nil, "", err
	}
	tree := model.NewRegionTree(regions)
	var out []string
	side := ""
	for _, r := range regions {
		if r.Code == *actor.RegionCode {
			side = r.Side
		}
		if tree.Contains(*actor.RegionCode, r.Code) {
			out = append(out, r.Code)
		}
	}
	return out, side, nil
}

// visible: the record's org_admin, an admin, or an officer whose scope holds
// the buying org's region (helper side) or the producer's county (partner
// side).
func (s *Service) visible(ctx context.Context, actor *model.User, r *model.SalesRecord) (bool, error) {
	switch actor.Role {
	case model.RoleAdmin:
		return true, nil
	case model.RoleOrgAdmin:
		return actor.OrgID != nil && *actor.OrgID == r.OrgID, nil
	case model.RoleOfficer:
		if actor.RegionCode == nil {
			return false, nil
		}
		own, err := s.store.Region(ctx, *actor.RegionCode)
		if err != nil {
			return false, nil
		}
		regions, err := s.store.Regions(ctx)
		if err != nil {
			return false, err
		}
		tree := model.NewRegionTree(regions)
		if own.Side == model.SidePartner {
			return tree.Contains(own.Code, r.ProducerRegion), nil
		}
		org, err := s.store.Org(ctx, r.OrgID)
		if err != nil {
			return false, err
		}
		return tree.Contains(own.Code, org.RegionCode), nil
	}
	return false, nil
}

// verifiable is the record when actor may verify, return or revoke it: an
// admin, or a helper-side officer of the city or province holding the
// buying org — never a district officer (their district is ranked on the
// figure) and never the recorder (403 for those who can see it). Anyone who
// cannot see the record gets a 404.
func (s *Service) verifiable(ctx context.Context, actor *model.User, id int64) (*model.SalesRecord, error) {
	r, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.verifier(ctx, actor, r)
}

// verifier is verifiable for a record actor can see.
func (s *Service) verifier(ctx context.Context, actor *model.User, r *model.SalesRecord) (*model.SalesRecord, error) {
	if actor.ID == r.RecorderID {
		return nil, model.Forbidden("the recorder cannot verify their own record")
	}
	switch actor.Role {
	case model.RoleAdmin:
		return r, nil
	case model.RoleOfficer:
		own, err := s.store.Region(ctx, *actor.RegionCode)
		if err != nil {
			return nil, err
		}
		if own.Side != model.SidePartner && (own.Level == model.LevelCity || own.Level == model.LevelProvince) {
			return r, nil
		}
		return nil, model.Forbidden("only a city- or province-level helper-side officer verifies records")
	}
	return nil, model.Forbidden("only an officer or an admin verifies records")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
