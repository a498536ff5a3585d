// Package order is the heart of the mall: carts, checkout, placing orders
// with stock reserved by conditional updates, approval, payment, shipping,
// acceptance, cancellation, deadlines and returns. Every transition is a
// compare-and-set on the status the caller saw, so a payment and a timeout
// can never both win; every order keeps its history.
package order

import (
	"context"
	"errors"
	"time"

	"shanhai/model"
	"shanhai/service/idempotency"
	"shanhai/service/payment"
	"shanhai/service/stock"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	InTransaction(ctx context.Context) bool
	User(ctx context.Context, id int64) (*model.User, error)
	Org(ctx context.Context, id int64) (*model.Org, error)
	Sellables(ctx context.Context, skuIDs []int64) (map[int64]*model.Sellable, error)
	SellablesOnSale(ctx context.Context, after, upTo int64) (map[int64]*model.Sellable, error)
	MaxSKUID(ctx context.Context) (int64, error)
	stock.Holdings
	CreateOrder(ctx context.Context, o *model.Order) error
	CreateOrders(ctx context.Context, orders []*model.Order) error
	AddOrderEvents(ctx context.Context, events []*model.OrderEvent) error
	LockStock(ctx context.Context, ids []int64) (map[int64]model.SKU, error)
	StoreKeys(ctx context.Context, keys []model.IdempotencyKey) error
	KeysStored(ctx context.Context, keys []model.IdempotencyKey) ([]bool, error)
	Order(ctx context.Context, id int64) (*model.Order, error)
	Orders(ctx context.Context, f model.OrderFilter, page, size int) (model.Page[model.Order], error)
	MoveOrder(ctx context.Context, id int64, from []string, p model.OrderPatch) error
	AddOrderMoney(ctx context.Context, id int64, m model.OrderMoney) error
	SetLineReceived(ctx context.Context, lineID, qty int64) error
	AddLineReturned(ctx context.Context, lineID, qty int64) error
	AddOrderEvent(ctx context.Context, e *model.OrderEvent) error
	OrderEvents(ctx context.Context, orderID int64) ([]model.OrderEvent, error)
	CreatePayment(ctx context.Context, p *model.Payment) error
	Payment(ctx context.Context, id int64) (*model.Payment, error)
	Payments(ctx context.Context, orderID int64) ([]model.Payment, error)
	SettlePayment(ctx context.Context, id int64, status, ref string) (bool, error)
	CreateReturn(ctx context.Context, r *model.Return) error
	Return(ctx context.Context, id int64) (*model.Return, error)
	Returns(ctx context.Context, orderID int64) ([]model.Return, error)
	MoveReturn(ctx context.Context, id int64, d model.ReturnDecision) error
	Cart(ctx context.Context, userID int64) ([]model.CartItem, error)
	CartLines(ctx context.Context, userID int64) ([]model.CartLine, error)
	ReturnList(ctx context.Context, f model.ReturnFilter, page, size int) (model.Page[model.ReturnView], error)
	ReplaceCart(ctx context.Context, userID int64, items []model.CartItem) error
	Address(ctx context.Context, userID, id int64) (*model.Address, error)
	SalesPoint(ctx context.Context, id int64) (*model.SalesPoint, error)
	AddOrgDayTotal(ctx context.Context, orgID int64, date string, cents int64) (int64, error)
	SubOrgDayTotal(ctx context.Context, orgID int64, date string, cents int64) error
	SetFirstApprover(ctx context.Context, orderID, userID int64) error
	InvoiceProfile(ctx context.Context, orgID int64) (*model.InvoiceProfile, error)
	idempotency.Store
	DueOrders(ctx context.Context, status string, now time.Time, limit int) ([]int64, error)
	DueReturns(ctx context.Context, now time.Time, after int64, limit int) ([]int64, error)
}

// Geographies answers the regions and pairings (model/cache.Geography, or
// the store itself).
type Geographies interface {
	Geography(ctx context.Context) (*model.Geography, error)
}

// Ledger credits sales: entries at acceptance and for approved returns, in
// the transaction in ctx (service/credit implements it).
type Ledger interface {
	Accepted(ctx context.Context, o *model.Order, at time.Time) error
	Returned(ctx context.Context, o *model.Order, r *model.Return, at time.Time) error
}

// Counter counts orders per user per minute (account.Counter satisfies it).
type Counter interface {
	Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error)
}

// Limits are the order deadlines and limits of the configuration (README).
type Limits struct {
	UnpaidTTL, OrgUnpaidTTL, ApprovalTTL        time.Duration
	AutoAccept, ReturnWindow, ReturnAutoApprove time.Duration
	RateOrders                                  int // orders per user per minute; 0 = off
}

// Service runs orders.
type Service struct {
	store    Store
	stock    *stock.Service // every move of on-hand and reserved units
	ledger   Ledger
	provider payment.Provider
	counter  Counter
	limits   Limits
	now      func() time.Time

	// the regions and pairings, for the pairing preview of each line; a
	// preview may be a second old: only the ledger counts
	geo Geographies

	keys      *idempotency.Service // placing and paying run once per key
	sellables sellables            // what orders copy from the catalogue, by SKU
	batch     *batcher             // group commit of consumers' placements (batch.go); nil: off
}

// New returns the order service, group commit off (SetBatch turns it on). It moves stock only through stk, which
// holds the stock rules (the per-buyer cap among them).
func New(st Store, geo Geographies, stk *stock.Service, ledger Ledger, provider payment.Provider, counter Counter, limits Limits) *Service {
	s := &Service{store: st, geo: geo, stock: stk, ledger: ledger, provider: provider, counter: counter, limits: limits, now: time.Now,
		keys: idempotency.New(st)}
	return s
}

// SetClock replaces the service's clock; tests use it to pass deadlines.
func (s *Service) SetClock(now func() time.Time) { s.now = now; s.keys.SetClock(now) }

// buyer is who an order is for: the user, their org (org orders), the
// channel, payment terms and the region the credit will go to.
type buyer struct {
	user    *model.User
	org     *model.Org // nil for a consumer
	channel string
	terms   string
	region  string
	geo     *model.Geography // placing: the regions and pairings (placingBuyer)
}

// buyerOf: consumers buy for themselves on the app; buyers for their org.
func (s *Service) buyerOf(ctx context.Context, actor *model.User) (*buyer, error) {
	switch actor.Role {
	case model.RoleConsumer:
		b := &buyer{user: actor, channel: model.ChannelApp, terms: model.TermsPrepay}
		if emp := actor.ConfirmedEmployer(); emp != nil {
			org, err := s.store.Org(ctx, *emp)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				return nil, err
			}
			if org != nil {
				b.region = org.RegionCode
			}
		}
		if own := actor.OwnRegion(); b.region == "" && own != nil {
			b.region = *own // a self-chosen region only once confirmed
		}
		return b, nil
	case model.RoleBuyer:
		if actor.OrgID == nil {
			return nil, model.Forbidden("this buyer account belongs to no org")
		}
		org, err := s.store.Org(ctx, *actor.OrgID)
		if err != nil {
			return nil, err
		}
		return &buyer{user: actor, org: org, channel: org.Kind, terms: org.PaymentTerms, region: org.RegionCode}, nil
	}
	return nil, model.Forbidden("only consumers and org buyers place orders")
}

// visible reports whether actor may see o at all.
func visible(actor *model.User, o *model.Order) bool {
	return buyerSide(actor, o) || supplierOf(actor, o) || actor.Role == model.RoleAdmin
}

// buyerSide: the order's user and, for org orders, the org's buyers,
// approvers and org_admins.
func buyerSide(actor *model.User, o *model.Order) bool {
	if actor.ID == o.UserID {
		return true
	}
	return o.OrgID != nil && actor.OrgID != nil && *actor.OrgID == *o.OrgID && model.OrgRole(actor.Role)
}

func supplierOf(actor *model.User, o *model.Order) bool {
	return actor.Role == model.RoleSupplier && actor.SupplierID != nil && *actor.SupplierID == o.SupplierID
}

// load reads an order the actor may see; any other is 404.
func (s *Service) load(ctx context.Context, actor *model.User, id int64) (*model.Order, error) {
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor != nil && !visible(actor, o) {
		return nil, model.NotFound("order")
	}
	return o, nil
}

// move is one transition: a compare-and-set from the status the caller
// read to the next, plus the history event. A concurrent change makes it a
// 409 invalid_transition and the transaction rolls back.
func (s *Service) move(ctx context.Context, actor *model.User, o *model.Order, action, to string, p model.OrderPatch, note string) error {
	p.Status = to
	if err := s.store.MoveOrder(ctx, o.ID, []string{o.Status}, p); err != nil {
		return err
	}
	ev := &model.OrderEvent{OrderID: o.ID, Action: action, FromState: o.Status, ToState: to, Note: note}
	if actor != nil {
		ev.ActorID = &actor.ID
	}
	o.Status = to
	return s.store.AddOrderEvent(ctx, ev)
}

// holder is who an order's units count against for the hold share.
func holder(o *model.Order) string { return stock.Holder(o.UserID, o.OrgID) }

// changes are an order's lines as stock changes.
func changes(o *model.Order) []model.StockChange {
	out := make([]model.StockChange, len(o.Lines))
	for i, l := range o.Lines {
		out[i] = model.StockChange{SKUID: l.SKUID, ProductID: l.ProductID, Quantity: l.Quantity}
	}
	return out
}

// invalid is a 409 invalid_transition for an order not in a state that
// allows action.
func invalid(o *model.Order, action string) error {
	return model.Conflict("invalid_transition", "cannot %s an order that is %s", action, o.Status)
}

func (s *Service) deadline(d time.Duration) *time.Time {
	t := s.now().UTC().Add(d)
	return &t
}
