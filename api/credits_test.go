package api_test

// The credit ledger through the order lifecycle: docs/PRODUCT.md's crediting
// examples, certificates judged on the acceptance date, consumers and their
// employers, returns, corrections, and the rollups fed from the ledger.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/order"
)

// creditWorld adds to the world the real pairings around 上虞–金口河, two
// Keqiao buyers, and products of Jinkouhe and Jiangshan with certificates
// in every state.
type creditWorld struct {
	*world
	shaoxingLeshan, keqiaoJiangshan, shaoxingQuzhou int64
	keqiaoCanteen, keqiaoMarket                     *model.Org
	// SKUs: certified Jinkouhe and Jiangshan goods; Jinkouhe goods whose
	// certificate starts tomorrow, ended yesterday, was revoked, or never was.
	jkh, js, future, expired, revoked, uncertified int64
	price                                          int64
	keys                                           int
}

func newCreditWorld(t *testing.T, b storetest.Backend) *creditWorld {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t, b)
	c := &creditWorld{world: seedWorld(t, h), price: 1234}
	st := h.store
	pairing := func(programme, level, helper, partner string) int64 {
		p := &model.Pairing{Programme: programme, Level: level, HelperCode: helper, PartnerCode: partner, SinceYear: 2021, Active: true}
		if err := st.CreatePairing(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	c.shaoxingLeshan = pairing(model.ProgrammeEastWest, model.LevelCity, "330600", "511100")
	c.keqiaoJiangshan = pairing(model.ProgrammeMountainSea, model.LevelCounty, "330603", "330881")
	c.shaoxingQuzhou = pairing(model.ProgrammeMountainSea, model.LevelCity, "330600", "330800")
	org := func(name, kind string) *model.Org {
		o := &model.Org{Name: name, Kind: kind, RegionCode: "330603", PaymentTerms: model.TermsPrepay,
			CreditKind: model.DefaultCreditKind(kind)}
		if err := st.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	c.keqiaoCanteen = org("柯桥区人民医院食堂", model.OrgCanteen)
	c.keqiaoMarket = org("柯桥区供销超市", model.OrgSupermarket)
	c.addUser(t, &model.User{Username: "sy_buyer", Role: model.RoleBuyer, OrgID: &c.child.ID})
	c.addUser(t, &model.User{Username: "kq_buyer", Role: model.RoleBuyer, OrgID: &c.keqiaoCanteen.ID})
	c.addUser(t, &model.User{Username: "mk_buyer", Role: model.RoleBuyer, OrgID: &c.keqiaoMarket.ID})
	yuecheng := "330602"
	c.addUser(t, &model.User{Username: "employee", Role: model.RoleConsumer, EmployerID: &c.other.ID,
		EmployerStatus: model.EmployerConfirmed, RegionCode: &yuecheng})
	c.addUser(t, &model.User{Username: "yc_resident", Role: model.RoleConsumer, RegionCode: &yuecheng})
	c.addUser(t, &model.User{Username: "nowhere", Role: model.RoleConsumer})

	today := time.Now().In(model.China)
	day := func(d int) string { return today.AddDate(0, 0, d).Format(model.DateLayout) }
	product := func(sup *model.Supplier, name, from, to string, revoke bool) int64 {
		p := &model.Product{SupplierID: sup.ID, Name: name, CategoryCode: "grain", OriginCode: sup.RegionCode, OnSale: true}
		skus := []model.SKU{{Spec: "1kg", Unit: "袋", PriceCents: c.price, OnHand: 1_000_000}}
		if err := st.CreateProduct(ctx, p, skus); err != nil {
			t.Fatal(err)
		}
		if from != "" {
			if err := st.Certify(ctx, &model.Certification{ProductID: p.ID, CertificateNo: "RD-" + name,
				Issuer: "乐山市农业农村局", ValidFrom: from, ValidTo: to}); err != nil {
				t.Fatal(err)
			}
		}
		if revoke {
			if err := st.RevokeCertification(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		return skus[0].ID
	}
	c.jkh = product(c.supA, "川牛膝", "2020-01-01", "2099-12-31", false)
	c.js = product(c.supB, "江山白鹅", "2020-01-01", "2099-12-31", false)
	c.future = product(c.supA, "乌天麻", day(1), "2099-12-31", false)
	c.expired = product(c.supA, "黄柏", "2020-01-01", day(-1), false)
	c.revoked = product(c.supA, "马边绿茶", "2020-01-01", "2099-12-31", true)
	c.uncertified = product(c.supA, "金口河土豆", "", "", false)
	return c
}

// buy takes an order of who for qty units of sku through its whole life:
// placed, paid, shipped, then accepted through the API with received units.
func (c *creditWorld) buy(t *testing.T, who string, sku, qty, received int64) *model.Order {
	t.Helper()
	return c.buyFor(t, who, sku, qty, received, order.Delivery{})
}

// buyFor is buy with the order's delivery (a sales point, an address).
func (c *creditWorld) buyFor(t *testing.T, who string, sku, qty, received int64, d order.Delivery) *model.Order {
	t.Helper()
	ctx := context.Background()
	u := c.users[who]
	c.keys++
	var placed *order.Placed
	_, err := c.h.orders.Place(ctx, u, fmt.Sprintf("credit-%d", c.keys),
		order.PlaceInput{Lines: []order.LineInput{{SKUID: sku, Quantity: qty}}, Delivery: d},
		func(p *order.Placed) ([]byte, error) { placed = p; return []byte("{}"), nil })
	if err != nil {
		t.Fatalf("%s places %d×%d: %v", who, qty, sku, err)
	}
	o := placed.Orders[0]
	if o.Status == model.OrderPendingPayment {
		c.keys++
		if _, err := c.h.orders.Pay(ctx, u, o.ID, fmt.Sprintf("credit-%d", c.keys), order.PayInput{},
			func(*order.Paid) ([]byte, error) { return []byte("{}"), nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.h.orders.Ship(ctx, c.supplierUser(t, o.SupplierID), o.ID,
		order.ShipInput{Carrier: "中通", TrackingNo: "ZT1"}); err != nil {
		t.Fatal(err)
	}
	res := c.h.call(t, http.MethodPost, path(v1+"/orders", o.ID, "accept"), c.token(t, who), jsonBody(map[string]any{
		"lines": []map[string]int64{{"line_id": o.Lines[0].ID, "received_quantity": received}}}))
	if res.Status != http.StatusOK {
		t.Fatalf("accept order %d: %d %s", o.ID, res.Status, res.Body)
	}
	return o
}

func (c *creditWorld) entries(t *testing.T, orderID int64) []model.Credit {
	t.Helper()
	es, err := c.h.store.OrderCredits(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// only is the one entry of an order, checked for amount.
func (c *creditWorld) only(t *testing.T, o *model.Order, cents int64) model.Credit {
	t.Helper()
	es := c.entries(t, o.ID)
	if len(es) != 1 {
		t.Fatalf("order %d has %d entries, want 1: %+v", o.ID, len(es), es)
	}
	if es[0].AmountCents != cents {
		t.Fatalf("order %d entry is %d cents, want %d", o.ID, es[0].AmountCents, cents)
	}
	return es[0]
}

func wantPairing(t *testing.T, what string, e model.Credit, pairing int64, reason string) {
	t.Helper()
	got := int64(0)
	if e.PairingID != nil {
		got = *e.PairingID
	}
	if got != pairing || e.Reason != reason {
		t.Errorf("%s: credited to pairing %d (reason %q), want %d (%q)", what, got, e.Reason, pairing, reason)
	}
}

func TestCreditExamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		p := c.price

		e := c.only(t, c.buy(t, "sy_buyer", c.jkh, 3, 3), 3*p)
		wantPairing(t, "Shangyu canteen buys Jinkouhe goods", e, c.pairing, "")
		if e.Kind != model.CreditDirect || e.Channel != model.OrgCanteen || e.BuyerRegion != "330604" ||
			e.BuyerOrgID == nil || *e.BuyerOrgID != c.child.ID || e.OrgChain != model.OrgChain([]int64{c.parent.ID, c.child.ID}) ||
			!e.Certified || e.Orders != 1 || e.OriginCode != "511113" || e.Source != model.SourceAcceptance {
			t.Errorf("Shangyu canteen entry: %+v", e)
		}
		wantPairing(t, "Keqiao canteen buys Jinkouhe goods", c.only(t, c.buy(t, "kq_buyer", c.jkh, 1, 1), p), c.shaoxingLeshan, "")
		wantPairing(t, "Keqiao canteen buys Jiangshan goods", c.only(t, c.buy(t, "kq_buyer", c.js, 2, 2), 2*p), c.keqiaoJiangshan, "")
		e = c.only(t, c.buy(t, "mk_buyer", c.js, 4, 4), 4*p)
		wantPairing(t, "Keqiao supermarket buys Jiangshan goods", e, c.keqiaoJiangshan, "")
		if e.Kind != model.CreditAssisted || e.Channel != model.OrgSupermarket {
			t.Errorf("a supermarket purchase is %s on %s, want an assisted sale", e.Kind, e.Channel)
		}

		for _, tc := range []struct {
			what   string
			sku    int64
			reason string
		}{
			{"certificate starting after the acceptance date", c.future, model.ReasonCertExpired},
			{"certificate ended before the acceptance date", c.expired, model.ReasonCertExpired},
			{"certificate revoked before the acceptance date", c.revoked, model.ReasonCertRevoked},
			{"no certificate", c.uncertified, model.ReasonUncertified},
		} {
			e := c.only(t, c.buy(t, "sy_buyer", tc.sku, 1, 1), p)
			wantPairing(t, tc.what, e, 0, tc.reason)
			if e.Certified {
				t.Errorf("%s: entry says certified", tc.what)
			}
		}

		e = c.only(t, c.buy(t, "employee", c.js, 1, 1), p)
		wantPairing(t, "consumer with a confirmed Keqiao employer buys Jiangshan goods", e, c.keqiaoJiangshan, "")
		if e.BuyerOrgID == nil || *e.BuyerOrgID != c.other.ID || e.BuyerRegion != "330603" ||
			e.Channel != model.ChannelApp || e.Kind != model.CreditDirect {
			t.Errorf("consumer with employer: %+v", e)
		}
		e = c.only(t, c.buy(t, "yc_resident", c.jkh, 1, 1), p)
		wantPairing(t, "Yuecheng consumer without employer buys Jinkouhe goods", e, c.shaoxingLeshan, "")
		if e.BuyerOrgID != nil || e.BuyerRegion != "330602" {
			t.Errorf("consumer without employer: %+v", e)
		}
		wantPairing(t, "consumer without employer or region", c.only(t, c.buy(t, "nowhere", c.jkh, 1, 1), p), 0, model.ReasonNoBuyerRegion)

		// partial acceptance, then a return approved by the supplier
		o := c.buy(t, "sy_buyer", c.jkh, 5, 3)
		c.only(t, o, 3*p)
		ret, err := c.h.orders.RequestReturn(context.Background(), c.users["sy_buyer"], o.ID,
			order.ReturnInput{Lines: []order.Received{{LineID: o.Lines[0].ID, Quantity: 1}}, Reason: "quality"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.h.orders.ApproveReturn(context.Background(), c.supplierUser(t, o.SupplierID), ret.ID, ""); err != nil {
			t.Fatal(err)
		}
		es := c.entries(t, o.ID)
		if len(es) != 2 || es[1].Source != model.SourceReturn || es[1].AmountCents != -p || es[1].Quantity != -1 ||
			es[1].PairingID == nil || *es[1].PairingID != c.pairing || es[1].Orders != 0 || *es[1].ReturnID != ret.ID ||
			es[1].Period != model.Period(time.Now()) {
			t.Errorf("return entry: %+v", es)
		}

		// everything in the rollups, the same as the ledger
		if _, err := c.h.ledger.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, c.h)

		// and in the statistics: 绍兴–乐山 shows 上虞–金口河 as its county part
		var report struct {
			Items []struct {
				Pairing struct {
					ID int64 `json:"id"`
				} `json:"pairing"`
				CreditedCents int64 `json:"credited_cents"`
				CountyCents   int64 `json:"county_cents"`
				DirectCents   int64 `json:"direct_cents"`
				AssistedCents int64 `json:"assisted_cents"`
				Orders        int64 `json:"orders"`
			} `json:"items"`
			NotCreditedCents int64 `json:"not_credited_cents"`
			NotCredited      []struct {
				Reason string `json:"reason"`
				Cents  int64  `json:"cents"`
			} `json:"not_credited"`
		}
		res := c.h.call(t, http.MethodGet, fmt.Sprintf("%s/stats/pairings?year=%d", v1, time.Now().In(model.China).Year()),
			c.token(t, model.RoleAdmin), "")
		if err := json.Unmarshal(res.Body, &report); err != nil || res.Status != http.StatusOK {
			t.Fatalf("stats: %d %s", res.Status, res.Body)
		}
		type fig struct{ credited, county, direct, assisted, orders int64 }
		got := map[int64]fig{}
		for _, it := range report.Items {
			got[it.Pairing.ID] = fig{it.CreditedCents, it.CountyCents, it.DirectCents, it.AssistedCents, it.Orders}
		}
		for id, want := range map[int64]fig{
			c.pairing:         {5 * p, 0, 5 * p, 0, 2},
			c.shaoxingLeshan:  {7 * p, 5 * p, 7 * p, 0, 4},
			c.keqiaoJiangshan: {7 * p, 0, 3 * p, 4 * p, 3},
			c.shaoxingQuzhou:  {7 * p, 7 * p, 3 * p, 4 * p, 3},
		} {
			if got[id] != want {
				t.Errorf("pairing %d: %+v, want %+v", id, got[id], want)
			}
		}
		reasons := map[string]int64{}
		for _, nc := range report.NotCredited {
			reasons[nc.Reason] = nc.Cents
		}
		if report.NotCreditedCents != 5*p || reasons[model.ReasonCertExpired] != 2*p || reasons[model.ReasonCertRevoked] != p ||
			reasons[model.ReasonUncertified] != p || reasons[model.ReasonNoBuyerRegion] != p || reasons[model.ReasonNoPairing] != 0 {
			t.Errorf("not credited: %d %+v", report.NotCreditedCents, report.NotCredited)
		}
	})
}

// TestCreditCertificateBoundaryDays: a certificate counts on its first and
// its last valid day, judged on the China date of the acceptance; the day
// before and the day after it does not.
func TestCreditCertificateBoundaryDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		ctx := context.Background()
		certified := func(name, from, to string) int64 {
			p := &model.Product{SupplierID: c.supA.ID, Name: name, CategoryCode: "grain", OriginCode: c.supA.RegionCode, OnSale: true}
			skus := []model.SKU{{Spec: "1kg", Unit: "袋", PriceCents: c.price, OnHand: 100}}
			if err := c.h.store.CreateProduct(ctx, p, skus); err != nil {
				t.Fatal(err)
			}
			if err := c.h.store.Certify(ctx, &model.Certification{ProductID: p.ID, CertificateNo: "RD-" + name,
				Issuer: "乐山市农业农村局", ValidFrom: from, ValidTo: to}); err != nil {
				t.Fatal(err)
			}
			return skus[0].ID
		}
		lastDay := certified("川明参", "2027-01-01", "2027-03-15")
		firstDay := certified("峨边竹笋", "2027-03-15", "2027-12-31")
		oneDay := certified("沐川草龙", "2027-03-15", "2027-03-15")
		for _, tc := range []struct {
			what     string
			accepted time.Time
			sku      int64
			reason   string // "": credited
		}{
			{"last valid day, morning", time.Date(2027, 3, 15, 8, 0, 0, 0, model.China), lastDay, ""},
			{"last valid day, 23:50 China time", time.Date(2027, 3, 15, 23, 50, 0, 0, model.China), lastDay, ""},
			{"the day after the last, 00:10 China time (still the last day in UTC)", time.Date(2027, 3, 16, 0, 10, 0, 0, model.China),
				lastDay, model.ReasonCertExpired},
			{"first valid day, 00:10 China time (the day before in UTC)", time.Date(2027, 3, 15, 0, 10, 0, 0, model.China), firstDay, ""},
			{"the day before the first", time.Date(2027, 3, 14, 12, 0, 0, 0, model.China), firstDay, model.ReasonCertExpired},
			{"a one-day certificate on its day", time.Date(2027, 3, 15, 12, 0, 0, 0, model.China), oneDay, ""},
			{"a one-day certificate the day after", time.Date(2027, 3, 16, 12, 0, 0, 0, model.China), oneDay, model.ReasonCertExpired},
		} {
			c.h.orders.SetClock(func() time.Time { return tc.accepted })
			e := c.only(t, c.buy(t, "sy_buyer", tc.sku, 1, 1), c.price)
			want := c.pairing
			if tc.reason != "" {
				want = 0
			}
			wantPairing(t, tc.what, e, want, tc.reason)
			if e.Certified != (tc.reason == "") || e.CreditDate != model.DateOf(tc.accepted) {
				t.Errorf("%s: certified %v on %s", tc.what, e.Certified, e.CreditDate)
			}
		}
		if _, err := c.h.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, c.h)
	})
}

// TestCreditPeriodChinaTime: an acceptance at 00:30 on 1 January, China
// time (still 31 December in UTC), counts in January.
func TestCreditPeriodChinaTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		newYear := time.Date(2027, 1, 1, 0, 30, 0, 0, model.China)
		c.h.orders.SetClock(func() time.Time { return newYear })
		e := c.only(t, c.buy(t, "sy_buyer", c.jkh, 2, 2), 2*c.price)
		if e.Period != 202701 || e.CreditDate != "2027-01-01" {
			t.Errorf("accepted at %s UTC: period %d, date %s; want 202701, 2027-01-01", newYear.UTC(), e.Period, e.CreditDate)
		}
		if _, err := c.h.ledger.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := sumRollup(t, c.h, "rollup_pairings", 202700, c.pairing)
		if got != 2*c.price || sumRollup(t, c.h, "rollup_pairings", 202600, c.pairing) != 0 ||
			sumRollup(t, c.h, "rollup_pairings", 202701, c.pairing) != 2*c.price {
			t.Errorf("rollups of 2027 hold %d cents for the pairing, want %d, none in 2026", got, 2*c.price)
		}
	})
}

func TestCreditCorrections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		ctx := context.Background()
		p := c.price
		o := c.buy(t, "kq_buyer", c.jkh, 2, 2)
		first := c.only(t, o, 2*p)
		wantPairing(t, "before the correction", first, c.shaoxingLeshan, "")
		if _, err := c.h.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		admin := c.token(t, model.RoleAdmin)

		// move the order to the Shangyu canteen: its credit moves to 上虞–金口河
		res := c.h.call(t, http.MethodPost, v1+"/admin/corrections", admin, jsonBody(map[string]any{
			"action": "move_order", "order_id": o.ID, "org_id": c.child.ID, "reason": "订单录错单位"}))
		if res.Status != http.StatusCreated {
			t.Fatalf("move: %d %s", res.Status, res.Body)
		}
		es := c.entries(t, o.ID)
		if len(es) != 3 || es[1].ReversesID == nil || *es[1].ReversesID != first.ID || es[1].AmountCents != -2*p ||
			es[2].AmountCents != 2*p || es[2].BuyerOrgID == nil || *es[2].BuyerOrgID != c.child.ID ||
			es[2].Period != first.Period || es[2].CorrectionID == nil {
			t.Fatalf("entries after the move: %+v", es)
		}
		wantPairing(t, "after the move", es[2], c.pairing, "")
		if _, err := c.h.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		year := model.YearPeriod(time.Now().In(model.China).Year())
		if got := sumRollup(t, c.h, "rollup_pairings", year, c.shaoxingLeshan); got != 0 {
			t.Errorf("绍兴–乐山 still holds %d cents of its own after the move", got)
		}
		if got := sumRollup(t, c.h, "rollup_pairings", year, c.pairing); got != 2*p {
			t.Errorf("上虞–金口河 holds %d cents after the move, want %d", got, 2*p)
		}
		var audits struct {
			Items []struct {
				Action string `json:"action"`
				Reason string `json:"reason"`
			} `json:"items"`
		}
		if err := json.Unmarshal(c.h.call(t, http.MethodGet, v1+"/admin/audit?entity=correction", admin, "").Body, &audits); err != nil {
			t.Fatal(err)
		}
		if len(audits.Items) != 1 || audits.Items[0].Action != "credit.move_order" || audits.Items[0].Reason != "订单录错单位" {
			t.Errorf("audit of the correction: %+v", audits.Items)
		}

		// moving it again to the same org finds nothing to move
		res = c.h.call(t, http.MethodPost, v1+"/admin/corrections", admin, jsonBody(map[string]any{
			"action": "move_order", "order_id": o.ID, "org_id": c.child.ID, "reason": "再来一次"}))
		if res.Status != http.StatusConflict {
			t.Errorf("second identical move: %d %s", res.Status, res.Body)
		}

		// reverse the moved entry: the order counts nowhere
		res = c.h.call(t, http.MethodPost, v1+"/admin/corrections", admin, jsonBody(map[string]any{
			"action": "reverse_entry", "credit_id": es[2].ID, "reason": "非帮扶产品"}))
		if res.Status != http.StatusCreated {
			t.Fatalf("reverse: %d %s", res.Status, res.Body)
		}
		for _, again := range []int64{es[2].ID, es[1].ID} { // already reversed; an adjustment
			res = c.h.call(t, http.MethodPost, v1+"/admin/corrections", admin, jsonBody(map[string]any{
				"action": "reverse_entry", "credit_id": again, "reason": "重复"}))
			if res.Status != http.StatusConflict {
				t.Errorf("reversing entry %d again: %d %s", again, res.Status, res.Body)
			}
		}
		var list struct {
			Items []struct {
				ID          int64 `json:"id"`
				AmountCents int64 `json:"amount_cents"`
			} `json:"items"`
		}
		if err := json.Unmarshal(c.h.call(t, http.MethodGet, path(v1+"/admin/orders", o.ID, "credits"), admin, "").Body, &list); err != nil {
			t.Fatal(err)
		}
		var net int64
		for _, e := range list.Items {
			net += e.AmountCents
		}
		if len(list.Items) != 4 || net != 0 {
			t.Errorf("order's entries after the reversal: %+v (net %d)", list.Items, net)
		}
		if _, err := c.h.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sumRollup(t, c.h, "rollup_pairings", year, c.pairing); got != 0 {
			t.Errorf("上虞–金口河 holds %d cents after the reversal", got)
		}
		checkRollups(t, c.h)

		for _, bad := range []string{
			`{"action":"move_order","order_id":` + fmt.Sprint(o.ID) + `,"org_id":999999,"reason":"x"}`,
			`{"action":"move_order","order_id":` + fmt.Sprint(o.ID) + `,"org_id":1}`,
			`{"action":"erase","credit_id":1,"reason":"x"}`,
			`{"action":"reverse_entry","reason":"x"}`,
		} {
			if res := c.h.callBad(t, http.MethodPost, v1+"/admin/corrections", admin, bad); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s", bad, res.Status, res.Body)
			}
		}
		if res := c.h.call(t, http.MethodPost, v1+"/admin/corrections", admin, jsonBody(map[string]any{
			"action": "reverse_entry", "credit_id": 999999, "reason": "x"})); res.Status != http.StatusNotFound {
			t.Errorf("reversing an unknown entry: %d", res.Status)
		}
	})
}

// TestRollupRebuild: a rebuild of correct rollups changes nothing; a
// rollup row put wrong by hand is found and put right.
func TestRollupRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		ctx := context.Background()
		c.buy(t, "sy_buyer", c.jkh, 3, 3)
		c.buy(t, "kq_buyer", c.js, 1, 1)
		pending := c.buy(t, "mk_buyer", c.js, 2, 2) // left pending: the rebuild must leave it to a worker
		execSQL(t, c.h, "DELETE FROM credit_pending WHERE credit_id NOT IN (SELECT id FROM credits WHERE order_id = ?)", pending.ID)
		// the first two orders' entries are marked counted, but the rollups are empty
		rep, err := c.h.ledger.Rebuild(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Pending != 1 || rep.Entries != 2 || rep.Corrected == 0 {
			t.Fatalf("rebuild over empty rollups: %+v", rep)
		}
		rep, err = c.h.ledger.Rebuild(ctx)
		if err != nil || rep.Corrected != 0 {
			t.Fatalf("second rebuild: %+v, %v", rep, err)
		}
		year := model.YearPeriod(time.Now().In(model.China).Year())
		execSQL(t, c.h, "UPDATE rollup_pairings SET cents = cents + 7 WHERE period = ? AND pairing_id = ?", year, c.pairing)
		execSQL(t, c.h, "DELETE FROM rollup_orgs WHERE org_id = ?", c.parent.ID)
		rep, err = c.h.ledger.Rebuild(ctx)
		if err != nil || rep.Corrected != 3 || len(rep.Diffs) != 3 {
			t.Fatalf("rebuild after tampering: %+v, %v", rep, err)
		}
		if _, err := c.h.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, c.h)
	})
}

// sumRollup is a pairing's own cents in one rollup period.
func sumRollup(t *testing.T, h *harness, table string, period int, pairing int64) int64 {
	t.Helper()
	var n int64
	if err := h.store.DB().QueryRow("SELECT COALESCE(SUM(cents), 0) FROM "+table+" WHERE period = ? AND pairing_id = ?",
		period, pairing).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkRollups compares every rollup with a GROUP BY over the ledger, by
// SQL: pairings and areas by month and by year, orgs by month for the org
// itself and, through the chains, for its subtree.
func checkRollups(t *testing.T, h *harness) {
	t.Helper()
	db := h.store.DB()
	var pending int
	if err := db.QueryRow("SELECT COUNT(*) FROM credit_pending").Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d entries still pending (%v)", pending, err)
	}
	compare := func(what, want, have string) {
		t.Helper()
		q := func(sql string) map[string]int64 {
			rows, err := db.Query(sql)
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			defer rows.Close()
			out := map[string]int64{}
			for rows.Next() {
				var k string
				var v int64
				if err := rows.Scan(&k, &v); err != nil {
					t.Fatal(err)
				}
				if v != 0 {
					out[k] = v
				}
			}
			return out
		}
		w, got := q(want), q(have)
		for k, v := range w {
			if got[k] != v {
				t.Errorf("%s %s: rollup %d, ledger %d", what, k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := w[k]; !ok {
				t.Errorf("%s %s: rollup %d, ledger nothing", what, k, v)
			}
		}
	}
	pk := "CONCAT_WS('|', %s, COALESCE(pairing_id, 0), reason, kind, channel)"
	ak := "CONCAT_WS('|', %s, COALESCE(pairing_id, 0), reason, kind, buyer_region, origin_code)"
	salesCols := "reason, kind, channel, platform, sector, point_type, buyer_region, origin_code, category_code, supplier_id"
	xk := "CONCAT_WS('|', %s, COALESCE(pairing_id, 0), " + salesCols + ")"
	fk := "CONCAT_WS('|', %s, COALESCE(pairing_id, 0), CASE WHEN platform = 'mall' THEN 1 ELSE 0 END, buyer_region, origin_code)"
	fkRolled := "CONCAT_WS('|', %s, pairing_id, mall, buyer_region, origin_code)"
	if h.store.Dialect() == "sqlite" {
		fk = "(%s || '|' || COALESCE(pairing_id, 0) || '|' || (CASE WHEN platform = 'mall' THEN 1 ELSE 0 END) || '|' || buyer_region || '|' || origin_code)"
		fkRolled = "(%s || '|' || pairing_id || '|' || mall || '|' || buyer_region || '|' || origin_code)"
		pk = "(%s || '|' || COALESCE(pairing_id, 0) || '|' || reason || '|' || kind || '|' || channel)"
		ak = "(%s || '|' || COALESCE(pairing_id, 0) || '|' || reason || '|' || kind || '|' || buyer_region || '|' || origin_code)"
		xk = "(%s || '|' || COALESCE(pairing_id, 0) || '|' || " + strings.ReplaceAll(salesCols, ", ", " || '|' || ") + ")"
	}
	year := "(period DIV 100 * 100)"
	if h.store.Dialect() == "sqlite" {
		year = "(period / 100 * 100)"
	}
	for _, per := range []string{"period", year} {
		for _, m := range []string{"SUM(amount_cents)", "SUM(orders)"} {
			col := "cents"
			if m == "SUM(orders)" {
				col = "orders"
			}
			k := fmt.Sprintf(pk, per)
			compare("pairings "+per+" "+col, "SELECT "+k+", "+m+" FROM credits GROUP BY "+k,
				"SELECT "+fmt.Sprintf(pk, "period")+", "+col+" FROM rollup_pairings WHERE period % 100 "+
					map[bool]string{true: "<> 0", false: "= 0"}[per == "period"])
			k = fmt.Sprintf(ak, per)
			compare("areas "+per+" "+col, "SELECT "+k+", "+m+" FROM credits GROUP BY "+k,
				"SELECT "+fmt.Sprintf(ak, "period")+", "+col+" FROM rollup_areas WHERE period % 100 "+
					map[bool]string{true: "<> 0", false: "= 0"}[per == "period"])
			k = fmt.Sprintf(fk, per)
			compare("platforms "+per+" "+col, "SELECT "+k+", "+m+" FROM credits GROUP BY "+k,
				"SELECT "+fmt.Sprintf(fkRolled, "period")+", "+col+" FROM rollup_platforms WHERE period % 100 "+
					map[bool]string{true: "<> 0", false: "= 0"}[per == "period"])
			k = fmt.Sprintf(xk, per)
			compare("sales "+per+" "+col, "SELECT "+k+", "+m+" FROM credits GROUP BY "+k,
				"SELECT "+fmt.Sprintf(xk, "period")+", "+col+" FROM rollup_sales WHERE period % 100 "+
					map[bool]string{true: "<> 0", false: "= 0"}[per == "period"])
			// each breakdown by value and pairing (a producer by its id)
			for facet, c := range map[string]string{model.FacetOrigin: "origin_code", model.FacetCategory: "category_code",
				model.FacetSupplier: "supplier_id", model.FacetChannel: "channel", model.FacetPlatform: "platform",
				model.FacetPointType: "point_type", model.FacetSector: "sector"} {
				ck, rolled := "CONCAT_WS('|', %s, %s, COALESCE(pairing_id, 0))", "CONCAT_WS('|', period, code, pairing_id)"
				if h.store.Dialect() == "sqlite" {
					ck, rolled = "(%s || '|' || %s || '|' || COALESCE(pairing_id, 0))", "(period || '|' || code || '|' || pairing_id)"
				}
				k = fmt.Sprintf(ck, per, c)
				compare("facets "+facet+" "+per+" "+col, "SELECT "+k+", "+m+" FROM credits GROUP BY "+k,
					"SELECT "+rolled+", "+col+" FROM rollup_facets WHERE facet = '"+facet+"' AND period % 100 "+
						map[bool]string{true: "<> 0", false: "= 0"}[per == "period"])
			}
		}
	}
	ok := "CONCAT_WS('|', period, buyer_org_id)"
	rk := "CONCAT_WS('|', period, org_id)"
	if h.store.Dialect() == "sqlite" {
		ok, rk = "(period || '|' || buyer_org_id)", "(period || '|' || org_id)"
	}
	compare("orgs own", "SELECT "+ok+", SUM(amount_cents) FROM credits WHERE buyer_org_id IS NOT NULL GROUP BY "+ok,
		"SELECT "+rk+", cents FROM rollup_orgs WHERE period % 100 <> 0")
	compare("orgs own certified", "SELECT "+ok+", SUM(amount_cents) FROM credits WHERE buyer_org_id IS NOT NULL AND certified = 1 GROUP BY "+ok,
		"SELECT "+rk+", certified_cents FROM rollup_orgs WHERE period % 100 <> 0")
	compare("orgs own credited", "SELECT "+ok+", SUM(amount_cents) FROM credits WHERE pairing_id IS NOT NULL AND buyer_org_id IS NOT NULL GROUP BY "+ok,
		"SELECT "+rk+", credited_cents FROM rollup_orgs WHERE period % 100 <> 0")
	// subtree: every org on the entry's chain
	sk := "CONCAT_WS('|', c.period, o.id)"
	like := "CONCAT('%/', o.id, '/%')"
	if h.store.Dialect() == "sqlite" {
		sk, like = "(c.period || '|' || o.id)", "('%/' || o.id || '/%')"
	}
	compare("orgs subtree", "SELECT "+sk+", SUM(c.amount_cents) FROM credits c JOIN orgs o ON c.org_chain LIKE "+like+" GROUP BY "+sk,
		"SELECT "+rk+", subtree_cents FROM rollup_orgs WHERE period % 100 <> 0")
	// per org and pairing: own, and the subtree's
	opk := "CONCAT_WS('|', period, buyer_org_id, COALESCE(pairing_id, 0))"
	rpk := "CONCAT_WS('|', period, org_id, pairing_id)"
	spk := "CONCAT_WS('|', c.period, o.id, COALESCE(c.pairing_id, 0))"
	if h.store.Dialect() == "sqlite" {
		opk = "(period || '|' || buyer_org_id || '|' || COALESCE(pairing_id, 0))"
		rpk = "(period || '|' || org_id || '|' || pairing_id)"
		spk = "(c.period || '|' || o.id || '|' || COALESCE(c.pairing_id, 0))"
	}
	compare("org pairings own", "SELECT "+opk+", SUM(amount_cents) FROM credits WHERE buyer_org_id IS NOT NULL GROUP BY "+opk,
		"SELECT "+rpk+", cents FROM rollup_org_pairings WHERE period % 100 <> 0")
	compare("org pairings subtree", "SELECT "+spk+", SUM(c.amount_cents) FROM credits c JOIN orgs o ON c.org_chain LIKE "+like+" GROUP BY "+spk,
		"SELECT "+rpk+", subtree_cents FROM rollup_org_pairings WHERE period % 100 <> 0")
}

// TestCreditSelfChosenRegion: a region a consumer chose at sign-up is no
// evidence: their purchases credit no pairing (no_buyer_region) until an
// admin confirms the region, or an org_admin confirms them as an employee
// (then the employer's region counts, and their own is confirmed too).
// Admin-made consumers keep their region (yc_resident in TestCreditExamples).
func TestCreditSelfChosenRegion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		ctx := context.Background()
		p := c.price
		yuecheng, keqiao := "330602", "330603"
		self := c.addUser(t, &model.User{Username: "self_yc", Role: model.RoleConsumer, RegionCode: &yuecheng, RegionSelfChosen: true})
		reload := func(u *model.User) *model.User {
			fresh, err := c.h.store.User(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			c.users[u.Username] = fresh
			return fresh
		}

		e := c.only(t, c.buy(t, "self_yc", c.jkh, 1, 1), p)
		wantPairing(t, "a self-chosen, unconfirmed region", e, 0, model.ReasonNoBuyerRegion)
		if e.BuyerRegion != "" {
			t.Errorf("buyer region %q credited from an unconfirmed choice", e.BuyerRegion)
		}

		admin := c.token(t, model.RoleAdmin)
		wantStatus(t, c.h.callBad(t, http.MethodPatch, path(v1+"/admin/users", self.ID), admin, `{"region_confirmed": false}`), http.StatusUnprocessableEntity)
		wantStatus(t, c.h.callBad(t, http.MethodPatch, path(v1+"/admin/users", c.users["sy_buyer"].ID), admin, `{"region_confirmed": true}`), http.StatusUnprocessableEntity)
		res := c.h.call(t, http.MethodPatch, path(v1+"/admin/users", self.ID), admin, `{"region_confirmed": true}`)
		wantStatus(t, res, http.StatusOK)
		if !decode[userBody](t, res).RegionConfirmed {
			t.Error("region_confirmed is still false after the admin confirmed it")
		}
		reload(self)
		e = c.only(t, c.buy(t, "self_yc", c.jkh, 1, 1), p)
		wantPairing(t, "a region an admin confirmed", e, c.shaoxingLeshan, "")
		if e.BuyerRegion != yuecheng || e.BuyerOrgID != nil {
			t.Errorf("confirmed own region: %+v", e)
		}

		// an employee the org_admin confirms: the employer's region counts
		// and their own region is confirmed with them
		emp := c.addUser(t, &model.User{Username: "self_kq", Role: model.RoleConsumer, RegionCode: &keqiao, RegionSelfChosen: true,
			EmployerID: &c.other.ID, EmployerStatus: model.EmployerPending})
		wantPairing(t, "a pending employee with a self-chosen region", c.only(t, c.buy(t, "self_kq", c.js, 1, 1), p), 0, model.ReasonNoBuyerRegion)
		res = c.h.call(t, http.MethodPost, path(v1+"/orgs", c.other.ID, "employees", emp.ID, "confirm"), c.token(t, "other_admin"), "")
		wantStatus(t, res, http.StatusOK)
		if u := reload(emp); u.RegionSelfChosen || u.EmployerStatus != model.EmployerConfirmed {
			t.Errorf("after the org_admin's confirmation: self-chosen %v, employer %q", u.RegionSelfChosen, u.EmployerStatus)
		}
		e = c.only(t, c.buy(t, "self_kq", c.js, 1, 1), p)
		wantPairing(t, "a confirmed employee", e, c.keqiaoJiangshan, "")
		if e.BuyerOrgID == nil || *e.BuyerOrgID != c.other.ID || e.BuyerRegion != keqiao {
			t.Errorf("confirmed employee: %+v", e)
		}
	})
}
