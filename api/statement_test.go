package api_test

// Monthly statements (对账单) and the purchase history: figures equal to
// what the test itself did in the month (its own record), an order
// accepted at 23:59 China time on the 31st counted in that month, the
// statement frozen once read, confirmations and disputes of both sides,
// and the xlsx and csv files read back equal to the JSON.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

type stOrder struct {
	OrderID       int64  `json:"order_id"`
	AcceptedAt    string `json:"accepted_at"`
	TotalCents    int64  `json:"total_cents"`
	ReceivedCents int64  `json:"received_cents"`
}

type stBody struct {
	ID              int64     `json:"id"`
	Month           string    `json:"month"`
	OrgID           int64     `json:"org_id"`
	OrgName         string    `json:"org_name"`
	SupplierID      int64     `json:"supplier_id"`
	SupplierName    string    `json:"supplier_name"`
	OrdersCount     int       `json:"orders_count"`
	ReceivedCents   int64     `json:"received_cents"`
	ReturnedCents   int64     `json:"returned_cents"`
	PaidCents       int64     `json:"paid_cents"`
	RefundedCents   int64     `json:"refunded_cents"`
	DueCents        int64     `json:"due_cents"`
	InvoicedCents   int64     `json:"invoiced_cents"`
	DifferenceCents int64     `json:"difference_cents"`
	Status          string    `json:"status"`
	OrgStatus       string    `json:"org_status"`
	OrgNote         string    `json:"org_note"`
	OrgAt           *string   `json:"org_answered_at"`
	SupplierStatus  string    `json:"supplier_status"`
	SupplierNote    string    `json:"supplier_note"`
	SupplierAt      *string   `json:"supplier_answered_at"`
	FrozenAt        string    `json:"frozen_at"`
	Orders          []stOrder `json:"orders"`
}

type stList struct {
	Month string   `json:"month"`
	Items []stBody `json:"items"`
}

type stLine struct {
	OrderID          int64   `json:"order_id"`
	Status           string  `json:"status"`
	PlacedAt         string  `json:"placed_at"`
	AcceptedAt       *string `json:"accepted_at"`
	SupplierName     string  `json:"supplier_name"`
	ProductName      string  `json:"product_name"`
	Spec             string  `json:"spec"`
	Unit             string  `json:"unit"`
	Quantity         int64   `json:"quantity"`
	UnitPriceCents   int64   `json:"unit_price_cents"`
	AmountCents      int64   `json:"amount_cents"`
	ReceivedQuantity *int64  `json:"received_quantity"`
	ReturnedQuantity int64   `json:"returned_quantity"`
	OriginCode       string  `json:"origin_code"`
	CreditedCents    int64   `json:"credited_cents"`
	PairingID        *int64  `json:"pairing_id"`
	NotCreditedCents int64   `json:"not_credited_cents"`
	NotCreditedWhy   string  `json:"not_credited_reason"`
}

// stFigures is the test's own record of one statement.
type stFigures struct {
	orders                                     []int64
	received, returned, paid, refunded, billed int64
}

// stAt moves the order service's clock to a China wall time.
func stAt(w *ordWorld, y int, m time.Month, d, hh, mm int) {
	target := time.Date(y, m, d, hh, mm, 0, 0, model.China)
	w.clock.advance(target.Sub(w.clock.now()))
}

// yuanCents reads a decimal of yuan ("72.00", "-5", "0.5") as cents.
func yuanCents(t *testing.T, v string) int64 {
	t.Helper()
	neg := strings.HasPrefix(v, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(v, "-"), ".")
	frac = (frac + "00")[:2]
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		t.Fatalf("not a yuan amount: %q", v)
	}
	if neg {
		n = -n
	}
	return n
}

func TestStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		w.addUser(t, &model.User{Username: "canteen_admin", Role: model.RoleOrgAdmin, OrgID: &w.canteen.ID})
		oct := stFigures{}
		nov := stFigures{}

		// October 2025: three orders placed on the 10th
		stAt(w, 2025, time.October, 10, 10, 0)
		o1 := w.place(t, "canteen_buyer", w.tea, 5)   // 5 × 1000
		o2 := w.place(t, "canteen_buyer", w.tea, 10)  // 10 × 900
		o3 := w.place(t, "canteen_buyer", w.fruit, 3) // 3 × 2000, supB
		for _, o := range []ordOrder{o1, o2} {
			w.ship(t, model.RoleSupplier, o.ID)
		}
		w.ship(t, "supplier_b", o3.ID)
		w.act(t, "canteen_buyer", o1.ID, "accept", "")
		oct.orders, oct.received = append(oct.orders, o1.ID), oct.received+5000

		// a return of one unit of o1, approved on the 15th
		stAt(w, 2025, time.October, 15, 9, 0)
		res := w.post(t, path(v1+"/orders", o1.ID, "returns"), "canteen_buyer", "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": o1.Lines[0].ID, "quantity": 1}}, "reason": "quality"}))
		wantStatus(t, res, http.StatusCreated)
		var ret struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(res.Body, &ret); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, w.post(t, path(v1+"/returns", ret.ID, "approve"), model.RoleSupplier, "", ""), http.StatusOK)
		oct.returned += 1000

		// o1's amount due paid, the payment dated the 25th
		paid := w.pay(t, "canteen_buyer", o1.ID, "instant")
		execSQL(t, w.h, "UPDATE payments SET settled_at = ? WHERE id = ?", time.Date(2025, 10, 25, 2, 0, 0, 0, time.UTC), paid.Payment.ID)
		oct.paid += paid.Payment.AmountCents

		// o2 accepted at 23:59 China time on the 31st: October's
		stAt(w, 2025, time.October, 31, 23, 59)
		w.act(t, "canteen_buyer", o2.ID, "accept", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": o2.Lines[0].ID, "received_quantity": 8}}}))
		oct.orders, oct.received = append(oct.orders, o2.ID), oct.received+8*900
		// o3 a minute after midnight: November's, supB's
		stAt(w, 2025, time.November, 1, 0, 1)
		w.act(t, "canteen_buyer", o3.ID, "accept", "")
		nov.orders, nov.received = append(nov.orders, o3.ID), nov.received+6000

		// supA's invoices: one dated October 31st, one November 5th
		invoice := func(date string, cents int64, allocs ...invAllocation) {
			t.Helper()
			wantStatus(t, w.h.call(t, http.MethodPost, v1+"/supplier/invoices", w.token(t, model.RoleSupplier), jsonBody(map[string]any{
				"org_id": w.canteen.ID, "type": "ordinary", "medium": "digital", "issuer_credit_code": invIssuer,
				"number": invNumber(7), "date": date, "amount_cents": cents, "allocations": allocs})), http.StatusCreated)
		}
		invoice("2025-10-31", 9000, invAllocation{o1.ID, 4000}, invAllocation{o2.ID, 5000})
		oct.billed += 9000
		invoice("2025-11-05", 2200, invAllocation{o2.ID, 2200})

		get := func(who, target string) stList {
			t.Helper()
			res := w.h.call(t, http.MethodGet, target, w.token(t, who), "")
			wantStatus(t, res, http.StatusOK)
			return decode[stList](t, res)
		}
		orgPath := path(v1+"/orgs", w.canteen.ID, "statements")
		l := get("canteen_buyer", orgPath+"?month=2025-10")
		if len(l.Items) != 1 {
			t.Fatalf("October statements = %+v, want supA's only", l)
		}
		st := l.Items[0]
		stWant(t, st, oct, w.supA.ID)

		// frozen: a red invoice dated in October, recorded now, changes nothing
		wantStatus(t, w.h.call(t, http.MethodPost, v1+"/supplier/invoices", w.token(t, model.RoleSupplier), jsonBody(map[string]any{
			"org_id": w.canteen.ID, "type": "ordinary", "medium": "digital", "issuer_credit_code": invIssuer,
			"number": invNumber(8), "date": "2025-10-20", "amount_cents": -500,
			"original_id": queryOne[int64](t, w.h, "SELECT MIN(id) FROM mall_invoices"),
			"allocations": []invAllocation{{o1.ID, -500}}})), http.StatusCreated)
		again := get("canteen_buyer", orgPath+"?month=2025-10").Items[0]
		if again.ID != st.ID || again.InvoicedCents != oct.billed || again.FrozenAt != st.FrozenAt {
			t.Errorf("read again = %+v, want the frozen %+v", again, st)
		}
		// the supplier reads the same statement; supB has November's
		if s := get(model.RoleSupplier, v1+"/supplier/statements?month=2025-10"); len(s.Items) != 1 || s.Items[0].ID != st.ID {
			t.Errorf("supplier's October = %+v", s)
		}
		nb := get("supplier_b", v1+"/supplier/statements?month=2025-11")
		if len(nb.Items) != 1 {
			t.Fatalf("supB November = %+v", nb)
		}
		stWant(t, nb.Items[0], nov, w.supB.ID)
		if s := get("supplier_b", v1+"/supplier/statements?month=2025-10"); len(s.Items) != 0 {
			t.Errorf("supB October = %+v, want none", s)
		}

		// months not ended, and not months
		thisMonth := time.Now().In(model.China).Format("2006-01")
		wantError(t, w.h.call(t, http.MethodGet, orgPath+"?month="+thisMonth, w.token(t, "canteen_buyer"), ""),
			http.StatusUnprocessableEntity, "month_not_ended", "month")
		wantError(t, w.h.call(t, http.MethodGet, orgPath+"?month=2025-13", w.token(t, "canteen_buyer"), ""),
			http.StatusUnprocessableEntity, "invalid", "month")
		wantStatus(t, w.h.call(t, http.MethodGet, path(v1+"/orgs", w.canteen.ID, "statements?month=2025-10"), w.token(t, "other_admin"), ""),
			http.StatusNotFound)

		// answers: a dispute needs a note; both sides; confirmed is final
		ans := func(who, target, body string) response {
			return w.h.call(t, http.MethodPost, target, w.token(t, who), body)
		}
		orgSt := path(orgPath, st.ID)
		supSt := path(v1+"/supplier/statements", st.ID)
		wantError(t, ans("canteen_admin", orgSt+"/dispute", `{}`), http.StatusUnprocessableEntity, "invalid", "note")
		wantError(t, ans("canteen_buyer", orgSt+"/confirm", ""), http.StatusForbidden, "forbidden")
		wantError(t, ans("supplier_b", supSt+"/confirm", ""), http.StatusNotFound, "not_found")
		wantError(t, ans("other_admin", path(v1+"/orgs", w.other.ID, "statements", st.ID, "confirm"), ""), http.StatusNotFound, "not_found")
		res = ans("canteen_admin", orgSt+"/dispute", `{"note": "o2 只收到 8 袋，发票多开 500 元"}`)
		wantStatus(t, res, http.StatusOK)
		if got := decode[stBody](t, res); got.Status != model.StatementDisputed || got.OrgNote == "" || got.OrgAt == nil {
			t.Errorf("disputed = %+v", got)
		}
		res = ans(model.RoleSupplier, supSt+"/confirm", "")
		wantStatus(t, res, http.StatusOK)
		if got := decode[stBody](t, res); got.Status != model.StatementDisputed || got.SupplierStatus != model.StatementConfirmed {
			t.Errorf("supplier confirmed = %+v", got)
		}
		res = ans("canteen_admin", orgSt+"/confirm", `{"note": "已红冲"}`)
		wantStatus(t, res, http.StatusOK)
		if got := decode[stBody](t, res); got.Status != model.StatementConfirmed {
			t.Errorf("both confirmed = %+v", got)
		}
		wantError(t, ans("canteen_admin", orgSt+"/dispute", `{"note": "反悔"}`), http.StatusConflict, "already_confirmed")

		// the xlsx holds what the JSON says
		res = w.h.call(t, http.MethodGet, orgPath+"?month=2025-10&format=xlsx", w.token(t, "canteen_admin"), "")
		wantStatus(t, res, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("对账单", excelize.Options{RawCellValue: true})
		if err != nil || len(rows) != 2 {
			t.Fatalf("对账单 rows = %v, %v", rows, err)
		}
		r := rows[1]
		if r[0] != strconv.FormatInt(st.ID, 10) || r[1] != "2025-10" || r[4] != strconv.Itoa(st.OrdersCount) {
			t.Errorf("xlsx row = %v", r)
		}
		for i, want := range []int64{st.ReceivedCents, st.ReturnedCents, st.PaidCents, st.RefundedCents, st.DueCents,
			st.InvoicedCents, st.DifferenceCents} {
			if got := yuanCents(t, r[5+i]); got != want {
				t.Errorf("xlsx column %d = %s, want %d cents", 6+i, r[5+i], want)
			}
		}
		if r[12] != model.StatementConfirmed {
			t.Errorf("xlsx status = %q", r[12])
		}
		orows, _ := f.GetRows("订单", excelize.Options{RawCellValue: true})
		if len(orows) != 1+len(oct.orders) {
			t.Errorf("订单 rows = %v", orows)
		}

		// the purchase history: the org_admin's, json = csv = xlsx
		// (orders keep the time they were written, the real one)
		today := time.Now().In(model.China)
		linesPath := path(v1+"/orgs", w.canteen.ID, "order-lines") + "?from=" + today.AddDate(0, 0, -1).Format(model.DateLayout) +
			"&to=" + today.AddDate(0, 0, 1).Format(model.DateLayout)
		wantStatus(t, w.h.call(t, http.MethodGet, linesPath, w.token(t, "canteen_buyer"), ""), http.StatusForbidden)
		wantError(t, w.h.callBad(t, http.MethodGet, path(v1+"/orgs", w.canteen.ID, "order-lines")+"?from=2025-10-31&to=2025-10-01",
			w.token(t, "canteen_admin"), ""), http.StatusUnprocessableEntity, "invalid", "to")
		res = w.h.call(t, http.MethodGet, linesPath, w.token(t, "canteen_admin"), "")
		wantStatus(t, res, http.StatusOK)
		lines := decode[struct {
			From  string   `json:"from"`
			To    string   `json:"to"`
			Items []stLine `json:"items"`
		}](t, res).Items
		if len(lines) != 3 || lines[0].OrderID != o1.ID || lines[1].ReceivedQuantity == nil || *lines[1].ReceivedQuantity != 8 ||
			lines[2].SupplierName != w.supB.Name {
			t.Errorf("lines = %+v", lines)
		}
		if strings.Contains(string(res.Body), ordPhone) || strings.Contains(string(res.Body), ordAddress) {
			t.Errorf("the purchase history carries personal data: %s", res.Body)
		}
		res = w.h.call(t, http.MethodGet, linesPath+"&format=csv", w.token(t, "canteen_admin"), "")
		wantStatus(t, res, http.StatusOK)
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(recs) != 1+len(lines) {
			t.Fatalf("csv = %v, %v", recs, err)
		}
		res = w.h.call(t, http.MethodGet, linesPath+"&format=xlsx", w.token(t, "canteen_admin"), "")
		wantStatus(t, res, http.StatusOK)
		lf, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		xrows, _ := lf.GetRows("采购明细", excelize.Options{RawCellValue: true})
		if len(xrows) != 1+len(lines) {
			t.Fatalf("xlsx lines = %v", xrows)
		}
		for i, l := range lines {
			for _, row := range [][]string{recs[i+1], xrows[i+1]} {
				if row[0] != strconv.FormatInt(l.OrderID, 10) || row[5] != l.ProductName || yuanCents(t, row[10]) != l.AmountCents {
					t.Errorf("file line %d = %v, want %+v", i, row, l)
				}
			}
		}
	})
}

// stWant compares a statement with the test's record.
func stWant(t *testing.T, st stBody, want stFigures, supplierID int64) {
	t.Helper()
	got := stFigures{received: st.ReceivedCents, returned: st.ReturnedCents, paid: st.PaidCents, refunded: st.RefundedCents,
		billed: st.InvoicedCents}
	for _, o := range st.Orders {
		got.orders = append(got.orders, o.OrderID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || st.SupplierID != supplierID || st.OrdersCount != len(want.orders) {
		t.Errorf("statement = %+v\nwant %+v of supplier %d", st, want, supplierID)
	}
	if due := want.received - want.returned - (want.paid - want.refunded); st.DueCents != due {
		t.Errorf("due = %d, want %d", st.DueCents, due)
	}
	if diff := want.received - want.returned - want.billed; st.DifferenceCents != diff {
		t.Errorf("difference = %d, want %d", st.DifferenceCents, diff)
	}
}
