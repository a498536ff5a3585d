package imports

// Register lists: one row is one certificate. The same issuer and number
// again — in the register or earlier in the file — is a duplicate when its
// data are the same, a conflict when they differ (shown, never applied).

import (
	"context"
	"errors"

	"shanhai/model"
	"shanhai/service/register"
)

// entryInput reads a row into a register entry's input.
func entryInput(r model.ImportRow) (register.Input, []model.RowProblem) {
	v := cellsOf(r)
	var probs []model.RowProblem
	for _, key := range []string{"valid_from", "valid_to"} {
		if v[key] == "" {
			continue
		}
		if d, ok := cellDate(v[key]); ok {
			v[key] = d
		} else {
			probs = append(probs, model.RowProblem{Column: key, Message: "must be a date such as 2026-03-01"})
		}
	}
	for _, c := range registerColumns {
		if c.required && v[c.key] == "" {
			probs = append(probs, model.RowProblem{Column: c.key, Message: "is required"})
		}
	}
	p := func(key string) *string { s := v[key]; return &s }
	return register.Input{CertificateNo: p("certificate_no"), Issuer: p("issuer"), ProductName: p("product_name"),
		Spec: p("spec"), Category: p("category"), ProducerName: p("producer_name"), CreditCode: p("credit_code"),
		RegionCode: p("region_code"), Batch: p("batch"), ValidFrom: p("valid_from"), ValidTo: p("valid_to")}, probs
}

func sameEntry(a, b *model.RegisterEntry) bool {
	return a.ProductName == b.ProductName && a.Spec == b.Spec && a.CategoryCode == b.CategoryCode &&
		a.ProducerName == b.ProducerName && a.CreditCode == b.CreditCode && a.RegionCode == b.RegionCode &&
		a.Batch == b.Batch && a.ValidFrom == b.ValidFrom && a.ValidTo == b.ValidTo
}

// entryProblems turns the register's 422 into the row's problems.
func entryProblems(err error) ([]model.RowProblem, bool) {
	var me *model.Error
	if !errors.As(err, &me) || errors.Is(err, model.ErrUnavailable) || errors.Is(err, model.ErrConflict) {
		return nil, false
	}
	if len(me.Fields) == 0 {
		return []model.RowProblem{{Message: me.Message}}, true
	}
	out := make([]model.RowProblem, len(me.Fields))
	for i, f := range me.Fields {
		out[i] = model.RowProblem{Column: f.Field, Message: f.Message}
	}
	return out, true
}

// existingEntry says whether e is in the register already.
func (s *Service) existingEntry(ctx context.Context, e *model.RegisterEntry) (string, string, error) {
	old, err := s.store.RegisterEntryByNumber(ctx, e.Issuer, e.CertificateNo)
	if errors.Is(err, model.ErrNotFound) {
		return model.RowOK, "", nil
	}
	if err != nil {
		return "", "", err
	}
	if sameEntry(old, e) {
		return model.RowDuplicate, "already in the register as entry " + itoa(int(old.ID)), nil
	}
	return model.RowConflict, "the register holds this certificate (entry " + itoa(int(old.ID)) + ") with other data", nil
}

// validateEntry checks the rows of one certificate (reading only): the
// first is the entry, the others repeat it (duplicate) or contradict it
// (conflict).
func (s *Service) validateEntry(ctx context.Context, owner *model.User, g *group) ([]rowOutcome, error) {
	first := g.rows[0]
	status := model.RowOK
	in, probs := entryInput(first)
	if len(probs) > 0 {
		status = model.RowError
	} else if e, err := s.register.Check(ctx, owner, in); err != nil {
		p, ok := entryProblems(err)
		if !ok {
			return nil, err
		}
		status, probs = model.RowError, p
	} else {
		var msg string
		status, msg, err = s.existingEntry(ctx, e)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			probs = []model.RowProblem{{Column: "certificate_no", Message: msg}}
		}
	}
	out := []rowOutcome{{rows: []model.ImportRow{first}, status: status, problems: problemsJSON(probs)}}
	for _, r := range g.rows[1:] {
		st, msg := model.RowDuplicate, "repeats row "+itoa(first.RowNo)
		if r.Cells != first.Cells {
			st, msg = model.RowConflict, "the same certificate as row "+itoa(first.RowNo)+" with other data"
		}
		out = append(out, rowOutcome{rows: []model.ImportRow{r}, status: st,
			problems: problemsJSON([]model.RowProblem{{Column: "certificate_no", Message: msg}})})
	}
	return out, nil
}

// entryFailed records why a validated entry could not be written: written
// since validation (duplicate or conflict), or no longer acceptable.
func (s *Service) entryFailed(ctx context.Context, owner *model.User, g *group, err error) error {
	in, _ := entryInput(g.rows[0])
	if e, cerr := s.register.Check(ctx, owner, in); cerr == nil {
		status, msg, xerr := s.existingEntry(ctx, e)
		if xerr != nil {
			return xerr
		}
		if status != model.RowOK {
			return s.markTx(ctx, g, model.RowOK, status, nil, []model.RowProblem{{Column: "certificate_no", Message: msg}})
		}
	}
	probs, ok := entryProblems(err)
	if !ok {
		return err
	}
	return s.markTx(ctx, g, model.RowOK, model.RowError, nil, probs)
}
