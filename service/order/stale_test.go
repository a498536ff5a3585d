package order_test

// A replica acting on what it read before another replica's transition
// committed must lose: every transition is a compare-and-set on the status
// the caller saw. The test gives the service a store whose reads of one
// order are stale, in a fixed interleaving, on a real SQLite database.

import (
	"context"
	"errors"
	"testing"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/credit"
	"shanhai/service/order"
	"shanhai/service/payment"
	"shanhai/service/stock"
)

// staleStore answers Order with what was read before the other replica moved it.
type staleStore struct {
	*store.Store
	stale *model.Order
}

func (s staleStore) Order(ctx context.Context, id int64) (*model.Order, error) {
	if id == s.stale.ID {
		o := *s.stale
		o.Lines = append([]model.OrderLine(nil), s.stale.Lines...)
		return &o, nil
	}
	return s.Store.Order(ctx, id)
}

// TestStaleCancelLoses: the buyer cancels a paid order that the supplier
// shipped a moment earlier on another replica; the cancel reads the order
// as still awaiting shipment. It must answer 409 and change nothing: no
// cancelled shipped order, no units released, no refund.
func TestStaleCancelLoses(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t).Store
	sup := &model.Supplier{Name: "金口河供销社", RegionCode: "511113", Status: model.SupplierActive}
	if err := st.CreateSupplier(ctx, sup); err != nil {
		t.Fatal(err)
	}
	p := &model.Product{SupplierID: sup.ID, Name: "川牛膝", CategoryCode: "grain", OriginCode: "511113", OnSale: true}
	skus := []model.SKU{{Spec: "1kg", Unit: "袋", PriceCents: 100, OnHand: 10}}
	if err := st.CreateProduct(ctx, p, skus); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, "UPDATE skus SET reserved = 2 WHERE id = ?", skus[0].ID); err != nil {
		t.Fatal(err)
	}
	buyer := &model.User{ID: 100, Role: model.RoleConsumer}
	o := &model.Order{UserID: buyer.ID, SupplierID: sup.ID, Channel: model.ChannelApp, PaymentTerms: model.TermsPrepay,
		Status: model.OrderAwaitingShipment, TotalCents: 200, PaidCents: 200, Lines: []model.OrderLine{{SKUID: skus[0].ID,
			ProductID: p.ID, ProductName: p.Name, Spec: "1kg", Unit: "袋", Quantity: 2, UnitPriceCents: 100, AmountCents: 200,
			OriginCode: "511113", CategoryCode: "grain"}}}
	if err := st.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	stale, err := st.Order(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	// the other replica ships it
	if err := st.MoveOrder(ctx, o.ID, []string{model.OrderAwaitingShipment},
		model.OrderPatch{Status: model.OrderShipped}); err != nil {
		t.Fatal(err)
	}

	svc := order.New(staleStore{Store: st, stale: stale}, st, stock.New(st, st, 0), credit.New(st, nil),
		payment.NewSandbox("stale-test"), nil, order.Limits{})
	_, err = svc.Cancel(ctx, buyer, o.ID, "")
	if !errors.Is(err, model.ErrConflict) {
		t.Errorf("cancel on a stale read: %v, want a conflict", err)
	}
	var status string
	var reserved, refunds int64
	db := st.DB()
	if err := db.QueryRowContext(ctx, "SELECT status FROM orders WHERE id = ?", o.ID).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT reserved FROM skus WHERE id = ?", skus[0].ID).Scan(&reserved); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM payments WHERE order_id = ?", o.ID).Scan(&refunds); err != nil {
		t.Fatal(err)
	}
	if status != model.OrderShipped || reserved != 2 || refunds != 0 {
		t.Errorf("after the stale cancel: status %s, %d units reserved, %d payment rows; want shipped, 2, 0",
			status, reserved, refunds)
	}
}
