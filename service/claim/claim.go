// Package claim owns an invoice's identity and its one claim: an invoice
// counts toward the figures once, whoever presents it — an off-platform
// record of any org, or an invoice a supplier records against mall orders.
package claim

import (
	"context"
	"strings"

	"shanhai/model"
	"shanhai/service/check"
)

// Identity identifies an invoice: the issuer's unified social credit code
// (the producer's, or the buyer's own for a 收购发票), the invoice code and
// the number. A 数电 invoice has a 20-digit number and no code; any other
// an 8-digit number and a 10- or 12-digit code.
type Identity struct {
	Issuer, Code, Number string
}

// Store is what a claim needs of the database.
type Store interface {
	ClaimInvoice(ctx context.Context, c *model.InvoiceClaim) (bool, error)
	InvoiceClaimOf(ctx context.Context, issuer, code, number string) (*model.InvoiceClaim, error)
}

// Check normalises an identity (trimmed, upper-cased issuer) and reports its
// bad fields into f under prefix ("invoice." gives "invoice.number").
func Check(f *check.Fields, prefix string, id Identity) Identity {
	id.Issuer = f.CreditCode(prefix+"issuer_credit_code", id.Issuer, true)
	id.Code = strings.TrimSpace(id.Code)
	id.Number = strings.TrimSpace(id.Number)
	switch {
	case id.Number == "":
		f.Add(prefix+"number", "is required")
	case !digits(id.Number) || (len(id.Number) != 8 && len(id.Number) != 20):
		f.Add(prefix+"number", "must be 8 digits, or 20 digits for a 数电 invoice")
	case len(id.Number) == 20 && id.Code != "":
		f.Add(prefix+"code", "must be empty for a 20-digit 数电 invoice")
	case len(id.Number) == 8 && (!digits(id.Code) || (len(id.Code) != 10 && len(id.Code) != 12)):
		f.Add(prefix+"code", "must be the 10- or 12-digit invoice code of an 8-digit number")
	}
	return id
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Take claims a checked identity for a holder, in the caller's transaction
// when there is one (the claim then commits or rolls back with the holder).
// A claim already taken — by any org, record or invoice, including the same
// holder — is a 409 duplicate_invoice.
func Take(ctx context.Context, st Store, id Identity, orgID int64, holderKind string, holderID int64) error {
	ok, err := st.ClaimInvoice(ctx, Of(id, orgID, holderKind, holderID))
	if err != nil {
		return err
	}
	if !ok {
		return Duplicate(id)
	}
	return nil
}

// Of is the claim of a checked identity for a holder (for a caller that
// writes many claims at once).
func Of(id Identity, orgID int64, holderKind string, holderID int64) *model.InvoiceClaim {
	return &model.InvoiceClaim{IssuerCode: id.Issuer, InvoiceCode: id.Code,
		Number: id.Number, OrgID: orgID, HolderKind: holderKind, HolderID: holderID}
}

// Duplicate is the 409 duplicate_invoice of an identity claimed already.
func Duplicate(id Identity) error {
	return model.Conflict("duplicate_invoice", "invoice %s %s of issuer %s is already counted", id.Code, id.Number, id.Issuer)
}

// Holder is the claim of an identity, or a 404 when it is unclaimed.
func Holder(ctx context.Context, st Store, id Identity) (*model.InvoiceClaim, error) {
	return st.InvoiceClaimOf(ctx, id.Issuer, id.Code, id.Number)
}
