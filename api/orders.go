package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/order"
)

type lineReq struct {
	SKUID    int64 `json:"sku_id"`
	Quantity int64 `json:"quantity"`
}

type orderReq struct {
	Lines        []lineReq `json:"lines"`
	DeliveryDate string    `json:"delivery_date"`
	Address      string    `json:"address"`
	AddressID    int64     `json:"address_id"` // a saved address, copied onto the order
	Phone        string    `json:"phone"`
	Note         string    `json:"note"`
	SalesPointID int64     `json:"sales_point_id"` // the buying org's sales point (五专), if the goods are for one
}

type deliveryReq struct {
	DeliveryDate string `json:"delivery_date"`
	Address      string `json:"address"`
	AddressID    int64  `json:"address_id"`
	Phone        string `json:"phone"`
	Note         string `json:"note"`
	SalesPointID int64  `json:"sales_point_id"`
}

type orderLineResp struct {
	ID               int64  `json:"id"`
	SKUID            int64  `json:"sku_id"`
	ProductID        int64  `json:"product_id"`
	ProductName      string `json:"product_name"`
	Spec             string `json:"spec"`
	Unit             string `json:"unit"`
	Quantity         int64  `json:"quantity"`
	UnitPriceCents   int64  `json:"unit_price_cents"`
	AmountCents      int64  `json:"amount_cents"`
	ReceivedQuantity *int64 `json:"received_quantity"`
	ReturnedQuantity int64  `json:"returned_quantity"`
	OriginCode       string `json:"origin_code"`
	Category         string `json:"category"`
	PairingID        *int64 `json:"pairing_id"`
}

type orderResp struct {
	ID             int64   `json:"id"`
	CheckoutID     string  `json:"checkout_id"`
	Status         string  `json:"status"`
	Channel        string  `json:"channel"`
	PaymentTerms   string  `json:"payment_terms"`
	UserID         int64   `json:"user_id"`
	OrgID          *int64  `json:"org_id"`
	SupplierID     int64   `json:"supplier_id"`
	SupplierName   string  `json:"supplier_name"`
	OrgName        string  `json:"org_name"` // the buyer org's; "" for a consumer's order
	SalesPointID   *int64  `json:"sales_point_id"`
	TotalCents     int64   `json:"total_cents"`
	ReceivedCents  int64   `json:"received_cents"`
	ReturnedCents  int64   `json:"returned_cents"`
	PaidCents      int64   `json:"paid_cents"`
	RefundedCents  int64   `json:"refunded_cents"`
	AmountDueCents int64   `json:"amount_due_cents"`
	DeliveryDate   string  `json:"delivery_date"`
	Address        *string `json:"address"` // null when the caller may not see it
	Phone          *string `json:"phone"`
	Note           string  `json:"note"`
	Carrier        string  `json:"carrier"`
	TrackingNo     string  `json:"tracking_no"`
	InvoiceNo      string  `json:"invoice_no"`
	InspectionNote string  `json:"inspection_note"`
	CancelReason   string  `json:"cancel_reason"`
	DeadlineAt     *string `json:"deadline_at"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	ShippedAt      *string `json:"shipped_at"`
	AcceptedAt     *string `json:"accepted_at"`
	ApprovalLevel  int     `json:"approval_level"`
	FirstApprover  *int64  `json:"first_approver_id"`
	// the buyer org's invoice profile as when placed (null: none), and what
	// the supplier's invoices allocated to the order so far
	InvoiceProfile *orderInvoiceProfile `json:"invoice_profile"`
	InvoicedCents  int64                `json:"invoiced_cents"`
	Lines          []orderLineResp      `json:"lines"`
}

// toOrder converts an order; personal decides whether address and phone
// show, masked says whether the phone is masked (lists).
func toOrder(o *model.Order, personal, masked bool) orderResp {
	out := orderResp{ID: o.ID, CheckoutID: o.CheckoutID, Status: o.Status, Channel: o.Channel,
		PaymentTerms: o.PaymentTerms, UserID: o.UserID, OrgID: o.OrgID, SupplierID: o.SupplierID,
		SupplierName: o.SupplierName, OrgName: o.OrgName, SalesPointID: o.SalesPointID,
		TotalCents: o.TotalCents, ReceivedCents: o.ReceivedCents, ReturnedCents: o.ReturnedCents,
		PaidCents: o.PaidCents, RefundedCents: o.RefundedCents, AmountDueCents: o.DueCents(), DeliveryDate: o.DeliveryDate, Note: o.Note,
		Carrier: o.Carrier, TrackingNo: o.TrackingNo, InvoiceNo: o.InvoiceNo, InspectionNote: o.InspectionNote,
		CancelReason: o.CancelReason, DeadlineAt: optTime(o.DeadlineAt), CreatedAt: rfc3339(o.CreatedAt),
		UpdatedAt: rfc3339(o.UpdatedAt), ShippedAt: optTime(o.ShippedAt), AcceptedAt: optTime(o.AcceptedAt),
		ApprovalLevel: o.ApprovalLevel, FirstApprover: o.FirstApproverID,
		InvoiceProfile: toOrderInvoiceProfile(o), InvoicedCents: o.InvoicedCents,
		Lines: make([]orderLineResp, len(o.Lines))}
	if personal {
		addr, phone := o.Address, o.Phone
		if masked {
			phone = model.MaskPhone(phone)
		}
		out.Address, out.Phone = &addr, &phone
	}
	for i, l := range o.Lines {
		out.Lines[i] = orderLineResp{ID: l.ID, SKUID: l.SKUID, ProductID: l.ProductID, ProductName: l.ProductName,
			Spec: l.Spec, Unit: l.Unit, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents,
			AmountCents: l.AmountCents, ReceivedQuantity: l.ReceivedQty, ReturnedQuantity: l.ReturnedQty,
			OriginCode: l.OriginCode, Category: l.CategoryCode, PairingID: l.PairingID}
	}
	return out
}

// respondOrder answers with one order as u may see it.
func respondOrder(c *gin.Context, u *model.User, o *model.Order, err error) {
	respond(c, http.StatusOK, o, err, func(o *model.Order) orderResp { return toOrder(o, order.Personal(u, o), false) })
}

func optTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc3339(*t)
	return &s
}

// writeStored sends an idempotent operation's result, a JSON body this file
// encoded and the service stored with the Idempotency-Key (a replay is byte
// for byte the first answer), with the route's status.
func writeStored(c *gin.Context, status int, body []byte, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(status, "application/json; charset=utf-8", body)
}

// placedNote is what a placement rendered last: its body and its orders'
// channels, for the orders-placed counter.
type placedNote struct {
	body     []byte
	channels []string
}

// render is the body of POST /orders (one order) or of a checkout. It runs
// for a new placement, never for a replay, but may run for one that is then
// not committed (a batch that failed runs it again alone).
func (n *placedNote) render(checkout bool) order.Render {
	return func(p *order.Placed) ([]byte, error) {
		orders := make([]orderResp, len(p.Orders))
		n.channels = n.channels[:0]
		for i, o := range p.Orders {
			orders[i] = toOrder(o, true, false)
			n.channels = append(n.channels, o.Channel)
		}
		var err error
		if !checkout {
			n.body, err = json.Marshal(orders[0])
		} else {
			n.body, err = json.Marshal(checkoutResp{CheckoutID: p.CheckoutID, Orders: orders})
		}
		return n.body, err
	}
}

// count adds a committed placement to the orders-placed counter: body is
// what the placement answered, and only the body rendered for it here (not
// a replay's stored one, nor one of an attempt that did not commit) counts.
func (n *placedNote) count(m *metrics, body []byte, err error) {
	if err == nil && n.body != nil && bytes.Equal(body, n.body) {
		m.ordersPlaced(n.channels)
	}
}

type checkoutResp struct {
	CheckoutID string      `json:"checkout_id"`
	Orders     []orderResp `json:"orders"`
}

func (r *router) placeOrder(c *gin.Context) {
	var req orderReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	in := order.PlaceInput{Lines: make([]order.LineInput, len(req.Lines)), Delivery: order.Delivery{
		DeliveryDate: req.DeliveryDate, Address: req.Address, Phone: req.Phone, Note: req.Note, AddressID: req.AddressID,
		SalesPointID: req.SalesPointID}}
	for i, l := range req.Lines {
		in.Lines[i] = order.LineInput{SKUID: l.SKUID, Quantity: l.Quantity}
	}
	u := caller(c)
	var n placedNote
	body, err := r.Orders.Place(c.Request.Context(), u, c.GetHeader("Idempotency-Key"), in, n.render(false))
	n.count(r.metrics, body, err)
	writeStored(c, http.StatusCreated, body, err)
}

func (r *router) checkout(c *gin.Context) {
	var req deliveryReq
	if err := bindOptional(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u := caller(c)
	var n placedNote
	body, err := r.Orders.Checkout(c.Request.Context(), u, c.GetHeader("Idempotency-Key"), order.Delivery{
		DeliveryDate: req.DeliveryDate, Address: req.Address, Phone: req.Phone, Note: req.Note, AddressID: req.AddressID,
		SalesPointID: req.SalesPointID}, n.render(true))
	n.count(r.metrics, body, err)
	writeStored(c, http.StatusCreated, body, err)
}

type cartReq struct {
	Items []lineReq `json:"items"`
}

// cartResp is the cart: items as PUT /cart takes them, and, on GET, lines
// in the same order with what a client draws for each.
type cartResp struct {
	Items []lineReq      `json:"items"`
	Lines []cartLineResp `json:"lines,omitempty"`
}

type cartLineResp struct {
	SKUID          int64       `json:"sku_id"`
	Quantity       int64       `json:"quantity"`
	ProductID      int64       `json:"product_id"`
	ProductName    string      `json:"product_name"`
	Spec           string      `json:"spec"`
	Unit           string      `json:"unit"`
	UnitPriceCents int64       `json:"unit_price_cents"`
	AmountCents    int64       `json:"amount_cents"`
	Available      int64       `json:"available"`
	PurchaseLimit  int64       `json:"purchase_limit"`
	Supplier       supplierRef `json:"supplier"`
	ThumbnailURL   string      `json:"thumbnail_url"`
	// Warning is why the line cannot be bought as it stands: unavailable,
	// off_sale, supplier_suspended, insufficient_stock, purchase_limit; null
	// when it can.
	Warning *string `json:"warning"`
}

func toCartView(lines []order.CartLineView) cartResp {
	out := cartResp{Items: make([]lineReq, len(lines)), Lines: make([]cartLineResp, len(lines))}
	for i, l := range lines {
		out.Items[i] = lineReq{SKUID: l.SKUID, Quantity: l.Quantity}
		unit := l.UnitPrice()
		v := cartLineResp{SKUID: l.SKUID, Quantity: l.Quantity, ProductID: l.ProductID, ProductName: l.ProductName,
			Spec: l.Spec, Unit: l.Unit, UnitPriceCents: unit, AmountCents: unit * l.Quantity, Available: l.Available(),
			PurchaseLimit: l.PurchaseLimit, Supplier: supplierRef{ID: l.SupplierID, Name: l.SupplierName},
			ThumbnailURL: mediaURL(l.ThumbHash)}
		if l.Warning != "" {
			w := l.Warning
			v.Warning = &w
		}
		out.Lines[i] = v
	}
	return out
}

func toCart(items []model.CartItem) cartResp {
	out := cartResp{Items: make([]lineReq, len(items))}
	for i, it := range items {
		out.Items[i] = lineReq{SKUID: it.SKUID, Quantity: it.Quantity}
	}
	return out
}

func (r *router) getCart(c *gin.Context) {
	lines, err := r.Orders.CartView(c.Request.Context(), caller(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toCartView(lines))
}

func (r *router) putCart(c *gin.Context) {
	var req cartReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	in := make([]order.LineInput, len(req.Items))
	for i, it := range req.Items {
		in[i] = order.LineInput{SKUID: it.SKUID, Quantity: it.Quantity}
	}
	items, err := r.Orders.SetCart(c.Request.Context(), caller(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toCart(items))
}

// listOrders serves GET /orders: the orders the caller may see.
func (r *router) listOrders(c *gin.Context) { r.orderList(c, r.Orders.List) }

// supplierOrders serves GET /supplier/orders.
func (r *router) supplierOrders(c *gin.Context) { r.orderList(c, r.Orders.SupplierList) }

func (r *router) orderList(c *gin.Context,
	list func(context.Context, *model.User, order.ListInput) (model.Page[model.Order], error)) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	u := caller(c)
	p, err := list(c.Request.Context(), u, order.ListInput{Status: c.Query("status"),
		From: c.Query("from"), To: c.Query("to"), Page: page, PageSize: size})
	respondList(c, p, err, func(o *model.Order) orderResp { return toOrder(o, order.Personal(u, o), true) })
}

type eventResp struct {
	Action  string `json:"action"`
	From    string `json:"from"`
	To      string `json:"to"`
	ActorID *int64 `json:"actor_id"`
	Note    string `json:"note"`
	At      string `json:"at"`
}

type paymentResp struct {
	ID          int64   `json:"id"`
	OrderID     int64   `json:"order_id"`
	Kind        string  `json:"kind"`
	AmountCents int64   `json:"amount_cents"`
	Status      string  `json:"status"`
	Provider    string  `json:"provider"`
	ProviderRef string  `json:"provider_ref"`
	CreatedAt   string  `json:"created_at"`
	SettledAt   *string `json:"settled_at"`
}

func toPayment(p *model.Payment) paymentResp {
	return paymentResp{ID: p.ID, OrderID: p.OrderID, Kind: p.Kind, AmountCents: p.AmountCents, Status: p.Status,
		Provider: p.Provider, ProviderRef: p.ProviderRef, CreatedAt: rfc3339(p.CreatedAt), SettledAt: optTime(p.SettledAt)}
}

type returnLineResp struct {
	LineID      int64 `json:"line_id"`
	Quantity    int64 `json:"quantity"`
	AmountCents int64 `json:"amount_cents"`
}

type returnResp struct {
	ID           int64            `json:"id"`
	OrderID      int64            `json:"order_id"`
	Status       string           `json:"status"`
	Reason       string           `json:"reason"`
	Note         string           `json:"note"`
	AmountCents  int64            `json:"amount_cents"`
	RequestedBy  int64            `json:"requested_by"`
	DecidedBy    *int64           `json:"decided_by"`
	DecisionNote string           `json:"decision_note"`
	DeadlineAt   string           `json:"deadline_at"`
	CreatedAt    string           `json:"created_at"`
	DecidedAt    *string          `json:"decided_at"`
	Lines        []returnLineResp `json:"lines"`
}

func toReturn(rt *model.Return) returnResp {
	out := returnResp{ID: rt.ID, OrderID: rt.OrderID, Status: rt.Status, Reason: rt.Reason, Note: rt.Note,
		AmountCents: rt.AmountCents, RequestedBy: rt.RequestedBy, DecidedBy: rt.DecidedBy,
		DecisionNote: rt.DecisionNote, DeadlineAt: rfc3339(rt.DeadlineAt), CreatedAt: rfc3339(rt.CreatedAt),
		DecidedAt: optTime(rt.DecidedAt), Lines: make([]returnLineResp, len(rt.Lines))}
	for i, l := range rt.Lines {
		out.Lines[i] = returnLineResp{LineID: l.LineID, Quantity: l.Quantity, AmountCents: l.AmountCents}
	}
	return out
}

type orderDetailResp struct {
	orderResp
	History  []eventResp   `json:"history"`
	Payments []paymentResp `json:"payments"`
	Returns  []returnResp  `json:"returns"`
}

func (r *router) getOrder(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	d, err := r.Orders.Get(c.Request.Context(), caller(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	out := orderDetailResp{orderResp: toOrder(d.Order, d.Personal, false),
		History: make([]eventResp, len(d.Events)), Payments: make([]paymentResp, len(d.Payments)),
		Returns: make([]returnResp, len(d.Returns))}
	for i, e := range d.Events {
		out.History[i] = eventResp{Action: e.Action, From: e.FromState, To: e.ToState, ActorID: e.ActorID,
			Note: e.Note, At: rfc3339(e.CreatedAt)}
	}
	for i := range d.Payments {
		out.Payments[i] = toPayment(&d.Payments[i])
	}
	for i := range d.Returns {
		out.Returns[i] = toReturn(&d.Returns[i])
	}
	c.JSON(http.StatusOK, out)
}

// orderAction serves the transitions that take only an optional reason.
func (r *router) orderAction(do func(r *router, c *gin.Context, u *model.User, id int64, reason, note string) (*model.Order, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			writeError(c, err)
			return
		}
		var req struct {
			Reason string `json:"reason"`
			Note   string `json:"note"` // approve, reject: kept in the order's history
		}
		if err := bindOptional(c, &req); err != nil {
			writeError(c, err)
			return
		}
		u := caller(c)
		o, err := do(r, c, u, id, req.Reason, req.Note)
		respondOrder(c, u, o, err)
	}
}

func approveOrder(r *router, c *gin.Context, u *model.User, id int64, reason, note string) (*model.Order, error) {
	if note == "" {
		note = reason
	}
	return r.Orders.Approve(c.Request.Context(), u, id, note)
}

func rejectOrder(r *router, c *gin.Context, u *model.User, id int64, reason, note string) (*model.Order, error) {
	return r.Orders.Reject(c.Request.Context(), u, id, reason, note)
}

func cancelOrder(r *router, c *gin.Context, u *model.User, id int64, reason, note string) (*model.Order, error) {
	if reason == "" {
		reason = note
	}
	return r.Orders.Cancel(c.Request.Context(), u, id, reason)
}

func declineOrder(r *router, c *gin.Context, u *model.User, id int64, reason, note string) (*model.Order, error) {
	if reason == "" {
		reason = note
	}
	return r.Orders.Decline(c.Request.Context(), u, id, reason)
}

type shipReq struct {
	Carrier    string `json:"carrier"`
	TrackingNo string `json:"tracking_no"`
	InvoiceNo  string `json:"invoice_no"`
}

func (r *router) shipOrder(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req shipReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u := caller(c)
	o, err := r.Orders.Ship(c.Request.Context(), u, id, order.ShipInput{Carrier: req.Carrier, TrackingNo: req.TrackingNo, InvoiceNo: req.InvoiceNo})
	respondOrder(c, u, o, err)
}

type receivedReq struct {
	LineID           int64 `json:"line_id"`
	ReceivedQuantity int64 `json:"received_quantity"`
}

type acceptReq struct {
	Lines          []receivedReq `json:"lines"`
	InspectionNote string        `json:"inspection_note"`
}

func (r *router) acceptOrder(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req acceptReq
	if err := bindOptional(c, &req); err != nil {
		writeError(c, err)
		return
	}
	in := make([]order.Received, len(req.Lines))
	for i, l := range req.Lines {
		in[i] = order.Received{LineID: l.LineID, Quantity: l.ReceivedQuantity}
	}
	u := caller(c)
	o, err := r.Orders.Accept(c.Request.Context(), u, id, in, req.InspectionNote)
	respondOrder(c, u, o, err)
}

type payReq struct {
	Mode string `json:"mode"` // "instant" (default) or "deferred": the sandbox waits for a callback
}

type payResp struct {
	Order   orderResp   `json:"order"`
	Payment paymentResp `json:"payment"`
}

func (r *router) payOrder(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req payReq
	if err := bindOptional(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u := caller(c)
	body, err := r.Orders.Pay(c.Request.Context(), u, id, c.GetHeader("Idempotency-Key"),
		order.PayInput{Mode: req.Mode}, func(p *order.Paid) ([]byte, error) {
			return json.Marshal(payResp{Order: toOrder(p.Order, true, false), Payment: toPayment(p.Payment)})
		})
	writeStored(c, http.StatusOK, body, err)
}

type returnReq struct {
	Lines []struct {
		LineID   int64 `json:"line_id"`
		Quantity int64 `json:"quantity"`
	} `json:"lines"`
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

func (r *router) requestReturn(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req returnReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	in := order.ReturnInput{Reason: req.Reason, Note: req.Note, Lines: make([]order.Received, len(req.Lines))}
	for i, l := range req.Lines {
		in.Lines[i] = order.Received{LineID: l.LineID, Quantity: l.Quantity}
	}
	rt, err := r.Orders.RequestReturn(c.Request.Context(), caller(c), id, in)
	respond(c, http.StatusCreated, rt, err, toReturn)
}

func (r *router) decideReturn(approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			writeError(c, err)
			return
		}
		var req struct {
			Note string `json:"note"`
		}
		if err := bindOptional(c, &req); err != nil {
			writeError(c, err)
			return
		}
		decide := r.Orders.RejectReturn
		if approve {
			decide = r.Orders.ApproveReturn
		}
		rt, err := decide(c.Request.Context(), caller(c), id, req.Note)
		respond(c, http.StatusOK, rt, err, toReturn)
	}
}

type callbackResp struct {
	PaymentID int64  `json:"payment_id"`
	Status    string `json:"status"`
}

// paymentCallback is the provider reporting on a payment, signed with
// HMAC-SHA256 of the body in X-Signature (hex).
func (r *router) paymentCallback(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeError(c, decodeError(err))
		return
	}
	p, err := r.Orders.Callback(c.Request.Context(), body, c.GetHeader("X-Signature"))
	respond(c, http.StatusOK, p, err, func(p *model.Payment) callbackResp {
		return callbackResp{PaymentID: p.ID, Status: p.Status}
	})
}
