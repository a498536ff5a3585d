package api

// The certified-product register (认定目录), and the admin's review-year
// and reserved-share platform settings.

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/register"
)

type entryReq struct {
	CertificateNo *string `json:"certificate_no"`
	Issuer        *string `json:"issuer"`
	ProductName   *string `json:"product_name"`
	Spec          *string `json:"spec"`
	Category      *string `json:"category"`
	ProducerName  *string `json:"producer_name"`
	CreditCode    *string `json:"credit_code"`
	RegionCode    *string `json:"region_code"`
	Batch         *string `json:"batch"`
	ValidFrom     *string `json:"valid_from"`
	ValidTo       *string `json:"valid_to"`
	Status        *string `json:"status"`
	RevokedOn     *string `json:"revoked_on"`
	RevokeReason  *string `json:"revoke_reason"`
}

func (q entryReq) input() register.Input {
	return register.Input{CertificateNo: q.CertificateNo, Issuer: q.Issuer, ProductName: q.ProductName, Spec: q.Spec,
		Category: q.Category, ProducerName: q.ProducerName, CreditCode: q.CreditCode, RegionCode: q.RegionCode,
		Batch: q.Batch, ValidFrom: q.ValidFrom, ValidTo: q.ValidTo, Status: q.Status, RevokedOn: q.RevokedOn,
		RevokeReason: q.RevokeReason}
}

type registerResp struct {
	ID            int64  `json:"id"`
	CertificateNo string `json:"certificate_no"`
	Issuer        string `json:"issuer"`
	ProductName   string `json:"product_name"`
	Spec          string `json:"spec"`
	Category      string `json:"category"`
	ProducerName  string `json:"producer_name"`
	CreditCode    string `json:"credit_code"`
	Unregistered  bool   `json:"unregistered"`
	RegionCode    string `json:"region_code"`
	SupplierID    *int64 `json:"supplier_id"`
	Batch         string `json:"batch"`
	ValidFrom     string `json:"valid_from"`
	ValidTo       string `json:"valid_to"`
	Status        string `json:"status"`
	RevokedOn     string `json:"revoked_on"`
	RevokeReason  string `json:"revoke_reason"`
}

func toRegisterEntry(e *model.RegisterEntry) registerResp {
	return registerResp{ID: e.ID, CertificateNo: e.CertificateNo, Issuer: e.Issuer, ProductName: e.ProductName,
		Spec: e.Spec, Category: e.CategoryCode, ProducerName: e.ProducerName, CreditCode: e.CreditCode,
		Unregistered: e.Unregistered, RegionCode: e.RegionCode, SupplierID: e.SupplierID, Batch: e.Batch,
		ValidFrom: e.ValidFrom, ValidTo: e.ValidTo, Status: e.Status, RevokedOn: e.RevokedOn, RevokeReason: e.RevokeReason}
}

func (r *router) createRegisterEntry(c *gin.Context) {
	var req entryReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	e, err := r.Register.Create(c.Request.Context(), caller(c), req.input())
	respond(c, http.StatusCreated, e, err, toRegisterEntry)
}

func (r *router) updateRegisterEntry(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req entryReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	e, err := r.Register.Update(c.Request.Context(), caller(c), id, req.input())
	respond(c, http.StatusOK, e, err, toRegisterEntry)
}

func (r *router) getRegisterEntry(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	e, err := r.Register.Get(c.Request.Context(), id)
	respond(c, http.StatusOK, e, err, toRegisterEntry)
}

func (r *router) listRegisterEntries(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Register.List(c.Request.Context(), model.RegisterFilter{CertificateNo: c.Query("certificate_no"),
		Issuer: c.Query("issuer"), Q: c.Query("q"), Region: c.Query("region")}, page, size)
	respondList(c, p, err, toRegisterEntry)
}

// --- review years ---

type closedYearResp struct {
	Year     int    `json:"year"`
	ActorID  *int64 `json:"actor_id"`
	ClosedAt string `json:"closed_at"`
}

func toClosedYear(y *model.ClosedYear) closedYearResp {
	return closedYearResp{Year: y.Year, ActorID: y.ActorID, ClosedAt: rfc3339(y.ClosedAt)}
}

func (r *router) closeYear(c *gin.Context) {
	year, err := pathYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	y, err := r.Years.Close(c.Request.Context(), caller(c), year)
	respond(c, http.StatusOK, y, err, toClosedYear)
}

func (r *router) reopenYear(c *gin.Context) {
	year, err := pathYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := r.Years.Reopen(c.Request.Context(), caller(c), year); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (r *router) listClosedYears(c *gin.Context) {
	ys, err := r.Years.Closed(c.Request.Context(), caller(c))
	respondItems(c, ys, err, toClosedYear)
}

type reservePlatformsReq struct {
	Platforms []string `json:"platforms"`
}

func (r *router) getReservePlatforms(c *gin.Context) {
	ps, err := r.Years.ReservePlatforms(c.Request.Context(), caller(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, reservePlatformsReq{Platforms: ps})
}

func (r *router) putReservePlatforms(c *gin.Context) {
	var req reservePlatformsReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	ps, err := r.Years.SetReservePlatforms(c.Request.Context(), caller(c), req.Platforms)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, reservePlatformsReq{Platforms: ps})
}
