package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"shanhai/model"
	"shanhai/scripts/bench"
	"shanhai/service/demo"
)

// The reference data: the demo's (pairings, suppliers, products, 9 orgs, one
// user per role) and a generated org tree. Supervising units (教育体育局,
// 卫生健康局, 总工会, 商务局, 机关事务管理局) stand in the Shaoxing districts;
// the district 机关事务管理局 report to the demo's 绍兴市机关事务管理局, so
// some chains have three levels. Their children are school and hospital
// canteens, unions and enterprises, supermarkets, wholesale markets and
// co-ops, each in its supervisor's district.

// group is what a supervising unit supervises: child kinds, by weight, with
// a name pattern (district name, number).
type group []child

type child struct {
	kind, pattern, sector string // sector: where the org's purchases go (五进)
	weight                int
}

var (
	offices = group{{model.OrgCanteen, "%s机关第%d食堂", "government", 6}, {model.OrgGovernment, "%s第%d行政服务中心", "government", 4}}
	schools = group{{model.OrgCanteen, "%s第%d中学食堂", "school", 5}, {model.OrgCanteen, "%s第%d小学食堂", "school", 5}}
	health  = group{{model.OrgCanteen, "%s第%d人民医院食堂", "hospital", 4}, {model.OrgCanteen, "%s第%d社区卫生服务中心食堂", "hospital", 6}}
	unions  = group{{model.OrgUnion, "%s第%d企业工会", "enterprise", 6}, {model.OrgEnterprise, "%s第%d纺织印染有限公司", "enterprise", 4}}
	markets = group{{model.OrgSupermarket, "%s第%d农产品超市", "community", 5}, {model.OrgWholesale, "%s第%d农贸批发市场", "community", 2}, {model.OrgCoop, "%s第%d供销合作社", "community", 3}}
)

// supervisors are the generated supervising units; ranked is the one whose
// children the org ranking ranks (越城区教育体育局: ~250 school canteens with the default -orgs).
var supervisors = []struct {
	region, name, kind string
	children           group
	underCity          bool // reports to the demo's 绍兴市机关事务管理局
}{
	{"330602", "越城区机关事务管理局", model.OrgGovernment, offices, true},
	{"330602", "越城区教育体育局", model.OrgGovernment, schools, false},
	{"330602", "越城区卫生健康局", model.OrgGovernment, health, false},
	{"330602", "越城区总工会", model.OrgUnion, unions, false},
	{"330602", "越城区商务局", model.OrgGovernment, markets, false},
	{"330603", "柯桥区机关事务管理局", model.OrgGovernment, offices, true},
	{"330603", "柯桥区教育体育局", model.OrgGovernment, schools, false},
	{"330603", "柯桥区总工会", model.OrgUnion, unions, false},
	{"330603", "柯桥区商务局", model.OrgGovernment, markets, false},
	{"330604", "上虞区机关事务管理局", model.OrgGovernment, offices, true},
	{"330604", "上虞区教育体育局", model.OrgGovernment, schools, false},
	{"330604", "上虞区卫生健康局", model.OrgGovernment, health, false},
	{"330604", "上虞区总工会", model.OrgUnion, unions, false},
	{"330604", "上虞区商务局", model.OrgGovernment, markets, false},
	{"330683", "嵊州市机关事务管理局", model.OrgGovernment, offices, true},
	{"330683", "嵊州市教育体育局", model.OrgGovernment, schools, false},
	{"330681", "诸暨市机关事务管理局", model.OrgGovernment, offices, true},
	{"330681", "诸暨市教育体育局", model.OrgGovernment, schools, false},
	{"330681", "诸暨市总工会", model.OrgUnion, unions, false},
	{"330624", "新昌县机关事务管理局", model.OrgGovernment, offices, true},
}

const (
	ranked     = 1            // index in supervisors of the unit whose children are ranked
	cityOffice = "绍兴市机关事务管理局" // the demo's
)

// org is a buying org as the ledger sees it.
type org struct {
	id                                     int64
	name, kind, region, creditKind, sector string
	parent                                 int64 // 0: top level
	chain                                  string
	ids                                    []int64 // the chain, top first
	demo                                   bool
}

// origin is a partner county a district's buyer buys from, with the
// pairing the sale is credited to.
type origin struct {
	code    string
	pairing int64
}

// world is the reference data the ledger is generated from and checked
// against.
type world struct {
	pairings    []model.PairingView
	tree        model.RegionTree  // for model.CreditPairing, which the ledger writer applies
	parents     map[string]string // region code → its parent's code ("" at the top), for the checks
	orgs        []*org            // every org, the demo's first
	byID        map[int64]*org
	supervisors []*org // the generated supervising units, as in the table
	children    map[int64][]*org
	districts   []string            // helper districts (county level)
	paired      map[string][]origin // per buyer region: origins with a pairing, the county pairings' several times
	unpaired    map[string][]string // per buyer region: origins without one
	categories  []string
	suppliers   map[string][]int64 // per origin county: its producers (a generated one where the demo has none)
	admin       *model.User        // the demo's admin
}

// seed loads the demo data and the org tree and returns the world.
func seed(ctx context.Context, l *bench.Loader, n int) (*world, error) {
	loaded, err := demo.Load(ctx, l.Store, time.Now())
	if err != nil {
		return nil, err
	}
	if !loaded {
		return nil, fmt.Errorf("demo data: not loaded into a fresh database")
	}
	w := &world{byID: map[int64]*org{}, children: map[int64][]*org{}, paired: map[string][]origin{}, unpaired: map[string][]string{}}
	regions, err := l.Regions(ctx)
	if err != nil {
		return nil, err
	}
	w.tree = model.NewRegionTree(regions)
	w.parents = map[string]string{}
	for _, r := range regions {
		w.parents[r.Code] = ""
		if r.ParentCode != nil {
			w.parents[r.Code] = *r.ParentCode
		}
	}
	if w.pairings, err = l.Pairings(ctx); err != nil {
		return nil, err
	}
	if w.admin, err = l.UserByUsername(ctx, "admin"); err != nil {
		return nil, fmt.Errorf("the demo's admin: %w", err)
	}
	db := l.DB()
	if err := collect(ctx, db, "SELECT code FROM categories ORDER BY code", func(r *sql.Rows) error {
		var c string
		err := r.Scan(&c)
		w.categories = append(w.categories, c)
		return err
	}); err != nil {
		return nil, err
	}
	if err := collect(ctx, db, "SELECT id, name, kind, region_code, COALESCE(parent_id, 0), credit_kind, sector FROM orgs ORDER BY id", func(r *sql.Rows) error {
		o := &org{demo: true}
		if err := r.Scan(&o.id, &o.name, &o.kind, &o.region, &o.parent, &o.creditKind, &o.sector); err != nil {
			return err
		}
		w.add(o)
		return nil
	}); err != nil {
		return nil, err
	}
	var city int64
	for _, o := range w.orgs {
		if o.name == cityOffice {
			city = o.id
		}
	}
	if city == 0 {
		return nil, fmt.Errorf("demo data: no org %s", cityOffice)
	}

	// The generated orgs, ids after the demo's.
	rng := l.Rand
	nextID := w.orgs[len(w.orgs)-1].id + 1
	rows := bench.NewRows("orgs", "id, name, kind, region_code, parent_id, payment_terms, approval_threshold_cents, credit_kind, sector, invoice_title, tax_id, created_at")
	addOrg := func(o *org) {
		o.id, nextID = nextID, nextID+1
		o.creditKind = model.DefaultCreditKind(o.kind)
		if o.sector == "" {
			o.sector = model.DefaultSector(o.kind)
		}
		terms, threshold := model.TermsPrepay, int64(0)
		if o.kind == model.OrgCanteen {
			terms, threshold = model.TermsAfterDelivery, 500_000 // canteens pay after acceptance, approve above 5,000 yuan
		}
		var parent any
		if o.parent != 0 {
			parent = o.parent
		}
		rows.Add(o.id, o.name, o.kind, o.region, parent, terms, threshold, o.creditKind, o.sector, o.name,
			fmt.Sprintf("12%s%07dX", o.region, o.id), l.Now)
		w.add(o)
	}
	for _, s := range supervisors {
		o := &org{name: s.name, kind: s.kind, region: s.region}
		if s.underCity {
			o.parent = city
		}
		addOrg(o)
		w.supervisors = append(w.supervisors, o)
	}
	seq := map[string]int{}
	for i := range n - len(supervisors) {
		sup := w.supervisors[i%len(supervisors)]
		c := pick(rng, supervisors[i%len(supervisors)].children)
		key := sup.name + c.pattern
		seq[key]++
		name := fmt.Sprintf(c.pattern, regionName(regions, sup.region), seq[key])
		addOrg(&org{name: name, kind: c.kind, region: sup.region, parent: sup.id, sector: c.sector})
	}
	if err := l.Insert(ctx, rows); err != nil {
		return nil, err
	}
	for _, o := range w.orgs {
		if err := w.chain(o); err != nil {
			return nil, err
		}
		if o.parent != 0 {
			w.children[o.parent] = append(w.children[o.parent], o)
		}
	}

	// Per buyer region: the origins whose sales are credited, by the
	// design's rule (model.CreditPairing), and those that are not.
	var partners []string
	for _, r := range regions {
		switch {
		case r.Side == model.SideHelper && r.Level == model.LevelCounty:
			w.districts = append(w.districts, r.Code)
		case r.Side == model.SidePartner && r.Level == model.LevelCounty:
			partners = append(partners, r.Code)
		}
	}
	slices.Sort(w.districts)
	slices.Sort(partners)
	if err := w.seedSuppliers(ctx, l, regions, partners); err != nil {
		return nil, err
	}
	buying := slices.Clone(w.districts) // and the regions of orgs above district level (绍兴市)
	for _, o := range w.orgs {
		if !slices.Contains(buying, o.region) {
			buying = append(buying, o.region)
		}
	}
	for _, d := range buying {
		for _, code := range partners {
			p := model.CreditPairing(w.pairings, w.tree, d, code)
			if p == nil {
				w.unpaired[d] = append(w.unpaired[d], code)
				continue
			}
			times := 1
			if p.Level == model.LevelCounty {
				times = 6 // a district buys mostly from its own paired counties
			}
			for range times {
				w.paired[d] = append(w.paired[d], origin{code, p.ID})
			}
		}
		if len(w.paired[d]) == 0 || len(w.unpaired[d]) == 0 {
			return nil, fmt.Errorf("region %s: %d paired and %d unpaired origins; want some of both", d, len(w.paired[d]), len(w.unpaired[d]))
		}
	}
	bench.Logf("loaded the demo data (%d pairings, %d orgs) and %d generated orgs under %d supervising units",
		len(w.pairings), len(w.orgs)-n, n, len(supervisors))
	return w, nil
}

// seedSuppliers reads the demo's producers by county and adds one to every
// partner county that has none, so that every entry names a producer of
// its origin county.
func (w *world) seedSuppliers(ctx context.Context, l *bench.Loader, regions []model.Region, partners []string) error {
	w.suppliers = map[string][]int64{}
	var last int64
	if err := collect(ctx, l.DB(), "SELECT id, region_code FROM suppliers ORDER BY id", func(r *sql.Rows) error {
		var code string
		err := r.Scan(&last, &code)
		w.suppliers[code] = append(w.suppliers[code], last)
		return err
	}); err != nil {
		return err
	}
	rows := bench.NewRows("suppliers", "id, name, region_code, status, created_at")
	for _, code := range partners {
		if len(w.suppliers[code]) == 0 {
			last++
			rows.Add(last, regionName(regions, code)+"农特产品有限公司", code, model.SupplierActive, l.Now)
			w.suppliers[code] = []int64{last}
		}
	}
	if rows.Len() == 0 {
		return nil
	}
	return l.Insert(ctx, rows)
}

func (w *world) add(o *org) {
	w.orgs = append(w.orgs, o)
	w.byID[o.id] = o
}

// chain sets o's chain as the ledger writes it: the org and its
// supervisors, top first (service/credit, model.OrgChain).
func (w *world) chain(o *org) error {
	ids := []int64{o.id}
	for p := o.parent; p != 0; p = w.byID[p].parent {
		if w.byID[p] == nil || len(ids) > 8 {
			return fmt.Errorf("org %d: bad parent chain", o.id)
		}
		ids = append([]int64{p}, ids...)
	}
	o.ids, o.chain = ids, model.OrgChain(ids)
	return nil
}

// countyPart lists the county pairings inside city pairing p, by the
// design's rule: a city pairing's figures include every county pairing
// whose helper region lies in its helper region and whose partner region
// lies in its partner region. "Lies in" is read from the regions' parent
// codes as the bench loaded them, not from the model's region tree.
func (w *world) countyPart(p *model.PairingView) []int64 {
	if p.Level != model.LevelCity {
		return nil
	}
	var out []int64
	for _, q := range w.pairings {
		if q.Level == model.LevelCounty && w.inside(q.HelperCode, p.HelperCode) && w.inside(q.PartnerCode, p.PartnerCode) {
			out = append(out, q.ID)
		}
	}
	return out
}

// inside: region inner is outer or lies below it.
func (w *world) inside(inner, outer string) bool {
	for c, steps := inner, 0; c != "" && steps < 16; c, steps = w.parents[c], steps+1 {
		if c == outer {
			return true
		}
	}
	return false
}

// pick draws a child kind by weight.
func pick(rng *rand.Rand, g group) child {
	total := 0
	for _, c := range g {
		total += c.weight
	}
	n := rng.IntN(total)
	for _, c := range g {
		if n < c.weight {
			return c
		}
		n -= c.weight
	}
	return g[len(g)-1]
}

func regionName(regions []model.Region, code string) string {
	for _, r := range regions {
		if r.Code == code {
			return r.Name
		}
	}
	return code
}

// collect runs q and calls f on every row.
func collect(ctx context.Context, db *sql.DB, q string, f func(*sql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
