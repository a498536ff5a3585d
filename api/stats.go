package api

import (
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

// readStatsQuery reads ?year= (required, 2000–2100) and, where the route
// takes them, ?month= (1–12) and ?parent_id= (a positive integer); every bad
// one is named in one 422.
func readStatsQuery(c *gin.Context, month, parent bool) (statsQuery, error) {
	var q statsQuery
	var bad []model.FieldError
	read := func(name string, required bool, lo, hi int64, msg string) int64 {
		v := c.Query(name)
		if v == "" {
			if required {
				bad = append(bad, model.FieldError{Field: name, Message: "is required: " + msg})
			}
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			bad = append(bad, model.FieldError{Field: name, Message: "must be " + msg})
			return 0
		}
		return n
	}
	q.year = int(read("year", true, 2000, 2100, "a year between 2000 and 2100"))
	if month {
		q.month = int(read("month", false, 1, 12, "a month from 1 to 12"))
	}
	if parent {
		q.parentID = read("parent_id", false, 1, 1<<62, "a positive integer")
	}
	if len(bad) > 0 {
		return q, model.Invalid(bad...)
	}
	return q, nil
}

type pairingStatsItem struct {
	Pairing       pairingResp  `json:"pairing"`
	TargetCents   *int64       `json:"target_cents"`
	CreditedCents int64        `json:"credited_cents"`
	CountyCents   int64        `json:"county_cents"`
	DirectCents   int64        `json:"direct_cents"`
	AssistedCents int64        `json:"assisted_cents"`
	Completion    *stats.Ratio `json:"completion"`
	Orders        int64        `json:"orders"`
}

type reasonCentsResp struct {
	Reason string `json:"reason"`
	Cents  int64  `json:"cents"`
}

type pairingStatsResp struct {
	Year             int                `json:"year"`
	Month            int                `json:"month,omitempty"`
	Items            []pairingStatsItem `json:"items"`
	NotCreditedCents int64              `json:"not_credited_cents"`
	NotCredited      []reasonCentsResp  `json:"not_credited"`
}

func toPairingStats(r *stats.PairingReport) pairingStatsResp {
	out := pairingStatsResp{Year: r.Year, Month: r.Month, Items: make([]pairingStatsItem, len(r.Items)),
		NotCreditedCents: r.NotCreditedCents, NotCredited: make([]reasonCentsResp, len(r.NotCredited))}
	for i, it := range r.Items {
		out.Items[i] = pairingStatsItem{Pairing: toPairing(it.Pairing), TargetCents: it.TargetCents,
			CreditedCents: it.CreditedCents, CountyCents: it.CountyCents, DirectCents: it.DirectCents,
			AssistedCents: it.AssistedCents, Completion: it.Completion, Orders: it.Orders}
	}
	for i, nc := range r.NotCredited {
		out.NotCredited[i] = reasonCentsResp{Reason: nc.Reason, Cents: nc.Cents}
	}
	return out
}

func (r *router) statsPairings(c *gin.Context) {
	q, err := readStatsQuery(c, true, false)
	if err != nil {
		writeError(c, err)
		return
	}
	rep, err := r.Stats.Pairings(c.Request.Context(), caller(c), q.year, q.month)
	respond(c, http.StatusOK, rep, err, toPairingStats)
}

type monthStatsItem struct {
	Month           int          `json:"month"`
	CreditedCents   int64        `json:"credited_cents"`
	CountyCents     int64        `json:"county_cents"`
	DirectCents     int64        `json:"direct_cents"`
	AssistedCents   int64        `json:"assisted_cents"`
	Orders          int64        `json:"orders"`
	CumulativeCents int64        `json:"cumulative_cents"`
	Completion      *stats.Ratio `json:"completion"`
}

type monthlyStatsResp struct {
	Year        int              `json:"year"`
	Pairing     pairingResp      `json:"pairing"`
	TargetCents *int64           `json:"target_cents"`
	Months      []monthStatsItem `json:"months"`
}

func toMonthlyStats(r *stats.MonthlyReport) monthlyStatsResp {
	out := monthlyStatsResp{Year: r.Year, Pairing: toPairing(r.Pairing), TargetCents: r.TargetCents,
		Months: make([]monthStatsItem, len(r.Months))}
	for i, m := range r.Months {
		out.Months[i] = monthStatsItem{Month: m.Month, CreditedCents: m.CreditedCents, CountyCents: m.CountyCents,
			DirectCents: m.DirectCents, AssistedCents: m.AssistedCents, Orders: m.Orders,
			CumulativeCents: m.CumulativeCents, Completion: m.Completion}
	}
	return out
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
	respond(c, http.StatusOK, rep, err, toMonthlyStats)
}

type orgStatsRef struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Region   regionRef `json:"region"`
	ParentID *int64    `json:"parent_id"`
}

type orgStatsItem struct {
	Org                   orgStatsRef  `json:"org"`
	PurchasesCents        int64        `json:"purchases_cents"`
	CertifiedCents        int64        `json:"certified_cents"`
	CreditedCents         int64        `json:"credited_cents"`
	SubtreePurchasesCents int64        `json:"subtree_purchases_cents"`
	SubtreeCertifiedCents int64        `json:"subtree_certified_cents"`
	SubtreeCreditedCents  int64        `json:"subtree_credited_cents"`
	ReservedCents         *int64       `json:"reserved_cents"`
	FilingStatus          *string      `json:"filing_status"`
	Completion            *stats.Ratio `json:"completion"`
	Rank                  *int         `json:"rank"`
}

type orgStatsResp struct {
	Year   int            `json:"year"`
	Parent *orgStatsItem  `json:"parent"`
	Items  []orgStatsItem `json:"items"`
}

func toOrgStatsItem(o *stats.OrgRow) orgStatsItem {
	out := orgStatsItem{
		Org: orgStatsRef{ID: o.Org.ID, Name: o.Org.Name, Kind: o.Org.Kind, ParentID: o.Org.ParentID,
			Region: regionRef{Code: o.Org.RegionCode, Name: o.RegionName}},
		PurchasesCents: o.PurchasesCents, CertifiedCents: o.CertifiedCents, CreditedCents: o.CreditedCents,
		SubtreePurchasesCents: o.SubtreePurchasesCents, SubtreeCertifiedCents: o.SubtreeCertifiedCents,
		SubtreeCreditedCents: o.SubtreeCreditedCents, ReservedCents: o.ReservedCents, Completion: o.Completion,
	}
	if o.FilingStatus != "" {
		out.FilingStatus = &o.FilingStatus
	}
	if o.Rank != 0 {
		out.Rank = &o.Rank
	}
	return out
}

func toOrgStats(r *stats.OrgReport) orgStatsResp {
	out := orgStatsResp{Year: r.Year, Items: make([]orgStatsItem, len(r.Items))}
	if r.Parent != nil {
		p := toOrgStatsItem(r.Parent)
		out.Parent = &p
	}
	for i := range r.Items {
		out.Items[i] = toOrgStatsItem(&r.Items[i])
	}
	return out
}

func (r *router) statsOrgs(c *gin.Context) {
	q, err := readStatsQuery(c, false, true)
	if err != nil {
		writeError(c, err)
		return
	}
	rep, err := r.Stats.Orgs(c.Request.Context(), caller(c), q.year, q.parentID)
	respond(c, http.StatusOK, rep, err, toOrgStats)
}

type districtStatsItem struct {
	Region        regionRef    `json:"region"`
	TargetCents   *int64       `json:"target_cents"`
	CreditedCents int64        `json:"credited_cents"`
	DirectCents   int64        `json:"direct_cents"`
	AssistedCents int64        `json:"assisted_cents"`
	Orders        int64        `json:"orders"`
	Completion    *stats.Ratio `json:"completion"`
	Rank          int          `json:"rank"`
}

type districtStatsResp struct {
	Year  int                 `json:"year"`
	Items []districtStatsItem `json:"items"`
}

func toDistrictStats(r *stats.DistrictReport) districtStatsResp {
	out := districtStatsResp{Year: r.Year, Items: make([]districtStatsItem, len(r.Items))}
	for i, d := range r.Items {
		out.Items[i] = districtStatsItem{Region: regionRef{Code: d.Region.Code, Name: d.Region.Name},
			TargetCents: d.TargetCents, CreditedCents: d.CreditedCents, DirectCents: d.DirectCents,
			AssistedCents: d.AssistedCents, Orders: d.Orders, Completion: d.Completion, Rank: d.Rank}
	}
	return out
}

func (r *router) statsRegions(c *gin.Context) {
	q, err := readStatsQuery(c, false, false)
	if err != nil {
		writeError(c, err)
		return
	}
	rep, err := r.Stats.Districts(c.Request.Context(), caller(c), q.year)
	respond(c, http.StatusOK, rep, err, toDistrictStats)
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
