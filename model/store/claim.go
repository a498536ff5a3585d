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

// ClaimInvoicesAll inserts claims with multi-row INSERTs, in the caller's
// transaction. false (and nothing claimed once the transaction rolls back):
// one of the invoices is claimed already, by anyone.
func (s *Store) ClaimInvoicesAll(ctx context.Context, cs []*model.InvoiceClaim) (bool, error) {
	if len(cs) == 0 {
		return true, nil
	}
	now := s.gdb.NowFunc()
	for _, c := range cs {
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
	}
	err := s.conn(ctx).Omit("id").CreateInBatches(cs, s.perStatement(500, 7)).Error
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return false, nil
	}
	return false, mapErr(err)
}

// InvoiceClaimsOf reads the claims of some invoice identities
// ({issuer, code, number} each); unclaimed ones are absent.
func (s *Store) InvoiceClaimsOf(ctx context.Context, ids [][3]string) ([]model.InvoiceClaim, error) {
	out := []model.InvoiceClaim{}
	for i := 0; i < len(ids); i += 200 {
		part := ids[i:min(i+200, len(ids))]
		args := make([]any, 0, 3*len(part))
		for _, id := range part {
			args = append(args, id[0], id[1], id[2])
		}
		var got []model.InvoiceClaim
		if err := s.conn(ctx).Where(s.anyOf([]string{"issuer_code", "invoice_code", "number"}, len(part)), args...).Find(&got).Error; err != nil {
			return nil, mapErr(err)
		}
		out = append(out, got...)
	}
	return out, nil
}
