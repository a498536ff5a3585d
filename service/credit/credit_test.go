package credit_test

// The ledger's rules on an in-memory store, with the acceptance time in the
// test's hands: certificates judged on their first and last valid day (China
// date), the pairing chosen, the order counted once whatever its lines, and a
// return's entry taking back what the sale counted.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/service/credit"
)

// memStore is the part of the database the ledger reads and writes.
type memStore struct {
	orgs        map[int64]*model.Org
	users       map[int64]*model.User
	orders      map[int64]*model.Order
	regions     []model.Region
	pairings    []model.PairingView
	certs       map[int64]*model.Certification // product → current certificate
	rules       []model.ProgrammeRule          // none: every programme requires a certificate
	credits     []model.Credit
	corrections int64
}

func (m *memStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}
func (m *memStore) AfterCommit(_ context.Context, f func()) { f() }

func (m *memStore) User(_ context.Context, id int64) (*model.User, error) {
	if u, ok := m.users[id]; ok {
		return u, nil
	}
	return nil, model.ErrNotFound
}

func (m *memStore) Org(_ context.Context, id int64) (*model.Org, error) {
	if o, ok := m.orgs[id]; ok {
		return o, nil
	}
	return nil, model.ErrNotFound
}

func (m *memStore) Order(_ context.Context, id int64) (*model.Order, error) {
	if o, ok := m.orders[id]; ok {
		return o, nil
	}
	return nil, model.ErrNotFound
}

func (m *memStore) RegisterEntriesByNumber(context.Context, []string) ([]model.RegisterEntry, error) {
	return nil, nil
}
func (m *memStore) ReservePlatforms(context.Context) ([]string, error) { return []string{"832"}, nil }
func (m *memStore) RecordCredits(context.Context, int64) ([]model.Credit, error) {
	return nil, nil
}
func (m *memStore) YearClosed(context.Context, int) (bool, error) { return false, nil }

func (m *memStore) Regions(context.Context) ([]model.Region, error)       { return m.regions, nil }
func (m *memStore) RegionCount(context.Context) (int64, error)            { return int64(len(m.regions)), nil }
func (m *memStore) Pairings(context.Context) ([]model.PairingView, error) { return m.pairings, nil }

func (m *memStore) ProgrammeRules(context.Context) ([]model.ProgrammeRule, error) {
	return m.rules, nil
}

func (m *memStore) SalesPoint(_ context.Context, id int64) (*model.SalesPoint, error) {
	return &model.SalesPoint{ID: id, Type: "counter"}, nil
}

func (m *memStore) CurrentCertifications(_ context.Context, ids []int64) (map[int64]*model.Certification, error) {
	out := map[int64]*model.Certification{}
	for _, id := range ids {
		if c, ok := m.certs[id]; ok {
			out[id] = c
		}
	}
	return out, nil
}

func (m *memStore) AddCredits(_ context.Context, entries []*model.Credit) error {
	for _, e := range entries {
		e.ID = int64(len(m.credits) + 1)
		m.credits = append(m.credits, *e)
	}
	return nil
}

func (m *memStore) OrderCredits(_ context.Context, orderID int64) ([]model.Credit, error) {
	var out []model.Credit
	for _, e := range m.credits {
		if e.OrderID == orderID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) Credit(_ context.Context, id int64) (*model.Credit, error) {
	if id < 1 || id > int64(len(m.credits)) {
		return nil, model.ErrNotFound
	}
	e := m.credits[id-1]
	return &e, nil
}

func (m *memStore) CreateCorrection(_ context.Context, c *model.Correction) error {
	m.corrections++
	c.ID = m.corrections
	return nil
}

func (m *memStore) AddAudit(context.Context, *model.Audit) error { return nil }

// The rollup feed is the store's (model/store/storetest tests it).
func (m *memStore) PendingCredits(context.Context, int) ([]int64, error) { return nil, nil }
func (m *memStore) RollUp(context.Context, []int64) (int, error)         { return 0, nil }
func (m *memStore) RebuildRollups(context.Context) (*model.RebuildReport, error) {
	return &model.RebuildReport{}, nil
}

// Regions: 绍兴 (柯桥, 上虞), 衢州 (江山), 乐山 (金口河).
const (
	keqiao, shangyu, jiangshan, jinkouhe = "330603", "330604", "330881", "511113"
	pCity, pCounty, pLeshan              = 1, 2, 3 // pairing ids
	canteenID, supermarketID             = 10, 11
	consumerID, nowhereID                = 20, 21
)

func newStore() *memStore {
	region := func(code, parent string) model.Region {
		r := model.Region{Code: code}
		if parent != "" {
			r.ParentCode = &parent
		}
		return r
	}
	pairing := func(id int64, helper, partner string) model.PairingView {
		return model.PairingView{Pairing: model.Pairing{ID: id, HelperCode: helper, PartnerCode: partner, Active: true}}
	}
	yuecheng := "330602"
	return &memStore{
		regions: []model.Region{region("330000", ""), region("330600", "330000"), region(keqiao, "330600"),
			region(shangyu, "330600"), region("330602", "330600"), region("330800", "330000"), region(jiangshan, "330800"),
			region("510000", ""), region("511100", "510000"), region(jinkouhe, "511100")},
		// the city pairing has the lower id: only specificity can choose the county one
		pairings: []model.PairingView{pairing(pCity, "330600", "330800"), pairing(pCounty, keqiao, jiangshan),
			pairing(pLeshan, "330600", "511100")},
		orgs: map[int64]*model.Org{
			canteenID:     {ID: canteenID, Kind: model.OrgCanteen, RegionCode: keqiao, CreditKind: model.DefaultCreditKind(model.OrgCanteen)},
			supermarketID: {ID: supermarketID, Kind: model.OrgSupermarket, RegionCode: shangyu, CreditKind: model.DefaultCreditKind(model.OrgSupermarket)},
		},
		users: map[int64]*model.User{
			consumerID: {ID: consumerID, Role: model.RoleConsumer, RegionCode: &yuecheng},
			nowhereID:  {ID: nowhereID, Role: model.RoleConsumer},
		},
		orders: map[int64]*model.Order{},
		certs:  map[int64]*model.Certification{},
	}
}

// noon is 12:00 China time on a date.
func noon(date string) time.Time {
	t, err := time.ParseInLocation(model.DateLayout+" 15:04", date+" 12:00", model.China)
	if err != nil {
		panic(err)
	}
	return t
}

// line is an order line: product, origin, received units at 100 cents.
type line struct {
	product  int64
	origin   string
	received int64
}

var nextOrder int64

// accept writes the entries of an org order of canteenID with lines, accepted at.
func accept(t *testing.T, st *memStore, buyer int64, at time.Time, lines ...line) []model.Credit {
	t.Helper()
	return acceptBy(t, credit.New(st, nil), st, buyer, at, lines...)
}

// acceptBy is accept through the ledger l (over st).
func acceptBy(t *testing.T, l *credit.Ledger, st *memStore, buyer int64, at time.Time, lines ...line) []model.Credit {
	t.Helper()
	nextOrder++
	o := &model.Order{ID: nextOrder, UserID: consumerID, Channel: model.ChannelApp}
	if buyer != consumerID && buyer != nowhereID {
		o.OrgID = &buyer
		o.Channel = st.orgs[buyer].Kind
	} else {
		o.UserID = buyer
	}
	for i, ln := range lines {
		received := ln.received
		o.Lines = append(o.Lines, model.OrderLine{ID: o.ID*100 + int64(i), OrderID: o.ID, ProductID: ln.product,
			Quantity: max(received, 1), UnitPriceCents: 100, ReceivedQty: &received, OriginCode: ln.origin, CategoryCode: "grain"})
	}
	st.orders[o.ID] = o
	if err := l.Accepted(context.Background(), o, at); err != nil {
		t.Fatal(err)
	}
	es, _ := st.OrderCredits(context.Background(), o.ID)
	return es
}

func pairingOf(e model.Credit) int64 {
	if e.PairingID == nil {
		return 0
	}
	return *e.PairingID
}

// TestCertificateWindow: a certificate counts from its first valid day to
// its last, both included, judged on the China date of the acceptance; a
// revocation counts from its own China date.
func TestCertificateWindow(t *testing.T) {
	const today, yesterday, tomorrow = "2027-03-15", "2027-03-14", "2027-03-16"
	at := func(s string) *time.Time {
		v, err := time.ParseInLocation(model.DateLayout+" 15:04", s, model.China)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	for _, tc := range []struct {
		name      string
		from, to  string // "": no certificate
		revokedAt *time.Time
		revoked   bool
		accepted  time.Time
		reason    string // "": credited (and certified)
		certified bool
	}{
		{name: "last valid day", from: "2026-01-01", to: today, accepted: noon(today), certified: true},
		{name: "first valid day", from: today, to: "2099-12-31", accepted: noon(today), certified: true},
		{name: "a one-day certificate on its day", from: today, to: today, accepted: noon(today), certified: true},
		{name: "last valid day, 23:59 China time", from: "2026-01-01", to: today, accepted: *at(today + " 23:59"), certified: true},
		{name: "first valid day, 00:00 China time", from: today, to: "2099-12-31", accepted: *at(today + " 00:00"), certified: true},
		{name: "ended yesterday", from: "2026-01-01", to: yesterday, accepted: noon(today), reason: model.ReasonCertExpired},
		{name: "starts tomorrow", from: tomorrow, to: "2099-12-31", accepted: noon(today), reason: model.ReasonCertExpired},
		{name: "ended today, accepted 00:30 next day China time (still today in UTC)", from: "2026-01-01", to: today,
			accepted: *at(tomorrow + " 00:30"), reason: model.ReasonCertExpired},
		{name: "revoked today", from: "2026-01-01", to: "2099-12-31", revoked: true, revokedAt: at(today + " 09:00"),
			accepted: noon(today), reason: model.ReasonCertRevoked},
		{name: "revoked tomorrow", from: "2026-01-01", to: "2099-12-31", revoked: true, revokedAt: at(tomorrow + " 09:00"),
			accepted: noon(today), certified: true},
		{name: "revoked, no date", from: "2026-01-01", to: "2099-12-31", revoked: true, accepted: noon(today),
			reason: model.ReasonCertRevoked},
		{name: "no certificate", accepted: noon(today), reason: model.ReasonUncertified},
	} {
		st := newStore()
		if tc.from != "" {
			c := &model.Certification{ID: 1, ProductID: 7, ValidFrom: tc.from, ValidTo: tc.to, Status: model.CertValid}
			if tc.revoked {
				c.Status, c.RevokedAt = model.CertRevoked, tc.revokedAt
			}
			st.certs[7] = c
		}
		es := accept(t, st, canteenID, tc.accepted, line{7, jinkouhe, 2})
		if len(es) != 1 {
			t.Fatalf("%s: %d entries, want 1", tc.name, len(es))
		}
		e := es[0]
		wantPairing := int64(pLeshan)
		if tc.reason != "" {
			wantPairing = 0
		}
		if pairingOf(e) != wantPairing || e.Reason != tc.reason || e.Certified != tc.certified {
			t.Errorf("%s: pairing %d reason %q certified %v; want %d %q %v", tc.name, pairingOf(e), e.Reason, e.Certified,
				wantPairing, tc.reason, tc.certified)
		}
		if want := model.DateOf(tc.accepted); e.CreditDate != want {
			t.Errorf("%s: credit date %s, want %s", tc.name, e.CreditDate, want)
		}
	}
}

// TestPairingChosen: the most specific pairing wins, whatever the ids.
func TestPairingChosen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		buyer  int64
		origin string
		want   int64
		reason string
	}{
		{"Keqiao canteen, Jiangshan goods: the county pairing beats the city one", canteenID, jiangshan, pCounty, ""},
		{"Shangyu supermarket, Jiangshan goods: only the city pairing", supermarketID, jiangshan, pCity, ""},
		{"Keqiao canteen, Jinkouhe goods", canteenID, jinkouhe, pLeshan, ""},
		{"Yuecheng consumer, Jiangshan goods", consumerID, jiangshan, pCity, ""},
		{"consumer without region", nowhereID, jiangshan, 0, model.ReasonNoBuyerRegion},
		{"Keqiao canteen, goods from nowhere paired", canteenID, "330602", 0, model.ReasonNoPairing},
	} {
		st := newStore()
		st.certs[7] = &model.Certification{ProductID: 7, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
		es := accept(t, st, tc.buyer, noon("2027-03-15"), line{7, tc.origin, 1})
		if len(es) != 1 || pairingOf(es[0]) != tc.want || es[0].Reason != tc.reason {
			t.Errorf("%s: %+v, want pairing %d reason %q", tc.name, es, tc.want, tc.reason)
		}
	}
	// reversed input order: the same choice
	st := newStore()
	st.pairings[0], st.pairings[1] = st.pairings[1], st.pairings[0]
	st.certs[7] = &model.Certification{ProductID: 7, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
	if es := accept(t, st, canteenID, noon("2027-03-15"), line{7, jiangshan, 1}); pairingOf(es[0]) != pCounty {
		t.Errorf("county pairing listed first: credited to %d, want %d", pairingOf(es[0]), pCounty)
	}
}

// TestRegionAdded: a ledger keeps the region tree between orders; a
// region added since is in the tree of the next order it credits.
func TestRegionAdded(t *testing.T) {
	st := newStore()
	st.certs[7] = &model.Certification{ProductID: 7, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
	l := credit.New(st, nil)
	const ebian = "511132" // a Leshan county the store does not list yet
	if es := acceptBy(t, l, st, canteenID, noon("2027-03-15"), line{7, jinkouhe, 1}); pairingOf(es[0]) != pLeshan {
		t.Fatalf("Jinkouhe goods: credited to %d, want %d", pairingOf(es[0]), pLeshan)
	}
	if es := acceptBy(t, l, st, canteenID, noon("2027-03-15"), line{7, ebian, 1}); pairingOf(es[0]) != 0 || es[0].Reason != model.ReasonNoPairing {
		t.Fatalf("goods of an unknown county: %+v, want no pairing", es[0])
	}
	parent := "511100"
	st.regions = append(st.regions, model.Region{Code: ebian, ParentCode: &parent})
	if es := acceptBy(t, l, st, canteenID, noon("2027-03-15"), line{7, ebian, 1}); pairingOf(es[0]) != pLeshan {
		t.Errorf("goods of a county added since: credited to %d (reason %q), want %d", pairingOf(es[0]), es[0].Reason, pLeshan)
	}
}

// TestOrderCountedOnce: an order counts once, on its first credited entry,
// or on its first entry when none is credited; lines not received write
// nothing.
func TestOrderCountedOnce(t *testing.T) {
	const certified, uncertified = 7, 8 // products
	for _, tc := range []struct {
		name  string
		lines []line
		want  []int // Orders on each entry written
	}{
		{"one credited line", []line{{certified, jinkouhe, 2}}, []int{1}},
		{"two credited lines", []line{{certified, jinkouhe, 2}, {certified, jiangshan, 1}}, []int{1, 0}},
		{"three credited lines", []line{{certified, jinkouhe, 1}, {certified, jiangshan, 1}, {certified, jinkouhe, 3}}, []int{1, 0, 0}},
		{"uncredited then credited", []line{{uncertified, jinkouhe, 2}, {certified, jiangshan, 1}}, []int{0, 1}},
		{"credited then uncredited", []line{{certified, jiangshan, 1}, {uncertified, jinkouhe, 2}}, []int{1, 0}},
		{"none credited", []line{{uncertified, jinkouhe, 2}, {uncertified, jiangshan, 1}}, []int{1, 0}},
		{"first line not received", []line{{certified, jinkouhe, 0}, {certified, jiangshan, 1}}, []int{1}},
		{"nothing received", []line{{certified, jinkouhe, 0}}, nil},
	} {
		st := newStore()
		st.certs[certified] = &model.Certification{ProductID: certified, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
		es := accept(t, st, canteenID, noon("2027-03-15"), tc.lines...)
		var got []int
		total := 0
		for _, e := range es {
			got = append(got, e.Orders)
			total += e.Orders
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: orders on the entries %v, want %v", tc.name, got, tc.want)
		}
		if want := min(len(es), 1); total != want {
			t.Errorf("%s: the order counts %d times, want %d", tc.name, total, want)
		}
		for i, e := range es {
			if e.Quantity < 1 || e.AmountCents != e.Quantity*100 {
				t.Errorf("%s: entry %d: %d units for %d cents", tc.name, i, e.Quantity, e.AmountCents)
			}
		}
	}
}

// TestReturned: a return's entry takes back its cents where the sale counts,
// negative, in the month of the approval, and takes back no order.
func TestReturned(t *testing.T) {
	st := newStore()
	st.certs[7] = &model.Certification{ProductID: 7, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
	sale := accept(t, st, canteenID, noon("2027-03-15"), line{7, jiangshan, 3}, line{7, jinkouhe, 2})
	o := st.orders[nextOrder]
	ret := &model.Return{ID: 5, OrderID: o.ID, Lines: []model.ReturnLine{{LineID: o.Lines[1].ID, Quantity: 1, AmountCents: 100}}}
	approved := noon("2027-04-02")
	if err := credit.New(st, nil).Returned(context.Background(), o, ret, approved); err != nil {
		t.Fatal(err)
	}
	es, _ := st.OrderCredits(context.Background(), o.ID)
	if len(es) != 3 {
		t.Fatalf("%d entries, want 3", len(es))
	}
	e := es[2]
	if e.Source != model.SourceReturn || e.Quantity != -1 || e.AmountCents != -100 || e.Orders != 0 ||
		e.ReturnID == nil || *e.ReturnID != ret.ID || e.Period != 202704 || e.CreditDate != "2027-04-02" ||
		pairingOf(e) != pairingOf(sale[1]) || e.LineID != sale[1].LineID || e.BuyerOrgID == nil || *e.BuyerOrgID != canteenID {
		t.Errorf("return entry %+v; the sale %+v", e, sale[1])
	}
}

// TestCorrections: moving an order to another org takes back every live
// entry exactly — cents, units and the order's count — and writes them for
// the new org; reversing an entry takes back exactly that entry. Each org's
// sums over the ledger are what the corrections say.
func TestCorrections(t *testing.T) {
	ctx := context.Background()
	admin := &model.User{ID: 1, Role: model.RoleAdmin}
	st := newStore()
	st.certs[7] = &model.Certification{ProductID: 7, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
	accept(t, st, canteenID, noon("2027-03-15"), line{8, jinkouhe, 2}, line{7, jiangshan, 3})
	o := st.orders[nextOrder]
	at := noon("2027-03-15")
	o.AcceptedAt = &at
	l := credit.New(st, nil)

	type sums struct{ cents, quantity, orders int64 }
	byOrg := func() map[int64]sums {
		out := map[int64]sums{}
		for _, e := range st.credits {
			var org int64
			if e.BuyerOrgID != nil {
				org = *e.BuyerOrgID
			}
			s := out[org]
			s.cents += e.AmountCents
			s.quantity += e.Quantity
			s.orders += int64(e.Orders)
			out[org] = s
		}
		return out
	}
	if _, err := l.Correct(ctx, &model.User{ID: 2, Role: model.RoleBuyer}, credit.CorrectionInput{Action: model.CorrectionMoveOrder,
		OrderID: o.ID, OrgID: supermarketID, Reason: "错记"}); !errors.Is(err, model.ErrForbidden) {
		t.Errorf("a buyer corrects: %v, want forbidden", err)
	}
	got, err := l.Correct(ctx, admin, credit.CorrectionInput{Action: model.CorrectionMoveOrder, OrderID: o.ID,
		OrgID: supermarketID, Reason: "食堂代超市采购"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Entries) != 4 {
		t.Fatalf("move wrote %d entries, want 4 (two reversals, two new)", len(got.Entries))
	}
	if s := byOrg(); s[canteenID] != (sums{}) || s[supermarketID] != (sums{500, 5, 1}) {
		t.Errorf("after the move: canteen %+v, supermarket %+v; want nothing, {500 5 1}", s[canteenID], s[supermarketID])
	}
	for _, e := range got.Entries {
		if e.Source != model.SourceCorrection || e.CorrectionID == nil || *e.CorrectionID != got.Correction.ID ||
			e.Period != 202703 {
			t.Errorf("adjustment entry %+v", e)
		}
	}
	moved := got.Entries[3] // the new entry of the credited line: Shangyu supermarket, Jiangshan goods
	if pairingOf(*moved) != pCity || moved.Kind != model.CreditAssisted || moved.Channel != model.OrgSupermarket ||
		moved.BuyerRegion != shangyu {
		t.Errorf("moved entry %+v, want pairing %d, assisted, supermarket, %s", moved, pCity, shangyu)
	}
	if _, err := l.Correct(ctx, admin, credit.CorrectionInput{Action: model.CorrectionMoveOrder, OrderID: o.ID,
		OrgID: supermarketID, Reason: "再来一次"}); !errors.Is(err, model.ErrConflict) {
		t.Errorf("moving an order to the org it counts for: %v, want a conflict", err)
	}

	// reverse the new entry that carries the order's count
	var counted *model.Credit
	for _, e := range got.Entries {
		if e.ReversesID == nil && e.Orders == 1 {
			counted = e
		}
	}
	if counted == nil {
		t.Fatalf("no new entry carries the order: %+v", got.Entries)
	}
	rev, err := l.Correct(ctx, admin, credit.CorrectionInput{Action: model.CorrectionReverseEntry, CreditID: counted.ID, Reason: "退货未登记"})
	if err != nil {
		t.Fatal(err)
	}
	r := rev.Entries[0]
	if len(rev.Entries) != 1 || r.ReversesID == nil || *r.ReversesID != counted.ID || r.AmountCents != -counted.AmountCents ||
		r.Quantity != -counted.Quantity || r.Orders != -1 || pairingOf(*r) != pairingOf(*counted) {
		t.Errorf("reversal %+v of %+v", rev.Entries, counted)
	}
	want := sums{500 - counted.AmountCents, 5 - counted.Quantity, 0}
	if s := byOrg(); s[supermarketID] != want {
		t.Errorf("after the reversal: supermarket %+v, want %+v", s[supermarketID], want)
	}
	if _, err := l.Correct(ctx, admin, credit.CorrectionInput{Action: model.CorrectionReverseEntry, CreditID: counted.ID,
		Reason: "再来一次"}); !errors.Is(err, model.ErrConflict) {
		t.Errorf("reversing a reversed entry: %v, want a conflict", err)
	}
}

// TestProgrammeRules: a programme that does not require a certificate
// credits goods from its partner counties, certified or not, from the day
// its rule says so; before, and in a programme that requires one, the
// certificate decides; a line that helps no pairing still names its
// certificate problem.
func TestProgrammeRules(t *testing.T) {
	st := newStore()
	for i := range st.pairings {
		st.pairings[i].Programme = model.ProgrammeMountainSea
	}
	st.pairings[2].Programme = model.ProgrammeEastWest // 绍兴–乐山
	st.rules = []model.ProgrammeRule{
		{Programme: model.ProgrammeEastWest, EffectiveFrom: "2000-01-01", RequiresCertificate: true},
		{Programme: model.ProgrammeMountainSea, EffectiveFrom: "2000-01-01", RequiresCertificate: true},
		{Programme: model.ProgrammeMountainSea, EffectiveFrom: "2027-03-15", RequiresCertificate: false},
	}
	for _, tc := range []struct {
		name     string
		at       string
		origin   string
		pairing  int64
		reason   string
		required bool
	}{
		{"mountain_sea the day before the change", "2027-03-14", jiangshan, 0, model.ReasonUncertified, true},
		{"mountain_sea on the day of the change", "2027-03-15", jiangshan, pCounty, "", false},
		{"mountain_sea after it", "2027-06-01", jiangshan, pCounty, "", false},
		{"east_west still requires one", "2027-06-01", jinkouhe, 0, model.ReasonUncertified, true},
		{"no pairing: the certificate problem first", "2027-06-01", "510000", 0, model.ReasonUncertified, true},
	} {
		es := accept(t, st, canteenID, noon(tc.at), line{8, tc.origin, 1}) // product 8 has no certificate
		e := es[0]
		if pairingOf(e) != tc.pairing || e.Reason != tc.reason || e.CertificateRequired != tc.required || e.Certified {
			t.Errorf("%s: pairing %d reason %q required %v certified %v; want %d %q %v false", tc.name, pairingOf(e),
				e.Reason, e.CertificateRequired, e.Certified, tc.pairing, tc.reason, tc.required)
		}
	}
	// a certified product with no pairing is no_pairing, whatever the rules
	st.certs[9] = &model.Certification{ID: 2, ProductID: 9, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
	if e := accept(t, st, canteenID, noon("2027-06-01"), line{9, "510000", 1})[0]; e.Reason != model.ReasonNoPairing {
		t.Errorf("certified, no pairing: reason %q", e.Reason)
	}
}

// TestProvincePairing: a province pairing (浙江–四川) takes Sichuan goods
// from outside the paired regions; the paired ones still go to the most
// specific pairing.
func TestProvincePairing(t *testing.T) {
	st := newStore()
	st.pairings = append(st.pairings, model.PairingView{Pairing: model.Pairing{ID: 4, Level: model.LevelProvince,
		HelperCode: "330000", PartnerCode: "510000", Active: true}})
	st.certs[7] = &model.Certification{ID: 1, ProductID: 7, ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid}
	for origin, want := range map[string]int64{"510000": 4, jinkouhe: pLeshan} {
		if e := accept(t, st, canteenID, noon("2027-06-01"), line{7, origin, 1})[0]; pairingOf(e) != want {
			t.Errorf("origin %s: pairing %d (%q), want %d", origin, pairingOf(e), e.Reason, want)
		}
	}
}
