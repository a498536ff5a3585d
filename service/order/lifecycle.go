package order

import (
	"context"
	"errors"
	"strconv"
	"time"

	"shanhai/model"
	"shanhai/service/check"
)

// approverOf: the org's approvers and org_admins decide its orders.
func approverOf(actor *model.User, o *model.Order) bool {
	return o.OrgID != nil && actor.OrgID != nil && *actor.OrgID == *o.OrgID &&
		(actor.Role == model.RoleApprover || actor.Role == model.RoleOrgAdmin)
}

// act loads an order the actor may see inside a transaction, checks the
// actor may do this to it, and runs fn.
func (s *Service) act(ctx context.Context, actor *model.User, id int64, may func(*model.User, *model.Order) bool,
	fn func(ctx context.Context, o *model.Order) error) (*model.Order, error) {
	var out *model.Order
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		o, err := s.load(ctx, actor, id)
		if err != nil {
			return err
		}
		if actor != nil && !may(actor, o) {
			return model.Forbidden("you may not do this to order %d", id)
		}
		if err := fn(ctx, o); err != nil {
			return err
		}
		out, err = s.store.Order(ctx, id)
		return err
	})
	return out, err
}

// Approve lets a pending org order go on to payment or shipment, keeping
// the approver's note in its history. An order of level 2 needs two
// approvals: the first by any approver, the second by an org_admin who did
// not give the first; after the first it stays pending_approval.
func (s *Service) Approve(ctx context.Context, actor *model.User, id int64, note string) (*model.Order, error) {
	note, err := noteText(note)
	if err != nil {
		return nil, err
	}
	return s.act(ctx, actor, id, approverOf, func(ctx context.Context, o *model.Order) error {
		if o.Status != model.OrderPendingApproval {
			return invalid(o, "approve")
		}
		if o.ApprovalLevel >= 2 {
			if o.FirstApproverID == nil {
				if err := s.store.SetFirstApprover(ctx, o.ID, actor.ID); err != nil {
					return err
				}
				return s.store.AddOrderEvent(ctx, &model.OrderEvent{OrderID: o.ID, ActorID: &actor.ID, Action: "approve",
					FromState: o.Status, ToState: o.Status, Note: note})
			}
			if actor.Role != model.RoleOrgAdmin || *o.FirstApproverID == actor.ID {
				return model.Forbidden("order %d needs its second approval from an org_admin other than the first approver", id)
			}
		}
		to, deadline := s.afterApproval(true, o.PaymentTerms)
		return s.move(ctx, actor, o, "approve", to, model.OrderPatch{SetDeadline: true, DeadlineAt: deadline}, note)
	})
}

// Reject cancels a pending org order and releases its stock; the reason
// (or the note, when only a note is given) is kept.
func (s *Service) Reject(ctx context.Context, actor *model.User, id int64, reason, note string) (*model.Order, error) {
	reason, err := reasonText(reason, false)
	if err != nil {
		return nil, err
	}
	if note, err = noteText(note); err != nil {
		return nil, err
	}
	if reason == "" {
		reason = note
	} else if note != "" {
		reason += " — " + note
	}
	return s.act(ctx, actor, id, approverOf, func(ctx context.Context, o *model.Order) error {
		if o.Status != model.OrderPendingApproval {
			return invalid(o, "reject")
		}
		return s.cancel(ctx, actor, o, "reject", reason)
	})
}

func noteText(n string) (string, error) {
	var f check.Fields
	n = f.OptionalText("note", n, 300)
	return n, f.Err()
}

// Cancel is the buyer side calling an order off before it ships.
func (s *Service) Cancel(ctx context.Context, actor *model.User, id int64, reason string) (*model.Order, error) {
	reason, err := reasonText(reason, false)
	if err != nil {
		return nil, err
	}
	return s.act(ctx, actor, id, buyerSide, func(ctx context.Context, o *model.Order) error {
		switch o.Status {
		case model.OrderPendingApproval, model.OrderPendingPayment, model.OrderAwaitingShipment:
			return s.cancel(ctx, actor, o, "cancel", reason)
		}
		return invalid(o, "cancel")
	})
}

// Decline is the supplier refusing an order it cannot fill.
func (s *Service) Decline(ctx context.Context, actor *model.User, id int64, reason string) (*model.Order, error) {
	reason, err := reasonText(reason, true)
	if err != nil {
		return nil, err
	}
	return s.act(ctx, actor, id, supplierOf, func(ctx context.Context, o *model.Order) error {
		if o.Status != model.OrderAwaitingShipment {
			return invalid(o, "decline")
		}
		return s.cancel(ctx, actor, o, "decline", reason)
	})
}

// cancel moves o to cancelled, releases its stock and refunds what was paid.
func (s *Service) cancel(ctx context.Context, actor *model.User, o *model.Order, action, reason string) error {
	if err := s.move(ctx, actor, o, action, model.OrderCancelled,
		model.OrderPatch{SetDeadline: true, CancelReason: &reason}, reason); err != nil {
		return err
	}
	if err := s.stock.Release(ctx, changes(o)); err != nil {
		return err
	}
	if err := s.stock.Unhold(ctx, o.UserID, holder(o), changes(o)); err != nil {
		return err
	}
	if o.OrgID != nil {
		if err := s.store.SubOrgDayTotal(ctx, *o.OrgID, model.DateOf(o.CreatedAt), o.TotalCents); err != nil {
			return err
		}
	}
	if net := o.PaidCents - o.RefundedCents; net > 0 {
		return s.refund(ctx, o, net)
	}
	return nil
}

func reasonText(r string, required bool) (string, error) {
	var f check.Fields
	if required {
		r = f.Text("reason", r, 300)
	} else {
		r = f.OptionalText("reason", r, 300)
	}
	return r, f.Err()
}

// ShipInput is how the goods left.
type ShipInput struct {
	Carrier, TrackingNo, InvoiceNo string
}

// Ship: the supplier hands the goods to a carrier. The units leave on hand
// and reserved together; a consumer order is accepted automatically if its
// buyer does nothing for SHANHAI_AUTO_ACCEPT.
func (s *Service) Ship(ctx context.Context, actor *model.User, id int64, in ShipInput) (*model.Order, error) {
	var f check.Fields
	in.Carrier = f.Text("carrier", in.Carrier, 64)
	in.TrackingNo = f.Text("tracking_no", in.TrackingNo, 64)
	in.InvoiceNo = f.OptionalText("invoice_no", in.InvoiceNo, 64)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, actor, id, supplierOf, func(ctx context.Context, o *model.Order) error {
		if o.Status != model.OrderAwaitingShipment {
			return invalid(o, "ship")
		}
		var deadline *time.Time
		if o.OrgID == nil {
			deadline = s.deadline(s.limits.AutoAccept)
		}
		at := s.now().UTC()
		if err := s.move(ctx, actor, o, "ship", model.OrderShipped, model.OrderPatch{
			Carrier: &in.Carrier, TrackingNo: &in.TrackingNo, InvoiceNo: &in.InvoiceNo,
			ShippedAt: &at, SetDeadline: true, DeadlineAt: deadline}, ""); err != nil {
			return err
		}
		if err := s.stock.Ship(ctx, changes(o)); err != nil {
			return err
		}
		return s.stock.Unhold(ctx, o.UserID, holder(o), changes(o))
	})
}

// Received is how many units of one line arrived.
type Received struct {
	LineID, Quantity int64
}

// Accept: the buyer side inspects the goods and records what arrived
// (omitted lines arrived whole). The amount due is what arrived at the
// order's prices; a prepaid order settles now and gets any shortfall back.
func (s *Service) Accept(ctx context.Context, actor *model.User, id int64, received []Received, note string) (*model.Order, error) {
	var f check.Fields
	note = f.OptionalText("inspection_note", note, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, actor, id, buyerSide, func(ctx context.Context, o *model.Order) error {
		if o.Status != model.OrderShipped {
			return invalid(o, "accept")
		}
		return s.accept(ctx, actor, o, received, note)
	})
}

func (s *Service) accept(ctx context.Context, actor *model.User, o *model.Order, received []Received, note string) error {
	got := map[int64]int64{}
	for _, l := range o.Lines {
		got[l.ID] = l.Quantity
	}
	var f check.Fields
	seen := map[int64]bool{}
	for i, r := range received {
		at := "lines[" + strconv.Itoa(i) + "]"
		ordered, ok := got[r.LineID]
		switch {
		case !ok:
			f.Add(at+".line_id", "not a line of this order")
		case seen[r.LineID]:
			f.Add(at+".line_id", "appears twice")
		case r.Quantity < 0 || r.Quantity > ordered:
			f.Add(at+".received_quantity", "must be between 0 and the "+strconv.FormatInt(ordered, 10)+" ordered")
		default:
			got[r.LineID] = r.Quantity
		}
		seen[r.LineID] = true
	}
	if err := f.Err(); err != nil {
		return err
	}
	var receivedCents int64
	for i := range o.Lines {
		l := &o.Lines[i]
		q := got[l.ID]
		if err := s.store.SetLineReceived(ctx, l.ID, q); err != nil {
			return err
		}
		l.ReceivedQty = &q
		receivedCents += q * l.UnitPriceCents
	}
	at := s.now().UTC()
	if err := s.move(ctx, actor, o, "accept", model.OrderAccepted, model.OrderPatch{
		ReceivedCents: &receivedCents, InspectionNote: &note, AcceptedAt: &at,
		SetDeadline: true}, note); err != nil {
		return err
	}
	o.ReceivedCents, o.AcceptedAt = receivedCents, &at
	if err := s.ledger.Accepted(ctx, o, at); err != nil {
		return err
	}
	if o.PaymentTerms != model.TermsPrepay {
		if o.AmountDueCents() > 0 {
			return nil
		}
		// nothing arrived (or it is paid for): nothing will ever be due
		return s.move(ctx, nil, o, "settle", model.OrderSettled, model.OrderPatch{}, "nothing due at acceptance")
	}
	// prepaid: settle at acceptance, refunding what did not arrive
	if short := o.PaidCents - o.RefundedCents - receivedCents; short > 0 {
		if err := s.refund(ctx, o, short); err != nil {
			return err
		}
	}
	return s.move(ctx, nil, o, "settle", model.OrderSettled, model.OrderPatch{}, "prepaid order settled at acceptance")
}

// Payment modes: the sandbox answers at once, or later by callback.
const (
	PayInstant  = "instant"
	PayDeferred = "deferred"
)

// PayInput chooses how the sandbox answers: Mode is PayInstant (or "") or
// PayDeferred.
type PayInput struct {
	Mode string
}

// Paid is the outcome of a payment request.
type Paid struct {
	Order   *model.Order
	Payment *model.Payment
}

// RenderPaid turns a payment outcome into the response body.
type RenderPaid func(*Paid) ([]byte, error)

// Pay pays a prepay order's total, or an after-delivery order's amount due
// once accepted. At most once per key, like placing an order.
func (s *Service) Pay(ctx context.Context, actor *model.User, id int64, key string, in PayInput, render RenderPaid) ([]byte, error) {
	if in.Mode != "" && in.Mode != PayInstant && in.Mode != PayDeferred {
		return nil, model.Invalid(model.FieldError{Field: "mode", Message: "must be instant or deferred"})
	}
	deferred := in.Mode == PayDeferred
	req := struct {
		OrderID  int64
		Deferred bool
	}{id, deferred}
	return s.keys.Do(ctx, actor.ID, key, "order.pay", req, func(ctx context.Context) ([]byte, error) {
		o, err := s.load(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		if !buyerSide(actor, o) {
			return nil, model.Forbidden("only the buyer side pays")
		}
		var amount int64
		switch {
		case o.Status == model.OrderPendingPayment:
			amount = o.TotalCents
		case o.Status == model.OrderAccepted && o.PaymentTerms == model.TermsAfterDelivery:
			amount = o.AmountDueCents()
		default:
			return nil, invalid(o, "pay")
		}
		if amount <= 0 {
			return nil, model.Conflict("nothing_due", "order %d owes nothing", o.ID)
		}
		p := &model.Payment{OrderID: o.ID, Kind: model.PaymentCharge, AmountCents: amount,
			Status: model.PaymentPending, Provider: s.provider.Name()}
		if err := s.store.CreatePayment(ctx, p); err != nil {
			return nil, err
		}
		res, err := s.provider.Charge(ctx, p.ID, amount, deferred)
		if err != nil {
			return nil, &model.Error{Kind: model.ErrUnavailable, Code: "payment_unavailable", Message: "the payment provider did not answer"}
		}
		switch res.Status {
		case model.PaymentSucceeded:
			if err := s.confirm(ctx, p, res.Ref); err != nil {
				return nil, err
			}
		case model.PaymentFailed:
			if _, err := s.store.SettlePayment(ctx, p.ID, model.PaymentFailed, res.Ref); err != nil {
				return nil, err
			}
		}
		if p, err = s.store.Payment(ctx, p.ID); err != nil {
			return nil, err
		}
		if o, err = s.store.Order(ctx, id); err != nil {
			return nil, err
		}
		return render(&Paid{Order: o, Payment: p})
	})
}

// confirm books a succeeded charge: the order moves on if it still waits
// for the money; if it was cancelled meanwhile (a timeout won), the money
// goes straight back. A repeated confirmation changes nothing.
func (s *Service) confirm(ctx context.Context, p *model.Payment, ref string) error {
	ok, err := s.store.SettlePayment(ctx, p.ID, model.PaymentSucceeded, ref)
	if err != nil || !ok {
		return err
	}
	if err := s.store.AddOrderMoney(ctx, p.OrderID, model.OrderMoney{PaidCents: p.AmountCents}); err != nil {
		return err
	}
	o, err := s.store.Order(ctx, p.OrderID)
	if err != nil {
		return err
	}
	switch {
	case o.Status == model.OrderPendingPayment && o.PaidCents-o.RefundedCents >= o.TotalCents:
		return s.move(ctx, nil, o, "pay", model.OrderAwaitingShipment, model.OrderPatch{SetDeadline: true}, "payment "+strconv.FormatInt(p.ID, 10))
	case o.Status == model.OrderAccepted || o.Status == model.OrderSettled:
		// the goods are accounted for: keep what is owed for what was
		// received and kept, give back the rest (a second charge of the
		// same amount due, a charge confirmed after a prepaid acceptance)
		if over := (o.PaidCents - o.RefundedCents) - (o.ReceivedCents - o.ReturnedCents); over > 0 {
			if err := s.refund(ctx, o, min(over, p.AmountCents)); err != nil {
				return err
			}
		}
		if o.Status == model.OrderAccepted && o.PaymentTerms == model.TermsAfterDelivery && o.AmountDueCents() == 0 {
			return s.move(ctx, nil, o, "settle", model.OrderSettled, model.OrderPatch{}, "amount due paid")
		}
		return nil
	}
	return s.refund(ctx, o, p.AmountCents)
}

// CallbackInput is what the provider reports about a payment.
type CallbackInput struct {
	PaymentID int64  `json:"payment_id"`
	Status    string `json:"status"`
	Ref       string `json:"provider_ref"`
}

// Callback books a provider's signed report on a pending payment. It is
// idempotent: a report on a payment already settled changes nothing.
func (s *Service) Callback(ctx context.Context, body []byte, signature string) (*model.Payment, error) {
	if !s.provider.Verify(body, signature) {
		return nil, model.Unauthorized("bad callback signature")
	}
	var in CallbackInput
	if err := jsonStrict(body, &in); err != nil {
		return nil, err
	}
	var f check.Fields
	if in.PaymentID < 1 {
		f.Add("payment_id", "must be a payment id")
	}
	f.OneOf("status", in.Status, model.PaymentSucceeded, model.PaymentFailed)
	in.Ref = f.OptionalText("provider_ref", in.Ref, 64)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *model.Payment
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		p, err := s.store.Payment(ctx, in.PaymentID)
		if err != nil {
			return err
		}
		if p.Kind != model.PaymentCharge {
			return model.NotFound("payment")
		}
		if in.Status == model.PaymentSucceeded {
			err = s.confirm(ctx, p, in.Ref)
		} else {
			_, err = s.store.SettlePayment(ctx, p.ID, model.PaymentFailed, in.Ref)
		}
		if err != nil {
			return err
		}
		out, err = s.store.Payment(ctx, p.ID)
		return err
	})
	return out, err
}

// refund pays amount back through the provider and records it.
func (s *Service) refund(ctx context.Context, o *model.Order, amount int64) error {
	p := &model.Payment{OrderID: o.ID, Kind: model.PaymentRefund, AmountCents: amount,
		Status: model.PaymentPending, Provider: s.provider.Name()}
	if err := s.store.CreatePayment(ctx, p); err != nil {
		return err
	}
	res, err := s.provider.Refund(ctx, p.ID, amount)
	if err != nil {
		return &model.Error{Kind: model.ErrUnavailable, Code: "payment_unavailable", Message: "the payment provider did not answer"}
	}
	if res.Status != model.PaymentSucceeded {
		return errors.New("refund " + strconv.FormatInt(p.ID, 10) + ": provider answered " + res.Status)
	}
	if _, err := s.store.SettlePayment(ctx, p.ID, model.PaymentSucceeded, res.Ref); err != nil {
		return err
	}
	o.RefundedCents += amount
	return s.store.AddOrderMoney(ctx, o.ID, model.OrderMoney{RefundedCents: amount})
}
