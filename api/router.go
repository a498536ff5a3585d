// Package api is the HTTP layer: the Gin router, middleware, handlers,
// request/response types and the one map from error kinds to HTTP answers.
// Handlers bind into request types, call one service method and convert the
// result into a response type; *gin.Context never leaves this package.
package api

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"shanhai/service/account"
	"shanhai/service/audit"
	"shanhai/service/catalog"
	"shanhai/service/credit"
	"shanhai/service/geo"
	"shanhai/service/imports"
	"shanhai/service/media"
	"shanhai/service/order"
	"shanhai/service/org"
	"shanhai/service/procure"
	"shanhai/service/record"
	"shanhai/service/register"
	"shanhai/service/stats"
)

// Deps is what the router serves.
type Deps struct {
	Catalog  *catalog.Service
	Accounts *account.Service
	Orgs     *org.Service
	Geo      *geo.Service
	Audit    *audit.Service
	Orders   *order.Service
	Stats    *stats.Service
	Media    *media.Service
	Ledger   *credit.Ledger
	Records  *record.Service
	Register *register.Service
	Imports  *imports.Service
	Years    *credit.Years
	Procure  *procure.Service // invoice profiles, mall invoices, statements
	// Checks are the readiness checks by name ("database", "redis").
	Checks map[string]func(ctx context.Context) error
	DB     *sql.DB    // pool, for metrics; may be nil
	Cache  CacheStats // may be nil when there is no cache
	// CatalogDBReads, when set, feeds the catalogue's database reads gauges
	// (shanhai_catalog_db_reads, shanhai_catalog_db_reads_peak).
	CatalogDBReads CatalogDBReads
	// TrustedProxies may set X-Forwarded-For (the client address that
	// login limits count); nil trusts none.
	TrustedProxies []string
	// Build labels shanhai_build_info; Ops, when set, feeds the rollup
	// backlog and sweeper lag gauges.
	Build BuildInfo
	Ops   Operations
	// CreditedCents, when set, is the cents of sales credited to a pairing
	// since start (shanhai_credited_cents_total).
	CreditedCents func() int64
	// Replicas, when set, route the reads that decide nothing to read
	// replicas; the router pins callers who wrote lately to the primary.
	Replicas ReadReplicas
	// Tracer, when set, makes each request a span (OpenTelemetry); nil
	// adds nothing to a request's path.
	Tracer trace.TracerProvider
}

type router struct {
	Deps
	metrics *metrics
}

// New builds the router with every route of the API.
func New(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := &router{Deps: d, metrics: newMetrics(d)}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	// A path with a trailing slash is not a route: a JSON 404, not a redirect
	// that clients would follow with their POST turned into a GET.
	e.RedirectTrailingSlash = false
	e.ContextWithFallback = true
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		panic("trusted proxies were validated by config: " + err.Error())
	}
	e.Use(r.requestContext, gin.CustomRecovery(recovery))
	if d.Tracer != nil {
		e.Use(traceRequests(d.Tracer))
	}
	if d.Replicas != nil {
		e.Use(r.pinBearer)
	}
	e.NoRoute(func(c *gin.Context) {
		abort(c, http.StatusNotFound, errorDetail{Code: "not_found", Message: "no such route"})
	})
	e.NoMethod(func(c *gin.Context) {
		abort(c, http.StatusMethodNotAllowed, errorDetail{Code: "method_not_allowed", Message: "method not allowed on this route"})
	})

	e.GET("/healthz", r.healthz)
	e.GET("/readyz", r.readyz)
	e.GET("/metrics", gin.WrapH(r.metrics.handler()))
	e.GET("/openapi.json", openAPIDocument)
	e.GET("/docs", docsPage)
	e.GET("/docs/redoc.standalone.js", redocScript)
	e.GET("/dashboard", dashboardPage)
	e.GET("/dashboard/", dashboardPage)
	e.GET("/dashboard/:file", dashboardPage)
	e.GET("/dashboard/vendor/:file", dashboardVendor)
	e.GET("/media/:hash", r.serveMedia)

	v1 := e.Group("/api/v1")
	v1.GET("/regions", r.listRegions)
	v1.GET("/pairings", r.listPairings)
	v1.GET("/categories", r.listCategories)
	v1.GET("/sectors", r.listSectors)
	v1.GET("/sales-point-types", r.listSalesPointTypes)
	v1.GET("/products", r.listProducts)
	v1.GET("/products/:id", r.getProduct)
	v1.POST("/auth/login", r.login)
	v1.POST("/auth/sms-codes", r.sendSMSCode)
	v1.POST("/auth/register", r.register)
	v1.POST("/auth/reset", r.resetPassword)
	v1.POST("/auth/refresh", r.refresh)
	v1.POST("/auth/logout", r.logout)
	v1.POST("/payments/callback", r.paymentCallback)

	// Everything below needs a token; what each caller may do is decided in
	// the services, per object.
	in := v1.Group("", r.authenticate)
	in.GET("/me", r.me)
	in.PUT("/me/employer", r.requestEmployer)
	in.PUT("/me/password", r.changePassword)
	in.GET("/me/addresses", r.listAddresses)
	in.POST("/me/addresses", r.createAddress)
	in.GET("/me/addresses/:id", r.getAddress)
	in.PATCH("/me/addresses/:id", r.updateAddress)
	in.DELETE("/me/addresses/:id", r.deleteAddress)
	in.GET("/orgs/directory", r.orgDirectory)

	ad := in.Group("/admin")
	ad.POST("/orgs", r.createOrg)
	ad.GET("/orgs", r.listOrgs)
	ad.PATCH("/orgs/:id", r.updateOrg)
	ad.POST("/users", r.createUser)
	ad.GET("/users", r.listUsers)
	ad.PATCH("/users/:id", r.updateUser)
	ad.POST("/suppliers", r.createSupplier)
	ad.GET("/suppliers", r.listSuppliers)
	ad.PATCH("/suppliers/:id", r.updateSupplier)
	ad.POST("/pairings", r.createPairing)
	ad.GET("/pairings", r.adminPairings)
	ad.PATCH("/pairings/:id", r.updatePairing)
	ad.PUT("/pairings/:id/targets/:year", r.setTarget)
	ad.GET("/programmes", r.listProgrammes)
	ad.POST("/programmes/:programme/rules", r.addProgrammeRule)
	ad.POST("/regions", r.createRegion)
	ad.GET("/regions", r.adminRegions)
	ad.POST("/categories", r.createCategory)
	ad.GET("/categories", r.adminCategories)
	ad.PUT("/products/:id/certification", r.certify)
	ad.DELETE("/products/:id/certification", r.revokeCertification)
	ad.GET("/audit", r.listAudit)
	ad.POST("/corrections", r.correct)
	ad.GET("/orders/:id/credits", r.orderCredits)
	ad.POST("/bulletins/:year/:month", r.issueBulletin)
	ad.POST("/sectors", r.createSector)
	ad.POST("/sales-point-types", r.createSalesPointType)

	sup := in.Group("/supplier")
	sup.POST("/products", r.createSupplierProduct)
	sup.GET("/products", r.listSupplierProducts)
	sup.PATCH("/products/:id", r.updateSupplierProduct)
	sup.PATCH("/skus/:id", r.updateSupplierSKU)
	sup.POST("/products/:id/skus", r.addSupplierSKU)
	sup.GET("/orders", r.supplierOrders)
	sup.POST("/products/:id/images", r.uploadProductImage)
	sup.PUT("/products/:id/images/order", r.orderProductImages)
	sup.DELETE("/products/:id/images/:image", r.deleteProductImage)
	sup.POST("/invoices", r.recordInvoice)
	sup.GET("/invoices", r.supplierInvoices)
	sup.PUT("/invoices/:id/scan", r.putInvoiceScan)
	sup.GET("/statements", r.supplierStatements)
	sup.POST("/statements/:sid/confirm", r.answerStatement(false, true))
	sup.POST("/statements/:sid/dispute", r.answerStatement(false, false))

	in.GET("/cart", r.getCart)
	in.PUT("/cart", r.putCart)
	in.POST("/cart/checkout", r.checkout)
	in.POST("/orders", r.placeOrder)
	in.GET("/orders", r.listOrders)
	in.GET("/orders/:id", r.getOrder)
	in.POST("/orders/:id/approve", r.orderAction(approveOrder))
	in.POST("/orders/:id/reject", r.orderAction(rejectOrder))
	in.POST("/orders/:id/cancel", r.orderAction(cancelOrder))
	in.POST("/orders/:id/decline", r.orderAction(declineOrder))
	in.POST("/orders/:id/pay", r.payOrder)
	in.POST("/orders/:id/ship", r.shipOrder)
	in.POST("/orders/:id/accept", r.acceptOrder)
	in.POST("/orders/:id/returns", r.requestReturn)
	in.GET("/returns", r.listReturns)
	in.GET("/orders/:id/invoices", r.orderInvoices)
	in.GET("/invoices/:id/scan", r.invoiceScan)
	in.POST("/returns/:id/approve", r.decideReturn(true))
	in.POST("/returns/:id/reject", r.decideReturn(false))

	st := in.Group("/stats")
	st.GET("/pairings", r.statsPairings)
	st.GET("/pairings/:id/monthly", r.statsMonthly)
	st.GET("/orgs", r.statsOrgs)
	st.GET("/orgs/:id/pairings", r.statsOrgPairings)
	st.GET("/units", r.statsUnits)
	st.GET("/regions", r.statsRegions)
	st.GET("/origins", r.statsOrigins)
	st.GET("/suppliers", r.statsSuppliers)
	st.GET("/channels", r.statsChannels)
	st.GET("/export", r.statsExport)
	st.GET("/bulletin", r.statsBulletin)

	org := in.Group("/orgs/:id")
	org.GET("/filings", r.childFilings)
	org.GET("/filings/:year", r.getFiling)
	org.PUT("/filings/:year", r.putFiling)
	org.POST("/filings/:year/submit", r.submitFiling)
	org.POST("/filings/:year/approve", r.approveFiling)
	org.POST("/filings/:year/return", r.returnFiling)
	org.GET("/employees", r.listEmployees)
	org.POST("/sales-points", r.createSalesPoint)
	org.GET("/sales-points", r.listSalesPoints)
	org.POST("/employees/:user_id/confirm", r.decideEmployee(true))
	org.POST("/employees/:user_id/refuse", r.decideEmployee(false))
	org.POST("/users", r.createOrgUser)
	org.PATCH("/users/:uid", r.updateOrgUser)
	org.POST("/sales-records", r.createRecord)

	in.GET("/sales-records", r.listRecords)
	in.GET("/sales-records/:id", r.getRecord)
	in.PATCH("/sales-records/:id", r.updateRecord)
	in.POST("/sales-records/:id/submit", r.submitRecord)
	in.POST("/sales-records/:id/verify", r.verifyRecord)
	in.POST("/sales-records/:id/return", r.returnRecord)
	in.POST("/sales-records/:id/revoke", r.revokeRecord)
	in.POST("/sales-records/:id/files", r.attachRecordFile)
	in.GET("/sales-records/:id/files/:file", r.getRecordFile)

	in.POST("/register/entries", r.createRegisterEntry)
	in.GET("/register/entries", r.listRegisterEntries)
	in.GET("/register/entries/:id", r.getRegisterEntry)
	in.PATCH("/register/entries/:id", r.updateRegisterEntry)

	in.GET("/import-templates/:kind", r.importTemplate)
	in.POST("/imports", r.createImport)
	in.GET("/imports", r.listImports)
	in.GET("/imports/:id", r.getImport)
	in.POST("/imports/:id/commit", r.commitImport)
	in.GET("/imports/:id/result", r.importResult)
	in.POST("/imports/:id/verify", r.verifyImport)

	ad.POST("/years/:year/close", r.closeYear)
	ad.DELETE("/years/:year/close", r.reopenYear)
	ad.GET("/years", r.listClosedYears)
	ad.GET("/reserve-platforms", r.getReservePlatforms)
	ad.PUT("/reserve-platforms", r.putReservePlatforms)
	org.GET("/invoice-profile", r.getInvoiceProfile)
	org.PUT("/invoice-profile", r.putInvoiceProfile)
	org.GET("/invoices", r.orgInvoices)
	org.GET("/statements", r.orgStatements)
	org.POST("/statements/:sid/confirm", r.answerStatement(true, true))
	org.POST("/statements/:sid/dispute", r.answerStatement(true, false))
	org.GET("/order-lines", r.orgOrderLines)
	return e
}

func (r *router) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 when every check passes within a second, else 503
// naming the failing checks.
func (r *router) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	for name, check := range r.Checks {
		if err := check(ctx); err != nil {
			checks[name] = "unavailable"
			ok = false
		} else {
			checks[name] = "ok"
		}
	}
	if !ok {
		c.Header("Retry-After", "1")
		c.JSON(http.StatusServiceUnavailable, readyBody{
			Status: "unavailable", Checks: checks,
			Error: &errorDetail{Code: "not_ready", Message: "a dependency is unavailable"},
		})
		return
	}
	c.JSON(http.StatusOK, readyBody{Status: "ok", Checks: checks})
}

type readyBody struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	Error  *errorDetail      `json:"error,omitempty"`
}
