package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/account"
	"shanhai/service/audit"
	"shanhai/service/catalog"
	"shanhai/service/geo"
	"shanhai/service/org"
)

// paging reads ?page and ?page_size for store-paginated lists.
func paging(c *gin.Context) (int, int, error) {
	page, size, fields := catalog.Paging(c.Query("page"), c.Query("page_size"))
	if len(fields) > 0 {
		return 0, 0, model.Invalid(fields...)
	}
	return page, size, nil
}

// respondList converts one page of T into one page of R.
func respondList[T, R any](c *gin.Context, p model.Page[T], err error, conv func(*T) R) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listPage[R]{Items: convertAll(p.Items, conv), Total: p.Total, Page: p.Page, PageSize: p.PageSize})
}

// itemList is a whole list, not paged: {"items": [...]}.
type itemList[R any] struct {
	Items []R `json:"items"`
}

// respondItems writes a whole list, each item converted, or the error.
func respondItems[T, R any](c *gin.Context, list []T, err error, conv func(*T) R) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, itemList[R]{Items: convertAll(list, conv)})
}

// convertAll is each of list converted; never nil (an empty list is []).
func convertAll[T, R any](list []T, conv func(*T) R) []R {
	out := make([]R, len(list))
	for i := range list {
		out[i] = conv(&list[i])
	}
	return out
}

// respond writes v converted, or the error.
func respond[T, R any](c *gin.Context, status int, v *T, err error, conv func(*T) R) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(status, conv(v))
}

// queryID reads an optional positive integer query parameter.
func queryID(c *gin.Context, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, model.Invalid(model.FieldError{Field: name, Message: "must be a positive integer"})
	}
	return id, nil
}

// --- orgs ---

type orgReq struct {
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
}

func (q orgReq) input() org.OrgInput {
	return org.OrgInput{Name: q.Name, Kind: q.Kind, RegionCode: q.RegionCode, ParentID: q.ParentID,
		PaymentTerms: q.PaymentTerms, ApprovalThresholdCents: q.ApprovalThresholdCents, CreditKind: q.CreditKind,
		InvoiceTitle: q.InvoiceTitle, TaxID: q.TaxID, Sector: q.Sector, SecondApprovalThresholdCents: q.SecondThresholdCents}
}

type orgResp struct {
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

func toOrg(o *model.Org) orgResp {
	return orgResp{ID: o.ID, Name: o.Name, Kind: o.Kind, RegionCode: o.RegionCode, ParentID: o.ParentID,
		PaymentTerms: o.PaymentTerms, ApprovalThresholdCents: o.ApprovalThresholdCents, CreditKind: o.CreditKind,
		InvoiceTitle: o.InvoiceTitle, TaxID: o.TaxID, Sector: o.Sector, SecondThresholdCents: o.SecondApprovalThresholdCents,
		CreatedAt: rfc3339(o.CreatedAt)}
}

func (r *router) createOrg(c *gin.Context) {
	var req orgReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	o, err := r.Orgs.CreateOrg(c.Request.Context(), caller(c), req.input())
	respond(c, http.StatusCreated, o, err, toOrg)
}

func (r *router) listOrgs(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	parent, err := queryID(c, "parent_id")
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Orgs.Orgs(c.Request.Context(), caller(c), parent, page, size)
	respondList(c, p, err, toOrg)
}

// updateOrg replaces an org's fields (PATCH takes the whole editable set:
// the org's fields depend on each other, e.g. kind and credit kind).
func (r *router) updateOrg(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req orgReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	o, err := r.Orgs.UpdateOrg(c.Request.Context(), caller(c), id, req.input())
	respond(c, http.StatusOK, o, err, toOrg)
}

// --- users ---

type userCreateReq struct {
	Username   string  `json:"username"`
	Password   string  `json:"password"`
	Role       string  `json:"role"`
	OrgID      *int64  `json:"org_id"`
	SupplierID *int64  `json:"supplier_id"`
	RegionCode *string `json:"region_code"`
}

func (r *router) createUser(c *gin.Context) {
	var req userCreateReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u, err := r.Accounts.CreateUser(c.Request.Context(), caller(c), account.NewUser{
		Username: req.Username, Password: req.Password, Role: req.Role,
		OrgID: req.OrgID, SupplierID: req.SupplierID, RegionCode: req.RegionCode})
	respond(c, http.StatusCreated, u, err, toUser)
}

func (r *router) listUsers(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	f := model.UserFilter{Role: c.Query("role")}
	if f.OrgID, err = queryID(c, "org_id"); err != nil {
		writeError(c, err)
		return
	}
	if f.SupplierID, err = queryID(c, "supplier_id"); err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Accounts.Users(c.Request.Context(), caller(c), f, page, size)
	respondList(c, p, err, toUser)
}

type userPatchReq struct {
	Role            *string `json:"role"`
	Disabled        *bool   `json:"disabled"`
	Password        *string `json:"password"`
	RegionConfirmed *bool   `json:"region_confirmed"`
}

func (r *router) updateUser(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req userPatchReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u, err := r.Accounts.UpdateUser(c.Request.Context(), caller(c), id,
		account.UserPatch{Role: req.Role, Disabled: req.Disabled, Password: req.Password, RegionConfirmed: req.RegionConfirmed})
	respond(c, http.StatusOK, u, err, toUser)
}

// --- suppliers ---

type supplierReq struct {
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
	CreditCode string `json:"credit_code"`
}

type supplierResp struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
	Status     string `json:"status"`
	CreditCode string `json:"credit_code"`
	CreatedAt  string `json:"created_at"`
}

func toSupplier(s *model.Supplier) supplierResp {
	return supplierResp{ID: s.ID, Name: s.Name, RegionCode: s.RegionCode, Status: s.Status, CreditCode: s.CreditCode,
		CreatedAt: rfc3339(s.CreatedAt)}
}

func (r *router) createSupplier(c *gin.Context) {
	var req supplierReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	s, err := r.Catalog.CreateSupplier(c.Request.Context(), caller(c), req.Name, req.RegionCode, req.CreditCode)
	respond(c, http.StatusCreated, s, err, toSupplier)
}

func (r *router) listSuppliers(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Catalog.Suppliers(c.Request.Context(), caller(c), page, size)
	respondList(c, p, err, toSupplier)
}

type supplierPatchReq struct {
	Status     *string `json:"status"`
	CreditCode *string `json:"credit_code"`
}

func (r *router) updateSupplier(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req supplierPatchReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	s, err := r.Catalog.UpdateSupplier(c.Request.Context(), caller(c), id,
		catalog.SupplierPatch{Status: req.Status, CreditCode: req.CreditCode})
	respond(c, http.StatusOK, s, err, toSupplier)
}

// --- pairings and targets ---

type pairingReq struct {
	Programme   string `json:"programme"`
	Level       string `json:"level"`
	HelperCode  string `json:"helper_code"`
	PartnerCode string `json:"partner_code"`
	SinceYear   int    `json:"since_year"`
}

func toPairingPtr(p *model.PairingView) pairingResp { return toPairing(*p) }

func (r *router) createPairing(c *gin.Context) {
	var req pairingReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Geo.CreatePairing(c.Request.Context(), caller(c), geo.PairingInput{
		Programme: req.Programme, Level: req.Level, HelperCode: req.HelperCode,
		PartnerCode: req.PartnerCode, SinceYear: req.SinceYear})
	respond(c, http.StatusCreated, p, err, toPairingPtr)
}

func (r *router) adminPairings(c *gin.Context) {
	all, err := r.Geo.Pairings(c.Request.Context(), caller(c))
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]pairingResp, len(all))
	for i, p := range all {
		out[i] = toPairing(p)
	}
	respondPage(c, out)
}

type pairingPatchReq struct {
	Active *bool `json:"active"`
}

func (r *router) updatePairing(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req pairingPatchReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if req.Active == nil {
		writeError(c, model.Invalid(model.FieldError{Field: "active", Message: "is required"}))
		return
	}
	p, err := r.Geo.SetPairingActive(c.Request.Context(), caller(c), id, *req.Active)
	respond(c, http.StatusOK, p, err, toPairingPtr)
}

type targetReq struct {
	TargetCents *int64 `json:"target_cents"`
}

type targetResp struct {
	PairingID   int64 `json:"pairing_id"`
	Year        int   `json:"year"`
	TargetCents int64 `json:"target_cents"`
}

// --- programmes ---

type ruleReq struct {
	RequiresCertificate *bool  `json:"requires_certificate"`
	EffectiveFrom       string `json:"effective_from"`
	Note                string `json:"note"`
}

type ruleResp struct {
	ID                  int64  `json:"id"`
	Programme           string `json:"programme"`
	EffectiveFrom       string `json:"effective_from"`
	RequiresCertificate bool   `json:"requires_certificate"`
	ActorID             *int64 `json:"actor_id"`
	Note                string `json:"note"`
	CreatedAt           string `json:"created_at"`
}

func toRule(r *model.ProgrammeRule) ruleResp {
	return ruleResp{ID: r.ID, Programme: r.Programme, EffectiveFrom: r.EffectiveFrom, RequiresCertificate: r.RequiresCertificate,
		ActorID: r.ActorID, Note: r.Note, CreatedAt: rfc3339(r.CreatedAt)}
}

type programmeResp struct {
	Programme           string     `json:"programme"`
	RequiresCertificate bool       `json:"requires_certificate"`
	Rules               []ruleResp `json:"rules"`
}

func (r *router) listProgrammes(c *gin.Context) {
	ps, err := r.Geo.Programmes(c.Request.Context(), caller(c))
	respondItems(c, ps, err, func(p *geo.Programme) programmeResp {
		return programmeResp{Programme: p.Programme, RequiresCertificate: p.RequiresCertificate, Rules: convertAll(p.Rules, toRule)}
	})
}

func (r *router) addProgrammeRule(c *gin.Context) {
	var req ruleReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	rule, err := r.Geo.SetProgrammeRule(c.Request.Context(), caller(c), c.Param("programme"),
		geo.RuleInput{RequiresCertificate: req.RequiresCertificate, EffectiveFrom: req.EffectiveFrom, Note: req.Note})
	respond(c, http.StatusCreated, rule, err, toRule)
}

func (r *router) setTarget(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	year, err := pathYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var req targetReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if req.TargetCents == nil {
		writeError(c, model.Invalid(model.FieldError{Field: "target_cents", Message: "is required"}))
		return
	}
	t, err := r.Geo.SetTarget(c.Request.Context(), caller(c), id, year, *req.TargetCents)
	respond(c, http.StatusOK, t, err, func(t *model.Target) targetResp {
		return targetResp{PairingID: t.PairingID, Year: t.Year, TargetCents: t.TargetCents}
	})
}

// pathYear reads {year} from the path: a number, else 400. Which years are
// allowed is the services' rule (model.CheckYear), a 422 on "year".
func pathYear(c *gin.Context) (int, error) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return 0, model.BadRequest("invalid_year", "year must be a number")
	}
	return y, nil
}

// --- regions and categories ---

type regionReq struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Level      string  `json:"level"`
	ParentCode *string `json:"parent_code"`
	Side       string  `json:"side"`
}

func (r *router) createRegion(c *gin.Context) {
	var req regionReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	g, err := r.Geo.CreateRegion(c.Request.Context(), caller(c), model.Region{
		Code: req.Code, Name: req.Name, Level: req.Level, ParentCode: req.ParentCode, Side: req.Side})
	respond(c, http.StatusCreated, g, err, func(g *model.Region) regionResp {
		return regionResp{Code: g.Code, Name: g.Name, Level: g.Level, ParentCode: g.ParentCode, Side: g.Side}
	})
}

type categoryReq struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (r *router) createCategory(c *gin.Context) {
	var req categoryReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	k, err := r.Catalog.CreateCategory(c.Request.Context(), caller(c), model.Category{Code: req.Code, Name: req.Name})
	respond(c, http.StatusCreated, k, err, func(k *model.Category) categoryResp {
		return categoryResp{Code: k.Code, Name: k.Name}
	})
}

// --- certification ---

type certReq struct {
	CertificateNo string `json:"certificate_no"`
	Issuer        string `json:"issuer"`
	Batch         string `json:"batch"`
	ValidFrom     string `json:"valid_from"`
	ValidTo       string `json:"valid_to"`
}

func (r *router) certify(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req certReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	cert, err := r.Catalog.Certify(c.Request.Context(), caller(c), id, catalog.CertInput{
		CertificateNo: req.CertificateNo, Issuer: req.Issuer, Batch: req.Batch,
		ValidFrom: req.ValidFrom, ValidTo: req.ValidTo})
	today := r.Catalog.Today()
	respond(c, http.StatusOK, cert, err, func(k *model.Certification) certificationResp {
		return toCertification(k, today)
	})
}

func toCertification(k *model.Certification, today string) certificationResp {
	return certificationResp{CertificateNo: k.CertificateNo, Issuer: k.Issuer, Batch: k.Batch,
		ValidFrom: k.ValidFrom, ValidTo: k.ValidTo, Status: k.Status, ValidToday: k.ValidOn(today)}
}

func (r *router) revokeCertification(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	rv, err := r.Catalog.RevokeCertification(c.Request.Context(), caller(c), id)
	respond(c, http.StatusOK, rv, err, func(rv *catalog.Revoked) revokedResp {
		return revokedResp{RegisterEntryID: rv.EntryID, Products: rv.Products}
	})
}

// revokedResp answers a revocation: the register entry revoked (0: the
// product had none) and every product whose certification it took.
type revokedResp struct {
	RegisterEntryID int64   `json:"register_entry_id"`
	Products        []int64 `json:"products"`
}

// --- audit ---

type auditResp struct {
	ID        int64  `json:"id"`
	ActorID   *int64 `json:"actor_id"`
	Action    string `json:"action"`
	Entity    string `json:"entity"`
	EntityID  string `json:"entity_id"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Reason    string `json:"reason"`
	RequestID string `json:"request_id"`
	CreatedAt string `json:"created_at"`
}

func toAudit(a *model.Audit) auditResp {
	return auditResp{ID: a.ID, ActorID: a.ActorID, Action: a.Action, Entity: a.Entity, EntityID: a.EntityID,
		Before: rawJSON(a.Before), After: rawJSON(a.After), Reason: a.Reason, RequestID: a.RequestID,
		CreatedAt: rfc3339(a.CreatedAt)}
}

func (r *router) listAudit(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	q := audit.Query{Entity: c.Query("entity"), EntityID: c.Query("entity_id"), From: c.Query("from"), To: c.Query("to")}
	if q.ActorID, err = queryID(c, "actor_id"); err != nil {
		writeError(c, err)
		return
	}
	if format, ok := c.GetQuery("format"); ok {
		// the whole selection as a file, not a page
		f, err := r.Audit.Export(c.Request.Context(), caller(c), q, format)
		if err != nil {
			writeError(c, err)
			return
		}
		sendFile(c, f)
		return
	}
	p, err := r.Audit.Audits(c.Request.Context(), caller(c), q, page, size)
	respondList(c, p, err, toAudit)
}
