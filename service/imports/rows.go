package imports

// Reading a job's rows with their outcome: a chunk's rows are staged in a
// few parts (model.ImportStaged), and only the outcomes that are not a
// plain ok are written (model.ImportRow); a row without one is pending
// until its chunk is validated, then ok, credited as its chunk says, and
// created once a commit created its group's record in bulk (keyed by job
// and group).

import (
	"context"
	"errors"
	"slices"

	"shanhai/model"
)

// chunkRows is c's rows in row order with their outcome. created is the
// records the job's commit created in bulk, by group key; nil reads those
// of c's groups (none before a commit).
func (s *Service) chunkRows(ctx context.Context, c *model.ImportChunk, created map[string]int64) ([]model.ImportRow, error) {
	parts, err := s.store.ImportStagedParts(ctx, c.JobID, c.Seq)
	if err != nil {
		return nil, err
	}
	written, err := s.store.ImportOutcomes(ctx, c.JobID, c.Seq)
	if err != nil {
		return nil, err
	}
	rows := make([]model.ImportRow, 0, c.Rows)
	if len(parts) == 0 {
		// Staged before parts were (a job uploaded by an older release):
		// every row was written, pending until it had an outcome.
		rows, written = written, nil
		for i := range rows {
			if rows[i].Status == model.RowPending {
				continue
			}
			written = append(written, rows[i])
		}
	}
	for _, p := range parts {
		ok := decodeLines(p, func(rowNo int, key, cells string) {
			rows = append(rows, model.ImportRow{JobID: c.JobID, RowNo: rowNo, Chunk: c.Seq, GroupKey: key, Cells: cells,
				Status: model.RowPending, Problems: "[]"})
		})
		if !ok {
			return nil, errors.New("imports: a staged part of job " + itoa(int(c.JobID)) + " cannot be read")
		}
	}
	if !slices.IsSortedFunc(rows, byRowNo) {
		slices.SortFunc(rows, byRowNo)
	}
	if created == nil && c.Phase == model.PhaseCommit {
		if created, err = s.store.ImportCreated(ctx, c.JobID, model.GroupKeys(rows)); err != nil {
			return nil, err
		}
	}
	validated := c.Done || c.Phase == model.PhaseCommit
	w := 0
	for i := range rows {
		r := &rows[i]
		for w < len(written) && written[w].RowNo < r.RowNo {
			w++
		}
		switch {
		case w < len(written) && written[w].RowNo == r.RowNo:
			o := written[w]
			r.Status, r.Problems, r.RefID, r.PairingID, r.Reason = o.Status, o.Problems, o.RefID, o.PairingID, o.Reason
		case validated:
			r.Status, r.Problems, r.RefID, r.PairingID, r.Reason = model.RowOK, "[]", nil, c.OKPairingID, c.OKReason
		default:
			r.Status, r.Problems, r.RefID, r.PairingID, r.Reason = model.RowPending, "[]", nil, nil, ""
		}
		if id, ok := created[r.GroupKey]; ok && (r.Status == model.RowOK || r.Status == model.RowPending) {
			r.Status, r.RefID = model.RowCreated, &id
		}
	}
	return rows, nil
}

func byRowNo(a, b model.ImportRow) int { return a.RowNo - b.RowNo }

// eachChunk calls fn with each chunk's rows of j, with their outcome, chunk
// by chunk (not in row order across chunks: a chunk holds whole groups).
func (s *Service) eachChunk(ctx context.Context, j *model.ImportJob, fn func(rows []model.ImportRow) error) error {
	chunks, err := s.store.ImportChunks(ctx, j.ID)
	if err != nil {
		return err
	}
	created, err := s.store.ImportCreated(ctx, j.ID, nil)
	if err != nil {
		return err
	}
	for i := range chunks {
		rows, err := s.chunkRows(ctx, &chunks[i], created)
		if err != nil {
			return err
		}
		if err := fn(rows); err != nil {
			return err
		}
	}
	return nil
}
