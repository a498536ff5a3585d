package order

import (
	"context"
	"time"

	"shanhai/model"
	"shanhai/service/check"
)

// ListInput filters an order list.
type ListInput struct {
	Status   string
	From, To string // China dates, inclusive
	Page     int
	PageSize int
}

var statuses = []string{model.OrderPendingApproval, model.OrderPendingPayment, model.OrderAwaitingShipment,
	model.OrderShipped, model.OrderAccepted, model.OrderSettled, model.OrderCancelled}

// List is the orders the caller may see: a consumer's own, an org's for its
// buyer side, a supplier's for its users, everything for admins.
func (s *Service) List(ctx context.Context, actor *model.User, in ListInput) (model.Page[model.Order], error) {
	var f model.OrderFilter
	switch {
	case actor.Role == model.RoleAdmin:
	case actor.Role == model.RoleSupplier && actor.SupplierID != nil:
		f.SupplierID = *actor.SupplierID
	case model.OrgRole(actor.Role) && actor.OrgID != nil:
		f.OrgID = *actor.OrgID
	case actor.Role == model.RoleConsumer:
		f.UserID = actor.ID
	default:
		return model.Page[model.Order]{}, model.Forbidden("this account has no orders")
	}
	var fields check.Fields
	if in.Status != "" {
		fields.OneOf("status", in.Status, statuses...)
		f.Status = in.Status
	}
	for _, d := range []struct {
		name, v string
		into    **time.Time
		days    int
	}{{"from", in.From, &f.From, 0}, {"to", in.To, &f.To, 1}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation(model.DateLayout, d.v, model.China)
		if err != nil {
			fields.Add(d.name, "must be a date YYYY-MM-DD")
			continue
		}
		t = t.AddDate(0, 0, d.days)
		*d.into = &t
	}
	if err := fields.Err(); err != nil {
		return model.Page[model.Order]{}, err
	}
	return s.store.Orders(ctx, f, in.Page, in.PageSize)
}

// SupplierList is GET /supplier/orders: a supplier's own orders.
func (s *Service) SupplierList(ctx context.Context, actor *model.User, in ListInput) (model.Page[model.Order], error) {
	if actor.Role != model.RoleSupplier {
		return model.Page[model.Order]{}, model.Forbidden("supplier accounts only")
	}
	return s.List(ctx, actor, in)
}

// Detail is an order with its history, payments and returns.
type Detail struct {
	Order    *model.Order
	Events   []model.OrderEvent
	Payments []model.Payment
	Returns  []model.Return
	// Personal says whether the caller may see the address and phone:
	// the buyer side and the order's supplier.
	Personal bool
}

// Get is one order the caller may see; any other is 404.
func (s *Service) Get(ctx context.Context, actor *model.User, id int64) (*Detail, error) {
	o, err := s.load(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{Order: o, Personal: buyerSide(actor, o) || supplierOf(actor, o)}
	if d.Events, err = s.store.OrderEvents(ctx, id); err != nil {
		return nil, err
	}
	if d.Payments, err = s.store.Payments(ctx, id); err != nil {
		return nil, err
	}
	if d.Returns, err = s.store.Returns(ctx, id); err != nil {
		return nil, err
	}
	return d, nil
}

// Personal says whether actor may see o's address and phone.
func Personal(actor *model.User, o *model.Order) bool {
	return buyerSide(actor, o) || supplierOf(actor, o)
}
