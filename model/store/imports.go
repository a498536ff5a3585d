package store

// Bulk imports: jobs, their staged rows (a chunk's in a few parts), the
// rows' written outcomes, and the chunks the workers of every replica share
// by claiming them with a lease.

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shanhai/model"
)

// CreateImportJob inserts a job, its rows (in batches) and its chunks, all
// in the caller's transaction.
func (s *Store) CreateImportJob(ctx context.Context, j *model.ImportJob) error {
	now := s.gdb.NowFunc()
	j.CreatedAt, j.UpdatedAt = now, now
	return mapErr(s.conn(ctx).Create(j).Error)
}

// AddImportStaged inserts staged parts, a few a statement (a part is up to
// a few hundred KiB).
func (s *Store) AddImportStaged(ctx context.Context, parts []model.ImportStaged) error {
	if len(parts) == 0 {
		return nil
	}
	return mapErr(s.conn(ctx).CreateInBatches(parts, 4).Error)
}

// AddImportChunks inserts a job's chunks (validation phase, none done).
func (s *Store) AddImportChunks(ctx context.Context, chunks []model.ImportChunk) error {
	if len(chunks) == 0 {
		return nil
	}
	return mapErr(s.conn(ctx).CreateInBatches(chunks, 200).Error)
}

// SetImportJobSize records a job's row and chunk counts once it is parsed.
func (s *Store) SetImportJobSize(ctx context.Context, id int64, rows, chunks int) error {
	return mapErr(s.conn(ctx).Model(&model.ImportJob{}).Where("id = ?", id).
		Updates(map[string]any{"total_rows": rows, "chunks": chunks, "updated_at": s.gdb.NowFunc()}).Error)
}

// ImportJob is one job; 404 when absent.
func (s *Store) ImportJob(ctx context.Context, id int64) (*model.ImportJob, error) {
	var j model.ImportJob
	if err := s.conn(ctx).Where("id = ?", id).Take(&j).Error; err != nil {
		return nil, mapErr(err)
	}
	return &j, nil
}

// ImportJobs is a page of jobs, newest first; ownerID 0 is every owner's.
func (s *Store) ImportJobs(ctx context.Context, ownerID int64, page, size int) (model.Page[model.ImportJob], error) {
	q := s.conn(ctx).Model(&model.ImportJob{})
	if ownerID != 0 {
		q = q.Where("owner_id = ?", ownerID)
	}
	return paginate[model.ImportJob](q, "id DESC", page, size)
}

// MoveImportJob moves a job from status from to to (with its totals when
// totals is not empty): false when another change won (replicas moving one
// job at once race through its status index: updatedOne).
func (s *Store) MoveImportJob(ctx context.Context, id int64, from, to, totals string) (bool, error) {
	cols := map[string]any{"status": to, "updated_at": s.gdb.NowFunc()}
	if totals != "" {
		cols["totals"] = totals
	}
	return s.updatedOne(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Model(&model.ImportJob{}).Where("id = ? AND status = ?", id, from).Updates(cols)
	})
}

// updatedOne runs a compare-and-set UPDATE of one row as a transaction of
// its own, retried by InTx (inside a transaction, as part of it): on
// MariaDB two updates of one row through a secondary index can deadlock,
// and the loser must find the other's change (false), not fail.
func (s *Store) updatedOne(ctx context.Context, update func(db *gorm.DB) *gorm.DB) (bool, error) {
	one := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		res := update(s.conn(ctx))
		one = res.RowsAffected == 1
		return res.Error
	})
	return one, mapErr(err)
}

// ResetImportChunks puts every chunk of a job back to not done, in phase.
func (s *Store) ResetImportChunks(ctx context.Context, jobID int64, phase string) error {
	return mapErr(s.conn(ctx).Model(&model.ImportChunk{}).Where("job_id = ?", jobID).
		Updates(map[string]any{"phase": phase, "done": false, "lease_owner": "", "lease_until": nil}).Error)
}

// ClaimImportChunk claims one chunk that is not done, whose lease has
// expired (or was never taken), of a job waiting for its phase: validating
// jobs' validate chunks, committing jobs' commit chunks. The claim is a
// compare-and-set on the lease, so two replicas never hold one chunk and a
// dead replica's chunk is taken over once its lease ran out. nil when there
// is nothing to claim.
func (s *Store) ClaimImportChunk(ctx context.Context, owner string, now time.Time, lease time.Duration) (*model.ImportChunk, error) {
	var open []model.ImportChunk
	err := s.conn(ctx).Table("import_chunks AS c").Select("c.*").
		Joins("JOIN import_jobs j ON j.id = c.job_id").
		Where("c.done = ? AND (c.lease_until IS NULL OR c.lease_until < ?)", false, now).
		Where("(j.status = ? AND c.phase = ?) OR (j.status = ? AND c.phase = ?)",
			model.ImportValidating, model.PhaseValidate, model.ImportCommitting, model.PhaseCommit).
		Order("c.job_id, c.seq").Limit(8).Find(&open).Error
	if err != nil {
		return nil, mapErr(err)
	}
	until := now.Add(lease)
	for _, c := range open {
		// Replicas claiming one chunk race through its lease index.
		won, err := s.updatedOne(ctx, func(db *gorm.DB) *gorm.DB {
			return db.Model(&model.ImportChunk{}).
				Where("job_id = ? AND seq = ? AND phase = ? AND done = ? AND (lease_until IS NULL OR lease_until < ?)",
					c.JobID, c.Seq, c.Phase, false, now).
				Updates(map[string]any{"lease_owner": owner, "lease_until": until})
		})
		if err != nil {
			return nil, err
		}
		if won {
			c.LeaseOwner, c.LeaseUntil = owner, &until
			return &c, nil
		}
	}
	return nil, nil
}

// RenewImportChunk extends a held lease: false when it is no longer held
// (it races a taker's claim: updatedOne).
func (s *Store) RenewImportChunk(ctx context.Context, c *model.ImportChunk, until time.Time) (bool, error) {
	return s.updatedOne(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Model(&model.ImportChunk{}).
			Where("job_id = ? AND seq = ? AND phase = ? AND done = ? AND lease_owner = ?", c.JobID, c.Seq, c.Phase, false, c.LeaseOwner).
			Update("lease_until", until)
	})
}

// FinishImportChunk marks a held chunk done, a validated one with how its
// ok rows are credited (c.OKPairingID, c.OKReason): false when the lease
// was lost.
func (s *Store) FinishImportChunk(ctx context.Context, c *model.ImportChunk) (bool, error) {
	cols := map[string]any{"done": true, "lease_until": nil}
	if c.Phase == model.PhaseValidate {
		cols["ok_pairing_id"], cols["ok_reason"] = c.OKPairingID, c.OKReason
	}
	res := s.conn(ctx).Model(&model.ImportChunk{}).
		Where("job_id = ? AND seq = ? AND phase = ? AND done = ? AND lease_owner = ?", c.JobID, c.Seq, c.Phase, false, c.LeaseOwner).
		Updates(cols)
	return res.RowsAffected == 1, mapErr(res.Error)
}

// ImportProgress is the rows of a job's done chunks in the current phase,
// and whether every chunk is done.
func (s *Store) ImportProgress(ctx context.Context, jobID int64) (done int, all bool, err error) {
	var out struct {
		Done  int
		Open  int
		Total int
	}
	err = s.conn(ctx).Model(&model.ImportChunk{}).Where("job_id = ?", jobID).
		Select("COALESCE(SUM(CASE WHEN done THEN row_count ELSE 0 END), 0) AS done, " +
			"COALESCE(SUM(CASE WHEN done THEN 0 ELSE 1 END), 0) AS open, COUNT(*) AS total").
		Scan(&out).Error
	return out.Done, out.Open == 0, mapErr(err)
}

// ImportChunks is a job's chunks in order.
func (s *Store) ImportChunks(ctx context.Context, jobID int64) ([]model.ImportChunk, error) {
	var out []model.ImportChunk
	err := s.conn(ctx).Where("job_id = ?", jobID).Order("seq").Find(&out).Error
	return out, mapErr(err)
}

// ImportStagedParts is a chunk's staged parts in order.
func (s *Store) ImportStagedParts(ctx context.Context, jobID int64, chunk int) ([][]byte, error) {
	var out [][]byte
	err := s.conn(ctx).Model(&model.ImportStaged{}).Where("job_id = ? AND chunk = ?", jobID, chunk).
		Order("part").Pluck("data", &out).Error
	return out, mapErr(err)
}

// ImportOutcomes is the outcomes written for a chunk's rows, in row order.
func (s *Store) ImportOutcomes(ctx context.Context, jobID int64, chunk int) ([]model.ImportRow, error) {
	var out []model.ImportRow
	err := s.conn(ctx).Where("job_id = ? AND chunk = ?", jobID, chunk).Order("row_no").Find(&out).Error
	return out, mapErr(err)
}

// ImportCreated is the records a job's commit created in bulk, by group
// key: of keys, or every one when keys is nil.
func (s *Store) ImportCreated(ctx context.Context, jobID int64, keys []string) (map[string]int64, error) {
	out := map[string]int64{}
	read := func(keys []string) error {
		var got []struct {
			ID        int64
			ImportKey string
		}
		q := s.conn(ctx).Model(&model.SalesRecord{}).Select("id, import_key").Where("import_job_id = ?", jobID)
		if keys != nil {
			q = q.Where("import_key IN ?", keys)
		}
		if err := q.Scan(&got).Error; err != nil {
			return mapErr(err)
		}
		for _, g := range got {
			out[g.ImportKey] = g.ID
		}
		return nil
	}
	if keys == nil {
		return out, read(nil)
	}
	step := s.perStatement(1000, 1)
	for i := 0; i < len(keys); i += step {
		if err := read(keys[i:min(i+step, len(keys))]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ImportRefs is the distinct records (or entries) a job's rows became, in
// id order: those its rows name and those its commit created by key.
func (s *Store) ImportRefs(ctx context.Context, jobID int64) ([]int64, error) {
	var ids, keyed []int64
	err := s.conn(ctx).Model(&model.ImportRow{}).Where("job_id = ? AND status = ? AND ref_id IS NOT NULL", jobID, model.RowCreated).
		Distinct("ref_id").Order("ref_id").Pluck("ref_id", &ids).Error
	if err != nil {
		return nil, mapErr(err)
	}
	if err := s.conn(ctx).Model(&model.SalesRecord{}).Where("import_job_id = ?", jobID).Order("id").Pluck("id", &keyed).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(keyed) == 0 {
		return ids, nil
	}
	ids = append(ids, keyed...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// SetImportRows writes the outcomes of rows of a job (each row's own:
// its Status, Problems, RefID, PairingID and Reason, for its RowNo, Chunk
// and GroupKey) still in status from, and answers how many it wrote (fewer
// than asked: another worker got to some first). A row is pending while no
// outcome is written for it; ok while none is once its chunk is validated,
// or while the one written is ok, in both cases only until a commit
// created its group's record in bulk (sales_records' import key). An
// outcome for a row without one is inserted (a row ok by its chunk takes
// the chunk's pairing and reason along, unless the outcome is ok itself);
// one for a row written ok replaces it. A row written pending (staged by an
// older release, a row each) has none.
func (s *Store) SetImportRows(ctx context.Context, jobID int64, from string, rows []model.ImportRow) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	todo := rows
	chunks := map[int]model.ImportChunk{}
	if from == model.RowOK {
		created, err := s.ImportCreated(ctx, jobID, model.GroupKeys(rows))
		if err != nil {
			return 0, err
		}
		todo = nil
		var seqs []int
		for _, r := range rows {
			if _, ok := created[r.GroupKey]; !ok {
				todo = append(todo, r)
				if !slices.Contains(seqs, r.Chunk) {
					seqs = append(seqs, r.Chunk)
				}
			}
		}
		if len(seqs) > 0 {
			var got []model.ImportChunk
			if err := s.conn(ctx).Where("job_id = ? AND seq IN ?", jobID, seqs).Find(&got).Error; err != nil {
				return 0, mapErr(err)
			}
			for _, c := range got {
				chunks[c.Seq] = c
			}
		}
	}
	written := map[int]string{}
	step := s.perStatement(1000, 1)
	for i := 0; i < len(todo); i += step {
		nos := make([]int, 0, step)
		for _, r := range todo[i:min(i+step, len(todo))] {
			nos = append(nos, r.RowNo)
		}
		var got []model.ImportRow
		if err := s.conn(ctx).Select("row_no, status").Where("job_id = ? AND row_no IN ?", jobID, nos).Find(&got).Error; err != nil {
			return 0, mapErr(err)
		}
		for _, g := range got {
			written[g.RowNo] = g.Status
		}
	}
	n := 0
	var insert []model.ImportRow
	for _, r := range todo {
		r.JobID, r.Cells = jobID, ""
		if from == model.RowOK && r.Status != model.RowOK && written[r.RowNo] != model.RowOK {
			c := chunks[r.Chunk]
			r.PairingID, r.Reason = c.OKPairingID, c.OKReason
		}
		switch status, ok := written[r.RowNo]; {
		case !ok:
			insert = append(insert, r)
		case status == model.RowPending || (status == model.RowOK && from == model.RowOK):
			cols := map[string]any{"status": r.Status, "problems": r.Problems, "ref_id": r.RefID}
			if r.Status == model.RowOK || status == model.RowPending {
				cols["pairing_id"], cols["reason"] = r.PairingID, r.Reason
			}
			res := s.conn(ctx).Model(&model.ImportRow{}).Where("job_id = ? AND row_no = ? AND status = ?", jobID, r.RowNo, status).
				Updates(cols)
			if res.Error != nil {
				return n, mapErr(res.Error)
			}
			n += int(res.RowsAffected)
		}
		// Else another outcome is written: no longer in from.
	}
	if len(insert) > 0 {
		// A row another worker wrote meanwhile is left as it is (and not
		// counted): the insert skips the primary key's conflicts, and only
		// those (INSERT IGNORE would also turn a bad value into a warning).
		step := s.perStatement(1000, 10)
		for i := 0; i < len(insert); i += step {
			res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(insert[i:min(i+step, len(insert))])
			if res.Error != nil {
				return n, mapErr(res.Error)
			}
			n += int(res.RowsAffected)
		}
	}
	return n, nil
}

// ImportJobsIn is the ids of the jobs in one of statuses.
func (s *Store) ImportJobsIn(ctx context.Context, statuses ...string) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.ImportJob{}).Where("status IN ?", statuses).Order("id").Pluck("id", &ids).Error
	return ids, mapErr(err)
}
