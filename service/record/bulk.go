package record

// What a bulk import needs of the records: a record checked as Create checks
// it without writing it, and a record created already submitted, its invoice
// claimed, in the caller's transaction.

import (
	"context"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/claim"
)

// Check is the record in would become for actor's org, or the 422 (or the
// 403/404 for the org) Create would answer; nothing is written.
func (s *Service) Check(ctx context.Context, actor *model.User, orgID int64, in Input) (*model.SalesRecord, error) {
	org, err := s.recorderOf(ctx, actor, orgID)
	if err != nil {
		return nil, err
	}
	return s.build(ctx, org, in)
}

// CreateSubmitted records in for actor's org as submitted, claiming its
// invoice (409 duplicate_invoice when it is claimed already), in the
// caller's transaction when there is one. note says where it came from in
// the audit log.
func (s *Service) CreateSubmitted(ctx context.Context, actor *model.User, orgID int64, in Input, note string) (*model.SalesRecord, error) {
	r, err := s.Check(ctx, actor, orgID, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r.Status, r.RecorderID, r.SubmittedAt = model.RecordSubmitted, actor.ID, &now
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateRecord(ctx, r); err != nil {
			return err
		}
		ident := claim.Identity{Issuer: r.InvoiceIssuer, Code: r.InvoiceCode, Number: r.InvoiceNumber}
		if err := claim.Take(ctx, s.store, ident, r.OrgID, model.ClaimRecord, r.ID); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "record.import", "sales_record", r.ID, nil, r, note)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
