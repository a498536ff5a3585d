package api

// The statistics routes. The answers are the service's own reports
// (service/stats), encoded as they are: their json tags are the bodies the
// OpenAPI document describes. This file only reads the query and writes the
// answer — JSON, or with format=xlsx|csv the same table as a file.

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/stats"
)

// periodParams are what every statistics route takes: a year (with an
// optional month) or a range from..to, a programme, a file format.
var periodParams = []string{"year", "month", "from", "to", "programme", "format"}

var monthParam = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// readStatsQuery reads a statistics query. A parameter outside periodParams
// and extra, or one given twice, is a 422 naming it: a question the route
// cannot answer is never answered as another one. Values are checked by
// the service (stats.Query), except that they must parse.
func readStatsQuery(c *gin.Context, extra ...string) (stats.Query, error) {
	var q stats.Query
	var bad []model.FieldError
	params := c.Request.URL.Query()
	for _, name := range slices.Sorted(maps.Keys(params)) { // every bad one named, in a stable order
		vs := params[name]
		known := false
		for _, k := range periodParams {
			known = known || k == name
		}
		for _, k := range extra {
			known = known || k == name
		}
		switch {
		case !known:
			bad = append(bad, model.FieldError{Field: name, Message: "is not a parameter of this route"})
		case len(vs) > 1:
			bad = append(bad, model.FieldError{Field: name, Message: "is given more than once"})
		}
	}
	integer := func(name string, lo, hi int64, msg string) int64 {
		v := params.Get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			bad = append(bad, model.FieldError{Field: name, Message: "must be " + msg})
			return 0
		}
		return n
	}
	month := func(name string) int {
		v := params.Get(name)
		if v == "" {
			return 0
		}
		m := monthParam.FindStringSubmatch(v)
		if m == nil {
			bad = append(bad, model.FieldError{Field: name, Message: "must be a month written YYYY-MM"})
			return 0
		}
		y, _ := strconv.Atoi(m[1])
		mm, _ := strconv.Atoi(m[2])
		return y*100 + mm
	}
	q.From, q.To = month("from"), month("to")
	if params.Get("year") == "" && !q.Range() && len(bad) == 0 {
		bad = append(bad, model.FieldError{Field: "year", Message: "is required (or a range: from=YYYY-MM&to=YYYY-MM)"})
	}
	q.Year = int(integer("year", 1, 9999, "a year between 2000 and 2100"))
	q.Month = int(integer("month", 1, 12, "a month from 1 to 12"))
	q.ParentID = integer("parent_id", 1, 1<<62, "a positive integer")
	q.Programme = params.Get("programme")
	if q.Programme == "" && params.Has("programme") {
		bad = append(bad, model.FieldError{Field: "programme", Message: "must be east_west or mountain_sea"})
	}
	if params.Has("format") && params.Get("format") == "" {
		bad = append(bad, model.FieldError{Field: "format", Message: "must be xlsx or csv (or left out for JSON)"})
	}
	if len(bad) > 0 {
		return q, model.Invalid(bad...)
	}
	return q, nil
}

// statsAnswer writes the route's report as JSON, or with ?format= its table
// as an xlsx or csv file (the export of that one table).
func statsAnswer[T any](r *router, c *gin.Context, file stats.ExportInput, report func() (*T, error)) {
	if format := c.Query("format"); format != "" {
		file.Format = format
		sendStatsFile(r, c, file)
		return
	}
	v, err := report()
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func sendStatsFile(r *router, c *gin.Context, in stats.ExportInput) {
	f, err := r.Stats.Export(c.Request.Context(), caller(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	sendFile(c, f)
}

func (r *router) statsPairings(c *gin.Context) {
	q, err := readStatsQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TablePairings}, func() (*stats.PairingReport, error) {
		return r.Stats.Pairings(c.Request.Context(), caller(c), q)
	})
}

func (r *router) statsMonthly(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	q, err := readStatsQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableMonthly, PairingID: id}, func() (*stats.MonthlyReport, error) {
		return r.Stats.Monthly(c.Request.Context(), caller(c), id, q)
	})
}

func (r *router) statsOrgs(c *gin.Context) {
	q, err := readStatsQuery(c, "parent_id")
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableOrgs}, func() (*stats.OrgReport, error) {
		return r.Stats.Orgs(c.Request.Context(), caller(c), q)
	})
}

func (r *router) statsOrgPairings(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	q, err := readStatsQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableOrgPairings, OrgID: id}, func() (*stats.OrgPairingReport, error) {
		return r.Stats.OrgPairings(c.Request.Context(), caller(c), id, q)
	})
}

// statsUnits is the full ranking of every org in the caller's scope: a page
// of it as JSON, all of it as a file.
func (r *router) statsUnits(c *gin.Context) {
	q, err := readStatsQuery(c, "page", "page_size")
	if err != nil {
		writeError(c, err)
		return
	}
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableUnits}, func() (*stats.UnitReport, error) {
		return r.Stats.Units(c.Request.Context(), caller(c), q, page, size)
	})
}

func (r *router) statsRegions(c *gin.Context) {
	q, err := readStatsQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableRegions}, func() (*stats.DistrictReport, error) {
		return r.Stats.Districts(c.Request.Context(), caller(c), q)
	})
}

func (r *router) statsOrigins(c *gin.Context) {
	q, err := readStatsQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableOrigins}, func() (*stats.SalesReport, error) {
		return r.Stats.Origins(c.Request.Context(), caller(c), q)
	})
}

// statsSuppliers ranks the producers in the caller's scope: a page as JSON,
// all of them as a file.
func (r *router) statsSuppliers(c *gin.Context) {
	q, err := readStatsQuery(c, "page", "page_size")
	if err != nil {
		writeError(c, err)
		return
	}
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableSuppliers}, func() (*stats.SupplierPage, error) {
		return r.Stats.Suppliers(c.Request.Context(), caller(c), q, page, size)
	})
}

func (r *router) statsChannels(c *gin.Context) {
	q, err := readStatsQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	statsAnswer(r, c, stats.ExportInput{Query: q, Table: stats.TableChannels}, func() (*stats.SalesReport, error) {
		return r.Stats.Channels(c.Request.Context(), caller(c), q)
	})
}

// statsExport sends the statistics as an xlsx or csv attachment: every table
// (xlsx) or one (table=).
func (r *router) statsExport(c *gin.Context) {
	q, err := readStatsQuery(c, "parent_id", "table")
	if err != nil {
		writeError(c, err)
		return
	}
	in := stats.ExportInput{Query: q, Format: c.Query("format"), Table: c.Query("table")}
	if in.Table == stats.TableMonthly || in.Table == stats.TableOrgPairings {
		writeError(c, model.Invalid(model.FieldError{Field: "table",
			Message: "one pairing's months and one org's pairings are their own routes' files (?format=)"}))
		return
	}
	sendStatsFile(r, c, in)
}

// statsBulletin is the month's bulletin (月度通报): JSON, a file
// (format=xlsx|csv) or the printable page (format=html).
func (r *router) statsBulletin(c *gin.Context) {
	q, err := readStatsQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	format := c.Query("format")
	if format == "" {
		rep, err := r.Stats.Bulletin(c.Request.Context(), caller(c), q)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, rep)
		return
	}
	f, err := r.Stats.BulletinFile(c.Request.Context(), caller(c), q, format)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	if format == stats.FormatHTML {
		htmlPage(c, f.Body)
		return
	}
	sendFile(c, f)
}

// issueBulletin keeps a month's bulletin as issued (admins).
func (r *router) issueBulletin(c *gin.Context) {
	var bad []model.FieldError
	number := func(name string) int {
		n, err := strconv.Atoi(c.Param(name))
		if err != nil {
			bad = append(bad, model.FieldError{Field: name, Message: "must be a number"})
		}
		return n
	}
	year, month := number("year"), number("month")
	if len(bad) > 0 {
		writeError(c, model.Invalid(bad...))
		return
	}
	rep, err := r.Stats.IssueBulletin(c.Request.Context(), caller(c), year, month)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, rep)
}
