package api

// Off-platform sales records (线下帮扶台账): an org_admin records and submits
// them, a city-level officer or an admin verifies, returns or revokes them.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/check"
	"shanhai/service/record"
)

// recordScanPath is a record's scan upload route, whose body may reach
// maxScanBody.
const recordScanPath = "/api/v1/sales-records/:id/files"

// maxScanBody is a scan upload's body: the file (check.MaxScan) and its
// multipart envelope.
const maxScanBody = check.MaxScan + 64<<10

type recordInvoiceReq struct {
	Number           string `json:"number"`
	Code             string `json:"code"`
	Date             string `json:"date"`
	IssuerCreditCode string `json:"issuer_credit_code"`
}

type recordProducerReq struct {
	SupplierID int64  `json:"supplier_id"`
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
	RegionCode string `json:"region_code"`
}

type recordItemReq struct {
	ProductName   string `json:"product_name"`
	Category      string `json:"category"`
	Quantity      string `json:"quantity"`
	Unit          string `json:"unit"`
	AmountCents   int64  `json:"amount_cents"`
	CertificateNo string `json:"certificate_no"`
}

type recordReq struct {
	Kind         string            `json:"kind"`
	Platform     string            `json:"platform"`
	Date         string            `json:"date"`
	SalesPointID int64             `json:"sales_point_id"`
	Note         string            `json:"note"`
	Invoice      recordInvoiceReq  `json:"invoice"`
	Producer     recordProducerReq `json:"producer"`
	Items        []recordItemReq   `json:"items"`
}

func (q recordReq) input() record.Input {
	in := record.Input{Kind: q.Kind, Platform: q.Platform, Date: q.Date, SalesPointID: q.SalesPointID, Note: q.Note,
		Invoice: record.InvoiceInput{Number: q.Invoice.Number, Code: q.Invoice.Code, Date: q.Invoice.Date,
			IssuerCreditCode: q.Invoice.IssuerCreditCode},
		Producer: record.ProducerInput{SupplierID: q.Producer.SupplierID, Name: q.Producer.Name,
			CreditCode: q.Producer.CreditCode, Region: q.Producer.RegionCode}}
	for _, it := range q.Items {
		in.Items = append(in.Items, record.ItemInput{ProductName: it.ProductName, Category: it.Category,
			Quantity: it.Quantity, Unit: it.Unit, AmountCents: it.AmountCents, CertificateNo: it.CertificateNo})
	}
	return in
}

type recordItemResp struct {
	ID            int64  `json:"id"`
	ProductName   string `json:"product_name"`
	Category      string `json:"category"`
	Quantity      string `json:"quantity"`
	Unit          string `json:"unit"`
	AmountCents   int64  `json:"amount_cents"`
	CertificateNo string `json:"certificate_no"`
}

type recordFileResp struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
	CreatedAt   string `json:"created_at"`
}

type recordResp struct {
	ID           int64             `json:"id"`
	OrgID        int64             `json:"org_id"`
	Status       string            `json:"status"`
	Kind         string            `json:"kind"`
	Platform     string            `json:"platform"`
	Channel      string            `json:"channel"`
	Date         string            `json:"date"`
	SalesPointID *int64            `json:"sales_point_id"`
	Producer     recordProducerOut `json:"producer"`
	TotalCents   int64             `json:"total_cents"`
	Invoice      recordInvoiceReq  `json:"invoice"`
	Note         string            `json:"note"`
	Reason       string            `json:"reason"`
	RecorderID   int64             `json:"recorder_id"`
	VerifierID   *int64            `json:"verifier_id"`
	Items        []recordItemResp  `json:"items,omitempty"`
	Files        []recordFileResp  `json:"files,omitempty"`
	CreatedAt    string            `json:"created_at"`
	UpdatedAt    string            `json:"updated_at"`
}

type recordProducerOut struct {
	SupplierID   *int64 `json:"supplier_id"`
	Name         string `json:"name"`
	CreditCode   string `json:"credit_code"`
	Unregistered bool   `json:"unregistered"`
	RegionCode   string `json:"region_code"`
}

func toRecordFile(f *model.RecordFile) recordFileResp {
	return recordFileResp{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size,
		URL:       "/api/v1/sales-records/" + strconv.FormatInt(f.RecordID, 10) + "/files/" + strconv.FormatInt(f.ID, 10),
		CreatedAt: rfc3339(f.CreatedAt)}
}

func toRecord(r *model.SalesRecord) recordResp {
	out := recordResp{ID: r.ID, OrgID: r.OrgID, Status: r.Status, Kind: r.Kind, Platform: r.Platform,
		Channel: model.ChannelOffline, Date: r.Date, SalesPointID: r.SalesPointID,
		Producer: recordProducerOut{SupplierID: r.SupplierID, Name: r.ProducerName, CreditCode: r.ProducerCreditCode,
			Unregistered: r.ProducerCreditCode == "", RegionCode: r.ProducerRegion},
		TotalCents: r.TotalCents,
		Invoice: recordInvoiceReq{Number: r.InvoiceNumber, Code: r.InvoiceCode, Date: r.InvoiceDate,
			IssuerCreditCode: r.InvoiceIssuer},
		Note: r.Note, Reason: r.Reason, RecorderID: r.RecorderID, VerifierID: r.VerifierID,
		CreatedAt: rfc3339(r.CreatedAt), UpdatedAt: rfc3339(r.UpdatedAt)}
	for _, it := range r.Items {
		out.Items = append(out.Items, recordItemResp{ID: it.ID, ProductName: it.ProductName, Category: it.CategoryCode,
			Quantity: model.FormatQuantity(it.QuantityMilli), Unit: it.Unit, AmountCents: it.AmountCents,
			CertificateNo: it.CertificateNo})
	}
	for i := range r.Files {
		out.Files = append(out.Files, toRecordFile(&r.Files[i]))
	}
	return out
}

func (r *router) createRecord(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req recordReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	rec, err := r.Records.Create(c.Request.Context(), caller(c), id, req.input())
	respond(c, http.StatusCreated, rec, err, toRecord)
}

func (r *router) updateRecord(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req recordReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	rec, err := r.Records.Update(c.Request.Context(), caller(c), id, req.input())
	respond(c, http.StatusOK, rec, err, toRecord)
}

func (r *router) getRecord(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	rec, err := r.Records.Get(c.Request.Context(), caller(c), id)
	respond(c, http.StatusOK, rec, err, toRecord)
}

func (r *router) listRecords(c *gin.Context) {
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
	p, err := r.Records.List(c.Request.Context(), caller(c), record.ListInput{OrgID: orgID, Status: c.Query("status"),
		Page: page, Size: size})
	respondList(c, p, err, toRecord)
}

func (r *router) submitRecord(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	if err := bindOptional(c, &struct{}{}); err != nil {
		writeError(c, err)
		return
	}
	rec, err := r.Records.Submit(c.Request.Context(), caller(c), id)
	respond(c, http.StatusOK, rec, err, toRecord)
}

type recordCreditResp struct {
	ID          int64  `json:"id"`
	ItemID      int64  `json:"item_id"`
	PairingID   *int64 `json:"pairing_id"`
	Reason      string `json:"reason"`
	AmountCents int64  `json:"amount_cents"`
	Period      int    `json:"period"`
	Certified   bool   `json:"certified"`
	AdjustsYear int    `json:"adjusts_year"`
}

type verifiedResp struct {
	recordResp
	Credits []recordCreditResp `json:"credits"`
}

func toCredits(cs []*model.Credit) []recordCreditResp {
	out := make([]recordCreditResp, len(cs))
	for i, e := range cs {
		out[i] = recordCreditResp{ID: e.ID, ItemID: e.LineID, PairingID: e.PairingID, Reason: e.Reason,
			AmountCents: e.AmountCents, Period: e.Period, Certified: e.Certified, AdjustsYear: e.AdjustsYear}
	}
	return out
}

func (r *router) verifyRecord(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	if err := bindOptional(c, &struct{}{}); err != nil {
		writeError(c, err)
		return
	}
	v, err := r.Records.Verify(c.Request.Context(), caller(c), id)
	respond(c, http.StatusOK, v, err, func(v *record.Verified) verifiedResp {
		return verifiedResp{recordResp: toRecord(v.Record), Credits: toCredits(v.Credits)}
	})
}

type reasonReq struct {
	Reason string `json:"reason"`
}

func (r *router) returnRecord(c *gin.Context) { r.decideRecord(c, r.Records.Return) }
func (r *router) revokeRecord(c *gin.Context) { r.decideRecord(c, r.Records.Revoke) }

func (r *router) decideRecord(c *gin.Context, do func(ctx context.Context, actor *model.User, id int64, reason string) (*model.SalesRecord, error)) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req reasonReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	rec, err := do(c.Request.Context(), caller(c), id, req.Reason)
	respond(c, http.StatusOK, rec, err, toRecord)
}

func (r *router) attachRecordFile(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	name, data, err := uploadScan(c)
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := r.Records.Attach(c.Request.Context(), caller(c), id, name, data)
	respond(c, http.StatusCreated, f, err, toRecordFile)
}

// uploadScan reads the multipart field "file" of a scan upload (at most
// check.MaxScan bytes: 413 beyond) and its file name; the service judges
// what the bytes are.
func uploadScan(c *gin.Context) (string, []byte, error) {
	bad := model.BadRequest("bad_upload", `send multipart/form-data with the scan in the field "file"`)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return "", nil, bad
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, model.Invalid(model.FieldError{Field: "file", Message: "is required"})
		}
		if err != nil {
			return "", nil, uploadErr(err, bad)
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, check.MaxScan+1))
		if err != nil {
			return "", nil, uploadErr(err, bad)
		}
		if len(data) > check.MaxScan {
			return "", nil, &http.MaxBytesError{Limit: check.MaxScan}
		}
		return part.FileName(), data, nil
	}
}

func (r *router) getRecordFile(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	fid, err := pathID(c, "file")
	if err != nil {
		writeError(c, err)
		return
	}
	f, b, err := r.Records.File(c.Request.Context(), caller(c), id, fid)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Disposition", "attachment")
	c.Data(http.StatusOK, f.ContentType, b.Data)
}
