package api_test

// The world the account, authorization, admin and filing tests act in: orgs
// in a supervising tree, two suppliers with a product each, users of every
// role, and helpers to log in and to read the database directly. Everything
// here is inserted through the store, never through the API under test.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/service/order"
)

// world is what seedWorld inserted.
type world struct {
	h *harness

	// parent supervises child; other is unrelated to both.
	parent, child, other *model.Org
	// supA and supB sell one product (one SKU) each; spare has none.
	supA, supB, spare *model.Supplier
	prodA, skuA       int64
	prodB, skuB       int64
	pairing           int64 // 上虞–金口河

	users  map[string]*model.User // by name
	tokens map[string]string      // by name, once logged in

	goods *orderGoods // made by orderGoods on first use
}

// callers are the columns of the authorization table: anonymous, then one
// user of every role. The org roles belong to parent; the supplier to supA.
var callers = []string{"anonymous", model.RoleConsumer, model.RoleBuyer, model.RoleApprover,
	model.RoleOrgAdmin, model.RoleSupplier, model.RoleOfficer, model.RoleAdmin}

// password is the password seedWorld gives the user called name.
func password(name string) string { return "pass-" + name + "-0k" }

func seedWorld(t *testing.T, h *harness) *world {
	t.Helper()
	ctx := context.Background()
	st := h.store
	w := &world{h: h, users: map[string]*model.User{}, tokens: map[string]string{}}

	org := func(name, kind, region string, parent *model.Org) *model.Org {
		o := &model.Org{Name: name, Kind: kind, RegionCode: region, PaymentTerms: model.TermsPrepay,
			CreditKind: model.DefaultCreditKind(kind)}
		if parent != nil {
			o.ParentID = &parent.ID
		}
		if err := st.CreateOrg(ctx, o); err != nil {
			t.Fatalf("create org %s: %v", name, err)
		}
		return o
	}
	w.parent = org("上虞区机关事务管理局", model.OrgGovernment, "330604", nil)
	w.child = org("上虞区第一中学食堂", model.OrgCanteen, "330604", w.parent)
	w.other = org("柯桥区总工会", model.OrgUnion, "330603", nil)

	supplier := func(name, region string) *model.Supplier {
		s := &model.Supplier{Name: name, RegionCode: region, Status: model.SupplierActive}
		if err := st.CreateSupplier(ctx, s); err != nil {
			t.Fatalf("create supplier %s: %v", name, err)
		}
		return s
	}
	w.supA = supplier("金口河区山珍有限公司", "511113")
	w.supB = supplier("江山市红心果业合作社", "330881")
	w.spare = supplier("峨边黑竹沟茶业有限公司", "511132")

	product := func(s *model.Supplier, name string) (int64, int64) {
		p := &model.Product{SupplierID: s.ID, Name: name, CategoryCode: "tea", OriginCode: s.RegionCode, OnSale: true}
		skus := []model.SKU{{Spec: "250g", Unit: "罐", PriceCents: 8800, OnHand: 10}}
		if err := st.CreateProduct(ctx, p, skus); err != nil {
			t.Fatalf("create product %s: %v", name, err)
		}
		return p.ID, skus[0].ID
	}
	w.prodA, w.skuA = product(w.supA, "高山绿茶")
	w.prodB, w.skuB = product(w.supB, "红心猕猴桃干")

	p := &model.Pairing{Programme: model.ProgrammeEastWest, Level: model.LevelCounty, HelperCode: "330604",
		PartnerCode: "511113", SinceYear: 2021, Active: true}
	if err := st.CreatePairing(ctx, p); err != nil {
		t.Fatalf("create pairing: %v", err)
	}
	w.pairing = p.ID

	region := "330604"
	for _, u := range []struct {
		name, role   string
		org          *model.Org
		supplier     *model.Supplier
		officerScope bool
	}{
		{name: model.RoleConsumer, role: model.RoleConsumer},
		{name: model.RoleBuyer, role: model.RoleBuyer, org: w.parent},
		{name: model.RoleApprover, role: model.RoleApprover, org: w.parent},
		{name: model.RoleOrgAdmin, role: model.RoleOrgAdmin, org: w.parent},
		{name: model.RoleSupplier, role: model.RoleSupplier, supplier: w.supA},
		{name: model.RoleOfficer, role: model.RoleOfficer, officerScope: true},
		{name: model.RoleAdmin, role: model.RoleAdmin},
		{name: "child_admin", role: model.RoleOrgAdmin, org: w.child},
		{name: "other_admin", role: model.RoleOrgAdmin, org: w.other},
		{name: "supplier_b", role: model.RoleSupplier, supplier: w.supB},
		{name: "login", role: model.RoleConsumer},
		{name: "victim", role: model.RoleConsumer},
	} {
		m := &model.User{Username: u.name, Role: u.role}
		if u.org != nil {
			m.OrgID = &u.org.ID
		}
		if u.supplier != nil {
			m.SupplierID = &u.supplier.ID
		}
		if u.officerScope {
			m.RegionCode = &region
		}
		w.addUser(t, m)
	}
	w.addFiling(t, w.parent, 2026, 1500, model.FilingDraft)
	return w
}

// orderGoods is what the order fixtures buy: a SKU of supA and one of supB
// with plenty of stock. Making it also gives parent an approval threshold
// (an order of approvalQty units needs approval; one unit does not) and
// adds "other_buyer", a buyer of the unrelated org other.
type orderGoods struct {
	skuA, skuB int64
	seq        int // for the fixtures' idempotency keys
}

// approvalQty units of an orderGoods SKU reach parent's approval threshold.
const approvalQty = 10

func (w *world) orderGoods(t *testing.T) *orderGoods {
	t.Helper()
	if w.goods != nil {
		return w.goods
	}
	ctx := context.Background()
	g := &orderGoods{}
	for _, s := range []struct {
		sup  *model.Supplier
		name string
		into *int64
	}{{w.supA, "金口河高山土豆", &g.skuA}, {w.supB, "江山白鹅", &g.skuB}} {
		p := &model.Product{SupplierID: s.sup.ID, Name: s.name, CategoryCode: "vegetables", OriginCode: s.sup.RegionCode, OnSale: true}
		skus := []model.SKU{{Spec: "5kg", Unit: "箱", PriceCents: 1000, OnHand: 1_000_000}}
		if err := w.h.store.CreateProduct(ctx, p, skus); err != nil {
			t.Fatalf("create product %s: %v", s.name, err)
		}
		*s.into = skus[0].ID
	}
	execSQL(t, w.h, "UPDATE orgs SET approval_threshold_cents = ? WHERE id = ?", approvalQty*1000, w.parent.ID)
	w.addUser(t, &model.User{Username: "other_buyer", Role: model.RoleBuyer, OrgID: &w.other.ID})
	w.goods = g
	return g
}

// seedKey is a fresh idempotency key for a fixture's request.
func (w *world) seedKey(t *testing.T) string {
	g := w.orderGoods(t)
	g.seq++
	return fmt.Sprintf("seed-%d", g.seq)
}

// seedOrder places an order of who (a consumer or a buyer) for qty units of
// skuID through the order service, with a delivery address and phone.
func (w *world) seedOrder(t *testing.T, who string, skuID, qty int64) *model.Order {
	t.Helper()
	var placed *order.Placed
	in := order.PlaceInput{Lines: []order.LineInput{{SKUID: skuID, Quantity: qty}},
		Delivery: order.Delivery{Address: "绍兴市上虞区人民西路1号", Phone: "13800001111"}}
	// Each fixture order is judged alone against the approval threshold
	// (approvalQty units need approval, one unit does not): forget the
	// org's day total before and after (orders placed between fixtures, by
	// a test or a fuzzer, add to it). approval_test.go tests the day totals.
	execSQL(t, w.h, "DELETE FROM org_day_totals")
	_, err := w.h.orders.Place(context.Background(), w.users[who], w.seedKey(t), in, func(p *order.Placed) ([]byte, error) {
		placed = p
		return []byte("{}"), nil
	})
	if err != nil {
		t.Fatalf("place an order of %s: %v", who, err)
	}
	execSQL(t, w.h, "DELETE FROM org_day_totals")
	return placed.Orders[0]
}

// seedOrderIn places an order of who for skuID and moves it through the
// service to status: pending_approval (approvalQty units of an org order),
// pending_payment, awaiting_shipment (paid), shipped (by its supplier) or
// settled (accepted whole, which settles a prepaid order).
func (w *world) seedOrderIn(t *testing.T, who string, skuID int64, status string) *model.Order {
	t.Helper()
	ctx := context.Background()
	qty := int64(1)
	if status == model.OrderPendingApproval {
		qty = approvalQty
	}
	o := w.seedOrder(t, who, skuID, qty)
	steps := []string{model.OrderAwaitingShipment, model.OrderShipped, model.OrderSettled}
	for _, next := range steps[:max(0, slices.Index(steps, status)+1)] {
		var err error
		switch next {
		case model.OrderAwaitingShipment:
			w.seedPayment(t, who, o.ID, false)
		case model.OrderShipped:
			_, err = w.h.orders.Ship(ctx, w.supplierUser(t, o.SupplierID), o.ID, order.ShipInput{Carrier: "顺丰", TrackingNo: "SF100"})
		case model.OrderSettled:
			_, err = w.h.orders.Accept(ctx, w.users[who], o.ID, nil, "")
		}
		if err != nil {
			t.Fatalf("order %d to %s: %v", o.ID, next, err)
		}
	}
	got, err := w.h.store.Order(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != status {
		t.Fatalf("seeded order %d is %s, want %s", o.ID, got.Status, status)
	}
	return got
}

// supplierUser is the seeded user of supplier id.
func (w *world) supplierUser(t *testing.T, id int64) *model.User {
	t.Helper()
	for _, name := range []string{model.RoleSupplier, "supplier_b"} {
		if u := w.users[name]; u.SupplierID != nil && *u.SupplierID == id {
			return u
		}
	}
	t.Fatalf("no seeded user of supplier %d", id)
	return nil
}

// seedPayment pays order id as who: at once, or deferred (the charge stays
// pending until a callback).
func (w *world) seedPayment(t *testing.T, who string, id int64, deferred bool) *model.Payment {
	t.Helper()
	var paid *order.Paid
	in := order.PayInput{Mode: order.PayInstant}
	if deferred {
		in.Mode = order.PayDeferred
	}
	_, err := w.h.orders.Pay(context.Background(), w.users[who], id, w.seedKey(t), in,
		func(p *order.Paid) ([]byte, error) {
			paid = p
			return []byte("{}"), nil
		})
	if err != nil {
		t.Fatalf("pay order %d as %s: %v", id, who, err)
	}
	return paid.Payment
}

// seedReturn asks, as who, to return one unit of o's first line.
func (w *world) seedReturn(t *testing.T, who string, o *model.Order) *model.Return {
	t.Helper()
	r, err := w.h.orders.RequestReturn(context.Background(), w.users[who], o.ID, order.ReturnInput{
		Lines: []order.Received{{LineID: o.Lines[0].ID, Quantity: 1}}, Reason: "quality"})
	if err != nil {
		t.Fatalf("return goods of order %d: %v", o.ID, err)
	}
	return r
}

// addUser inserts u with password(u.Username), hashed as the service hashes.
func (w *world) addUser(t *testing.T, u *model.User) *model.User {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password(u.Username)), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = string(hash)
	if err := w.h.store.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", u.Username, err)
	}
	w.users[u.Username] = u
	return u
}

// pendingEmployee inserts a consumer who asked org to confirm them.
func (w *world) pendingEmployee(t *testing.T, name string, org *model.Org) *model.User {
	t.Helper()
	return w.addUser(t, &model.User{Username: name, Role: model.RoleConsumer, EmployerID: &org.ID,
		EmployerStatus: model.EmployerPending})
}

// addFiling inserts org's filing for year in status.
func (w *world) addFiling(t *testing.T, org *model.Org, year int, ratioBP int64, status string) *model.Filing {
	t.Helper()
	f := &model.Filing{OrgID: org.ID, Year: year, CanteenStatus: model.CanteenHas, FoodBudgetCents: 100_000_00,
		ReservedRatioBP: ratioBP, Status: status}
	if err := w.h.store.CreateFiling(context.Background(), f); err != nil {
		t.Fatalf("create filing %d/%d: %v", org.ID, year, err)
	}
	return f
}

// token logs name in through the API (once) and returns the token;
// "anonymous" has none.
func (w *world) token(t *testing.T, name string) string {
	t.Helper()
	if name == "anonymous" {
		return ""
	}
	if tok, ok := w.tokens[name]; ok {
		return tok
	}
	tok := login(t, w.h, name, password(name))
	w.tokens[name] = tok
	return tok
}

// login returns a fresh token for username and password, failing the test
// unless the login succeeds.
func login(t *testing.T, h *harness, username, pass string) string {
	t.Helper()
	res := h.call(t, http.MethodPost, "/api/v1/auth/login", "", jsonBody(map[string]string{
		"username": username, "password": pass}))
	wantStatus(t, res, http.StatusOK)
	return decode[loginResp](t, res).Token
}

// jsonBody marshals v; a test that needs raw bytes writes the body itself.
func jsonBody(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// queryOne reads one value straight from the database.
func queryOne[T any](t *testing.T, h *harness, query string, args ...any) T {
	t.Helper()
	var v T
	if err := h.store.DB().QueryRowContext(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return v
}

// queryMaybe reads one nullable value straight from the database; false when
// there is no row.
func queryMaybe[T any](t *testing.T, h *harness, query string, args ...any) (T, bool) {
	t.Helper()
	var v T
	err := h.store.DB().QueryRowContext(context.Background(), query, args...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return v, false
	}
	if err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return v, true
}

// execSQL changes the database behind the API's back (e.g. reservations,
// which come from orders).
func execSQL(t *testing.T, h *harness, query string, args ...any) {
	t.Helper()
	if _, err := h.store.DB().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
}

// wantError checks an error answer: its status, code and the fields it
// names (in any order; nil when none are expected).
func wantError(t *testing.T, res response, status int, code string, fields ...string) {
	t.Helper()
	wantStatus(t, res, status)
	body := decode[errorBody](t, res)
	if body.Error.Code != code || body.Error.Message == "" {
		t.Errorf("error = %+v, want code %q and a message", body.Error, code)
	}
	var got []string
	for _, f := range body.Error.Fields {
		got = append(got, f.Field)
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	want := slices.Clone(fields)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("fields = %v, want %v; body: %s", got, want, truncate(res.Body))
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }

// path builds a target from parts, e.g. path("/api/v1/orgs", id, "filings", 2026).
func path(parts ...any) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, "/")
}

// The client's view of the account and admin bodies, from the design.

type userRefBody struct {
	ID         int64  `json:"id"`
	Username   string `json:"username"`
	Role       string `json:"role"`
	OrgID      *int64 `json:"org_id"`
	SupplierID *int64 `json:"supplier_id"`
}

type loginResp struct {
	Token        string      `json:"token"`
	RefreshToken string      `json:"refresh_token"`
	ExpiresAt    string      `json:"expires_at"`
	User         userRefBody `json:"user"`
}

type userBody struct {
	ID              int64   `json:"id"`
	Username        string  `json:"username"`
	Role            string  `json:"role"`
	OrgID           *int64  `json:"org_id"`
	SupplierID      *int64  `json:"supplier_id"`
	RegionCode      *string `json:"region_code"`
	RegionConfirmed bool    `json:"region_confirmed"`
	Phone           *string `json:"phone"`
	EmployerID      *int64  `json:"employer_id"`
	EmployerStatus  string  `json:"employer_status"`
	Disabled        bool    `json:"disabled"`
	CreatedAt       string  `json:"created_at"`
}

type employeeBody struct {
	UserID         int64  `json:"user_id"`
	Username       string `json:"username"`
	EmployerStatus string `json:"employer_status"`
}

type filingBody struct {
	ID              int64   `json:"id"`
	OrgID           int64   `json:"org_id"`
	Year            int     `json:"year"`
	CanteenStatus   string  `json:"canteen_status"`
	FoodBudgetCents int64   `json:"food_budget_cents"`
	ReservedRatioBP int64   `json:"reserved_ratio_bp"`
	ReservedCents   int64   `json:"reserved_cents"`
	LowRatio        bool    `json:"low_ratio"`
	Status          string  `json:"status"`
	ReviewComment   string  `json:"review_comment"`
	ReviewedBy      *int64  `json:"reviewed_by"`
	SubmittedAt     *string `json:"submitted_at"`
	ReviewedAt      *string `json:"reviewed_at"`
	UpdatedAt       string  `json:"updated_at"`
}

type auditBody struct {
	ID        int64           `json:"id"`
	ActorID   *int64          `json:"actor_id"`
	Action    string          `json:"action"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	Reason    string          `json:"reason"`
	RequestID string          `json:"request_id"`
	CreatedAt string          `json:"created_at"`
}

type orgBody struct {
	ID                     int64  `json:"id"`
	Name                   string `json:"name"`
	Kind                   string `json:"kind"`
	RegionCode             string `json:"region_code"`
	ParentID               *int64 `json:"parent_id"`
	PaymentTerms           string `json:"payment_terms"`
	ApprovalThresholdCents int64  `json:"approval_threshold_cents"`
	CreditKind             string `json:"credit_kind"`
	InvoiceTitle           string `json:"invoice_title"`
	TaxID                  string `json:"tax_id"`
	Sector                 string `json:"sector"`
	SecondThresholdCents   int64  `json:"second_approval_threshold_cents"`
	CreatedAt              string `json:"created_at"`
}

type supplierBody struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
	Status     string `json:"status"`
	CreditCode string `json:"credit_code"`
	CreatedAt  string `json:"created_at"`
}

type targetBody struct {
	PairingID   int64 `json:"pairing_id"`
	Year        int   `json:"year"`
	TargetCents int64 `json:"target_cents"`
}

// supplierProductBody is a product as its supplier sees it.
type supplierProductBody struct {
	product
	OnSale bool `json:"on_sale"`
	Stock  []struct {
		SKUID    int64 `json:"sku_id"`
		OnHand   int64 `json:"on_hand"`
		Reserved int64 `json:"reserved"`
	} `json:"stock"`
}
