package store

// Bulk imports: jobs, their staging rows, and the chunks the workers of
// every replica share by claiming them with a lease.

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

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

// validatedOK is the condition of a row left pending in a validated chunk
// (done, or in the commit phase): validation writes only the outcomes that
// are not ok, or ok with another pairing or reason than the chunk's, so
// such a row is ok, credited as its chunk says.
const validatedOK = "r.status = '" + model.RowPending + "' AND (c.done <> 0 OR c.phase = '" + model.PhaseCommit + "')"

// importCreated is the condition of an ok row whose group's record a
// commit created (sales_records s, by its import job and key): the commit
// writes the record, not its rows.
const importCreated = "s.id IS NOT NULL AND r.status IN ('" + model.RowOK + "', '" + model.RowPending + "')"

// importOutcome is a row's status as read: created, ok when validatedOK,
// else as written.
const importOutcome = "CASE WHEN " + importCreated + " THEN '" + model.RowCreated + "' WHEN " + validatedOK +
	" THEN '" + model.RowOK + "' ELSE r.status END"

// importJoins are a staging row's chunk (c) and the record its group's
// commit created (s), if any.
const importJoins = "JOIN import_chunks c ON c.job_id = r.job_id AND c.seq = r.chunk " +
	"LEFT JOIN sales_records s ON s.import_job_id = r.job_id AND s.import_key = r.group_key"

// importRows reads staging rows (as r) with their outcome: a row validatedOK
// reads as ok with its chunk's pairing and reason, an ok row whose group's
// record a commit created as created with that record.
func (s *Store) importRows(ctx context.Context) *gorm.DB {
	return s.conn(ctx).Table("import_rows AS r").Joins(importJoins).
		Select("r.job_id, r.row_no, r.chunk, r.group_key, r.cells, r.problems, " +
			"CASE WHEN " + importCreated + " THEN s.id ELSE r.ref_id END AS ref_id, " +
			importOutcome + " AS status, " +
			"CASE WHEN " + validatedOK + " THEN c.ok_pairing_id ELSE r.pairing_id END AS pairing_id, " +
			"CASE WHEN " + validatedOK + " THEN c.ok_reason ELSE r.reason END AS reason")
}

// ImportChunkRows is a chunk's rows in row order, with their outcome.
func (s *Store) ImportChunkRows(ctx context.Context, jobID int64, chunk int) ([]model.ImportRow, error) {
	var rows []model.ImportRow
	err := s.importRows(ctx).Where("r.job_id = ? AND r.chunk = ?", jobID, chunk).Order("r.row_no").Find(&rows).Error
	return rows, mapErr(err)
}

// ImportRowsAfter is up to limit of a job's rows after row_no after, with
// their outcome.
func (s *Store) ImportRowsAfter(ctx context.Context, jobID int64, after, limit int) ([]model.ImportRow, error) {
	var rows []model.ImportRow
	err := s.importRows(ctx).Where("r.job_id = ? AND r.row_no > ?", jobID, after).Order("r.row_no").Limit(limit).Find(&rows).Error
	return rows, mapErr(err)
}

// ImportStatusCounts counts a job's rows by outcome.
func (s *Store) ImportStatusCounts(ctx context.Context, jobID int64) (map[string]int, error) {
	var rows []struct {
		Outcome string
		N       int
	}
	err := s.conn(ctx).Table("import_rows AS r").Joins(importJoins).Where("r.job_id = ?", jobID).
		Select(importOutcome + " AS outcome, COUNT(*) AS n").
		Group("outcome").Scan(&rows).Error
	out := map[string]int{}
	for _, r := range rows {
		out[r.Outcome] += r.N
	}
	return out, mapErr(err)
}

// fromStatuses is the stored statuses a write expecting rows in status
// from matches: ok rows include those validation left pending (the
// caller writes ok rows only once their chunks are validated).
func fromStatuses(from string) []string {
	if from == model.RowOK {
		return []string{model.RowOK, model.RowPending}
	}
	return []string{from}
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

// SetImportRows records one outcome for rows of a job still in status from
// (ok: fromStatuses); it answers how many rows it changed (fewer than
// asked: another worker got to some first).
func (s *Store) SetImportRows(ctx context.Context, jobID int64, rows []int, from string, to model.ImportRow) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	set, args := "", []any{}
	switch {
	case to.Status == model.RowOK:
		set, args = "pairing_id = ?, reason = ?, ", []any{to.PairingID, to.Reason}
	case from == model.RowOK:
		// A row validation left pending takes its chunk's pairing and
		// reason; assigned before status, as MySQL's later assignments see
		// the earlier ones' values.
		of := func(col string) string {
			return col + " = CASE WHEN status = ? THEN (SELECT c.ok_" + col + " FROM import_chunks c " +
				"WHERE c.job_id = import_rows.job_id AND c.seq = import_rows.chunk) ELSE " + col + " END, "
		}
		set, args = of("pairing_id")+of("reason"), []any{model.RowPending, model.RowPending}
	}
	q := "UPDATE import_rows SET " + set + "status = ?, problems = ?, ref_id = ? WHERE job_id = ? AND row_no IN ? AND status IN ?"
	if from == model.RowOK {
		// Not ok any more when a commit created its group's record.
		q += " AND NOT EXISTS (SELECT 1 FROM sales_records s WHERE s.import_job_id = import_rows.job_id AND s.import_key = import_rows.group_key)"
	}
	args = append(args, to.Status, to.Problems, to.RefID, jobID, nil, fromStatuses(from))
	n, step := 0, s.perStatement(len(rows), 1)
	for i := 0; i < len(rows); i += step {
		args[len(args)-2] = rows[i:min(i+step, len(rows))]
		res := s.conn(ctx).Exec(q, args...)
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
