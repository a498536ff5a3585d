package api

// The statistics routes. The answers are the service's own reports
// (service/stats), encoded as they are: their json tags are the bodies the
// OpenAPI document describes. This file only reads the query and writes the
// answer.

import (
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/stats"
)

// statsQuery is the query of the statistics routes.
type statsQuery struct {
	year, month int
	parentID    int64
}

// readStatsQuery reads ?year= (required) and, where the route takes them,
// ?month= (1–12) and ?parent_id= (a positive integer). The year's range is
// model.CheckYear, the one year rule, applied here too so that every bad
// parameter is named in one 422.
func readStatsQuery(c *gin.Context, month, parent bool) (statsQuery, error) {
	var q statsQuery
	var bad []model.FieldError
	read := func(name string, required bool, lo, hi int64, msg string) (int64, bool) {
		v := c.Query(name)
		if v == "" {
			if required {
				bad = append(bad, model.FieldError{Field: name, Message: "is required: " + msg})
			}
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			bad = append(bad, model.FieldError{Field: name, Message: "must be " + msg})
			return 0, false
		}
		return n, true
	}
	// any integer parses as a year; the range is the year rule's
	if y, ok := read("year", true, -1<<31, 1<<31-1, "a year between 2000 and 2100"); ok {
		q.year = int(y)
		var e *model.Error
		if err := model.CheckYear(q.year); errors.As(err, &e) {
			bad = append(bad, e.Fields...)
		} else if err != nil {
			return q, err
		}
	}
	if month {
		m, _ := read("month", false, 1, 12, "a month from 1 to 12")
		q.month = int(m)
	}
	if parent {
		q.parentID, _ = read("parent_id", false, 1, 1<<62, "a positive integer")
	}
	if len(bad) > 0 {
		return q, model.Invalid(bad...)
	}
	return q, nil
}

// answer writes the service's report as it is, or its error.
func answer[T any](c *gin.Context, v *T, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (r *router) statsPairings(c *gin.Context) {
	q, err := readStatsQuery(c, true, false)
	if err != nil {
		writeError(c, err)
		return
	}
	rep, err := r.Stats.Pairings(c.Request.Context(), caller(c), q.year, q.month)
	answer(c, rep, err)
}

func (r *router) statsMonthly(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	q, err := readStatsQuery(c, false, false)
	if err != nil {
		writeError(c, err)
		return
	}
	rep, err := r.Stats.Monthly(c.Request.Context(), caller(c), id, q.year)
	answer(c, rep, err)
}

func (r *router) statsOrgs(c *gin.Context) {
	q, err := readStatsQuery(c, false, true)
	if err != nil {
		writeError(c, err)
		return
	}
	rep, err := r.Stats.Orgs(c.Request.Context(), caller(c), q.year, q.parentID)
	answer(c, rep, err)
}

func (r *router) statsRegions(c *gin.Context) {
	q, err := readStatsQuery(c, false, false)
	if err != nil {
		writeError(c, err)
		return
	}
	rep, err := r.Stats.Districts(c.Request.Context(), caller(c), q.year)
	answer(c, rep, err)
}

// statsExport sends the statistics as an xlsx or csv attachment.
func (r *router) statsExport(c *gin.Context) {
	q, err := readStatsQuery(c, true, true)
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := r.Stats.Export(c.Request.Context(), caller(c), stats.ExportInput{Year: q.year, Month: q.month,
		ParentID: q.parentID, Format: c.Query("format"), Table: c.Query("table")})
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, f.ContentType, f.Body)
}
