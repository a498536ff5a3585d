package store

// Off-platform sales records, their items and scans; the closed review
// years and the platforms that count toward reserved shares.

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"shanhai/model"
)

// CreateRecord inserts a record and its items (Seq from 1).
func (s *Store) CreateRecord(ctx context.Context, r *model.SalesRecord) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		now := s.gdb.NowFunc()
		r.CreatedAt, r.UpdatedAt = now, now
		if err := s.conn(ctx).Create(r).Error; err != nil {
			return mapErr(err)
		}
		return s.insertItems(ctx, r)
	})
}

func (s *Store) insertItems(ctx context.Context, r *model.SalesRecord) error {
	for i := range r.Items {
		r.Items[i].ID, r.Items[i].RecordID, r.Items[i].Seq = 0, r.ID, i+1
	}
	if len(r.Items) == 0 {
		return nil
	}
	return mapErr(s.conn(ctx).Create(&r.Items).Error)
}

// ReplaceRecord rewrites an editable record's fields and items, provided its
// status is still one of from (a compare-and-set: 409 otherwise).
func (s *Store) ReplaceRecord(ctx context.Context, r *model.SalesRecord, from []string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		r.UpdatedAt = s.gdb.NowFunc()
		res := s.conn(ctx).Model(&model.SalesRecord{}).Where("id = ? AND status IN ?", r.ID, from).Updates(map[string]any{
			"kind": r.Kind, "platform": r.Platform, "txn_date": r.Date, "sales_point_id": r.SalesPointID,
			"supplier_id": r.SupplierID, "producer_name": r.ProducerName, "producer_credit_code": r.ProducerCreditCode,
			"producer_region": r.ProducerRegion, "total_cents": r.TotalCents, "invoice_issuer": r.InvoiceIssuer,
			"invoice_code": r.InvoiceCode, "invoice_number": r.InvoiceNumber, "invoice_date": r.InvoiceDate,
			"note": r.Note, "updated_at": r.UpdatedAt,
		})
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return model.Conflict("invalid_transition", "record %d can no longer be edited", r.ID)
		}
		if err := s.conn(ctx).Where("record_id = ?", r.ID).Delete(&model.RecordItem{}).Error; err != nil {
			return mapErr(err)
		}
		return s.insertItems(ctx, r)
	})
}

// UpdateRecord moves a record from one of the statuses in from to p.Status
// (a compare-and-set: 409 invalid_transition when another change won).
func (s *Store) UpdateRecord(ctx context.Context, id int64, from []string, p model.RecordPatch) error {
	cols := s.recordPatchColumns(p)
	res := s.conn(ctx).Model(&model.SalesRecord{}).Where("id = ? AND status IN ?", id, from).Updates(cols)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("invalid_transition", "record %d is not %v", id, from)
	}
	return nil
}

// recordPatchColumns are the columns a patch sets: the status, the time of
// the change and whichever of the other fields it carries.
func (s *Store) recordPatchColumns(p model.RecordPatch) map[string]any {
	cols := map[string]any{"status": p.Status, "updated_at": s.gdb.NowFunc()}
	if p.Reason != nil {
		cols["reason"] = *p.Reason
	}
	if p.VerifierID != nil {
		cols["verifier_id"] = *p.VerifierID
	}
	if p.SubmittedAt != nil {
		cols["submitted_at"] = *p.SubmittedAt
	}
	if p.VerifiedAt != nil {
		cols["verified_at"] = *p.VerifiedAt
	}
	if p.RevokedAt != nil {
		cols["revoked_at"] = *p.RevokedAt
	}
	return cols
}

// Record is one record with its items and files.
func (s *Store) Record(ctx context.Context, id int64) (*model.SalesRecord, error) {
	var r model.SalesRecord
	if err := s.conn(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "sales record")
	}
	if err := s.conn(ctx).Where("record_id = ?", id).Order("seq").Find(&r.Items).Error; err != nil {
		return nil, mapErr(err)
	}
	if err := s.conn(ctx).Where("record_id = ?", id).Order("id").Find(&r.Files).Error; err != nil {
		return nil, mapErr(err)
	}
	return &r, nil
}

// Records lists records, newest first; items and files are not loaded.
func (s *Store) Records(ctx context.Context, f model.RecordFilter, page, size int) (model.Page[model.SalesRecord], error) {
	q := s.conn(ctx).Model(&model.SalesRecord{})
	if f.OrgID != 0 {
		q = q.Where("org_id = ?", f.OrgID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.OrgRegions != nil {
		q = q.Where("org_id IN (SELECT id FROM orgs WHERE region_code IN ?)", nonEmpty(f.OrgRegions))
	}
	if f.ProducerRegions != nil {
		q = q.Where("producer_region IN ?", nonEmpty(f.ProducerRegions))
	}
	return paginate[model.SalesRecord](q, "id DESC", page, size)
}

// nonEmpty keeps an IN list valid SQL: an empty scope matches nothing.
func nonEmpty(codes []string) []string {
	if len(codes) == 0 {
		return []string{"-"}
	}
	return codes
}

// AddRecordFile attaches a stored scan to a record.
func (s *Store) AddRecordFile(ctx context.Context, f *model.RecordFile) error {
	f.CreatedAt = s.gdb.NowFunc()
	return mapErr(s.conn(ctx).Create(f).Error)
}

// RecordFile is one scan of a record.
func (s *Store) RecordFile(ctx context.Context, recordID, fileID int64) (*model.RecordFile, error) {
	var f model.RecordFile
	if err := s.conn(ctx).Where("id = ? AND record_id = ?", fileID, recordID).Take(&f).Error; err != nil {
		return nil, notFound(err, "file")
	}
	return &f, nil
}

// RecordCredits are a record's ledger entries, oldest first.
func (s *Store) RecordCredits(ctx context.Context, recordID int64) ([]model.Credit, error) {
	var out []model.Credit
	err := s.conn(ctx).Where("record_id = ?", recordID).Order("id").Find(&out).Error
	return out, mapErr(err)
}

// ReleaseInvoiceClaims drops the claims a holder has (a returned record
// whose invoice is being changed gives its old invoice back).
func (s *Store) ReleaseInvoiceClaims(ctx context.Context, holderKind string, holderID int64) error {
	return mapErr(s.conn(ctx).Where("holder_kind = ? AND holder_id = ?", holderKind, holderID).
		Delete(&model.InvoiceClaim{}).Error)
}

// ClosedYears are the closed review years, oldest first.
func (s *Store) ClosedYears(ctx context.Context) ([]model.ClosedYear, error) {
	out := []model.ClosedYear{}
	return out, mapErr(s.conn(ctx).Order("year").Find(&out).Error)
}

// YearClosed reports whether a review year is closed.
func (s *Store) YearClosed(ctx context.Context, year int) (bool, error) {
	var n int64
	err := s.conn(ctx).Model(&model.ClosedYear{}).Where("year = ?", year).Count(&n).Error
	return n > 0, mapErr(err)
}

// CloseYear closes a year; false when it was already closed.
func (s *Store) CloseYear(ctx context.Context, year int, actorID *int64) (bool, error) {
	res := s.conn(ctx).Create(&model.ClosedYear{Year: year, ActorID: actorID, ClosedAt: s.gdb.NowFunc()})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return false, nil
		}
		return false, mapErr(res.Error)
	}
	return true, nil
}

// ReopenYear reopens a year; false when it was not closed.
func (s *Store) ReopenYear(ctx context.Context, year int) (bool, error) {
	res := s.conn(ctx).Where("year = ?", year).Delete(&model.ClosedYear{})
	return res.RowsAffected > 0, mapErr(res.Error)
}

// ReservePlatforms are the platforms whose records count toward reserved shares.
func (s *Store) ReservePlatforms(ctx context.Context) ([]string, error) {
	out := []string{}
	return out, mapErr(s.conn(ctx).Model(&model.ReservePlatform{}).Order("platform").Pluck("platform", &out).Error)
}

// SetReservePlatforms replaces that list.
func (s *Store) SetReservePlatforms(ctx context.Context, platforms []string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Where("1 = 1").Delete(&model.ReservePlatform{}).Error; err != nil {
			return mapErr(err)
		}
		for _, p := range platforms {
			if err := s.conn(ctx).Create(&model.ReservePlatform{Platform: p}).Error; err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// CreateRecords inserts records and their items (Seq from 1) with multi-row
// INSERTs, in the caller's transaction when there is one. The records'
// ids come from one statement only where its ids are consecutive
// (rowsPerInsert); so do the items', which are read back elsewhere (a
// Galera cluster), never guessed.
func (s *Store) CreateRecords(ctx context.Context, rs []*model.SalesRecord) error {
	if len(rs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		now := s.gdb.NowFunc()
		for _, r := range rs {
			r.ID, r.CreatedAt, r.UpdatedAt = 0, now, now
		}
		if err := s.conn(ctx).CreateInBatches(rs, min(s.rowsPerInsert(ctx, len(rs)), s.perStatement(500, 27))).Error; err != nil {
			return mapErr(err)
		}
		var items []*model.RecordItem
		ids := make([]int64, len(rs))
		for k, r := range rs {
			ids[k] = r.ID
			for i := range r.Items {
				r.Items[i].ID, r.Items[i].RecordID, r.Items[i].Seq = 0, r.ID, i+1
				items = append(items, &r.Items[i])
			}
		}
		if len(items) == 0 {
			return nil
		}
		if s.consecutiveIDs(ctx) {
			// One INSERT's ids are consecutive: GORM sets the items' from
			// the first, as the records' above, and none is read back.
			return mapErr(s.conn(ctx).CreateInBatches(items, s.perStatement(500, 9)).Error)
		}
		if err := s.conn(ctx).Omit("id").CreateInBatches(items, s.perStatement(500, 9)).Error; err != nil {
			return mapErr(err)
		}
		var got []struct {
			ID       int64
			RecordID int64
			Seq      int
		}
		if err := s.conn(ctx).Model(&model.RecordItem{}).Select("id, record_id, seq").
			Where("record_id IN ?", ids).Scan(&got).Error; err != nil {
			return mapErr(err)
		}
		byKey := make(map[[2]int64]int64, len(got))
		for _, g := range got {
			byKey[[2]int64{g.RecordID, int64(g.Seq)}] = g.ID
		}
		for _, it := range items {
			it.ID = byKey[[2]int64{it.RecordID, int64(it.Seq)}]
		}
		return nil
	})
}

// UpdateRecords moves the records of ids still in one of the statuses in
// from to p.Status, in one statement per 500 records; it answers how many
// it moved (fewer than asked: another change won for some).
func (s *Store) UpdateRecords(ctx context.Context, ids []int64, from []string, p model.RecordPatch) (int, error) {
	cols := s.recordPatchColumns(p)
	n := 0
	for i := 0; i < len(ids); i += 500 {
		res := s.conn(ctx).Model(&model.SalesRecord{}).Where("id IN ? AND status IN ?", ids[i:min(i+500, len(ids))], from).Updates(cols)
		if res.Error != nil {
			return n, mapErr(res.Error)
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}

// RecordsByID are the records of ids with their items (files are not
// loaded), in no particular order; absent ids are left out.
func (s *Store) RecordsByID(ctx context.Context, ids []int64) ([]*model.SalesRecord, error) {
	out := []*model.SalesRecord{}
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		var rs []*model.SalesRecord
		if err := s.conn(ctx).Where("id IN ?", part).Find(&rs).Error; err != nil {
			return nil, mapErr(err)
		}
		var items []model.RecordItem
		if err := s.conn(ctx).Where("record_id IN ?", part).Order("record_id, seq").Find(&items).Error; err != nil {
			return nil, mapErr(err)
		}
		by := make(map[int64]*model.SalesRecord, len(rs))
		for _, r := range rs {
			r.Items, r.Files = []model.RecordItem{}, []model.RecordFile{}
			by[r.ID] = r
		}
		for _, it := range items {
			if r := by[it.RecordID]; r != nil {
				r.Items = append(r.Items, it)
			}
		}
		out = append(out, rs...)
	}
	return out, nil
}
