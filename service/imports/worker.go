package imports

// The background work: claim a chunk, validate or commit its rows, finish
// it, and move the job on once every chunk is done.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"shanhai/model"
)

// Run works jobs until ctx ends, looking for a chunk every interval when
// there was none.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	for {
		n, err := s.Work(ctx)
		if err != nil && ctx.Err() == nil {
			slog.Warn("import work failed", "err", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// Work claims and works chunks until none is left to claim; it answers how
// many it finished.
func (s *Service) Work(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		c, err := s.store.ClaimImportChunk(ctx, s.worker, s.now(), s.limits.Lease)
		if err != nil || c == nil {
			return n, err
		}
		if err := s.workChunk(ctx, c); err != nil {
			return n, err
		}
		n++
	}
	return n, ctx.Err()
}

// group is the rows of one record or certificate, in row order.
type group struct {
	key  string
	rows []model.ImportRow
}

func groups(rows []model.ImportRow) []*group {
	var out []*group
	by := map[string]*group{}
	for _, r := range rows {
		g, ok := by[r.GroupKey]
		if !ok {
			g = &group{key: r.GroupKey}
			by[r.GroupKey] = g
			out = append(out, g)
		}
		g.rows = append(g.rows, r)
	}
	return out
}

func (s *Service) workChunk(ctx context.Context, c *model.ImportChunk) error {
	j, err := s.store.ImportJob(ctx, c.JobID)
	if err != nil {
		return err
	}
	owner, err := s.store.User(ctx, j.OwnerID)
	if err != nil {
		return err
	}
	rows, err := s.store.ImportChunkRows(ctx, c.JobID, c.Seq)
	if err != nil {
		return err
	}
	renewed := s.now()
	for _, g := range groups(rows) {
		if s.now().Sub(renewed) > s.limits.Lease/3 {
			renewed = s.now()
			ok, err := s.store.RenewImportChunk(ctx, c, renewed.Add(s.limits.Lease))
			if err != nil {
				return err
			}
			if !ok {
				return nil // another worker holds it now
			}
		}
		switch {
		case c.Phase == model.PhaseValidate && j.Kind == model.ImportRecords:
			err = s.validateRecord(ctx, j, owner, g)
		case c.Phase == model.PhaseValidate:
			err = s.validateEntry(ctx, owner, g)
		case j.Kind == model.ImportRecords:
			err = s.commitRecord(ctx, j, owner, g)
		default:
			err = s.commitEntry(ctx, j, owner, g)
		}
		if err != nil {
			return err
		}
		if c.Phase == model.PhaseCommit && s.afterGroup != nil {
			if err := s.afterGroup(); err != nil {
				return err
			}
		}
	}
	ok, err := s.store.FinishImportChunk(ctx, c)
	if err != nil || !ok {
		return err
	}
	return s.settle(ctx, j.ID)
}

// settle moves a job on once every chunk of its phase is done: validating →
// preview, committing → done, with its totals. Two replicas finishing the
// last chunks at once both try; the compare-and-set lets one win.
func (s *Service) settle(ctx context.Context, id int64) error {
	_, all, err := s.store.ImportProgress(ctx, id)
	if err != nil || !all {
		return err
	}
	j, err := s.store.ImportJob(ctx, id)
	if err != nil {
		return err
	}
	to := ""
	switch j.Status {
	case model.ImportValidating:
		to = model.ImportPreview
	case model.ImportCommitting:
		to = model.ImportDone
	default:
		return nil
	}
	t, err := s.totals(ctx, j)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(t)
	_, err = s.store.MoveImportJob(ctx, id, j.Status, to, string(b))
	return err
}

// totals counts a job's rows by status, and the records (or entries) and
// cents the ok or created rows make.
func (s *Service) totals(ctx context.Context, j *model.ImportJob) (*model.ImportTotals, error) {
	counts, err := s.store.ImportStatusCounts(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	t := &model.ImportTotals{ByStatus: counts}
	seen := map[string]bool{}
	after := 0
	for {
		rows, err := s.store.ImportRowsAfter(ctx, j.ID, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			after = r.RowNo
			t.Rows++
			if r.Status != model.RowOK && r.Status != model.RowCreated {
				continue
			}
			if !seen[r.GroupKey] {
				seen[r.GroupKey] = true
				t.Records++
			}
			if j.Kind == model.ImportRecords {
				cents, _ := cellCents(cellsOf(r)["amount"])
				t.Cents += cents
			}
		}
	}
	return t, nil
}

func cellsOf(r model.ImportRow) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(r.Cells), &m)
	return m
}

func problemsOf(s string) []model.RowProblem {
	var p []model.RowProblem
	_ = json.Unmarshal([]byte(s), &p)
	return p
}

func problemsJSON(p []model.RowProblem) string {
	if len(p) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// mark sets every row of g from status from to status to; problems by row
// number (rows without any get common). false when a row had moved on
// (another worker wrote the group first).
func (s *Service) mark(ctx context.Context, g *group, from, to string, problems map[int][]model.RowProblem, common []model.RowProblem, ref *int64) (bool, error) {
	for _, r := range g.rows {
		p := problems[r.RowNo]
		if len(p) == 0 {
			p = common
		}
		ok, err := s.store.SetImportRow(ctx, r.JobID, r.RowNo, from, to, problemsJSON(p), ref)
		if err != nil || !ok {
			return ok, err
		}
	}
	return true, nil
}

// markTx is mark in its own transaction, rolled back when a row had moved on.
func (s *Service) markTx(ctx context.Context, g *group, from, to string, problems map[int][]model.RowProblem, common []model.RowProblem) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.mark(ctx, g, from, to, problems, common, nil)
		if err == nil && !ok {
			return errStop
		}
		return err
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// okRows is g without the rows a commit no longer has to write.
func okRows(g *group) *group {
	out := &group{key: g.key}
	for _, r := range g.rows {
		if r.Status == model.RowOK {
			out.rows = append(out.rows, r)
		}
	}
	return out
}

func rowRef(id int64) *int64 { return &id }

func atoi64(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
