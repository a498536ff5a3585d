package imports

// The background work: claim a chunk, validate or commit its rows, finish
// it, and move the job on once every chunk is done.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"shanhai/model"
	"shanhai/service/record"
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
		if err != nil {
			return n, err
		}
		if c == nil {
			return n, s.settleAll(ctx)
		}
		if err := s.workChunk(ctx, c); err != nil {
			return n, err
		}
		n++
	}
	return n, ctx.Err()
}

// settleAll moves on every job whose chunks are all done: a worker that
// finished a job's last chunk may have died before it could.
func (s *Service) settleAll(ctx context.Context) error {
	ids, err := s.store.ImportJobsIn(ctx, model.ImportValidating, model.ImportCommitting)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.settle(ctx, id); err != nil {
			return err
		}
	}
	return nil
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
	if errors.Is(err, model.ErrNotFound) {
		return s.fail(ctx, j, "its uploader's account no longer exists")
	}
	if err != nil {
		return err
	}
	rows, err := s.chunkRows(ctx, c, nil)
	if err != nil {
		return err
	}
	l := &lease{s: s, c: c, renewed: s.now()}
	if c.Phase == model.PhaseValidate {
		err = s.validateChunk(ctx, j, owner, l, groups(rows))
	} else {
		err = s.commitChunk(ctx, j, owner, l, groups(rows))
	}
	if errors.Is(err, errLost) {
		return nil // another worker holds the chunk now
	}
	if err != nil {
		return err
	}
	return s.settle(ctx, j.ID)
}

// errLost: the chunk's lease went to another worker.
var errLost = errors.New("lease lost")

// lease renews a held chunk's lease once a third of it has passed.
type lease struct {
	s       *Service
	c       *model.ImportChunk
	renewed time.Time
}

func (l *lease) keep(ctx context.Context) error {
	if l.s.now().Sub(l.renewed) <= l.s.limits.Lease/3 {
		return nil
	}
	l.renewed = l.s.now()
	ok, err := l.s.store.RenewImportChunk(ctx, l.c, l.renewed.Add(l.s.limits.Lease))
	if err == nil && !ok {
		return errLost
	}
	return err
}

// validateChunk checks each group (reading only) and then writes the rows'
// outcomes and finishes the chunk in one transaction: a worker killed
// midway leaves nothing, and its successor checks the chunk again. The ok
// rows credited as most of them are (pairing and reason) are not written:
// the chunk keeps how, and its rows left without an outcome read as ok
// (chunkRows).
func (s *Service) validateChunk(ctx context.Context, j *model.ImportJob, owner *model.User, l *lease, gs []*group) error {
	var outs []rowOutcome
	var pending []*group
	for _, g := range gs {
		if g.rows[0].Status == model.RowPending {
			pending = append(pending, g)
		}
	}
	if j.Kind == model.ImportRecords {
		if err := l.keep(ctx); err != nil {
			return err
		}
		o, err := s.validateRecords(ctx, j, owner, pending)
		if err != nil {
			return err
		}
		outs = o
	} else {
		for _, g := range pending {
			if err := l.keep(ctx); err != nil {
				return err
			}
			o, err := s.validateEntry(ctx, owner, g)
			if err != nil {
				return err
			}
			outs = append(outs, o...)
		}
	}
	l.c.OKPairingID, l.c.OKReason, outs = commonOK(outs)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.apply(ctx, j.ID, model.RowPending, outs); err != nil {
			return err
		}
		ok, err := s.store.FinishImportChunk(ctx, l.c)
		if err == nil && !ok {
			return errLost
		}
		return err
	})
	if errors.Is(err, errStop) {
		return errLost
	}
	return err
}

// commonOK is the pairing and reason most ok outcomes without problems
// have, and outs without those.
func commonOK(outs []rowOutcome) (*int64, string, []rowOutcome) {
	type credited struct {
		pairing int64
		reason  string
	}
	plain := func(o rowOutcome) bool { return o.status == model.RowOK && o.problems == "[]" }
	n := map[credited]int{}
	var best credited
	for _, o := range outs {
		if !plain(o) {
			continue
		}
		k := credited{o.pairing, o.reason}
		n[k] += len(o.rows)
		if n[k] > n[best] {
			best = k
		}
	}
	var rest []rowOutcome
	for _, o := range outs {
		if !plain(o) || (credited{o.pairing, o.reason}) != best {
			rest = append(rest, o)
		}
	}
	var pairing *int64
	if best.pairing != 0 {
		pairing = &best.pairing
	}
	return pairing, best.reason, rest
}

// commitChunk writes the chunk's validated groups, CommitBatch to a
// transaction with their rows' outcome, the chunk finished in the last
// one: a transaction either happened whole or not at all, so a chunk
// resumed after a crash writes each group once. Records are written with
// multi-row statements (writeMany); a batch that cannot be written so (an
// invoice counted meanwhile by someone else) is written again one group at
// a time.
func (s *Service) commitChunk(ctx context.Context, j *model.ImportJob, owner *model.User, l *lease, gs []*group) error {
	var todo []*group
	for _, g := range gs {
		if g = okRows(g); len(g.rows) > 0 {
			todo = append(todo, g)
		}
	}
	finish := func(ctx context.Context) error {
		ok, err := s.store.FinishImportChunk(ctx, l.c)
		if err == nil && !ok {
			return errLost
		}
		return err
	}
	batch := max(1, s.limits.CommitBatch)
	for i := 0; i < len(todo) || i == 0; i += batch {
		if err := l.keep(ctx); err != nil {
			return err
		}
		part := todo[i:min(i+batch, len(todo))]
		last := i+batch >= len(todo)
		var checked *checkedRecords
		if j.Kind == model.ImportRecords && len(part) > 0 {
			// Checked before the transaction, as one record's are.
			var err error
			if checked, err = s.checkRecords(ctx, j, owner, part); err != nil {
				return err
			}
		}
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			if checked != nil {
				if err := s.writeMany(ctx, j, owner, part, checked); err != nil {
					return err
				}
			} else {
				for _, g := range part {
					if err := s.write(ctx, j, owner, g); err != nil {
						return err
					}
				}
			}
			if last {
				return finish(ctx)
			}
			return nil
		})
		var me *model.Error
		switch {
		case err == nil:
		case errors.Is(err, errLost):
			return err
		case errors.Is(err, errStop) || (errors.As(err, &me) && !errors.Is(err, model.ErrUnavailable)):
			for _, g := range part {
				if err := s.commitOne(ctx, j, owner, g); err != nil {
					return err
				}
			}
			if last {
				if err := s.store.InTx(ctx, finish); err != nil {
					return err
				}
			}
		default:
			return err
		}
		if s.afterCommit != nil {
			if err := s.afterCommit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkedRecords are a batch's records as CheckMany answered.
type checkedRecords struct {
	recs []*model.SalesRecord
	errs []error
}

// checkRecords checks the records of gs (reading only).
func (s *Service) checkRecords(ctx context.Context, j *model.ImportJob, owner *model.User, gs []*group) (*checkedRecords, error) {
	ins := make([]record.Input, len(gs))
	for i, g := range gs {
		_, ins[i], _ = recordInput(j, g)
	}
	recs, errs, err := s.records.CheckMany(ctx, owner, *j.OrgID, ins)
	if err != nil {
		return nil, err
	}
	return &checkedRecords{recs: recs, errs: errs}, nil
}

// writeMany creates the records of gs, checked as c says, with multi-row
// statements, each keyed by the job and its group (the key its rows read
// as created by: they are not written), and writes the other rows'
// outcome, in the caller's transaction: for a record that cannot be
// created (its invoice counted since validation, by another import or an
// earlier record of this one; its data no longer valid), the outcome
// commitOne would give it. A group's record created already (another
// worker's) fails the whole call on the key; errStop when a row had moved
// on.
func (s *Service) writeMany(ctx context.Context, j *model.ImportJob, owner *model.User, gs []*group, c *checkedRecords) error {
	recs, errs := slices.Clone(c.recs), slices.Clone(c.errs) // a retried transaction starts from the checks again
	for i, r := range recs {
		if errs[i] == nil {
			r.ImportJobID, r.ImportKey = &j.ID, gs[i].key
		}
	}
	if err := s.records.CreateChecked(ctx, owner, recs, errs, "import "+itoa(int(j.ID))); err != nil {
		return err
	}
	var outs []rowOutcome
	for i, g := range gs {
		if errs[i] == nil {
			continue
		}
		o, err := s.failedOutcome(ctx, j, owner, g, errs[i])
		if err != nil {
			return err
		}
		outs = append(outs, o...)
	}
	return s.apply(ctx, j.ID, model.RowOK, outs)
}

// write creates g's record or entry and marks its rows created, in the
// caller's transaction; errStop when a row had moved on.
func (s *Service) write(ctx context.Context, j *model.ImportJob, owner *model.User, g *group) error {
	var ref int64
	if j.Kind == model.ImportRecords {
		orgID, in, _ := recordInput(j, g)
		rec, err := s.records.CreateSubmitted(ctx, owner, orgID, in, "import "+itoa(int(j.ID)))
		if err != nil {
			return err
		}
		ref = rec.ID
	} else {
		in, _ := entryInput(g.rows[0])
		e, err := s.register.Create(ctx, owner, in)
		if err != nil {
			return err
		}
		ref = e.ID
	}
	return s.apply(ctx, j.ID, model.RowOK, []rowOutcome{{rows: g.rows, status: model.RowCreated, problems: "[]", ref: ref}})
}

// commitOne writes one group in its own transaction; what stops it becomes
// its rows' outcome (duplicate, conflict or error).
func (s *Service) commitOne(ctx context.Context, j *model.ImportJob, owner *model.User, g *group) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error { return s.write(ctx, j, owner, g) })
	if err == nil || errors.Is(err, errStop) {
		return nil
	}
	if j.Kind == model.ImportRecords {
		return s.recordFailed(ctx, j, owner, g, err)
	}
	return s.entryFailed(ctx, owner, g, err)
}

// rowOutcome is one outcome for some rows (their RowNo, Chunk and
// GroupKey are what a write reads of them).
type rowOutcome struct {
	rows     []model.ImportRow
	status   string
	problems string
	ref      int64 // 0: none
	pairing  int64 // 0: none
	reason   string
}

// outcomes is status for every row of g, each with its own problems or,
// lacking any, common.
func outcomes(g *group, status string, problems map[int][]model.RowProblem, common []model.RowProblem) []rowOutcome {
	out := make([]rowOutcome, len(g.rows))
	for i, r := range g.rows {
		p := problems[r.RowNo]
		if len(p) == 0 {
			p = common
		}
		out[i] = rowOutcome{rows: []model.ImportRow{r}, status: status, problems: problemsJSON(p)}
	}
	return out
}

// apply writes outcomes to rows still in status from, in multi-row
// statements; errStop when a row had moved on (another worker wrote it
// first), so the caller's transaction rolls back.
func (s *Service) apply(ctx context.Context, jobID int64, from string, outs []rowOutcome) error {
	var rows []model.ImportRow
	for _, o := range outs {
		var ref, pairing *int64
		if o.ref != 0 {
			ref = &o.ref
		}
		if o.pairing != 0 {
			pairing = &o.pairing
		}
		for _, r := range o.rows {
			rows = append(rows, model.ImportRow{JobID: jobID, RowNo: r.RowNo, Chunk: r.Chunk, GroupKey: r.GroupKey,
				Status: o.status, Problems: o.problems, RefID: ref, PairingID: pairing, Reason: o.reason})
		}
	}
	n, err := s.store.SetImportRows(ctx, jobID, from, rows)
	if err != nil {
		return err
	}
	if n != len(rows) {
		return errStop
	}
	return nil
}

// markTx writes one outcome for g's rows in its own transaction (nothing
// when a row had moved on).
func (s *Service) markTx(ctx context.Context, g *group, from, to string, problems map[int][]model.RowProblem, common []model.RowProblem) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		return s.apply(ctx, g.rows[0].JobID, from, outcomes(g, to, problems, common))
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// fail ends a validating or committing job that can go no further, with
// its totals so far and why: its chunks are no longer claimed. Whatever its
// committed chunks wrote stays (each row says so).
func (s *Service) fail(ctx context.Context, j *model.ImportJob, why string) error {
	t, err := s.totals(ctx, j)
	if err != nil {
		return err
	}
	t.Failure = why
	b, _ := json.Marshal(t)
	_, err = s.store.MoveImportJob(ctx, j.ID, j.Status, model.ImportFailed, string(b))
	return err
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
// cents the ok or created rows make, in one pass over its chunks.
func (s *Service) totals(ctx context.Context, j *model.ImportJob) (*model.ImportTotals, error) {
	t := &model.ImportTotals{ByStatus: map[string]int{}}
	var byPairing, byReason sums
	seen := map[string]bool{}
	err := s.eachChunk(ctx, j, func(rows []model.ImportRow) error {
		for _, r := range rows {
			t.Rows++
			t.ByStatus[r.Status]++
			if r.Status != model.RowOK && r.Status != model.RowCreated {
				continue
			}
			if !seen[r.GroupKey] {
				seen[r.GroupKey] = true
				t.Records++
			}
			if j.Kind == model.ImportRecords {
				cents, _ := cellCents(cellOf(r.Cells, "amount"))
				t.Cents += cents
				pairing := "none"
				if r.PairingID != nil {
					pairing = strconv.FormatInt(*r.PairingID, 10)
				}
				reason := r.Reason
				if reason == "" {
					reason = "credited"
				}
				byPairing.add(pairing, cents, r.RowNo)
				byReason.add(reason, cents, r.RowNo)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.ByPairing, t.ByReason = byPairing.list(), byReason.list()
	return t, nil
}

// sums adds items and cents up by key, listed in the order of the rows
// each key first appears on.
type sums struct {
	by    map[string]*model.ImportSum
	first map[string]int
}

func (s *sums) add(key string, cents int64, row int) {
	if s.by == nil {
		s.by, s.first = map[string]*model.ImportSum{}, map[string]int{}
	}
	x, ok := s.by[key]
	if !ok {
		x = &model.ImportSum{Key: key}
		s.by[key], s.first[key] = x, row
	}
	s.first[key] = min(s.first[key], row)
	x.Items++
	x.Cents += cents
}

func (s *sums) list() []model.ImportSum {
	keys := make([]string, 0, len(s.by))
	for k := range s.by {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return s.first[a] - s.first[b] })
	out := []model.ImportSum{}
	for _, k := range keys {
		out = append(out, *s.by[k])
	}
	return out
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

func atoi64(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
