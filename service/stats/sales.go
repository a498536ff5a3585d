package stats

// The breakdowns the partner side and the channel review ask for, read from
// rollup_facets (within a region's scope, from rollup_sales): where the goods
// came from (origin county, category, producer) and how they were bought
// (channel, platform, sales-point type, buyer sector). Each row says what was sold and what of it is credited to a
// pairing; with a programme, only what is credited to that programme's
// pairings.

import (
	"context"
	"slices"
	"strconv"

	"shanhai/model"
)

// SaleRow is one value of a breakdown.
type SaleRow struct {
	Code          string `json:"code"` // region or category code, supplier id, channel …; "" for none
	Name          string `json:"name"`
	SalesCents    int64  `json:"sales_cents"`    // everything sold (with a programme: credited to it)
	CreditedCents int64  `json:"credited_cents"` // of which credited to a pairing
	Orders        int64  `json:"orders"`         // counted with each order's first credited line
}

// SalesReport is the period's header and its breakdowns by name.
type SalesReport struct {
	Year      int                  `json:"year,omitempty"`
	Month     int                  `json:"month,omitempty"`
	From      string               `json:"from,omitempty"`
	To        string               `json:"to,omitempty"`
	Programme string               `json:"programme,omitempty"`
	Tables    map[string][]SaleRow `json:"tables"`
}

// OriginFacets are the partner side's breakdowns: by origin county, by
// category, by producer.
var OriginFacets = []string{model.FacetOrigin, model.FacetCategory, model.FacetSupplier}

// ChannelFacets are the channel review's: channel, platform, sales-point
// type (五专), buyer sector (五进).
var ChannelFacets = []string{model.FacetChannel, model.FacetPlatform, model.FacetPointType, model.FacetSector}

// Origins is the sales into the caller's scope by origin county, category
// and producer — the partner side's view (a helper-side officer sees their
// buyers' purchases the same way).
func (s *Service) Origins(ctx context.Context, actor *model.User, q Query) (*SalesReport, error) {
	return s.sales(ctx, actor, q, "s", OriginFacets)
}

// Channels is the same by channel, platform, sales-point type and buyer
// sector.
func (s *Service) Channels(ctx context.Context, actor *model.User, q Query) (*SalesReport, error) {
	return s.sales(ctx, actor, q, "c", ChannelFacets)
}

func (s *Service) sales(ctx context.Context, actor *model.User, q Query, tag string, facets []string) (*SalesReport, error) {
	sc, err := s.scopeOf(ctx, actor, false)
	if err != nil {
		return nil, err
	}
	q.ParentID = 0
	if err := q.check(); err != nil {
		return nil, err
	}
	key := cacheKey("%s:%s:%s", tag, q.key(), sc.key())
	return cached(ctx, s, key, func(ctx context.Context) (*SalesReport, error) {
		w, err := s.world(ctx)
		if err != nil {
			return nil, err
		}
		ids := w.programmePairings(q) // nil: every entry, credited or not
		out := &SalesReport{Programme: q.Programme, Tables: map[string][]SaleRow{}}
		out.Year, out.Month, out.From, out.To = q.header()
		f := w.filter(sc)
		bySum := map[string][]model.SaleSum{}
		if f == nil {
			// unscoped: one read of rollup_facets, a few rows per value
			if bySum, err = s.store.FacetSums(ctx, facets, q.periods(), ids); err != nil {
				return nil, err
			}
		} else {
			// a region's: one read of rollup_sales for every facet, the
			// rows of each combination of values, summed per facet here
			combos, err := s.store.SaleFacetSums(ctx, facets, q.periods(), ids, f)
			if err != nil {
				return nil, err
			}
			for i, facet := range facets {
				sums := make([]model.SaleSum, 0, len(combos))
				for _, c := range combos {
					sums = append(sums, model.SaleSum{Key: c.Keys[i], Credited: c.Credited, Cents: c.Cents, Orders: c.Orders})
				}
				bySum[facet] = sums
			}
		}
		for _, facet := range facets {
			rows, err := s.saleRows(ctx, w, facet, bySum[facet])
			if err != nil {
				return nil, err
			}
			out.Tables[facet] = rows
		}
		return out, nil
	})
}

// saleRows folds the credited and uncredited sums of each value into one
// row, names it, and orders the rows by sales, largest first (then code).
func (s *Service) saleRows(ctx context.Context, w *world, facet string, sums []model.SaleSum) ([]SaleRow, error) {
	byCode := map[string]*SaleRow{}
	for _, sm := range sums {
		r := byCode[sm.Key]
		if r == nil {
			r = &SaleRow{Code: sm.Key}
			byCode[sm.Key] = r
		}
		r.SalesCents += sm.Cents
		r.Orders += sm.Orders
		if sm.Credited {
			r.CreditedCents += sm.Cents
		}
	}
	rows := make([]SaleRow, 0, len(byCode))
	for _, r := range byCode {
		if *r != (SaleRow{Code: r.Code}) {
			rows = append(rows, *r)
		}
	}
	if err := s.name(ctx, w, facet, rows); err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b SaleRow) int {
		if a.SalesCents != b.SalesCents {
			if a.SalesCents > b.SalesCents {
				return -1
			}
			return 1
		}
		if a.Code < b.Code {
			return -1
		}
		if a.Code > b.Code {
			return 1
		}
		return 0
	})
	return rows, nil
}

// facetNames are the Chinese names of the coded values.
var facetNames = map[string]map[string]string{
	model.FacetChannel: {model.ChannelApp: "职工个人（App）", model.OrgCanteen: "食堂", model.OrgUnion: "工会",
		model.OrgGovernment: "机关", model.OrgEnterprise: "企业", model.OrgSupermarket: "商超",
		model.OrgWholesale: "批发市场", model.OrgCoop: "合作社"},
	model.FacetPlatform: {model.PlatformMall: "本平台", "832": "832平台", "zcy": "政采云", "offline": "线下", "other": "其他"},
	model.FacetPointType: {"": "无", "counter": "专柜", "zone": "专区", "hall": "专馆", "store": "专店",
		"remote_counter": "飞柜"},
	model.FacetSector: {"": "个人", "government": "机关", "school": "学校", "hospital": "医院", "enterprise": "企业",
		"community": "社区", "other": "其他"},
}

func (s *Service) name(ctx context.Context, w *world, facet string, rows []SaleRow) error {
	switch facet {
	case model.FacetOrigin:
		for i := range rows {
			if r, ok := w.Regions[rows[i].Code]; ok {
				rows[i].Name = r.Name
			}
		}
	case model.FacetCategory:
		cats, err := s.store.Categories(ctx)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, c := range cats {
			names[c.Code] = c.Name
		}
		for i := range rows {
			rows[i].Name = names[rows[i].Code]
		}
	case model.FacetSupplier:
		var ids []int64
		for _, r := range rows {
			if id, err := strconv.ParseInt(r.Code, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		names, err := s.store.SupplierNames(ctx, ids)
		if err != nil {
			return err
		}
		for i := range rows {
			id, _ := strconv.ParseInt(rows[i].Code, 10, 64)
			rows[i].Name = names[id]
		}
	case model.FacetPointType, model.FacetSector:
		// the reference lists name the codes an admin added; the built-in
		// names cover the empty code and any code no longer listed
		names := map[string]string{}
		if facet == model.FacetSector {
			list, err := s.store.Sectors(ctx)
			if err != nil {
				return err
			}
			for _, v := range list {
				names[v.Code] = v.Name
			}
		} else {
			list, err := s.store.SalesPointTypes(ctx)
			if err != nil {
				return err
			}
			for _, v := range list {
				names[v.Code] = v.Name
			}
		}
		for i := range rows {
			n, ok := facetNames[facet][rows[i].Code]
			if listed, has := names[rows[i].Code]; has && rows[i].Code != "" {
				n, ok = listed, true
			}
			if !ok {
				n = rows[i].Code
			}
			rows[i].Name = n
		}
	default:
		for i := range rows {
			if n, ok := facetNames[facet][rows[i].Code]; ok {
				rows[i].Name = n
			} else {
				rows[i].Name = rows[i].Code
			}
		}
	}
	return nil
}

// SupplierPage is one page of the producers ranked by sales in the caller's
// scope.
type SupplierPage struct {
	Year      int       `json:"year,omitempty"`
	Month     int       `json:"month,omitempty"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	Programme string    `json:"programme,omitempty"`
	Items     []SaleRow `json:"items"`
	Total     int       `json:"total"`
	Page      int       `json:"page"`
	PageSize  int       `json:"page_size"`
}

// Suppliers ranks the producers by sales in the caller's scope (the partner
// side: those of their region), largest first, one page: the producer table
// of Origins, for lists too long for one answer.
func (s *Service) Suppliers(ctx context.Context, actor *model.User, q Query, page, size int) (*SupplierPage, error) {
	rep, err := s.sales(ctx, actor, q, "sup", []string{model.FacetSupplier})
	if err != nil {
		return nil, err
	}
	rows := rep.Tables[model.FacetSupplier]
	out := &SupplierPage{Year: rep.Year, Month: rep.Month, From: rep.From, To: rep.To, Programme: rep.Programme,
		Total: len(rows), Page: page, PageSize: size}
	from := min((page-1)*size, len(rows))
	out.Items = rows[from:min(from+size, len(rows))]
	return out, nil
}
