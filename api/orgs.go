package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/org"
)

type filingReq struct {
	CanteenStatus   string `json:"canteen_status"`
	FoodBudgetCents int64  `json:"food_budget_cents"`
	ReservedRatioBP int64  `json:"reserved_ratio_bp"`
}

type filingResp struct {
	ID              int64   `json:"id"`
	OrgID           int64   `json:"org_id"`
	Year            int     `json:"year"`
	CanteenStatus   string  `json:"canteen_status"`
	FoodBudgetCents int64   `json:"food_budget_cents"`
	ReservedRatioBP int64   `json:"reserved_ratio_bp"`
	ReservedCents   int64   `json:"reserved_cents"`
	LowRatio        bool    `json:"low_ratio"` // under 10%: flagged for review
	Status          string  `json:"status"`
	ReviewComment   string  `json:"review_comment"`
	ReviewedBy      *int64  `json:"reviewed_by"`
	SubmittedAt     *string `json:"submitted_at"`
	ReviewedAt      *string `json:"reviewed_at"`
	UpdatedAt       string  `json:"updated_at"`
}

func toFiling(f *model.Filing) filingResp {
	out := filingResp{ID: f.ID, OrgID: f.OrgID, Year: f.Year, CanteenStatus: f.CanteenStatus,
		FoodBudgetCents: f.FoodBudgetCents, ReservedRatioBP: f.ReservedRatioBP, ReservedCents: f.ReservedCents(),
		LowRatio: f.ReservedRatioBP < model.LowRatioBP, Status: f.Status, ReviewComment: f.ReviewComment,
		ReviewedBy: f.ReviewedBy, UpdatedAt: rfc3339(f.UpdatedAt)}
	if f.SubmittedAt != nil {
		s := rfc3339(*f.SubmittedAt)
		out.SubmittedAt = &s
	}
	if f.ReviewedAt != nil {
		s := rfc3339(*f.ReviewedAt)
		out.ReviewedAt = &s
	}
	return out
}

// orgYear reads {id} and {year}.
func orgYear(c *gin.Context) (int64, int, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, 0, err
	}
	year, err := pathYear(c)
	return id, year, err
}

func (r *router) putFiling(c *gin.Context) {
	id, year, err := orgYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var req filingReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	f, err := r.Orgs.PutFiling(c.Request.Context(), caller(c), id, year, org.FilingInput{
		CanteenStatus: req.CanteenStatus, FoodBudgetCents: req.FoodBudgetCents, ReservedRatioBP: req.ReservedRatioBP})
	respond(c, http.StatusOK, f, err, toFiling)
}

func (r *router) getFiling(c *gin.Context) {
	id, year, err := orgYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := r.Orgs.Filing(c.Request.Context(), caller(c), id, year)
	respond(c, http.StatusOK, f, err, toFiling)
}

func (r *router) submitFiling(c *gin.Context) {
	id, year, err := orgYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := r.Orgs.SubmitFiling(c.Request.Context(), caller(c), id, year)
	respond(c, http.StatusOK, f, err, toFiling)
}

type reviewReq struct {
	Comment string `json:"comment"`
}

// review reads the optional comment body of approve and return.
func review(c *gin.Context) (int64, int, string, error) {
	id, year, err := orgYear(c)
	if err != nil {
		return 0, 0, "", err
	}
	var req reviewReq
	if err := bindOptional(c, &req); err != nil {
		return 0, 0, "", err
	}
	return id, year, req.Comment, nil
}

func (r *router) approveFiling(c *gin.Context) {
	id, year, comment, err := review(c)
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := r.Orgs.ApproveFiling(c.Request.Context(), caller(c), id, year, comment)
	respond(c, http.StatusOK, f, err, toFiling)
}

func (r *router) returnFiling(c *gin.Context) {
	id, year, comment, err := review(c)
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := r.Orgs.ReturnFiling(c.Request.Context(), caller(c), id, year, comment)
	respond(c, http.StatusOK, f, err, toFiling)
}

// childFilings lists the filings of the orgs {id} supervises for ?year=.
func (r *router) childFilings(c *gin.Context) {
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
	year, err := strconv.Atoi(c.Query("year"))
	if err != nil {
		writeError(c, model.Invalid(model.FieldError{Field: "year", Message: "is required: a four-digit year"}))
		return
	}
	p, err := r.Orgs.ChildFilings(c.Request.Context(), caller(c), id, year, page, size)
	respondList(c, p, err, toFiling)
}

// employeeResp is a consumer as their employer's org_admin sees them.
type employeeResp struct {
	UserID         int64  `json:"user_id"`
	Username       string `json:"username"`
	EmployerStatus string `json:"employer_status"`
}

func toEmployee(u *model.User) employeeResp {
	return employeeResp{UserID: u.ID, Username: u.Username, EmployerStatus: u.EmployerStatus}
}

type salesPointReq struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

type salesPointResp struct {
	ID         int64  `json:"id"`
	OrgID      int64  `json:"org_id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
	CreatedAt  string `json:"created_at"`
}

func toSalesPoint(p *model.SalesPoint) salesPointResp {
	return salesPointResp{ID: p.ID, OrgID: p.OrgID, Type: p.Type, Name: p.Name, RegionCode: p.RegionCode, CreatedAt: rfc3339(p.CreatedAt)}
}

func (r *router) createSalesPoint(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req salesPointReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Orgs.CreateSalesPoint(c.Request.Context(), caller(c), id, org.SalesPointInput{Type: req.Type, Name: req.Name, RegionCode: req.RegionCode})
	respond(c, http.StatusCreated, p, err, toSalesPoint)
}

func (r *router) listSalesPoints(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	ps, err := r.Orgs.SalesPoints(c.Request.Context(), caller(c), id)
	respondItems(c, ps, err, toSalesPoint)
}

func (r *router) listEmployees(c *gin.Context) {
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
	p, err := r.Orgs.Employees(c.Request.Context(), caller(c), id, c.Query("status"), page, size)
	respondList(c, p, err, toEmployee)
}

func (r *router) decideEmployee(confirm bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			writeError(c, err)
			return
		}
		userID, err := pathID(c, "user_id")
		if err != nil {
			writeError(c, err)
			return
		}
		u, err := r.Orgs.DecideEmployee(c.Request.Context(), caller(c), id, userID, confirm)
		respond(c, http.StatusOK, u, err, toEmployee)
	}
}

// --- reference lists: sectors (五进) and sales-point types (五专) ---

type refReq struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type refResp struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (r *router) listSectors(c *gin.Context) {
	list, err := r.Orgs.Sectors(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]refResp, len(list))
	for i, v := range list {
		out[i] = refResp{Code: v.Code, Name: v.Name}
	}
	respondPage(c, out)
}

func (r *router) listSalesPointTypes(c *gin.Context) {
	list, err := r.Orgs.SalesPointTypes(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]refResp, len(list))
	for i, v := range list {
		out[i] = refResp{Code: v.Code, Name: v.Name}
	}
	respondPage(c, out)
}

func (r *router) createSector(c *gin.Context) {
	var req refReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	v, err := r.Orgs.AddSector(c.Request.Context(), caller(c), org.RefInput{Code: req.Code, Name: req.Name})
	respond(c, http.StatusCreated, v, err, func(v *model.SectorInfo) refResp { return refResp{Code: v.Code, Name: v.Name} })
}

func (r *router) createSalesPointType(c *gin.Context) {
	var req refReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	v, err := r.Orgs.AddSalesPointType(c.Request.Context(), caller(c), org.RefInput{Code: req.Code, Name: req.Name})
	respond(c, http.StatusCreated, v, err, func(v *model.SalesPointTypeInfo) refResp { return refResp{Code: v.Code, Name: v.Name} })
}
