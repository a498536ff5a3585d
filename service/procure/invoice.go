package procure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
	"shanhai/service/claim"
)

// ProfileInput is an org's invoice profile as its org_admin writes it.
type ProfileInput struct {
	Title, TaxID, Address, Phone, Bank, Account string
}

// Profile is org's invoice profile (nil when it has none).
func (s *Service) Profile(ctx context.Context, actor *model.User, orgID int64) (*model.InvoiceProfile, error) {
	if _, err := s.readOrg(ctx, actor, orgID); err != nil {
		return nil, err
	}
	return s.store.InvoiceProfile(ctx, orgID)
}

// PutProfile replaces org's invoice profile (its org_admin only); orders
// placed from now on copy it.
func (s *Service) PutProfile(ctx context.Context, actor *model.User, orgID int64, in ProfileInput) (*model.InvoiceProfile, error) {
	if _, err := s.readOrg(ctx, actor, orgID); err != nil {
		return nil, err
	}
	if !orgAdmin(actor, orgID) {
		return nil, model.Forbidden("only the org's org_admin edits its invoice profile")
	}
	var f check.Fields
	p := &model.InvoiceProfile{OrgID: orgID, Title: f.Text("title", in.Title, 128),
		TaxID:   f.CreditCode("tax_id", in.TaxID, true),
		Address: f.OptionalText("address", in.Address, 200), Phone: f.OptionalText("phone", in.Phone, 20),
		Bank: f.OptionalText("bank", in.Bank, 100), Account: f.OptionalText("account", in.Account, 40)}
	if p.Account != "" && !digitsAndSpaces(p.Account) {
		f.Add("account", "must be the bank account number (digits)")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *model.InvoiceProfile
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.InvoiceProfile(ctx, orgID)
		if err != nil {
			return err
		}
		if err := s.store.PutInvoiceProfile(ctx, p); err != nil {
			return err
		}
		if out, err = s.store.InvoiceProfile(ctx, orgID); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "org.invoice_profile", "org", orgID, before, out, "")
	})
	return out, err
}

func digitsAndSpaces(v string) bool {
	for _, c := range v {
		if (c < '0' || c > '9') && c != ' ' && c != '-' {
			return false
		}
	}
	return true
}

// AllocationInput is part of an invoice put on one order.
type AllocationInput struct {
	OrderID, AmountCents int64
}

// InvoiceInput is an invoice a supplier records.
type InvoiceInput struct {
	OrgID                          int64
	Type, Medium                   string
	IssuerCreditCode, Code, Number string
	Date                           string
	AmountCents                    int64 // tax included; negative for a red invoice
	OriginalID                     int64 // the invoice a red one corrects
	Note                           string
	Allocations                    []AllocationInput
}

const maxAllocations = 200

// RecordInvoice records an invoice the caller's supplier issued to an org
// and spreads it over that org's orders from the supplier: the
// allocations sum to at most the invoice's amount, none takes an order
// past what it is worth (received less returned once accepted, else its
// total), and the invoice is claimed so it is never counted twice (409
// duplicate_invoice). A red invoice (negative amount, negative
// allocations) names the blue one it corrects.
func (s *Service) RecordInvoice(ctx context.Context, actor *model.User, in InvoiceInput) (*model.MallInvoice, error) {
	supplierID, ok := supplierOf(actor)
	if !ok {
		return nil, model.Forbidden("only suppliers record the invoices they issued")
	}
	var f check.Fields
	f.OneOf("type", in.Type, model.InvoiceSpecial, model.InvoiceOrdinary)
	f.OneOf("medium", in.Medium, model.MediumPaper, model.MediumElectronic, model.MediumDigital)
	id := claim.Check(&f, "", claim.Identity{Issuer: in.IssuerCreditCode, Code: in.Code, Number: in.Number})
	if in.Medium == model.MediumDigital && len(id.Number) != 20 {
		f.Add("number", "a 数电 invoice has a 20-digit number")
	} else if in.Medium != model.MediumDigital && in.Medium != "" && len(id.Number) == 20 {
		f.Add("number", "a paper or electronic invoice has an 8-digit number and a code")
	}
	today := model.DateOf(s.now())
	if !model.ValidDate(in.Date) {
		f.Add("date", "must be a date YYYY-MM-DD")
	} else if in.Date > today || in.Date < "2000-01-01" {
		f.Add("date", "must not be after today ("+today+")")
	}
	in.Note = f.OptionalText("note", in.Note, 300)
	red := in.AmountCents < 0
	switch {
	case in.AmountCents == 0 || in.AmountCents > 1e13 || in.AmountCents < -1e13:
		f.Add("amount_cents", "must be a non-zero amount in cents (negative for a red invoice)")
	case red && in.OriginalID < 1:
		f.Add("original_id", "a red invoice names the invoice it corrects")
	case !red && in.OriginalID != 0:
		f.Add("original_id", "only a red invoice (negative amount) names an original")
	}
	if in.OrgID < 1 {
		f.Add("org_id", "must be an org id")
	}
	if len(in.Allocations) > maxAllocations {
		f.Add("allocations", "at most "+strconv.Itoa(maxAllocations)+" orders per invoice")
	}
	var allocated int64
	seen := map[int64]bool{}
	for i, a := range in.Allocations {
		at := "allocations[" + strconv.Itoa(i) + "]."
		if a.OrderID < 1 {
			f.Add(at+"order_id", "must be an order id")
		} else if seen[a.OrderID] {
			f.Add(at+"order_id", "appears twice")
		}
		seen[a.OrderID] = true
		if a.AmountCents == 0 || (a.AmountCents < 0) != red || a.AmountCents > 1e13 || a.AmountCents < -1e13 {
			f.Add(at+"amount_cents", "must be non-zero, with the sign of the invoice's amount")
		}
		allocated += a.AmountCents
	}
	if (!red && allocated > in.AmountCents) || (red && allocated < in.AmountCents) {
		f.Add("allocations", "allocate at most the invoice's amount ("+strconv.FormatInt(in.AmountCents, 10)+" cents)")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *model.MallInvoice
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Org(ctx, in.OrgID); errors.Is(err, model.ErrNotFound) {
			return model.Invalid(model.FieldError{Field: "org_id", Message: "no such org"})
		} else if err != nil {
			return err
		}
		if red {
			orig, err := s.store.MallInvoice(ctx, in.OriginalID)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				return err
			}
			if orig == nil || orig.SupplierID != supplierID || orig.OrgID != in.OrgID || orig.AmountCents < 0 {
				return model.Invalid(model.FieldError{Field: "original_id", Message: "not a blue invoice of yours to this org"})
			}
			if err := s.store.AddInvoiceRed(ctx, orig.ID, in.AmountCents); err != nil {
				return err
			}
		}
		inv := &model.MallInvoice{SupplierID: supplierID, OrgID: in.OrgID, Type: in.Type, Medium: in.Medium,
			IssuerCode: id.Issuer, InvoiceCode: id.Code, Number: id.Number, IssueDate: in.Date,
			AmountCents: in.AmountCents, AllocatedCents: allocated, Note: in.Note, CreatedBy: actor.ID}
		if red {
			inv.OriginalID = &in.OriginalID
		}
		if err := s.store.CreateMallInvoice(ctx, inv); err != nil {
			return err
		}
		if err := claim.Take(ctx, s.store, id, in.OrgID, model.ClaimMallInvoice, inv.ID); err != nil {
			return err
		}
		var bad []model.FieldError
		for i, a := range in.Allocations {
			ok, err := s.store.AllocateInvoice(ctx, model.InvoiceAllocation{InvoiceID: inv.ID, OrderID: a.OrderID,
				AmountCents: a.AmountCents}, in.OrgID, supplierID)
			if err != nil {
				return err
			}
			if !ok {
				bad = append(bad, model.FieldError{Field: "allocations[" + strconv.Itoa(i) + "].amount_cents",
					Message: "not an order of this org from you (not cancelled), or more than is left to invoice on it"})
			}
		}
		if len(bad) > 0 {
			return &model.Error{Kind: model.ErrInvalid, Code: "invalid", Message: "an allocation does not fit its order", Fields: bad}
		}
		var err error
		out, err = s.store.MallInvoice(ctx, inv.ID)
		return err
	})
	return out, err
}

// SupplierInvoices are the caller's supplier's invoices, optionally to one org.
func (s *Service) SupplierInvoices(ctx context.Context, actor *model.User, orgID int64, page, size int) (model.Page[model.MallInvoice], error) {
	supplierID, ok := supplierOf(actor)
	if !ok {
		return model.Page[model.MallInvoice]{}, model.Forbidden("suppliers only")
	}
	return s.store.MallInvoices(ctx, model.InvoiceFilter{SupplierID: supplierID, OrgID: orgID}, page, size)
}

// OrgInvoices are the invoices issued to an org (its side, or an admin).
func (s *Service) OrgInvoices(ctx context.Context, actor *model.User, orgID int64, page, size int) (model.Page[model.MallInvoice], error) {
	if _, err := s.readOrg(ctx, actor, orgID); err != nil {
		return model.Page[model.MallInvoice]{}, err
	}
	return s.store.MallInvoices(ctx, model.InvoiceFilter{OrgID: orgID}, page, size)
}

// OrderInvoices are the invoices allocated to an order, for whoever may see
// the order (the buyer side checks them at acceptance: 验货验票).
func (s *Service) OrderInvoices(ctx context.Context, actor *model.User, orderID int64) ([]model.MallInvoice, error) {
	o, err := s.store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	sup, _ := supplierOf(actor)
	buyer := actor.ID == o.UserID || (o.OrgID != nil && orgSide(actor, *o.OrgID))
	if !buyer && sup != o.SupplierID && actor.Role != model.RoleAdmin {
		return nil, model.NotFound("order")
	}
	p, err := s.store.MallInvoices(ctx, model.InvoiceFilter{OrderID: orderID}, 1, maxAllocations)
	return p.Items, err
}

// PutScan stores an invoice's scan (PDF, JPEG or PNG) as a private blob;
// only the invoice's supplier attaches it.
func (s *Service) PutScan(ctx context.Context, actor *model.User, id int64, data []byte) (*model.MallInvoice, error) {
	inv, err := s.invoiceFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if sup, _ := supplierOf(actor); sup != inv.SupplierID {
		return nil, model.Forbidden("only the invoice's supplier attaches its scan")
	}
	var f check.Fields
	ct := f.Scan("file", data)
	if err := f.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.PutBlob(ctx, model.Blob{Class: model.BlobPrivate, Hash: hash, ContentType: ct, Data: data}); err != nil {
			return err
		}
		return s.store.SetInvoiceScan(ctx, id, hash, ct)
	})
	if err != nil {
		return nil, err
	}
	return s.store.MallInvoice(ctx, id)
}

// Scan is an invoice's scan, for its supplier, its org's side and admins.
func (s *Service) Scan(ctx context.Context, actor *model.User, id int64) (*model.Blob, error) {
	inv, err := s.invoiceFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if inv.ScanHash == nil {
		return nil, model.NotFound("scan")
	}
	return s.store.Blob(ctx, model.BlobPrivate, *inv.ScanHash)
}

// invoiceFor reads an invoice its supplier, its org's side or an admin may
// see; any other is 404.
func (s *Service) invoiceFor(ctx context.Context, actor *model.User, id int64) (*model.MallInvoice, error) {
	inv, err := s.store.MallInvoice(ctx, id)
	if err != nil {
		return nil, err
	}
	sup, _ := supplierOf(actor)
	if sup != inv.SupplierID && !orgSide(actor, inv.OrgID) && actor.Role != model.RoleAdmin {
		return nil, model.NotFound("invoice")
	}
	return inv, nil
}
