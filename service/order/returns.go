package order

import (
	"context"
	"strconv"
	"unicode/utf8"

	"shanhai/model"
	"shanhai/service/check"
)

// ReturnInput is a buyer's return request.
type ReturnInput struct {
	Lines  []Received // quantities to return
	Reason string
	Note   string
}

// RequestReturn asks the supplier to take goods back, within
// SHANHAI_RETURN_WINDOW of acceptance. no_reason is refused for
// perishable goods. Returned goods are not restocked.
func (s *Service) RequestReturn(ctx context.Context, actor *model.User, id int64, in ReturnInput) (*model.Return, error) {
	var f check.Fields
	f.OneOf("reason", in.Reason, model.ReturnReasons...)
	in.Note = f.OptionalText("note", in.Note, 500)
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		f.Add("lines", "must hold 1 to "+strconv.Itoa(maxLines)+" lines")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *model.Return
	_, err := s.act(ctx, actor, id, buyerSide, func(ctx context.Context, o *model.Order) error {
		if o.Status != model.OrderAccepted && o.Status != model.OrderSettled {
			return invalid(o, "return goods of")
		}
		if o.AcceptedAt == nil || s.now().After(o.AcceptedAt.Add(s.limits.ReturnWindow)) {
			return model.Conflict("return_window_closed", "returns are accepted for %s after acceptance", s.limits.ReturnWindow)
		}
		lines := map[int64]model.OrderLine{}
		for _, l := range o.Lines {
			lines[l.ID] = l
		}
		r := &model.Return{OrderID: o.ID, Status: model.ReturnRequested, Reason: in.Reason, Note: in.Note,
			RequestedBy: actor.ID, DeadlineAt: s.now().UTC().Add(s.limits.ReturnAutoApprove)}
		var f check.Fields
		seen := map[int64]bool{}
		for i, rl := range in.Lines {
			at := "lines[" + strconv.Itoa(i) + "]"
			l, ok := lines[rl.LineID]
			if !ok || seen[rl.LineID] {
				f.Add(at+".line_id", "not a line of this order, or given twice")
				continue
			}
			seen[rl.LineID] = true
			// What this transaction sees held by other requests is a 422;
			// a request that commits meanwhile is caught by CreateReturn's
			// conditional hold on the line (409 over_return).
			left := max(0, *l.ReceivedQty-l.HeldQty)
			if rl.Quantity < 1 || rl.Quantity > left {
				f.Add(at+".quantity", "must be between 1 and the "+strconv.FormatInt(left, 10)+" received and not yet returned")
				continue
			}
			if in.Reason == model.ReasonNoReason && l.Perishable {
				f.Add("reason", "no_reason returns are not accepted for perishable goods ("+l.ProductName+")")
			}
			amount := rl.Quantity * l.UnitPriceCents
			r.Lines = append(r.Lines, model.ReturnLine{LineID: l.ID, Quantity: rl.Quantity, AmountCents: amount})
			r.AmountCents += amount
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.store.CreateReturn(ctx, r); err != nil {
			return err
		}
		out = r
		return s.store.AddOrderEvent(ctx, &model.OrderEvent{OrderID: o.ID, ActorID: &actor.ID,
			Action: "return_request", FromState: o.Status, ToState: o.Status,
			Note: "return " + strconv.FormatInt(r.ID, 10) + ": " + in.Reason})
	})
	return out, err
}

// ApproveReturn is the supplier (or, past the deadline, the system, with a
// nil actor) taking goods back: the lines count them as returned and the
// buyer gets back what it paid beyond what it now owes.
func (s *Service) ApproveReturn(ctx context.Context, actor *model.User, returnID int64, note string) (*model.Return, error) {
	return s.decide(ctx, actor, returnID, true, note)
}

// RejectReturn is the supplier refusing a return, with a note saying why.
func (s *Service) RejectReturn(ctx context.Context, actor *model.User, returnID int64, note string) (*model.Return, error) {
	return s.decide(ctx, actor, returnID, false, note)
}

func (s *Service) decide(ctx context.Context, actor *model.User, returnID int64, approve bool, note string) (*model.Return, error) {
	var f check.Fields
	if approve {
		note = f.OptionalText("note", note, 500)
	} else {
		note = f.Text("note", note, 500)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *model.Return
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		r, err := s.store.Return(ctx, returnID)
		if err != nil {
			return err
		}
		o, err := s.store.Order(ctx, r.OrderID)
		if err != nil {
			return err
		}
		if actor != nil && !supplierOf(actor, o) {
			if visible(actor, o) {
				return model.Forbidden("only the order's supplier decides returns")
			}
			return model.NotFound("return")
		}
		status := model.ReturnRejected
		if approve {
			status = model.ReturnApproved
		}
		d := model.ReturnDecision{Status: status, DecisionNote: note, DecidedAt: s.now().UTC()}
		if actor != nil {
			d.DecidedBy = &actor.ID
		}
		if err := s.store.MoveReturn(ctx, r.ID, d); err != nil {
			return err
		}
		action := "return_" + status
		if actor == nil && approve {
			note = "approved automatically after " + s.limits.ReturnAutoApprove.String()
		}
		ev := &model.OrderEvent{OrderID: o.ID, Action: action, FromState: o.Status, ToState: o.Status,
			Note: clip("return "+strconv.FormatInt(r.ID, 10)+" "+note, maxEventNote)}
		if actor != nil {
			ev.ActorID = &actor.ID
		}
		if err := s.store.AddOrderEvent(ctx, ev); err != nil {
			return err
		}
		if approve {
			if err := s.booksReturn(ctx, o, r); err != nil {
				return err
			}
		}
		out, err = s.store.Return(ctx, r.ID)
		return err
	})
	return out, err
}

// booksReturn counts an approved return: lines, the order's returned
// amount, and a refund of whatever the buyer paid beyond what it owes now.
func (s *Service) booksReturn(ctx context.Context, o *model.Order, r *model.Return) error {
	for _, l := range r.Lines {
		if err := s.store.AddLineReturned(ctx, l.LineID, l.Quantity); err != nil {
			return err
		}
	}
	if err := s.store.AddOrderMoney(ctx, o.ID, model.OrderMoney{ReturnedCents: r.AmountCents}); err != nil {
		return err
	}
	o.ReturnedCents += r.AmountCents
	if err := s.ledger.Returned(ctx, o, r, s.now()); err != nil {
		return err
	}
	if over := (o.PaidCents - o.RefundedCents) - (o.ReceivedCents - o.ReturnedCents); over > 0 {
		if err := s.refund(ctx, o, over); err != nil {
			return err
		}
	}
	if o.Status == model.OrderAccepted && o.PaymentTerms == model.TermsAfterDelivery && o.AmountDueCents() == 0 {
		return s.move(ctx, nil, o, "settle", model.OrderSettled, model.OrderPatch{}, "nothing left to pay after returns")
	}
	return nil
}

// maxEventNote is what order_events.note holds, in characters.
const maxEventNote = 500

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ReturnList lists returns newest first: a consumer's own, an org's (any
// of its users), a supplier's queue, or every one for an admin; status
// filters (requested, approved, rejected).
func (s *Service) ReturnList(ctx context.Context, actor *model.User, status string, page, size int) (model.Page[model.ReturnView], error) {
	var f model.ReturnFilter
	switch {
	case actor.Role == model.RoleAdmin:
	case actor.Role == model.RoleSupplier && actor.SupplierID != nil:
		f.SupplierID = *actor.SupplierID
	case model.OrgRole(actor.Role) && actor.OrgID != nil:
		f.OrgID = *actor.OrgID
	case actor.Role == model.RoleConsumer:
		f.UserID = actor.ID
	default:
		return model.Page[model.ReturnView]{}, model.Forbidden("this account has no returns")
	}
	if status != "" {
		var fields check.Fields
		fields.OneOf("status", status, model.ReturnRequested, model.ReturnApproved, model.ReturnRejected)
		if err := fields.Err(); err != nil {
			return model.Page[model.ReturnView]{}, err
		}
		f.Status = status
	}
	return s.store.ReturnList(ctx, f, page, size)
}
