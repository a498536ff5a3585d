package record

// Many records at once, for a bulk import: the same checks, claims, audit
// and credits as one at a time (the same functions run for each record),
// written with multi-row statements in the caller's transaction.

import (
	"context"
	"errors"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/claim"
	"shanhai/service/memo"
)

// BulkStore is what writing many records at once needs of the database.
type BulkStore interface {
	CreateRecords(ctx context.Context, rs []*model.SalesRecord) error
	ClaimInvoicesAll(ctx context.Context, cs []*model.InvoiceClaim) (bool, error)
	InvoiceClaimsOf(ctx context.Context, ids [][3]string) ([]model.InvoiceClaim, error)
	AddAudits(ctx context.Context, as []*model.Audit) error
	UpdateRecords(ctx context.Context, ids []int64, from []string, p model.RecordPatch) (int, error)
	RecordsByID(ctx context.Context, ids []int64) ([]*model.SalesRecord, error)
}

// BulkLedger writes many records' credit entries at once.
type BulkLedger interface {
	RecordedMany(ctx context.Context, recs []*model.SalesRecord, now time.Time) ([][]*model.Credit, error)
}

// memoStore is the store with the reference reads a record's checks make
// (orgs, regions, categories, suppliers, sales points, closed years)
// remembered for one batch.
type memoStore struct {
	Store
	orgs       memo.Map[int64, *model.Org]
	regions    memo.Map[string, *model.Region]
	categories memo.Map[string, *model.Category]
	suppliers  memo.Map[int64, *model.Supplier]
	points     memo.Map[int64, *model.SalesPoint]
	years      memo.Map[int, bool]
}

func (m *memoStore) Org(ctx context.Context, id int64) (*model.Org, error) {
	return m.orgs.Get(id, func() (*model.Org, error) { return m.Store.Org(ctx, id) })
}

func (m *memoStore) Region(ctx context.Context, code string) (*model.Region, error) {
	return m.regions.Get(code, func() (*model.Region, error) { return m.Store.Region(ctx, code) })
}

func (m *memoStore) Category(ctx context.Context, code string) (*model.Category, error) {
	return m.categories.Get(code, func() (*model.Category, error) { return m.Store.Category(ctx, code) })
}

func (m *memoStore) Supplier(ctx context.Context, id int64) (*model.Supplier, error) {
	return m.suppliers.Get(id, func() (*model.Supplier, error) { return m.Store.Supplier(ctx, id) })
}

func (m *memoStore) SalesPoint(ctx context.Context, id int64) (*model.SalesPoint, error) {
	return m.points.Get(id, func() (*model.SalesPoint, error) { return m.Store.SalesPoint(ctx, id) })
}

func (m *memoStore) YearClosed(ctx context.Context, year int) (bool, error) {
	return m.years.Get(year, func() (bool, error) { return m.Store.YearClosed(ctx, year) })
}

// batch is the service reading through a fresh memo: use it for one batch.
func (s *Service) batch() *Service {
	b := *s
	b.store = &memoStore{Store: s.store}
	return &b
}

// CheckMany is Check for many inputs of one org: each input's record, or
// its error (the 422, or the 403/404 for the org), as Check answers it.
func (s *Service) CheckMany(ctx context.Context, actor *model.User, orgID int64, ins []Input) ([]*model.SalesRecord, []error, error) {
	b := s.batch()
	recs, errs := make([]*model.SalesRecord, len(ins)), make([]error, len(ins))
	org, err := b.recorderOf(ctx, actor, orgID)
	if err != nil {
		if !isAnswer(err) {
			return nil, nil, err
		}
		for i := range errs {
			errs[i] = err
		}
		return recs, errs, nil
	}
	for i, in := range ins {
		recs[i], errs[i] = b.build(ctx, org, in)
		if errs[i] != nil && !isAnswer(errs[i]) {
			return nil, nil, errs[i]
		}
	}
	return recs, errs, nil
}

// isAnswer: err is an answer to the caller (a 4xx), not a failure.
func isAnswer(err error) bool {
	var me *model.Error
	return errors.As(err, &me) && !errors.Is(err, model.ErrUnavailable)
}

// CreateSubmittedMany is CreateSubmitted for many inputs of one org, in
// the caller's transaction (one is begun when there is none): each input
// becomes its record, or its error as CreateSubmitted would answer it —
// its 422, or 409 duplicate_invoice when its invoice is claimed already,
// by anyone or by an earlier input of the same call. Records, items,
// claims and audit rows are written with multi-row INSERTs. A claim taken
// by someone else between the read and the write is an error for the
// whole call (model.Conflict duplicate_invoice): the caller's transaction
// then rolls back and the caller writes the records one at a time.
func (s *Service) CreateSubmittedMany(ctx context.Context, actor *model.User, orgID int64, ins []Input, note string) ([]*model.SalesRecord, []error, error) {
	if _, ok := s.store.(BulkStore); !ok {
		return s.createSubmittedEach(ctx, actor, orgID, ins, note)
	}
	recs, errs, err := s.CheckMany(ctx, actor, orgID, ins)
	if err != nil {
		return nil, nil, err
	}
	return recs, errs, s.CreateChecked(ctx, actor, recs, errs, note)
}

// CreateChecked is the writing half of CreateSubmittedMany, for records
// CheckMany answered (recs and errs, as it answered them; the checks read
// outside the caller's transaction, as CreateSubmitted's do): it fills in
// errs the records that cannot be created and clears them from recs.
func (s *Service) CreateChecked(ctx context.Context, actor *model.User, recs []*model.SalesRecord, errs []error, note string) error {
	bs, ok := s.store.(BulkStore)
	if !ok {
		return errors.New("record: the store writes no records in bulk")
	}
	idents := make([][3]string, 0, len(recs))
	first := map[[3]string]bool{}
	for i, r := range recs {
		if errs[i] != nil {
			continue
		}
		k := [3]string{r.InvoiceIssuer, r.InvoiceCode, r.InvoiceNumber}
		if first[k] {
			errs[i], recs[i] = duplicateInvoice(identity(r)), nil
			continue
		}
		first[k] = true
		idents = append(idents, k)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		held, err := bs.InvoiceClaimsOf(ctx, idents)
		if err != nil {
			return err
		}
		taken := map[[3]string]bool{}
		for _, c := range held {
			taken[[3]string{c.IssuerCode, c.InvoiceCode, c.Number}] = true
		}
		now := s.now()
		var todo []*model.SalesRecord
		for i, r := range recs {
			if errs[i] != nil {
				continue
			}
			if taken[[3]string{r.InvoiceIssuer, r.InvoiceCode, r.InvoiceNumber}] {
				errs[i], recs[i] = duplicateInvoice(identity(r)), nil
				continue
			}
			at := now
			r.Status, r.RecorderID, r.SubmittedAt = model.RecordSubmitted, actor.ID, &at
			todo = append(todo, r)
		}
		if err := bs.CreateRecords(ctx, todo); err != nil {
			return err
		}
		claims := make([]*model.InvoiceClaim, len(todo))
		audits := make([]*model.Audit, len(todo))
		for i, r := range todo {
			claims[i] = claim.Of(identity(r), r.OrgID, model.ClaimRecord, r.ID)
			audits[i] = audit.Row(ctx, actor, "record.import", "sales_record", r.ID, nil, imported(r), note)
		}
		ok, err := bs.ClaimInvoicesAll(ctx, claims)
		if err != nil {
			return err
		}
		if !ok {
			return model.Conflict("duplicate_invoice", "an invoice of the batch was counted meanwhile")
		}
		return bs.AddAudits(ctx, audits)
	})
}

// createSubmittedEach is CreateSubmittedMany one record at a time (a store
// without multi-row writes).
func (s *Service) createSubmittedEach(ctx context.Context, actor *model.User, orgID int64, ins []Input, note string) ([]*model.SalesRecord, []error, error) {
	recs, errs := make([]*model.SalesRecord, len(ins)), make([]error, len(ins))
	for i, in := range ins {
		recs[i], errs[i] = s.CreateSubmitted(ctx, actor, orgID, in, note)
		if errs[i] != nil && !isAnswer(errs[i]) {
			return nil, nil, errs[i]
		}
	}
	return recs, errs, nil
}

func identity(r *model.SalesRecord) claim.Identity {
	return claim.Identity{Issuer: r.InvoiceIssuer, Code: r.InvoiceCode, Number: r.InvoiceNumber}
}

func duplicateInvoice(id claim.Identity) error {
	return claim.Duplicate(id)
}

// VerifyMany is Verify for many records, in one transaction: each id's
// entries, or its error as Verify would answer it (404, 403, 409
// invalid_transition for a record no longer submitted). The records move
// with one statement, their entries and audit rows are written with
// multi-row INSERTs. A record that moved on between the read and the
// write (another verifier won) is an error for the whole call (409
// invalid_transition): nothing is written, and the caller verifies the
// records one at a time.
func (s *Service) VerifyMany(ctx context.Context, actor *model.User, ids []int64) ([][]*model.Credit, []error, error) {
	bs, ok := s.store.(BulkStore)
	bl, lok := s.ledger.(BulkLedger)
	if !ok || !lok {
		return s.verifyEach(ctx, actor, ids)
	}
	b := s.batch()
	credits, errs := make([][]*model.Credit, len(ids)), make([]error, len(ids))
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		recs, err := bs.RecordsByID(ctx, ids)
		if err != nil {
			return err
		}
		by := make(map[int64]*model.SalesRecord, len(recs))
		for _, r := range recs {
			by[r.ID] = r
		}
		var todo []*model.SalesRecord
		var at []int
		seen := map[int64]bool{}
		for i, id := range ids {
			r := by[id]
			if r == nil {
				errs[i] = model.NotFound("sales record")
				continue
			}
			ok, err := b.visible(ctx, actor, r)
			if err != nil {
				return err
			}
			if !ok {
				errs[i] = model.NotFound("sales record")
				continue
			}
			if _, err := b.verifier(ctx, actor, r); err != nil {
				if !isAnswer(err) {
					return err
				}
				errs[i] = err
				continue
			}
			status := r.Status
			if seen[id] {
				status = model.RecordVerified // by this call already
			}
			if status != model.RecordSubmitted {
				errs[i] = model.Conflict("invalid_transition", "a %s record cannot be verified", status)
				continue
			}
			seen[id] = true
			todo, at = append(todo, r), append(at, i)
		}
		if len(todo) == 0 {
			return nil
		}
		now := s.now()
		moving := make([]int64, len(todo))
		for i, r := range todo {
			moving[i] = r.ID
		}
		n, err := bs.UpdateRecords(ctx, moving, []string{model.RecordSubmitted}, verifiedPatch(actor, now))
		if err != nil {
			return err
		}
		if n != len(moving) {
			return model.Conflict("invalid_transition", "a record of the batch moved on meanwhile")
		}
		got, err := bl.RecordedMany(ctx, todo, now)
		if err != nil {
			return err
		}
		audits := make([]*model.Audit, len(todo))
		for k, r := range todo {
			credits[at[k]] = got[k]
			audits[k] = verifyAudit(ctx, actor, r, got[k])
		}
		return bs.AddAudits(ctx, audits)
	})
	if err != nil {
		return nil, nil, err
	}
	return credits, errs, nil
}

// verifyEach is VerifyMany one record at a time (a store or ledger
// without multi-row writes).
func (s *Service) verifyEach(ctx context.Context, actor *model.User, ids []int64) ([][]*model.Credit, []error, error) {
	credits, errs := make([][]*model.Credit, len(ids)), make([]error, len(ids))
	for i, id := range ids {
		v, err := s.Verify(ctx, actor, id)
		switch {
		case err == nil:
			credits[i] = v.Credits
		case isAnswer(err):
			errs[i] = err
		default:
			return nil, nil, err
		}
	}
	return credits, errs, nil
}
