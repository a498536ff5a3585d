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
		return audit.Record(ctx, s.store, actor, "record.import", "sales_record", r.ID, nil, imported(r), note)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// importedRecord is an imported record's audit row: what it was created
// as, in short (the record and its items are in their own tables, and a
// later change to them is audited with its before and after).
type importedRecord struct {
	Status     string `json:"status"`
	OrgID      int64  `json:"org_id"`
	Invoice    string `json:"invoice"` // issuer/code/number
	Date       string `json:"date"`
	TotalCents int64  `json:"total_cents"`
	Items      int    `json:"items"`
}

func imported(r *model.SalesRecord) importedRecord {
	return importedRecord{Status: r.Status, OrgID: r.OrgID, Invoice: r.InvoiceIssuer + "/" + r.InvoiceCode + "/" + r.InvoiceNumber,
		Date: r.Date, TotalCents: r.TotalCents, Items: len(r.Items)}
}
