package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"shanhai/model"
)

// ClaimInvoice inserts an invoice's claim. false: the invoice is already
// claimed (by anyone). Inside a transaction the claim commits or rolls back
// with its holder; two replicas racing one invoice meet at the unique key.
func (s *Store) ClaimInvoice(ctx context.Context, c *model.InvoiceClaim) (bool, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.gdb.NowFunc()
	}
	err := s.conn(ctx).Create(c).Error
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return false, nil
	}
	return false, mapErr(err)
}

// InvoiceClaimOf reads the claim of an invoice identity.
func (s *Store) InvoiceClaimOf(ctx context.Context, issuer, code, number string) (*model.InvoiceClaim, error) {
	var c model.InvoiceClaim
	err := s.conn(ctx).Where("issuer_code = ? AND invoice_code = ? AND number = ?", issuer, code, number).Take(&c).Error
	if err != nil {
		return nil, mapErr(err)
	}
	return &c, nil
}
