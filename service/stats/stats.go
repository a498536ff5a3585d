// Package stats answers the statistics of the performance review (考核): per
// pairing (with the county part of a city pairing), per month of a pairing,
// per org (reserved-share progress) and per helper district, in the caller's
// scope, and exports them as xlsx or csv. It reads only the rollups the
// credit ledger feeds (model/store/stats.go), through a cache that the
// rollup worker invalidates (model/cache/stats.go).
//
// Who sees what:
//   - admin: everything;
//   - officer of a helper-side region (or of a province that holds both
//     sides): the purchases of buyers in their region — every figure comes
//     from rollup_areas restricted to those buyer regions; the pairings whose
//     helper region contains or lies in theirs; the districts that contain or
//     lie in it; the orgs in it;
//   - officer of a partner-side region: the sales into their region (origin
//     within it); the pairings whose partner region contains or lies in
//     theirs; every helper district, ranked by its purchases from their
//     region; not the org figures (reserved shares are a helper-side
//     review): 403;
//   - org_admin: the org figures of their org and its subtree only;
//   - anyone else: 403.
//
// Decisions the product rules leave open (docs/PRODUCT.md has them too):
//   - a month's figures carry the annual target, and completion is null for
//     a month (the monthly route gives the cumulative completion instead);
//   - a city pairing's county part is the credited of every county-level
//     pairing whose helper region lies in its helper region and whose
//     partner region lies in its partner region; its credited, direct,
//     assisted and orders include that part;
//   - a pairing is listed when it is active, or has a target or figures in
//     the period;
//   - an org's reserved amount is that of its filing for the year when the
//     filing is approved or submitted (a draft or returned filing is not a
//     commitment yet); without one, or with a reserved amount of 0, reserved
//     and completion are null. Completion is the subtree's certified
//     purchases ÷ the reserved amount;
//   - a district's target is the sum of the year's targets of the
//     county-level pairings whose helper region is that district (for a
//     partner-side officer, only those whose partner region contains or lies
//     in their region);
//   - rankings: completion descending (nulls last), then amount descending;
//     equal completion and amount share a rank.
package stats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"shanhai/model"
)

// Store is the database.
type Store interface {
	Region(ctx context.Context, code string) (*model.Region, error)
	Org(ctx context.Context, id int64) (*model.Org, error)
	PairingSums(ctx context.Context, periods []int, ids []int64, f *model.AreaFilter) ([]model.PairingSum, error)
	AreaSums(ctx context.Context, periods []int, ids []int64, f *model.AreaFilter) ([]model.AreaSum, error)
	SaleSums(ctx context.Context, facet string, periods []int, ids []int64, f *model.AreaFilter) ([]model.SaleSum, error)
	SupplierNames(ctx context.Context, ids []int64) (map[int64]string, error)
	Categories(ctx context.Context) ([]model.Category, error)
	OrgPairingSums(ctx context.Context, orgID int64, periods []int) ([]model.RollupOrgPairing, error)
	PairingPlatformSums(ctx context.Context, periods []int, f *model.AreaFilter) ([]model.PlatformSum, error)
	YearTargets(ctx context.Context, year int) ([]model.Target, error)
	Targets(ctx context.Context, years []int) ([]model.Target, error)
	SaleFacetSums(ctx context.Context, facets []string, periods []int, ids []int64, f *model.AreaFilter) ([]model.SaleFacetSum, error)
	FacetSums(ctx context.Context, facets []string, periods []int, ids []int64) (map[string][]model.SaleSum, error)
	OrgFamilyFigures(ctx context.Context, period, year int, parentID int64) (*model.OrgFigures, []model.OrgFigures, error)
	AllOrgFigures(ctx context.Context, period, year int) ([]model.OrgFigures, error)
	OrgFiguresOf(ctx context.Context, period, year int, ids []int64) ([]model.OrgFigures, error)
	OrgRankKeys(ctx context.Context, period, year int) ([]model.OrgRankKey, error)
	EveryOrgRankKeys(ctx context.Context, period, year int, committed bool) (keys []model.OrgRankKey, orgs int, err error)
	OrgIDs(ctx context.Context) ([]int64, error)
	OrgCertifiedSums(ctx context.Context, periods []int) (map[int64]int64, error)
	Sectors(ctx context.Context) ([]model.SectorInfo, error)
	SalesPointTypes(ctx context.Context) ([]model.SalesPointTypeInfo, error)
	// the issued bulletins, written with their audit row in one transaction
	Bulletins(ctx context.Context, year, month int) ([]model.Bulletin, error)
	AddBulletins(ctx context.Context, parts []model.Bulletin) (bool, error)
	AddAudit(ctx context.Context, a *model.Audit) error
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Geographies answers the regions and pairings; model/cache.Geography keeps
// them for a second (an admin's change shows in the figures within it, well
// inside the statistics' freshness), *store.Store reads them every time.
type Geographies interface {
	Geography(ctx context.Context) (*model.Geography, error)
}

// Cache holds computed answers; model/cache.Stats is one. Load returns the
// cached value of key, or fetch's (and keeps it).
type Cache interface {
	Load(ctx context.Context, key string, fetch func(ctx context.Context) ([]byte, error)) ([]byte, error)
}

// Service answers statistics.
type Service struct {
	store Store
	cache Cache // nil: none
	geo   Geographies
}

// New returns the statistics service; c may be nil (no cache).
func New(st Store, c Cache, geo Geographies) *Service {
	return &Service{store: st, cache: c, geo: geo}
}

// Region is a region's code and name.
type Region struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// ReasonCents is the not-credited total of one reason.
type ReasonCents struct {
	Reason string `json:"reason"`
	Cents  int64  `json:"cents"`
}

// PairingRef is a pairing as the statistics name it: its regions by code
// and name.
type PairingRef struct {
	ID        int64  `json:"id"`
	Programme string `json:"programme"`
	Level     string `json:"level"`
	Helper    Region `json:"helper"`
	Partner   Region `json:"partner"`
	SinceYear int    `json:"since_year"`
	Active    bool   `json:"active"`
}

func pairingRef(p *model.PairingView) PairingRef {
	return PairingRef{ID: p.ID, Programme: p.Programme, Level: p.Level, SinceYear: p.SinceYear, Active: p.Active,
		Helper: Region{Code: p.HelperCode, Name: p.HelperName}, Partner: Region{Code: p.PartnerCode, Name: p.PartnerName}}
}

// PairingRow is one pairing's figures. Credited, direct, assisted and orders
// include the county part of a city pairing.
type PairingRow struct {
	Pairing       PairingRef `json:"pairing"`
	TargetCents   *int64     `json:"target_cents"` // the annual target; nil when none is set
	CreditedCents int64      `json:"credited_cents"`
	CountyCents   int64      `json:"county_cents"`
	DirectCents   int64      `json:"direct_cents"`
	AssistedCents int64      `json:"assisted_cents"`
	Completion    *Ratio     `json:"completion"`
	Orders        int64      `json:"orders"`        // mall orders
	OnlineCents   int64      `json:"online_cents"`  // of the credited: sold in the mall
	OfflineCents  int64      `json:"offline_cents"` // of the credited: off-platform records
	Records       int64      `json:"records"`       // off-platform records
}

// PairingReport is the per-pairing table of a year or a month.
type PairingReport struct {
	Year             int           `json:"year,omitempty"`  // 0: a range
	Month            int           `json:"month,omitempty"` // 0: the whole year
	From             string        `json:"from,omitempty"`  // a range: its first month, YYYY-MM
	To               string        `json:"to,omitempty"`    // a range: its last month
	Programme        string        `json:"programme,omitempty"`
	Items            []PairingRow  `json:"items"`
	NotCreditedCents int64         `json:"not_credited_cents"`
	NotCredited      []ReasonCents `json:"not_credited"`
}

// MonthRow is one month of a pairing.
type MonthRow struct {
	Month           int    `json:"month"`
	CreditedCents   int64  `json:"credited_cents"`
	CountyCents     int64  `json:"county_cents"`
	DirectCents     int64  `json:"direct_cents"`
	AssistedCents   int64  `json:"assisted_cents"`
	Orders          int64  `json:"orders"`
	CumulativeCents int64  `json:"cumulative_cents"` // credited from January to this month
	Completion      *Ratio `json:"completion"`       // cumulative ÷ the annual target
}

// MonthlyReport is the twelve months of one pairing.
type MonthlyReport struct {
	Year        int        `json:"year"`
	Pairing     PairingRef `json:"pairing"`
	TargetCents *int64     `json:"target_cents"`
	Months      []MonthRow `json:"months"`
}

// OrgRef is an org as the statistics name it.
type OrgRef struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Region   Region `json:"region"`
	ParentID *int64 `json:"parent_id"`
}

// OrgRow is one org's purchases of a year: its own and its subtree's (the
// org and every org it supervises).
type OrgRow struct {
	Org                   OrgRef  `json:"org"`
	PurchasesCents        int64   `json:"purchases_cents"`
	CertifiedCents        int64   `json:"certified_cents"`
	CreditedCents         int64   `json:"credited_cents"`
	SubtreePurchasesCents int64   `json:"subtree_purchases_cents"`
	SubtreeCertifiedCents int64   `json:"subtree_certified_cents"`
	SubtreeCreditedCents  int64   `json:"subtree_credited_cents"`
	ReservedCents         *int64  `json:"reserved_cents"` // nil: no approved or submitted filing
	FilingStatus          *string `json:"filing_status"`  // nil when there is no filing
	Completion            *Ratio  `json:"completion"`     // subtree certified ÷ reserved
	Rank                  *int    `json:"rank"`           // among the siblings; nil for the parent row
}

// OrgReport ranks the children of an org (or the top-level orgs). Parent
// is the org asked about itself, when there is one and the caller may see it.
type OrgReport struct {
	Year   int      `json:"year"`
	Month  int      `json:"month,omitempty"` // 0: the whole year
	Parent *OrgRow  `json:"parent"`
	Items  []OrgRow `json:"items"`
}

// DistrictRow is one helper district's figures.
type DistrictRow struct {
	Region        Region `json:"region"`
	TargetCents   *int64 `json:"target_cents"` // nil: none of its county pairings has a target
	CreditedCents int64  `json:"credited_cents"`
	DirectCents   int64  `json:"direct_cents"`
	AssistedCents int64  `json:"assisted_cents"`
	Orders        int64  `json:"orders"`
	Completion    *Ratio `json:"completion"`
	Rank          int    `json:"rank"`
}

// DistrictReport ranks the helper districts of a year.
type DistrictReport struct {
	Year      int           `json:"year,omitempty"`  // 0: a range
	Month     int           `json:"month,omitempty"` // 0: the whole year
	From      string        `json:"from,omitempty"`
	To        string        `json:"to,omitempty"`
	Programme string        `json:"programme,omitempty"` // "": both programmes together
	Items     []DistrictRow `json:"items"`
}

// scope is what the caller may see.
type scope struct {
	side   string // "": everything; model.SideHelper or model.SidePartner
	region string
	orgID  int64 // an org_admin's org
}

func (sc scope) key() string {
	switch {
	case sc.orgID != 0:
		return "org" + strconv.FormatInt(sc.orgID, 10)
	case sc.side == "":
		return "all"
	}
	return sc.side[:1] + sc.region
}

// scopeOf is the caller's scope on the officer/admin routes; org_admins
// are let in only where orgOK.
func (s *Service) scopeOf(ctx context.Context, actor *model.User, orgOK bool) (scope, error) {
	if actor == nil {
		return scope{}, model.Unauthorized("statistics need a signed-in caller")
	}
	switch actor.Role {
	case model.RoleAdmin:
		return scope{}, nil
	case model.RoleOfficer:
		if actor.RegionCode == nil || *actor.RegionCode == "" {
			return scope{}, model.Forbidden("this officer has no region scope")
		}
		r, err := s.store.Region(ctx, *actor.RegionCode)
		if errors.Is(err, model.ErrNotFound) {
			return scope{}, model.Forbidden("this officer's region scope %s does not exist", *actor.RegionCode)
		}
		if err != nil {
			return scope{}, err
		}
		side := r.Side
		if side != model.SidePartner {
			side = model.SideHelper // a province holding both sides reads as its buyers
		}
		return scope{side: side, region: r.Code}, nil
	case model.RoleOrgAdmin:
		if orgOK && actor.OrgID != nil {
			return scope{orgID: *actor.OrgID}, nil
		}
		return scope{}, model.Forbidden("org admins see the statistics of their own org only (GET /api/v1/stats/orgs)")
	}
	return scope{}, model.Forbidden("statistics are for officers and admins")
}

// world is the reference data a computation reads.
type world struct{ *model.Geography }

func (s *Service) world(ctx context.Context) (*world, error) {
	g, err := s.geo.Geography(ctx)
	if err != nil {
		return nil, err
	}
	return &world{g}, nil
}

// related: one region contains the other.
func (w *world) related(a, b string) bool { return w.Tree.Contains(a, b) || w.Tree.Contains(b, a) }

// visible: the pairing is in the scope.
func (w *world) visible(sc scope, p *model.PairingView) bool {
	switch sc.side {
	case model.SideHelper:
		return w.related(p.HelperCode, sc.region)
	case model.SidePartner:
		return w.related(p.PartnerCode, sc.region)
	}
	return true
}

// within lists the codes of the regions that lie in code (code included).
func (w *world) within(code string) []string {
	out := []string{}
	for c := range w.Regions {
		if w.Tree.Contains(code, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// filter restricts the rollups to the scope: nil for everything.
func (w *world) filter(sc scope) *model.AreaFilter {
	switch sc.side {
	case model.SideHelper:
		return &model.AreaFilter{BuyerRegions: w.within(sc.region)}
	case model.SidePartner:
		return &model.AreaFilter{Origins: w.within(sc.region)}
	}
	return nil
}

// countyPairings are the pairings inside pairing p, whose figures p's
// include (its "county part"): the county pairings inside a city pairing;
// the city and county pairings inside a province pairing (浙江–四川 counts
// every Sichuan purchase, the paired counties' too).
func (w *world) countyPairings(p *model.PairingView) []int64 {
	inner := map[string][]string{model.LevelCity: {model.LevelCounty},
		model.LevelProvince: {model.LevelCity, model.LevelCounty}}[p.Level]
	var out []int64
	for _, q := range w.Pairings {
		if q.ID != p.ID && slices.Contains(inner, q.Level) &&
			w.Tree.Contains(p.HelperCode, q.HelperCode) && w.Tree.Contains(p.PartnerCode, q.PartnerCode) {
			out = append(out, q.ID)
		}
	}
	return out
}

// cached is the answer of key from the cache, or compute's.
func cached[T any](ctx context.Context, s *Service, key string, compute func(ctx context.Context) (*T, error)) (*T, error) {
	if s.cache == nil {
		return compute(ctx)
	}
	var fresh *T
	b, err := s.cache.Load(ctx, key, func(ctx context.Context) ([]byte, error) {
		v, err := compute(ctx)
		if err != nil {
			return nil, err
		}
		fresh = v
		return json.Marshal(v)
	})
	if err != nil {
		return nil, err
	}
	if fresh != nil {
		return fresh, nil
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		return compute(ctx) // an entry of another shape: ignore it
	}
	return &out, nil
}

// figure is a credited total split by kind.
type figure struct {
	cents, direct, assisted, orders int64
}

func (f *figure) add(kind string, cents, orders int64) {
	f.cents += cents
	f.orders += orders
	switch kind {
	case model.CreditDirect:
		f.direct += cents
	case model.CreditAssisted:
		f.assisted += cents
	}
}

func (f *figure) plus(g figure) {
	f.cents += g.cents
	f.direct += g.direct
	f.assisted += g.assisted
	f.orders += g.orders
}

// fieldErrors are the fields an invalid-input error names.
func fieldErrors(err error) []model.FieldError {
	var e *model.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// cacheKey names an answer in the cache. Its first part is the shape of the
// cached reports: change it when they change, so that an entry of an older
// shape is never read as the new one.
func cacheKey(format string, args ...any) string {
	return "3/" + fmt.Sprintf(format, args...)
}

// Pairings is the per-pairing table of the query's period, in the caller's
// scope, for one programme or both. The not-credited totals name no
// pairing, so no programme: they are the same whatever the programme.
func (s *Service) Pairings(ctx context.Context, actor *model.User, q Query) (*PairingReport, error) {
	sc, err := s.scopeOf(ctx, actor, false)
	if err != nil {
		return nil, err
	}
	q.ParentID = 0
	if err := q.check(); err != nil {
		return nil, err
	}
	key := cacheKey("p:%s:%s", q.key(), sc.key())
	return cached(ctx, s, key, func(ctx context.Context) (*PairingReport, error) {
		return s.pairings(ctx, sc, q)
	})
}

func (s *Service) pairings(ctx context.Context, sc scope, q Query) (*PairingReport, error) {
	w, err := s.world(ctx)
	if err != nil {
		return nil, err
	}
	targets, err := s.targets(ctx, q.targetYears())
	if err != nil {
		return nil, err
	}
	sums, err := s.store.PairingSums(ctx, q.periods(), nil, w.filter(sc))
	if err != nil {
		return nil, err
	}
	plat, err := s.store.PairingPlatformSums(ctx, q.periods(), w.filter(sc))
	if err != nil {
		return nil, err
	}
	type split struct{ online, offline, orders, records int64 }
	ownSplit := map[int64]*split{}
	for _, r := range plat {
		sp := ownSplit[r.PairingID]
		if sp == nil {
			sp = &split{}
			ownSplit[r.PairingID] = sp
		}
		if r.Mall {
			sp.online += r.Cents
			sp.orders += r.Orders
		} else {
			sp.offline += r.Cents
			sp.records += r.Orders
		}
	}
	own := map[int64]*figure{}
	notCredited := map[string]int64{}
	out := &PairingReport{Items: []PairingRow{}, Programme: q.Programme}
	out.Year, out.Month, out.From, out.To = q.header()
	for _, r := range sums {
		if r.PairingID == 0 {
			notCredited[r.Reason] += r.Cents
			out.NotCreditedCents += r.Cents
			continue
		}
		f := own[r.PairingID]
		if f == nil {
			f = &figure{}
			own[r.PairingID] = f
		}
		f.add(r.Kind, r.Cents, r.Orders)
	}
	out.NotCredited = reasons(notCredited)
	for i := range w.Pairings {
		p := &w.Pairings[i]
		if !w.visible(sc, p) || !q.inProgramme(p) {
			continue
		}
		var total, county figure
		if f := own[p.ID]; f != nil {
			total = *f
		}
		for _, id := range w.countyPairings(p) {
			if f := own[id]; f != nil {
				county.plus(*f)
			}
		}
		total.plus(county)
		target, hasTarget := targets[p.ID]
		if !p.Active && !hasTarget && total == (figure{}) {
			continue
		}
		row := PairingRow{Pairing: pairingRef(p), CreditedCents: total.cents, CountyCents: county.cents,
			DirectCents: total.direct, AssistedCents: total.assisted, Orders: total.orders}
		// the mall and off it (orders are the mall's; off-platform records
		// are counted apart), the inner pairings included as in credited
		var sp split
		for _, id := range append([]int64{p.ID}, w.countyPairings(p)...) {
			if x := ownSplit[id]; x != nil {
				sp.online, sp.offline, sp.orders, sp.records = sp.online+x.online, sp.offline+x.offline, sp.orders+x.orders, sp.records+x.records
			}
		}
		row.Orders, row.OnlineCents, row.OfflineCents, row.Records = sp.orders, sp.online, sp.offline, sp.records
		if hasTarget {
			row.TargetCents = &target
			if q.completes() {
				row.Completion = Completion(total.cents, target)
			}
		}
		out.Items = append(out.Items, row)
	}
	return out, nil
}

// reasons lists the not-credited totals: every known reason in its order,
// zero included, then any other reason the ledger holds.
func reasons(m map[string]int64) []ReasonCents {
	out := make([]ReasonCents, 0, len(model.NotCreditedReasons))
	for _, r := range model.NotCreditedReasons {
		out = append(out, ReasonCents{Reason: r, Cents: m[r]})
	}
	var extra []string
	for r := range m {
		if !slices.Contains(model.NotCreditedReasons, r) {
			extra = append(extra, r)
		}
	}
	slices.Sort(extra)
	for _, r := range extra {
		out = append(out, ReasonCents{Reason: r, Cents: m[r]})
	}
	return out
}

// targets are the pairings' targets summed over years: a pairing is in
// the map when one of the years has a target for it.
func (s *Service) targets(ctx context.Context, years []int) (map[int64]int64, error) {
	out := map[int64]int64{}
	list, err := s.store.Targets(ctx, years) // one read, however many years
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		out[t.PairingID] += t.TargetCents
	}
	return out, nil
}

// Monthly is the twelve months of a year of one pairing, in the caller's
// scope; a pairing outside it, or of another programme than the one asked
// about, is a 404. The query is one whole year.
func (s *Service) Monthly(ctx context.Context, actor *model.User, pairingID int64, q Query) (*MonthlyReport, error) {
	sc, err := s.scopeOf(ctx, actor, false)
	if err != nil {
		return nil, err
	}
	q.ParentID = 0
	if err := q.check(); err != nil {
		return nil, err
	}
	if q.Range() || q.Month != 0 {
		return nil, model.Invalid(model.FieldError{Field: "year", Message: "the monthly figures are of one whole year: give year alone"})
	}
	key := cacheKey("m:%d:%s:%s", pairingID, q.key(), sc.key())
	return cached(ctx, s, key, func(ctx context.Context) (*MonthlyReport, error) {
		return s.monthly(ctx, sc, pairingID, q)
	})
}

func (s *Service) monthly(ctx context.Context, sc scope, pairingID int64, q Query) (*MonthlyReport, error) {
	w, err := s.world(ctx)
	if err != nil {
		return nil, err
	}
	year := q.Year
	i := slices.IndexFunc(w.Pairings, func(p model.PairingView) bool { return p.ID == pairingID })
	if i < 0 || !w.visible(sc, &w.Pairings[i]) || !q.inProgramme(&w.Pairings[i]) {
		return nil, model.NotFound("pairing")
	}
	p := &w.Pairings[i]
	targets, err := s.targets(ctx, []int{year})
	if err != nil {
		return nil, err
	}
	counties := w.countyPairings(p)
	ids := append([]int64{p.ID}, counties...)
	base := model.YearPeriod(year)
	months := make([]int, 12)
	for m := range months {
		months[m] = base + m + 1
	}
	sums, err := s.store.PairingSums(ctx, months, ids, w.filter(sc))
	if err != nil {
		return nil, err
	}
	var total, county [13]figure
	for _, r := range sums {
		m := r.Period - base
		if m < 1 || m > 12 || r.PairingID == 0 {
			continue
		}
		total[m].add(r.Kind, r.Cents, r.Orders)
		if r.PairingID != p.ID {
			county[m].add(r.Kind, r.Cents, r.Orders)
		}
	}
	out := &MonthlyReport{Year: year, Pairing: pairingRef(p), Months: make([]MonthRow, 0, 12)}
	target, hasTarget := targets[p.ID]
	if hasTarget {
		out.TargetCents = &target
	}
	var cumulative int64
	for m := 1; m <= 12; m++ {
		cumulative += total[m].cents
		row := MonthRow{Month: m, CreditedCents: total[m].cents, CountyCents: county[m].cents,
			DirectCents: total[m].direct, AssistedCents: total[m].assisted, Orders: total[m].orders,
			CumulativeCents: cumulative}
		if hasTarget {
			row.Completion = Completion(cumulative, target)
		}
		out.Months = append(out.Months, row)
	}
	return out, nil
}

// Orgs ranks the orgs q.ParentID supervises (the top-level orgs when 0) by
// reserved-share progress, for a year or one month of it (a month has no
// completion: the reserved amount is a year's). Reserved shares are neither
// per programme nor over ranges of years: either is a 422 naming it. An
// org_admin may ask about their own org (the default) or one below it; any
// other org is a 404 to them. A partner-side officer gets a 403: reserved
// shares are a helper-side review.
func (s *Service) Orgs(ctx context.Context, actor *model.User, q Query) (*OrgReport, error) {
	sc, err := s.reservedScope(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	year, parentID := q.Year, q.ParentID
	if sc.orgID != 0 {
		if parentID == 0 {
			parentID = sc.orgID
		}
		if err := s.inSubtree(ctx, sc.orgID, parentID); err != nil {
			return nil, err
		}
	}
	// Figures of a parent are the same for every caller allowed to ask;
	// only an officer's region narrows them.
	figScope := sc
	figScope.orgID = 0
	q.ParentID = parentID
	key := cacheKey("o:%s:%s", q.key(), figScope.key())
	return cached(ctx, s, key, func(ctx context.Context) (*OrgReport, error) {
		return s.orgs(ctx, figScope, year, q.Month, parentID)
	})
}

// reservedScope is the caller's scope on the reserved-share routes (Orgs,
// Units), with their query rules: a partner-side officer gets a 403 (a
// helper-side review), and reserved shares are neither per programme nor over
// ranges of years — either is a 422 naming it.
func (s *Service) reservedScope(ctx context.Context, actor *model.User, q Query) (scope, error) {
	sc, err := s.scopeOf(ctx, actor, true)
	if err != nil {
		return scope{}, err
	}
	if sc.side == model.SidePartner {
		return scope{}, model.Forbidden("org reserved-share statistics are for the helper side: a partner-side officer sees the pairing and district figures")
	}
	if err := q.check(); err != nil {
		return scope{}, err
	}
	switch {
	case q.Programme != "":
		return scope{}, model.Invalid(model.FieldError{Field: "programme", Message: "reserved shares are not per programme: leave programme out"})
	case q.Range():
		return scope{}, model.Invalid(model.FieldError{Field: "from", Message: "reserved shares are filed per year: give year (and month), not a range"})
	}
	return sc, nil
}

// programmePairings are the ids of the query's programme's pairings, nil
// for every pairing when it names none.
func (w *world) programmePairings(q Query) []int64 {
	if q.Programme == "" {
		return nil
	}
	ids := []int64{}
	for i := range w.Pairings {
		if q.inProgramme(&w.Pairings[i]) {
			ids = append(ids, w.Pairings[i].ID)
		}
	}
	return ids
}

// inSubtree: org is top or lies below it; else a 404, as for an org that
// does not exist.
func (s *Service) inSubtree(ctx context.Context, top, org int64) error {
	id := org
	for depth := 0; depth < 64; depth++ {
		if id == top {
			return nil
		}
		o, err := s.store.Org(ctx, id)
		if err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return model.NotFound("org")
			}
			return err
		}
		if o.ParentID == nil {
			break
		}
		id = *o.ParentID
	}
	return model.NotFound("org")
}

func (s *Service) orgs(ctx context.Context, sc scope, year, month int, parentID int64) (*OrgReport, error) {
	inScope := func(*model.Org) bool { return true }
	if sc.side != "" {
		w, err := s.world(ctx)
		if err != nil {
			return nil, err
		}
		inScope = func(o *model.Org) bool { return w.Tree.Contains(sc.region, o.RegionCode) }
	}
	period := model.YearPeriod(year) + month
	out := &OrgReport{Year: year, Month: month, Items: []OrgRow{}}
	parent, children, err := s.store.OrgFamilyFigures(ctx, period, year, parentID) // a 404 when there is no such org
	if err != nil {
		return nil, err
	}
	if parent != nil && inScope(&parent.Org) {
		row := orgRow(parent, month == 0)
		out.Parent = &row
	}
	for i := range children {
		if inScope(&children[i].Org) {
			out.Items = append(out.Items, orgRow(&children[i], month == 0))
		}
	}
	ranked(out.Items, func(r *OrgRow) (*Ratio, int64) { return r.Completion, r.SubtreeCertifiedCents },
		func(r *OrgRow, rank int) { r.Rank = &rank })
	return out, nil
}

// orgRow is one org's row; completion only for a whole year (completes).
func orgRow(f *model.OrgFigures, completes bool) OrgRow {
	r := &f.Rollup
	o := &f.Org
	row := OrgRow{Org: OrgRef{ID: o.ID, Name: o.Name, Kind: o.Kind, ParentID: o.ParentID,
		Region: Region{Code: o.RegionCode, Name: f.RegionName}},
		PurchasesCents: r.Cents, CertifiedCents: r.CertifiedCents, CreditedCents: r.CreditedCents,
		SubtreePurchasesCents: r.SubtreeCents, SubtreeCertifiedCents: r.SubtreeCertifiedCents,
		SubtreeCreditedCents: r.SubtreeCreditedCents}
	if f.FilingStatus != "" {
		status := f.FilingStatus
		row.FilingStatus = &status
	}
	// an approved filing, or one submitted for review, is a commitment; a
	// draft or a returned one is not yet
	if f.FilingStatus == model.FilingApproved || f.FilingStatus == model.FilingSubmitted {
		reserved := f.Filing().ReservedCents()
		row.ReservedCents = &reserved
		if completes {
			row.Completion = Completion(r.SubtreeCertifiedCents, reserved)
		}
	}
	return row
}

// Districts ranks the helper districts (county-level helper-side regions)
// by credited purchases over the query's period, in the caller's scope: for
// one programme (the review assesses each separately), or both together
// when none is given.
func (s *Service) Districts(ctx context.Context, actor *model.User, q Query) (*DistrictReport, error) {
	sc, err := s.scopeOf(ctx, actor, false)
	if err != nil {
		return nil, err
	}
	q.ParentID = 0
	if err := q.check(); err != nil {
		return nil, err
	}
	key := cacheKey("r:%s:%s", q.key(), sc.key())
	return cached(ctx, s, key, func(ctx context.Context) (*DistrictReport, error) {
		return s.districts(ctx, sc, q)
	})
}

func (s *Service) districts(ctx context.Context, sc scope, q Query) (*DistrictReport, error) {
	w, err := s.world(ctx)
	if err != nil {
		return nil, err
	}
	targets, err := s.targets(ctx, q.targetYears())
	if err != nil {
		return nil, err
	}
	ids := w.programmePairings(q)
	sums, err := s.store.AreaSums(ctx, q.periods(), ids, w.filter(sc))
	if err != nil {
		return nil, err
	}
	isDistrict := func(code string) bool {
		r, ok := w.Regions[code]
		return ok && r.Level == model.LevelCounty && r.Side == model.SideHelper
	}
	// districtOf: the district a buyer region lies in ("" for none).
	districtOf := func(code string) string {
		for c, depth := code, 0; c != "" && depth < 8; c, depth = w.Tree[c], depth+1 {
			if isDistrict(c) {
				return c
			}
		}
		return ""
	}
	figs := map[string]*figure{}
	for _, r := range sums {
		d := districtOf(r.BuyerRegion)
		if d == "" {
			continue
		}
		f := figs[d]
		if f == nil {
			f = &figure{}
			figs[d] = f
		}
		f.add(r.Kind, r.Cents, r.Orders)
	}
	out := &DistrictReport{Items: []DistrictRow{}, Programme: q.Programme}
	out.Year, out.Month, out.From, out.To = q.header()
	for code, r := range w.Regions {
		if !isDistrict(code) || (sc.side == model.SideHelper && !w.related(code, sc.region)) {
			continue
		}
		row := DistrictRow{Region: Region{Code: code, Name: r.Name}}
		if f := figs[code]; f != nil {
			row.CreditedCents, row.DirectCents, row.AssistedCents, row.Orders = f.cents, f.direct, f.assisted, f.orders
		}
		var target int64
		hasTarget := false
		for _, p := range w.Pairings {
			if p.Level != model.LevelCounty || p.HelperCode != code || !q.inProgramme(&p) ||
				(sc.side == model.SidePartner && !w.related(p.PartnerCode, sc.region)) {
				continue
			}
			if t, ok := targets[p.ID]; ok {
				target += t
				hasTarget = true
			}
		}
		if hasTarget {
			row.TargetCents = &target
			if q.completes() {
				row.Completion = Completion(row.CreditedCents, target)
			}
		}
		out.Items = append(out.Items, row)
	}
	// by code first, so equal figures keep a stable order
	slices.SortFunc(out.Items, func(a, b DistrictRow) int {
		if a.Region.Code < b.Region.Code {
			return -1
		}
		if a.Region.Code > b.Region.Code {
			return 1
		}
		return 0
	})
	ranked(out.Items, func(r *DistrictRow) (*Ratio, int64) { return r.Completion, r.CreditedCents },
		func(r *DistrictRow, rank int) { r.Rank = rank })
	return out, nil
}
