package store

// Bulk imports: jobs, their staging rows, and the chunks the workers of
// every replica share by claiming them with a lease.

import (
	"context"
	"slices"
	"strings"
	"time"

	"shanhai/model"
)

// CreateImportJob inserts a job, its rows (in batches) and its chunks, all
// in the caller's transaction.
func (s *Store) CreateImportJob(ctx context.Context, j *model.ImportJob) error {
	now := s.gdb.NowFunc()
	j.CreatedAt, j.UpdatedAt = now, now
	return mapErr(s.conn(ctx).Create(j).Error)
}

// AddImportRows inserts staging rows, 1,000 a statement (fewer on SQLite:
// perStatement).
func (s *Store) AddImportRows(ctx context.Context, rows []model.ImportRow) error {
	if len(rows) == 0 {
		return nil
	}
	return mapErr(s.conn(ctx).CreateInBatches(rows, s.perStatement(1000, 10)).Error)
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
// totals is not empty): false when another change won.
func (s *Store) MoveImportJob(ctx context.Context, id int64, from, to, totals string) (bool, error) {
	cols := map[string]any{"status": to, "updated_at": s.gdb.NowFunc()}
	if totals != "" {
		cols["totals"] = totals
	}
	res := s.conn(ctx).Model(&model.ImportJob{}).Where("id = ? AND status = ?", id, from).Updates(cols)
	return res.RowsAffected == 1, mapErr(res.Error)
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
		res := s.conn(ctx).Model(&model.ImportChunk{}).
			Where("job_id = ? AND seq = ? AND phase = ? AND done = ? AND (lease_until IS NULL OR lease_until < ?)",
				c.JobID, c.Seq, c.Phase, false, now).
			Updates(map[string]any{"lease_owner": owner, "lease_until": until})
		if res.Error != nil {
			return nil, mapErr(res.Error)
		}
		if res.RowsAffected == 1 {
			c.LeaseOwner, c.LeaseUntil = owner, &until
			return &c, nil
		}
	}
	return nil, nil
}

// RenewImportChunk extends a held lease: false when it is no longer held.
func (s *Store) RenewImportChunk(ctx context.Context, c *model.ImportChunk, until time.Time) (bool, error) {
	res := s.conn(ctx).Model(&model.ImportChunk{}).
		Where("job_id = ? AND seq = ? AND phase = ? AND done = ? AND lease_owner = ?", c.JobID, c.Seq, c.Phase, false, c.LeaseOwner).
		Update("lease_until", until)
	return res.RowsAffected == 1, mapErr(res.Error)
}

// FinishImportChunk marks a held chunk done: false when the lease was lost.
func (s *Store) FinishImportChunk(ctx context.Context, c *model.ImportChunk) (bool, error) {
	res := s.conn(ctx).Model(&model.ImportChunk{}).
		Where("job_id = ? AND seq = ? AND phase = ? AND done = ? AND lease_owner = ?", c.JobID, c.Seq, c.Phase, false, c.LeaseOwner).
		Updates(map[string]any{"done": true, "lease_until": nil})
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

// ImportChunkRows is a chunk's rows in row order.
func (s *Store) ImportChunkRows(ctx context.Context, jobID int64, chunk int) ([]model.ImportRow, error) {
	var rows []model.ImportRow
	err := s.conn(ctx).Where("job_id = ? AND chunk = ?", jobID, chunk).Order("row_no").Find(&rows).Error
	return rows, mapErr(err)
}

// ImportRowsAfter is up to limit of a job's rows after row_no after.
func (s *Store) ImportRowsAfter(ctx context.Context, jobID int64, after, limit int) ([]model.ImportRow, error) {
	var rows []model.ImportRow
	err := s.conn(ctx).Where("job_id = ? AND row_no > ?", jobID, after).Order("row_no").Limit(limit).Find(&rows).Error
	return rows, mapErr(err)
}

// ImportStatusCounts counts a job's rows by status.
func (s *Store) ImportStatusCounts(ctx context.Context, jobID int64) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := s.conn(ctx).Model(&model.ImportRow{}).Where("job_id = ?", jobID).
		Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, mapErr(err)
}

// ImportRefs is the distinct records (or entries) a job's rows became.
func (s *Store) ImportRefs(ctx context.Context, jobID int64) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.ImportRow{}).Where("job_id = ? AND status = ? AND ref_id IS NOT NULL", jobID, model.RowCreated).
		Distinct("ref_id").Order("ref_id").Pluck("ref_id", &ids).Error
	return ids, mapErr(err)
}

// SetImportRows records one outcome for rows of a job still in status from;
// it answers how many rows it changed (fewer than asked: another worker got
// to some first).
func (s *Store) SetImportRows(ctx context.Context, jobID int64, rows []int, from string, to model.ImportRow) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	cols := map[string]any{"status": to.Status, "problems": to.Problems, "ref_id": to.RefID}
	if to.Status == model.RowOK {
		cols["pairing_id"], cols["reason"] = to.PairingID, to.Reason
	}
	n, step := 0, s.perStatement(len(rows), 1)
	for i := 0; i < len(rows); i += step {
		res := s.conn(ctx).Model(&model.ImportRow{}).Where("job_id = ? AND row_no IN ? AND status = ?", jobID, rows[i:min(i+step, len(rows))], from).
			Updates(cols)
		if res.Error != nil {
			return n, mapErr(res.Error)
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}

// ImportJobsIn is the ids of the jobs in one of statuses.
func (s *Store) ImportJobsIn(ctx context.Context, statuses ...string) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.ImportJob{}).Where("status IN ?", statuses).Order("id").Pluck("id", &ids).Error
	return ids, mapErr(err)
}

// SetImportGroupRefs records one status for the rows of a job's chunk
// still in status from, each group's rows with its group's ref (group key →
// ref id), in one statement per 500 groups (fewer on SQLite); it answers
// how many rows it changed.
func (s *Store) SetImportGroupRefs(ctx context.Context, jobID int64, chunk int, refs map[string]int64, from, status, problems string) (int, error) {
	keys := make([]string, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	n, step := 0, s.perStatement(500, 3)
	for i := 0; i < len(keys); i += step {
		part := keys[i:min(i+step, len(keys))]
		var sb strings.Builder
		args := make([]any, 0, 2*len(part)+7)
		sb.WriteString("UPDATE import_rows SET status = ?, problems = ?, ref_id = CASE group_key")
		args = append(args, status, problems)
		for _, k := range part {
			sb.WriteString(" WHEN ? THEN ?")
			args = append(args, k, refs[k])
		}
		sb.WriteString(" END WHERE job_id = ? AND chunk = ? AND group_key IN ? AND status = ?")
		args = append(args, jobID, chunk, part, from)
		res := s.conn(ctx).Exec(sb.String(), args...)
		if res.Error != nil {
			return n, mapErr(res.Error)
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}
