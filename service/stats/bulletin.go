package stats

// The monthly bulletin (月度通报): for each programme the helper districts
// ranked for the month and for the year to date, the units with their filing
// status and reserved-share completion, and the largest movers — the rows
// whose year-to-date completion rose most since the month before. An admin
// issues a month once it has ended; the bulletin as computed then is kept
// (model.Bulletin) and is what every later read shows, each row carrying the
// figures of now and the change since issue beside the issued ones.
//
// Decisions the product rules leave open (docs/PRODUCT.md has them too):
//   - a district's year-to-date completion is its credited from January to
//     the month ÷ the year's target (as the monthly route's cumulative
//     completion); the month ranking is by the month's credited amount;
//   - a unit's figures are its subtree's certified purchases (reserved-share
//     progress); completion is year to date ÷ the reserved amount of an
//     approved or submitted filing, as on /stats/orgs. Units are not per
//     programme: they are one part of the bulletin, beside the programmes;
//   - movers are the five rows with the largest positive change in
//     completion; rows without a completion never move;
//   - the bulletin is one document for the whole province: computed and
//     issued in the admin's scope. A helper-side officer reads the rows of
//     their scope (the districts that contain or lie in their region, the
//     units in it) with the province-wide ranks; a partner-side officer and
//     an org_admin are refused (403), as on the reserved-share routes;
//   - rows that appear after issue (a new org) follow the issued rows with
//     zero issued figures and rank 0.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"

	"shanhai/model"
	"shanhai/service/check"
)

// Bulletin statuses.
const (
	BulletinDraft  = "draft"  // computed now: not issued
	BulletinIssued = "issued" // as issued, with the changes since
)

// bulletinProgrammes are the programmes a bulletin has a part for, in order.
var bulletinProgrammes = []string{model.ProgrammeEastWest, model.ProgrammeMountainSea}

// moversShown is how many movers a bulletin names.
const moversShown = 5

// DistrictFigures are a helper district's figures in a bulletin.
type DistrictFigures struct {
	TargetCents        *int64 `json:"target_cents"` // the year's target; nil: none
	MonthCents         int64  `json:"month_cents"`  // credited in the month
	MonthRank          int    `json:"month_rank"`   // by the month's credited amount
	YTDCents           int64  `json:"ytd_cents"`    // credited from January to the month
	Completion         *Ratio `json:"completion"`   // year to date ÷ target
	PreviousCompletion *Ratio `json:"previous_completion"`
	CompletionChange   *Ratio `json:"completion_change"` // completion − previous completion
	Rank               int    `json:"rank"`              // year to date: completion, then amount
}

// UnitFigures are an org's figures in a bulletin: its subtree's certified
// purchases against its reserved amount.
type UnitFigures struct {
	FilingStatus       *string `json:"filing_status"`  // nil: no filing for the year
	ReservedCents      *int64  `json:"reserved_cents"` // nil: no approved or submitted filing
	MonthCents         int64   `json:"month_cents"`
	MonthRank          int     `json:"month_rank"`
	YTDCents           int64   `json:"ytd_cents"`
	Completion         *Ratio  `json:"completion"`
	PreviousCompletion *Ratio  `json:"previous_completion"`
	CompletionChange   *Ratio  `json:"completion_change"`
	Rank               int     `json:"rank"`
}

// BulletinChange is what moved since a bulletin was issued: now − issued.
type BulletinChange struct {
	MonthCents int64  `json:"month_cents"`
	YTDCents   int64  `json:"ytd_cents"`
	Completion *Ratio `json:"completion"` // nil when either completion is
}

// BulletinDistrict is one district's row: the bulletin's figures (as issued,
// once it is) and, once issued, the figures of now and the change.
type BulletinDistrict struct {
	Region Region `json:"region"`
	DistrictFigures
	Now               *DistrictFigures `json:"now,omitempty"`
	ChangedSinceIssue *BulletinChange  `json:"changed_since_issue,omitempty"`
}

// BulletinUnit is one org's row.
type BulletinUnit struct {
	Org OrgRef `json:"org"`
	UnitFigures
	Now               *UnitFigures    `json:"now,omitempty"`
	ChangedSinceIssue *BulletinChange `json:"changed_since_issue,omitempty"`
}

// ProgrammeBulletin is one programme's part: its districts ranked, and the
// largest movers among them.
type ProgrammeBulletin struct {
	Programme string             `json:"programme"`
	Districts []BulletinDistrict `json:"districts"`
	Movers    []BulletinDistrict `json:"movers"`
}

// UnitBulletin is the units' part.
type UnitBulletin struct {
	Items  []BulletinUnit `json:"items"`
	Movers []BulletinUnit `json:"movers"`
}

// BulletinReport is a month's bulletin.
type BulletinReport struct {
	Year       int                 `json:"year"`
	Month      int                 `json:"month"`
	Status     string              `json:"status"`
	IssuedAt   *string             `json:"issued_at"` // RFC 3339, China time; nil: a draft
	IssuedBy   *int64              `json:"issued_by"`
	Programmes []ProgrammeBulletin `json:"programmes"`
	Units      UnitBulletin        `json:"units"`
}

// bulletinScope: admins and helper-side officers read the bulletin.
func (s *Service) bulletinScope(ctx context.Context, actor *model.User) (scope, error) {
	sc, err := s.scopeOf(ctx, actor, false)
	if err != nil {
		return scope{}, err
	}
	if sc.side == model.SidePartner {
		return scope{}, model.Forbidden("the bulletin ranks the helper side's districts and units: a partner-side officer sees the pairing, district and origin figures")
	}
	return sc, nil
}

// checkBulletinQuery: a year and its month, optionally a programme; no range.
func checkBulletinQuery(q Query) error {
	bad := q.Period.check(nil)
	if q.Programme != "" && !slices.Contains(bulletinProgrammes, q.Programme) {
		bad = append(bad, model.FieldError{Field: "programme", Message: "must be east_west or mountain_sea"})
	}
	if q.Range() {
		bad = append(bad, model.FieldError{Field: "from", Message: "a bulletin is of one month: give year and month, not a range"})
	} else if q.Month == 0 {
		bad = append(bad, model.FieldError{Field: "month", Message: "is required: a bulletin is of one month (1 to 12)"})
	}
	if len(bad) > 0 {
		return model.Invalid(bad...)
	}
	return nil
}

// Bulletin is the month's bulletin: as issued when it is (with the figures
// of now beside), else as computed now. programme narrows it to one
// programme's part (the units stay: they are not per programme).
func (s *Service) Bulletin(ctx context.Context, actor *model.User, q Query) (*BulletinReport, error) {
	sc, err := s.bulletinScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	if err := checkBulletinQuery(q); err != nil {
		return nil, err
	}
	parts, err := s.store.Bulletins(ctx, q.Year, q.Month)
	if err != nil {
		return nil, err
	}
	now, err := cached(ctx, s, cacheKey("b:%d-%02d", q.Year, q.Month), func(ctx context.Context) (*BulletinReport, error) {
		return s.bulletinNow(ctx, q.Year, q.Month)
	})
	if err != nil {
		return nil, err
	}
	out := now
	if len(parts) > 0 {
		if out, err = issuedAgainst(parts, now); err != nil {
			return nil, err
		}
	}
	return s.bulletinView(ctx, sc, q.Programme, out)
}

// IssueBulletin keeps the month's bulletin as computed now (admins only,
// audited): a month is issued once (409), and only once it has ended (422).
func (s *Service) IssueBulletin(ctx context.Context, actor *model.User, year, month int) (*BulletinReport, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	var bad []model.FieldError
	if !model.ValidYear(year) {
		bad = append(bad, model.FieldError{Field: "year", Message: "must be a year between 2000 and 2100"})
	}
	if month < 1 || month > 12 {
		bad = append(bad, model.FieldError{Field: "month", Message: "must be a month from 1 to 12"})
	}
	today := time.Now().In(model.China)
	if current := today.Year()*100 + int(today.Month()); len(bad) == 0 && year*100+month >= current {
		bad = append(bad, model.FieldError{Field: "month",
			Message: fmt.Sprintf("%d-%02d has not ended yet: a bulletin is issued once its month is over", year, month)})
	}
	if len(bad) > 0 {
		return nil, model.Invalid(bad...)
	}
	rep, err := s.bulletinNow(ctx, year, month)
	if err != nil {
		return nil, err
	}
	var parts []model.Bulletin
	for _, p := range rep.Programmes {
		body, err := json.Marshal(p.Districts)
		if err != nil {
			return nil, err
		}
		parts = append(parts, model.Bulletin{Year: year, Month: month, Part: p.Programme, Body: body, ActorID: &actor.ID})
	}
	body, err := json.Marshal(rep.Units.Items)
	if err != nil {
		return nil, err
	}
	parts = append(parts, model.Bulletin{Year: year, Month: month, Part: model.BulletinUnits, Body: body, ActorID: &actor.ID})
	name := fmt.Sprintf("%d-%02d", year, month)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.AddBulletins(ctx, parts)
		if err != nil {
			return err
		}
		if !ok {
			return model.Conflict("bulletin_issued", "the bulletin of %s is issued already", name)
		}
		// the audit row as service/audit writes it (that package exports
		// through this one, so it cannot be imported here)
		summary, err := json.Marshal(map[string]any{"year": year, "month": month,
			"districts": len(rep.Programmes[0].Districts), "units": len(rep.Units.Items)})
		if err != nil {
			return err
		}
		return s.store.AddAudit(ctx, &model.Audit{Action: "bulletin.issue", Entity: "bulletin", EntityID: name,
			Before: "null", After: string(summary), RequestID: model.RequestID(ctx), ActorID: &actor.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.Bulletin(ctx, actor, Query{Period: Period{Year: year, Month: month}})
}

// bulletinNow computes the month's bulletin from the rollups, province-wide.
func (s *Service) bulletinNow(ctx context.Context, year, month int) (*BulletinReport, error) {
	out := &BulletinReport{Year: year, Month: month, Status: BulletinDraft, Programmes: []ProgrammeBulletin{}}
	for _, p := range bulletinProgrammes {
		ds, err := s.bulletinDistricts(ctx, year, month, p)
		if err != nil {
			return nil, err
		}
		out.Programmes = append(out.Programmes, ProgrammeBulletin{Programme: p, Districts: ds})
	}
	units, err := s.bulletinUnits(ctx, year, month)
	if err != nil {
		return nil, err
	}
	out.Units.Items = units
	return out, nil
}

// ytd is January to month of year; prev January to the month before (its
// Period is the zero value in January: nothing before).
func ytd(year, month int) Period { return Period{From: year*100 + 1, To: year*100 + month} }

func (s *Service) bulletinDistricts(ctx context.Context, year, month int, programme string) ([]BulletinDistrict, error) {
	monthRep, err := s.districts(ctx, scope{}, Query{Period: Period{Year: year, Month: month}, Programme: programme})
	if err != nil {
		return nil, err
	}
	yearTo, err := s.districts(ctx, scope{}, Query{Period: ytd(year, month), Programme: programme})
	if err != nil {
		return nil, err
	}
	before := map[string]int64{}
	if month > 1 {
		prev, err := s.districts(ctx, scope{}, Query{Period: ytd(year, month-1), Programme: programme})
		if err != nil {
			return nil, err
		}
		for _, r := range prev.Items {
			before[r.Region.Code] = r.CreditedCents
		}
	}
	upTo := map[string]int64{}
	for _, r := range yearTo.Items {
		upTo[r.Region.Code] = r.CreditedCents
	}
	rows := make([]BulletinDistrict, 0, len(monthRep.Items))
	for _, m := range monthRep.Items { // ranked by the month's amount
		d := BulletinDistrict{Region: m.Region}
		d.TargetCents, d.MonthCents, d.MonthRank, d.YTDCents = m.TargetCents, m.CreditedCents, m.Rank, upTo[m.Region.Code]
		if d.TargetCents != nil {
			d.Completion = Completion(d.YTDCents, *d.TargetCents)
			d.PreviousCompletion = Completion(before[m.Region.Code], *d.TargetCents)
			d.CompletionChange = change(d.Completion, d.PreviousCompletion)
		}
		rows = append(rows, d)
	}
	slices.SortStableFunc(rows, func(a, b BulletinDistrict) int { return cmpString(a.Region.Code, b.Region.Code) })
	ranked(rows, func(r *BulletinDistrict) (*Ratio, int64) { return r.Completion, r.YTDCents },
		func(r *BulletinDistrict, rank int) { r.Rank = rank })
	return rows, nil
}

func (s *Service) bulletinUnits(ctx context.Context, year, month int) ([]BulletinUnit, error) {
	figs, err := s.store.AllOrgFigures(ctx, model.YearPeriod(year)+month, year)
	if err != nil {
		return nil, err
	}
	upTo, err := s.store.OrgCertifiedSums(ctx, ytd(year, month).periods())
	if err != nil {
		return nil, err
	}
	before := map[int64]int64{}
	if month > 1 {
		if before, err = s.store.OrgCertifiedSums(ctx, ytd(year, month-1).periods()); err != nil {
			return nil, err
		}
	}
	rows := make([]BulletinUnit, 0, len(figs))
	for i := range figs {
		o := orgRow(&figs[i], false)
		u := BulletinUnit{Org: o.Org}
		u.FilingStatus, u.ReservedCents = o.FilingStatus, o.ReservedCents
		u.MonthCents, u.YTDCents = figs[i].Rollup.SubtreeCertifiedCents, upTo[o.Org.ID]
		if u.ReservedCents != nil {
			u.Completion = Completion(u.YTDCents, *u.ReservedCents)
			u.PreviousCompletion = Completion(before[o.Org.ID], *u.ReservedCents)
			u.CompletionChange = change(u.Completion, u.PreviousCompletion)
		}
		rows = append(rows, u)
	}
	ranked(rows, func(r *BulletinUnit) (*Ratio, int64) { return nil, r.MonthCents },
		func(r *BulletinUnit, rank int) { r.MonthRank = rank })
	slices.SortStableFunc(rows, func(a, b BulletinUnit) int { return cmpInt(a.Org.ID, b.Org.ID) })
	ranked(rows, func(r *BulletinUnit) (*Ratio, int64) { return r.Completion, r.YTDCents },
		func(r *BulletinUnit, rank int) { r.Rank = rank })
	return rows, nil
}

// issuedAgainst is the issued bulletin of parts with now's figures beside
// each row.
func issuedAgainst(parts []model.Bulletin, now *BulletinReport) (*BulletinReport, error) {
	out := &BulletinReport{Year: now.Year, Month: now.Month, Status: BulletinIssued, Programmes: []ProgrammeBulletin{}}
	byPart := map[string]*model.Bulletin{}
	for i := range parts {
		byPart[parts[i].Part] = &parts[i]
		at := parts[i].IssuedAt.In(model.China).Format(time.RFC3339)
		out.IssuedAt, out.IssuedBy = &at, parts[i].ActorID
	}
	for _, cur := range now.Programmes {
		p := ProgrammeBulletin{Programme: cur.Programme, Districts: []BulletinDistrict{}}
		if b := byPart[cur.Programme]; b != nil {
			if err := json.Unmarshal(b.Body, &p.Districts); err != nil {
				return nil, fmt.Errorf("bulletin %d-%02d %s: %w", b.Year, b.Month, b.Part, err)
			}
		}
		nowOf := map[string]DistrictFigures{}
		for _, d := range cur.Districts {
			nowOf[d.Region.Code] = d.DistrictFigures
		}
		seen := map[string]bool{}
		for i := range p.Districts {
			d := &p.Districts[i]
			seen[d.Region.Code] = true
			n := nowOf[d.Region.Code]
			d.Now, d.ChangedSinceIssue = &n, &BulletinChange{MonthCents: n.MonthCents - d.MonthCents,
				YTDCents: n.YTDCents - d.YTDCents, Completion: change(n.Completion, d.Completion)}
		}
		for _, d := range cur.Districts {
			if !seen[d.Region.Code] {
				n := d.DistrictFigures
				p.Districts = append(p.Districts, BulletinDistrict{Region: d.Region, Now: &n,
					ChangedSinceIssue: &BulletinChange{MonthCents: n.MonthCents, YTDCents: n.YTDCents}})
			}
		}
		out.Programmes = append(out.Programmes, p)
	}
	out.Units.Items = []BulletinUnit{}
	if b := byPart[model.BulletinUnits]; b != nil {
		if err := json.Unmarshal(b.Body, &out.Units.Items); err != nil {
			return nil, fmt.Errorf("bulletin %d-%02d units: %w", b.Year, b.Month, err)
		}
	}
	nowOf := map[int64]UnitFigures{}
	for _, u := range now.Units.Items {
		nowOf[u.Org.ID] = u.UnitFigures
	}
	seen := map[int64]bool{}
	for i := range out.Units.Items {
		u := &out.Units.Items[i]
		seen[u.Org.ID] = true
		n := nowOf[u.Org.ID]
		u.Now, u.ChangedSinceIssue = &n, &BulletinChange{MonthCents: n.MonthCents - u.MonthCents,
			YTDCents: n.YTDCents - u.YTDCents, Completion: change(n.Completion, u.Completion)}
	}
	for _, u := range now.Units.Items {
		if !seen[u.Org.ID] {
			n := u.UnitFigures
			out.Units.Items = append(out.Units.Items, BulletinUnit{Org: u.Org, Now: &n,
				ChangedSinceIssue: &BulletinChange{MonthCents: n.MonthCents, YTDCents: n.YTDCents}})
		}
	}
	return out, nil
}

// bulletinView narrows a province-wide bulletin to the caller's scope and
// to one programme (when asked), and names the movers.
func (s *Service) bulletinView(ctx context.Context, sc scope, programme string, rep *BulletinReport) (*BulletinReport, error) {
	out := *rep
	var w *world
	if sc.side != "" {
		var err error
		if w, err = s.world(ctx); err != nil {
			return nil, err
		}
	}
	out.Programmes = []ProgrammeBulletin{}
	for _, p := range rep.Programmes {
		if programme != "" && p.Programme != programme {
			continue
		}
		v := ProgrammeBulletin{Programme: p.Programme, Districts: []BulletinDistrict{}}
		for _, d := range p.Districts {
			if w == nil || w.related(d.Region.Code, sc.region) {
				v.Districts = append(v.Districts, d)
			}
		}
		v.Movers = movers(v.Districts, func(d *BulletinDistrict) (*Ratio, int) { return d.CompletionChange, d.Rank })
		out.Programmes = append(out.Programmes, v)
	}
	out.Units = UnitBulletin{Items: []BulletinUnit{}}
	for _, u := range rep.Units.Items {
		if w == nil || w.Tree.Contains(sc.region, u.Org.Region.Code) {
			out.Units.Items = append(out.Units.Items, u)
		}
	}
	out.Units.Movers = movers(out.Units.Items, func(u *BulletinUnit) (*Ratio, int) { return u.CompletionChange, u.Rank })
	return &out, nil
}

// movers are the rows with the largest positive change, at most
// moversShown, largest first (then by rank).
func movers[T any](rows []T, key func(*T) (*Ratio, int)) []T {
	out := []T{}
	for i := range rows {
		if c, rank := key(&rows[i]); c != nil && c.Cmp(Ratio{}) > 0 && rank > 0 {
			out = append(out, rows[i])
		}
	}
	slices.SortStableFunc(out, func(a, b T) int {
		ca, ra := key(&a)
		cb, rb := key(&b)
		if c := cb.Cmp(*ca); c != 0 {
			return c
		}
		return ra - rb
	})
	return out[:min(len(out), moversShown)]
}

// change is a − b, nil when either is.
func change(a, b *Ratio) *Ratio {
	if a == nil || b == nil {
		return nil
	}
	d := a.Sub(*b)
	return &d
}

// Sub is r − o, exactly.
func (r Ratio) Sub(o Ratio) Ratio {
	v := new(big.Int).Sub(r.tenThousandths(), o.tenThousandths())
	neg := v.Sign() < 0
	v.Abs(v)
	whole, frac := new(big.Int).QuoRem(v, big.NewInt(10000), new(big.Int))
	return Ratio{neg: neg, whole: whole.Uint64(), frac: uint16(frac.Uint64())}
}

func (r Ratio) tenThousandths() *big.Int {
	v := new(big.Int).SetUint64(r.whole)
	v.Mul(v, big.NewInt(10000)).Add(v, big.NewInt(int64(r.frac)))
	if r.neg {
		v.Neg(v)
	}
	return v
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
