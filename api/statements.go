package api

// Monthly statements (对账单) for both sides, and an org's purchase history.

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/procure"
	"shanhai/service/sheet"
)

type statementOrderResp struct {
	OrderID       int64  `json:"order_id"`
	AcceptedAt    string `json:"accepted_at"`
	TotalCents    int64  `json:"total_cents"`
	ReceivedCents int64  `json:"received_cents"`
}

type statementResp struct {
	ID              int64                `json:"id"`
	Month           string               `json:"month"`
	OrgID           int64                `json:"org_id"`
	OrgName         string               `json:"org_name"`
	SupplierID      int64                `json:"supplier_id"`
	SupplierName    string               `json:"supplier_name"`
	OrdersCount     int                  `json:"orders_count"`
	ReceivedCents   int64                `json:"received_cents"`
	ReturnedCents   int64                `json:"returned_cents"`
	PaidCents       int64                `json:"paid_cents"`
	RefundedCents   int64                `json:"refunded_cents"`
	DueCents        int64                `json:"due_cents"`
	InvoicedCents   int64                `json:"invoiced_cents"`
	DifferenceCents int64                `json:"difference_cents"`
	Status          string               `json:"status"`
	OrgStatus       string               `json:"org_status"`
	OrgNote         string               `json:"org_note"`
	OrgAnsweredAt   *string              `json:"org_answered_at"`
	SupplierStatus  string               `json:"supplier_status"`
	SupplierNote    string               `json:"supplier_note"`
	SupplierAt      *string              `json:"supplier_answered_at"`
	FrozenAt        string               `json:"frozen_at"`
	Orders          []statementOrderResp `json:"orders"`
}

func toStatement(st *model.Statement) statementResp {
	out := statementResp{ID: st.ID, Month: st.Month, OrgID: st.OrgID, OrgName: st.OrgName, SupplierID: st.SupplierID,
		SupplierName: st.SupplierName, OrdersCount: st.OrdersCount, ReceivedCents: st.ReceivedCents,
		ReturnedCents: st.ReturnedCents, PaidCents: st.PaidCents, RefundedCents: st.RefundedCents, DueCents: st.DueCents,
		InvoicedCents: st.InvoicedCents, DifferenceCents: st.DifferenceCents, Status: st.Status(),
		OrgStatus: st.OrgStatus, OrgNote: st.OrgNote, OrgAnsweredAt: optTime(st.OrgAt),
		SupplierStatus: st.SupplierStatus, SupplierNote: st.SupplierNote, SupplierAt: optTime(st.SupplierAt),
		FrozenAt: rfc3339(st.CreatedAt), Orders: make([]statementOrderResp, len(st.Orders))}
	for i, o := range st.Orders {
		out.Orders[i] = statementOrderResp{OrderID: o.OrderID, AcceptedAt: rfc3339(o.AcceptedAt), TotalCents: o.TotalCents,
			ReceivedCents: o.ReceivedCents}
	}
	return out
}

// downloadFormat reads ?format: "" or json for JSON, else one of files.
func downloadFormat(c *gin.Context, files ...string) (string, error) {
	f := c.Query("format")
	if f == "" || f == "json" {
		return "", nil
	}
	for _, ok := range files {
		if f == ok {
			return f, nil
		}
	}
	return "", model.Invalid(model.FieldError{Field: "format", Message: "must be json or one of the file formats of this list"})
}

// sendFile answers with a download: statistics, statements, the purchase
// history and the audit trail are private figures, never cached.
func sendFile(c *gin.Context, f *sheet.File) {
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, f.ContentType, f.Body)
}

func respondStatements(c *gin.Context, month, format, name string, sts []model.Statement, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	if format == "xlsx" {
		f, err := procure.StatementsFile(name, sts)
		if err != nil {
			writeError(c, err)
			return
		}
		sendFile(c, f)
		return
	}
	c.JSON(http.StatusOK, gin.H{"month": month, "items": convertAll(sts, toStatement)})
}

func (r *router) orgStatements(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	format, err := downloadFormat(c, "xlsx")
	if err != nil {
		writeError(c, err)
		return
	}
	month := c.Query("month")
	sts, err := r.Procure.OrgStatements(c.Request.Context(), caller(c), id, month)
	respondStatements(c, month, format, "statements-org-"+strconv.FormatInt(id, 10)+"-"+month, sts, err)
}

func (r *router) supplierStatements(c *gin.Context) {
	format, err := downloadFormat(c, "xlsx")
	if err != nil {
		writeError(c, err)
		return
	}
	month := c.Query("month")
	sts, err := r.Procure.SupplierStatements(c.Request.Context(), caller(c), month)
	respondStatements(c, month, format, "statements-"+month, sts, err)
}

type statementAnswerReq struct {
	Note string `json:"note"`
}

// answerStatement serves confirm and dispute for one side.
func (r *router) answerStatement(org, confirm bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		sid, err := pathID(c, "sid")
		if err != nil {
			writeError(c, err)
			return
		}
		var req statementAnswerReq
		if err := bindOptional(c, &req); err != nil {
			writeError(c, err)
			return
		}
		var st *model.Statement
		if org {
			id, err := pathID(c, "id")
			if err != nil {
				writeError(c, err)
				return
			}
			st, err = r.Procure.AnswerOrg(c.Request.Context(), caller(c), id, sid, confirm, req.Note)
			respond(c, http.StatusOK, st, err, toStatement)
			return
		}
		st, err = r.Procure.AnswerSupplier(c.Request.Context(), caller(c), sid, confirm, req.Note)
		respond(c, http.StatusOK, st, err, toStatement)
	}
}

type orderLineRowResp struct {
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

func (r *router) orgOrderLines(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	format, err := downloadFormat(c, "xlsx", "csv")
	if err != nil {
		writeError(c, err)
		return
	}
	from, to := c.Query("from"), c.Query("to")
	rows, err := r.Procure.OrderLines(c.Request.Context(), caller(c), id, from, to)
	if err != nil {
		writeError(c, err)
		return
	}
	if format != "" {
		f, err := procure.OrderLinesFile("order-lines-"+strconv.FormatInt(id, 10)+"-"+from+"-"+to, format, rows)
		if err != nil {
			writeError(c, err)
			return
		}
		sendFile(c, f)
		return
	}
	out := make([]orderLineRowResp, len(rows))
	for i, l := range rows {
		out[i] = orderLineRowResp{OrderID: l.OrderID, Status: l.Status, PlacedAt: rfc3339(l.CreatedAt), AcceptedAt: optTime(l.AcceptedAt),
			SupplierName: l.SupplierName, ProductName: l.ProductName, Spec: l.Spec, Unit: l.Unit, Quantity: l.Quantity,
			UnitPriceCents: l.UnitPriceCents, AmountCents: l.AmountCents, ReceivedQuantity: l.ReceivedQty,
			ReturnedQuantity: l.ReturnedQty, OriginCode: l.OriginCode, CreditedCents: l.CreditedCents, PairingID: l.PairingID,
			NotCreditedCents: l.NotCreditedCents, NotCreditedWhy: l.Reason}
	}
	c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "items": out})
}
