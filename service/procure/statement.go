package procure

import (
	"context"
	"errors"
	"strconv"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// StatementStore keeps statements and reads what they sum.
type StatementStore interface {
	StatementFigures(ctx context.Context, orgID, supplierID int64, from, to time.Time, firstDay, lastDay string) ([]model.Statement, error)
	FreezeStatement(ctx context.Context, st *model.Statement) error
	Statements(ctx context.Context, orgID, supplierID int64, month string) ([]model.Statement, error)
	Statement(ctx context.Context, id int64) (*model.Statement, error)
	AnswerStatement(ctx context.Context, id int64, a model.StatementAnswer) error
	OrderLines(ctx context.Context, orgID int64, from, to time.Time, limit int) ([]model.OrderLineRow, error)
}

// monthSpan is month's China-time span and first and last dates; only a
// month that has ended has a statement (422 month otherwise).
func monthSpan(month string, now time.Time) (from, to time.Time, first, last string, err error) {
	from, perr := time.ParseInLocation("2006-01", month, model.China)
	if perr != nil || len(month) != 7 {
		return from, to, "", "", model.Invalid(model.FieldError{Field: "month", Message: "must be a month YYYY-MM"})
	}
	to = from.AddDate(0, 1, 0)
	if from.Year() < 2000 {
		return from, to, "", "", model.Invalid(model.FieldError{Field: "month", Message: "must be a month from 2000 on"})
	}
	if now.Before(to) {
		return from, to, "", "", &model.Error{Kind: model.ErrInvalid, Code: "month_not_ended",
			Message: "a month has a statement once it has ended (China time)",
			Fields:  []model.FieldError{{Field: "month", Message: "must be a month that has ended"}}}
	}
	return from, to, from.Format(model.DateLayout), to.AddDate(0, 0, -1).Format(model.DateLayout), nil
}

// statements are the month's statements of orgID and/or supplierID: those
// frozen already, and, frozen now, any pair with figures in the month that
// has none yet.
func (s *Service) statements(ctx context.Context, orgID, supplierID int64, month string) ([]model.Statement, error) {
	from, to, first, last, err := monthSpan(month, s.now())
	if err != nil {
		return nil, err
	}
	stored, err := s.store.Statements(ctx, orgID, supplierID, month)
	if err != nil {
		return nil, err
	}
	have := map[[2]int64]bool{}
	for _, st := range stored {
		have[[2]int64{st.OrgID, st.SupplierID}] = true
	}
	computed, err := s.store.StatementFigures(ctx, orgID, supplierID, from, to, first, last)
	if err != nil {
		return nil, err
	}
	froze := false
	for i := range computed {
		st := &computed[i]
		if have[[2]int64{st.OrgID, st.SupplierID}] {
			continue
		}
		st.Month = month
		if err := s.store.FreezeStatement(ctx, st); err != nil {
			return nil, err
		}
		froze = true
	}
	if !froze {
		return stored, nil
	}
	return s.store.Statements(ctx, orgID, supplierID, month)
}

// OrgStatements are an org's statements of a month that has ended, one
// per supplier it dealt with (its side, or an admin).
func (s *Service) OrgStatements(ctx context.Context, actor *model.User, orgID int64, month string) ([]model.Statement, error) {
	if _, err := s.readOrg(ctx, actor, orgID); err != nil {
		return nil, err
	}
	return s.statements(ctx, orgID, 0, month)
}

// SupplierStatements are the caller's supplier's statements of a month.
func (s *Service) SupplierStatements(ctx context.Context, actor *model.User, month string) ([]model.Statement, error) {
	sup, ok := supplierOf(actor)
	if !ok {
		return nil, model.Forbidden("suppliers only")
	}
	return s.statements(ctx, 0, sup, month)
}

// AnswerOrg is the org_admin confirming (or disputing, with a note) a
// statement of its org.
func (s *Service) AnswerOrg(ctx context.Context, actor *model.User, orgID, id int64, confirm bool, note string) (*model.Statement, error) {
	if _, err := s.readOrg(ctx, actor, orgID); err != nil {
		return nil, err
	}
	st, err := s.store.Statement(ctx, id)
	if errors.Is(err, model.ErrNotFound) || (err == nil && st.OrgID != orgID) {
		return nil, model.NotFound("statement")
	} else if err != nil {
		return nil, err
	}
	if !orgAdmin(actor, orgID) {
		return nil, model.Forbidden("the org's org_admin confirms its statements")
	}
	return s.answer(ctx, actor, st, "org", confirm, note)
}

// AnswerSupplier is the supplier confirming or disputing its statement.
func (s *Service) AnswerSupplier(ctx context.Context, actor *model.User, id int64, confirm bool, note string) (*model.Statement, error) {
	sup, ok := supplierOf(actor)
	if !ok {
		return nil, model.Forbidden("suppliers only")
	}
	st, err := s.store.Statement(ctx, id)
	if errors.Is(err, model.ErrNotFound) || (err == nil && st.SupplierID != sup) {
		return nil, model.NotFound("statement")
	} else if err != nil {
		return nil, err
	}
	return s.answer(ctx, actor, st, "supplier", confirm, note)
}

func (s *Service) answer(ctx context.Context, actor *model.User, st *model.Statement, side string, confirm bool, note string) (*model.Statement, error) {
	var f check.Fields
	a := model.StatementAnswer{Side: side, Status: model.StatementConfirmed, By: actor.ID, At: s.now()}
	if confirm {
		a.Note = f.OptionalText("note", note, 300)
	} else {
		a.Status = model.StatementDisputed
		a.Note = f.Text("note", note, 300) // a dispute says what is wrong
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *model.Statement
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.AnswerStatement(ctx, st.ID, a); err != nil {
			return err
		}
		var err error
		if out, err = s.store.Statement(ctx, st.ID); err != nil {
			return err
		}
		// what each side signed is on the audit trail
		return audit.Record(ctx, s.store, actor, "statement."+a.Status, "statement", st.ID, nil,
			map[string]any{"side": side, "status": a.Status, "received_cents": st.ReceivedCents,
				"invoiced_cents": st.InvoicedCents, "difference_cents": st.DifferenceCents}, a.Note)
	})
	return out, err
}

// maxOrderLines is the most lines one purchase-history export holds.
const maxOrderLines = 100_000

// OrderLines is an org's purchase history, the lines of its orders placed
// from one China date to another (inclusive): its org_admin's, or an
// admin's. No consumer's personal data is in it.
func (s *Service) OrderLines(ctx context.Context, actor *model.User, orgID int64, from, to string) ([]model.OrderLineRow, error) {
	if _, err := s.readOrg(ctx, actor, orgID); err != nil {
		return nil, err
	}
	if !orgAdmin(actor, orgID) && actor.Role != model.RoleAdmin {
		return nil, model.Forbidden("the org's org_admin downloads its purchase history")
	}
	var f check.Fields
	start, err1 := time.ParseInLocation(model.DateLayout, from, model.China)
	end, err2 := time.ParseInLocation(model.DateLayout, to, model.China)
	if err1 != nil || !model.ValidDate(from) {
		f.Add("from", "must be a date YYYY-MM-DD")
	}
	if err2 != nil || !model.ValidDate(to) {
		f.Add("to", "must be a date YYYY-MM-DD")
	} else if err1 == nil && end.Before(start) {
		f.Add("to", "must not be before from")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	rows, err := s.store.OrderLines(ctx, orgID, start, end.AddDate(0, 0, 1), maxOrderLines+1)
	if err != nil {
		return nil, err
	}
	if len(rows) > maxOrderLines {
		return nil, model.Invalid(model.FieldError{Field: "to", Message: "more than " + strconv.Itoa(maxOrderLines) + " lines: ask for a shorter range"})
	}
	return rows, nil
}
