package api

// Procurement: org invoice profiles, supplier invoices and their
// allocations to orders, invoice scans, and (statements.go) monthly
// statements and the org's order-line export.

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/procure"
)

// invoiceScanPath is the invoice-scan upload route, whose body may reach
// maxScanBody.
const invoiceScanPath = "/api/v1/supplier/invoices/:id/scan"

type invoiceProfileReq struct {
	Title   string `json:"title"`
	TaxID   string `json:"tax_id"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
	Bank    string `json:"bank"`
	Account string `json:"account"`
}

type invoiceProfileResp struct {
	OrgID     int64   `json:"org_id"`
	Title     string  `json:"title"`
	TaxID     string  `json:"tax_id"`
	Address   string  `json:"address"`
	Phone     string  `json:"phone"`
	Bank      string  `json:"bank"`
	Account   string  `json:"account"`
	UpdatedAt *string `json:"updated_at"` // null: never written (the org's admin record, or nothing)
}

func toInvoiceProfile(orgID int64, p *model.InvoiceProfile) invoiceProfileResp {
	if p == nil {
		return invoiceProfileResp{OrgID: orgID}
	}
	out := invoiceProfileResp{OrgID: orgID, Title: p.Title, TaxID: p.TaxID, Address: p.Address, Phone: p.Phone,
		Bank: p.Bank, Account: p.Account}
	if !p.UpdatedAt.IsZero() {
		out.UpdatedAt = optTime(&p.UpdatedAt)
	}
	return out
}

// orderInvoiceProfile is the profile an order copied; null when none.
type orderInvoiceProfile struct {
	Title   string `json:"title"`
	TaxID   string `json:"tax_id"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
	Bank    string `json:"bank"`
	Account string `json:"account"`
}

func toOrderInvoiceProfile(o *model.Order) *orderInvoiceProfile {
	if o.InvoiceTitle == "" && o.InvoiceTaxID == "" {
		return nil
	}
	return &orderInvoiceProfile{Title: o.InvoiceTitle, TaxID: o.InvoiceTaxID, Address: o.InvoiceAddress,
		Phone: o.InvoicePhone, Bank: o.InvoiceBank, Account: o.InvoiceAccount}
}

func (r *router) getInvoiceProfile(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Procure.Profile(c.Request.Context(), caller(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toInvoiceProfile(id, p))
}

func (r *router) putInvoiceProfile(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req invoiceProfileReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Procure.PutProfile(c.Request.Context(), caller(c), id, procure.ProfileInput{Title: req.Title, TaxID: req.TaxID,
		Address: req.Address, Phone: req.Phone, Bank: req.Bank, Account: req.Account})
	respond(c, http.StatusOK, p, err, func(p *model.InvoiceProfile) invoiceProfileResp { return toInvoiceProfile(id, p) })
}

type allocationReq struct {
	OrderID     int64 `json:"order_id"`
	AmountCents int64 `json:"amount_cents"`
}

type invoiceReq struct {
	OrgID            int64           `json:"org_id"`
	Type             string          `json:"type"`
	Medium           string          `json:"medium"`
	IssuerCreditCode string          `json:"issuer_credit_code"`
	Code             string          `json:"code"`
	Number           string          `json:"number"`
	Date             string          `json:"date"`
	AmountCents      int64           `json:"amount_cents"`
	OriginalID       int64           `json:"original_id"`
	Note             string          `json:"note"`
	Allocations      []allocationReq `json:"allocations"`
}

type allocationResp struct {
	OrderID     int64 `json:"order_id"`
	AmountCents int64 `json:"amount_cents"`
}

type invoiceResp struct {
	ID               int64            `json:"id"`
	SupplierID       int64            `json:"supplier_id"`
	SupplierName     string           `json:"supplier_name"`
	OrgID            int64            `json:"org_id"`
	OrgName          string           `json:"org_name"`
	Type             string           `json:"type"`
	Medium           string           `json:"medium"`
	IssuerCreditCode string           `json:"issuer_credit_code"`
	Code             string           `json:"code"`
	Number           string           `json:"number"`
	Date             string           `json:"date"`
	AmountCents      int64            `json:"amount_cents"`
	AllocatedCents   int64            `json:"allocated_cents"`
	RedCents         int64            `json:"red_cents"`
	OriginalID       *int64           `json:"original_id"`
	ScanURL          *string          `json:"scan_url"`
	Note             string           `json:"note"`
	CreatedAt        string           `json:"created_at"`
	Allocations      []allocationResp `json:"allocations"`
}

func toInvoice(inv *model.MallInvoice) invoiceResp {
	out := invoiceResp{ID: inv.ID, SupplierID: inv.SupplierID, SupplierName: inv.SupplierName, OrgID: inv.OrgID,
		OrgName: inv.OrgName, Type: inv.Type, Medium: inv.Medium, IssuerCreditCode: inv.IssuerCode, Code: inv.InvoiceCode,
		Number: inv.Number, Date: inv.IssueDate, AmountCents: inv.AmountCents, AllocatedCents: inv.AllocatedCents,
		RedCents: inv.RedCents, OriginalID: inv.OriginalID, Note: inv.Note, CreatedAt: rfc3339(inv.CreatedAt),
		Allocations: make([]allocationResp, len(inv.Allocations))}
	if inv.ScanHash != nil {
		u := "/api/v1/invoices/" + strconv.FormatInt(inv.ID, 10) + "/scan"
		out.ScanURL = &u
	}
	for i, a := range inv.Allocations {
		out.Allocations[i] = allocationResp{OrderID: a.OrderID, AmountCents: a.AmountCents}
	}
	return out
}

func (r *router) recordInvoice(c *gin.Context) {
	var req invoiceReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	in := procure.InvoiceInput{OrgID: req.OrgID, Type: req.Type, Medium: req.Medium, IssuerCreditCode: req.IssuerCreditCode,
		Code: req.Code, Number: req.Number, Date: req.Date, AmountCents: req.AmountCents, OriginalID: req.OriginalID,
		Note: req.Note, Allocations: make([]procure.AllocationInput, len(req.Allocations))}
	for i, a := range req.Allocations {
		in.Allocations[i] = procure.AllocationInput{OrderID: a.OrderID, AmountCents: a.AmountCents}
	}
	inv, err := r.Procure.RecordInvoice(c.Request.Context(), caller(c), in)
	respond(c, http.StatusCreated, inv, err, toInvoice)
}

func (r *router) supplierInvoices(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	orgID, err := queryID(c, "org_id")
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Procure.SupplierInvoices(c.Request.Context(), caller(c), orgID, page, size)
	respondList(c, p, err, toInvoice)
}

func (r *router) orgInvoices(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Procure.OrgInvoices(c.Request.Context(), caller(c), id, page, size)
	respondList(c, p, err, toInvoice)
}

func (r *router) orderInvoices(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	invs, err := r.Procure.OrderInvoices(c.Request.Context(), caller(c), id)
	respondItems(c, invs, err, toInvoice)
}

func (r *router) putInvoiceScan(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	_, data, err := uploadScan(c)
	if err != nil {
		writeError(c, err)
		return
	}
	inv, err := r.Procure.PutScan(c.Request.Context(), caller(c), id, data)
	respond(c, http.StatusOK, inv, err, toInvoice)
}

// invoiceScan serves a scan only to those who may see its invoice, never
// from a cache.
func (r *router) invoiceScan(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	b, err := r.Procure.Scan(c.Request.Context(), caller(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", "attachment; filename=\"invoice-"+strconv.FormatInt(id, 10)+"-scan\"")
	c.Data(http.StatusOK, b.ContentType, b.Data)
}
