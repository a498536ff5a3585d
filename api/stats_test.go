package api_test

// The statistics routes over rollup rows inserted straight into the
// database: who may call them, how bad parameters are refused, and that the
// bodies and files carry the figures of those rows. The ledger that feeds
// the rollups from accepted orders is tested end to end with it.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// The client's view of the statistics bodies, from the design.

type pairingStatsBody struct {
	Year  int  `json:"year"`
	Month *int `json:"month"`
	Items []struct {
		Pairing       pairing  `json:"pairing"`
		TargetCents   *int64   `json:"target_cents"`
		CreditedCents int64    `json:"credited_cents"`
		CountyCents   int64    `json:"county_cents"`
		DirectCents   int64    `json:"direct_cents"`
		AssistedCents int64    `json:"assisted_cents"`
		Completion    *float64 `json:"completion"`
		Orders        int64    `json:"orders"`
		OnlineCents   int64    `json:"online_cents"`
		OfflineCents  int64    `json:"offline_cents"`
		Records       int64    `json:"records"`
	} `json:"items"`
	NotCreditedCents int64 `json:"not_credited_cents"`
	NotCredited      []struct {
		Reason string `json:"reason"`
		Cents  int64  `json:"cents"`
	} `json:"not_credited"`
}

type monthlyStatsBody struct {
	Year        int     `json:"year"`
	Pairing     pairing `json:"pairing"`
	TargetCents *int64  `json:"target_cents"`
	Months      []struct {
		Month           int      `json:"month"`
		CreditedCents   int64    `json:"credited_cents"`
		CountyCents     int64    `json:"county_cents"`
		DirectCents     int64    `json:"direct_cents"`
		AssistedCents   int64    `json:"assisted_cents"`
		Orders          int64    `json:"orders"`
		CumulativeCents int64    `json:"cumulative_cents"`
		Completion      *float64 `json:"completion"`
	} `json:"months"`
}

type orgStatsRow struct {
	Org struct {
		ID       int64     `json:"id"`
		Name     string    `json:"name"`
		Kind     string    `json:"kind"`
		Region   regionRef `json:"region"`
		ParentID *int64    `json:"parent_id"`
	} `json:"org"`
	PurchasesCents        int64    `json:"purchases_cents"`
	CertifiedCents        int64    `json:"certified_cents"`
	CreditedCents         int64    `json:"credited_cents"`
	SubtreePurchasesCents int64    `json:"subtree_purchases_cents"`
	SubtreeCertifiedCents int64    `json:"subtree_certified_cents"`
	SubtreeCreditedCents  int64    `json:"subtree_credited_cents"`
	ReservedCents         *int64   `json:"reserved_cents"`
	FilingStatus          *string  `json:"filing_status"`
	Completion            *float64 `json:"completion"`
	Rank                  *int     `json:"rank"`
}

type orgStatsBody struct {
	Year   int           `json:"year"`
	Parent *orgStatsRow  `json:"parent"`
	Items  []orgStatsRow `json:"items"`
}

type districtStatsBody struct {
	Year  int `json:"year"`
	Items []struct {
		Region        regionRef `json:"region"`
		TargetCents   *int64    `json:"target_cents"`
		CreditedCents int64     `json:"credited_cents"`
		DirectCents   int64     `json:"direct_cents"`
		AssistedCents int64     `json:"assisted_cents"`
		Orders        int64     `json:"orders"`
		Completion    *float64  `json:"completion"`
		Rank          int       `json:"rank"`
	} `json:"items"`
}

// seedStats gives the world's pairing (上虞–金口河) a 2026 target and
// figures: 7340 credited of 10000 (5000 direct, 2340 assisted; 3 orders),
// all bought in 上虞 from 金口河, and 120 not credited; its parent org
// bought 800 of certified goods against a submitted filing.
func seedStats(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	st := w.h.store
	if err := st.SetTarget(ctx, model.Target{PairingID: w.pairing, Year: 2026, TargetCents: 10000}); err != nil {
		t.Fatal(err)
	}
	facets := map[model.RollupFacet]model.RollupFacet{}
	for _, period := range []int{202600, 202604} {
		for _, row := range []any{
			&model.RollupPairing{Period: period, PairingID: w.pairing, Kind: model.CreditDirect, Channel: model.OrgGovernment, Cents: 5000, Orders: 2},
			&model.RollupPairing{Period: period, PairingID: w.pairing, Kind: model.CreditAssisted, Channel: model.OrgSupermarket, Cents: 2340, Orders: 1},
			&model.RollupPairing{Period: period, Reason: model.ReasonCertExpired, Kind: model.CreditDirect, Channel: "app", Cents: 120, Orders: 1},
			&model.RollupArea{Period: period, PairingID: w.pairing, Kind: model.CreditDirect, BuyerRegion: "330604", OriginCode: "511113", Cents: 5000, Orders: 2},
			&model.RollupArea{Period: period, PairingID: w.pairing, Kind: model.CreditAssisted, BuyerRegion: "330604", OriginCode: "511113", Cents: 2340, Orders: 1},
			&model.RollupArea{Period: period, Reason: model.ReasonCertExpired, Kind: model.CreditDirect, BuyerRegion: "330604", OriginCode: "511113", Cents: 120, Orders: 1},
			&model.RollupSale{Period: period, PairingID: w.pairing, Kind: model.CreditDirect, Channel: model.OrgGovernment, Platform: model.PlatformMall,
				Sector: "government", BuyerRegion: "330604", OriginCode: "511113", CategoryCode: "grain_oil", SupplierID: w.supA.ID, Cents: 5000, Orders: 2},
			&model.RollupSale{Period: period, PairingID: w.pairing, Kind: model.CreditAssisted, Channel: model.OrgSupermarket, Platform: model.PlatformMall,
				Sector: "other", BuyerRegion: "330604", OriginCode: "511113", CategoryCode: "tea", SupplierID: w.supA.ID, Cents: 2340, Orders: 1},
			&model.RollupSale{Period: period, Reason: model.ReasonCertExpired, Kind: model.CreditDirect, Channel: "app", Platform: model.PlatformMall,
				BuyerRegion: "330604", OriginCode: "511113", CategoryCode: "tea", SupplierID: w.supA.ID, Cents: 120, Orders: 1},
			&model.RollupPlatform{Period: period, PairingID: w.pairing, Mall: true, BuyerRegion: "330604", OriginCode: "511113", Cents: 7340, Orders: 3},
			&model.RollupPlatform{Period: period, Mall: true, BuyerRegion: "330604", OriginCode: "511113", Cents: 120, Orders: 1},
		} {
			if err := st.Gorm().Create(row).Error; err != nil {
				t.Fatal(err)
			}
			// and the breakdowns' rows, as the rollup worker writes them
			if r, ok := row.(*model.RollupSale); ok {
				for _, f := range r.Facets() {
					k := f
					k.Cents, k.Orders = 0, 0
					v := facets[k]
					v.Cents += f.Cents
					v.Orders += f.Orders
					facets[k] = v
				}
			}
		}
	}
	for k, v := range facets {
		k.Cents, k.Orders = v.Cents, v.Orders
		if err := st.Gorm().Create(&k).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Gorm().Create(&model.RollupOrg{Period: 202600, OrgID: w.parent.ID, Cents: 1000, CertifiedCents: 800,
		CreditedCents: 700, SubtreeCents: 1000, SubtreeCertifiedCents: 800, SubtreeCreditedCents: 700}).Error; err != nil {
		t.Fatal(err)
	}
	for _, row := range []*model.RollupOrgPairing{
		{Period: 202600, OrgID: w.parent.ID, PairingID: w.pairing, Cents: 700, SubtreeCents: 700},
		{Period: 202600, OrgID: w.parent.ID, Cents: 300, SubtreeCents: 300},
	} {
		if err := st.Gorm().Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	// seedWorld filed a draft for parent (1500 bp of 100 000.00): submit it
	execSQL(t, w.h, "UPDATE filings SET status = ? WHERE org_id = ? AND year = 2026", model.FilingSubmitted, w.parent.ID)
}

func TestStatsRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		seedStats(t, w)
		jk := "511113"
		w.addUser(t, &model.User{Username: "partner_officer", Role: model.RoleOfficer, RegionCode: &jk})
		kq := "330603"
		w.addUser(t, &model.User{Username: "keqiao_officer", Role: model.RoleOfficer, RegionCode: &kq})
		admin := w.token(t, model.RoleAdmin)

		t.Run("pairings", func(t *testing.T) {
			res := h.call(t, http.MethodGet, v1+"/stats/pairings?year=2026", admin, "")
			wantStatus(t, res, http.StatusOK)
			body := decode[pairingStatsBody](t, res)
			if body.Year != 2026 || body.Month != nil || len(body.Items) != 1 {
				t.Fatalf("body = %s", truncate(res.Body))
			}
			it := body.Items[0]
			if it.Pairing.ID != w.pairing || it.Pairing.Helper.Name != "上虞区" || it.Pairing.Partner.Code != "511113" ||
				it.TargetCents == nil || *it.TargetCents != 10000 || it.CreditedCents != 7340 || it.CountyCents != 0 ||
				it.DirectCents != 5000 || it.AssistedCents != 2340 || it.Orders != 3 || it.Completion == nil || *it.Completion != 0.734 ||
				it.OnlineCents != 7340 || it.OfflineCents != 0 || it.Records != 0 {
				t.Errorf("item = %+v", it)
			}
			if !bytes.Contains(res.Body, []byte(`"completion":0.734`)) {
				t.Errorf("completion is not the number 0.734: %s", truncate(res.Body))
			}
			var reasons []string
			for _, nc := range body.NotCredited {
				reasons = append(reasons, nc.Reason)
				if (nc.Reason == model.ReasonCertExpired) != (nc.Cents == 120) {
					t.Errorf("%s = %d", nc.Reason, nc.Cents)
				}
			}
			if got := strings.Join(reasons, ","); got != strings.Join(model.NotCreditedReasons, ",") || body.NotCreditedCents != 120 {
				t.Errorf("not credited = %s, %d", got, body.NotCreditedCents)
			}

			res = h.call(t, http.MethodGet, v1+"/stats/pairings?year=2026&month=4", admin, "")
			wantStatus(t, res, http.StatusOK)
			body = decode[pairingStatsBody](t, res)
			if body.Month == nil || *body.Month != 4 || body.Items[0].CreditedCents != 7340 || body.Items[0].Completion != nil {
				t.Errorf("April = %s", truncate(res.Body))
			}

			// the helper officer of 上虞 sees it; the one of 柯桥 does not
			res = h.call(t, http.MethodGet, v1+"/stats/pairings?year=2026", w.token(t, model.RoleOfficer), "")
			if body := decode[pairingStatsBody](t, res); len(body.Items) != 1 || body.Items[0].CreditedCents != 7340 {
				t.Errorf("上虞 officer: %s", truncate(res.Body))
			}
			res = h.call(t, http.MethodGet, v1+"/stats/pairings?year=2026", w.token(t, "keqiao_officer"), "")
			if body := decode[pairingStatsBody](t, res); len(body.Items) != 0 || body.NotCreditedCents != 0 {
				t.Errorf("柯桥 officer: %s", truncate(res.Body))
			}
			res = h.call(t, http.MethodGet, v1+"/stats/pairings?year=2026", w.token(t, "partner_officer"), "")
			if body := decode[pairingStatsBody](t, res); len(body.Items) != 1 || body.NotCreditedCents != 120 {
				t.Errorf("金口河 officer: %s", truncate(res.Body))
			}
		})

		t.Run("monthly", func(t *testing.T) {
			res := h.call(t, http.MethodGet, path(v1+"/stats/pairings", w.pairing, "monthly?year=2026"), admin, "")
			wantStatus(t, res, http.StatusOK)
			body := decode[monthlyStatsBody](t, res)
			if len(body.Months) != 12 || body.Months[3].CreditedCents != 7340 || body.Months[2].CumulativeCents != 0 ||
				body.Months[11].CumulativeCents != 7340 || *body.Months[11].Completion != 0.734 || *body.Months[0].Completion != 0 {
				t.Errorf("monthly = %s", truncate(res.Body))
			}
			// outside the 柯桥 officer's scope, and missing: 404
			res = h.call(t, http.MethodGet, path(v1+"/stats/pairings", w.pairing, "monthly?year=2026"), w.token(t, "keqiao_officer"), "")
			wantError(t, res, http.StatusNotFound, "not_found")
			res = h.call(t, http.MethodGet, path(v1+"/stats/pairings", 999999, "monthly?year=2026"), admin, "")
			wantError(t, res, http.StatusNotFound, "not_found")
		})

		t.Run("orgs", func(t *testing.T) {
			res := h.call(t, http.MethodGet, v1+"/stats/orgs?year=2026", admin, "")
			wantStatus(t, res, http.StatusOK)
			body := decode[orgStatsBody](t, res)
			if body.Parent != nil || len(body.Items) != 2 { // parent and other are top-level
				t.Fatalf("orgs = %s", truncate(res.Body))
			}
			first := body.Items[0]
			// reserved: 100 000.00 × 15% = 15 000.00; 8.00 of it bought
			if first.Org.ID != w.parent.ID || *first.Rank != 1 || first.ReservedCents == nil || *first.ReservedCents != 1_500_000 ||
				*first.Completion != 0.0005 || first.SubtreeCertifiedCents != 800 || *first.FilingStatus != model.FilingSubmitted ||
				first.Org.Region.Name != "上虞区" {
				t.Errorf("first = %+v", first)
			}
			if other := body.Items[1]; other.Org.ID != w.other.ID || *other.Rank != 2 || other.Completion != nil || other.FilingStatus != nil {
				t.Errorf("second = %+v", other)
			}

			// the org_admin of parent: their own org and its children
			res = h.call(t, http.MethodGet, v1+"/stats/orgs?year=2026", w.token(t, model.RoleOrgAdmin), "")
			wantStatus(t, res, http.StatusOK)
			body = decode[orgStatsBody](t, res)
			if body.Parent == nil || body.Parent.Org.ID != w.parent.ID || body.Parent.Rank != nil ||
				len(body.Items) != 1 || body.Items[0].Org.ID != w.child.ID {
				t.Errorf("org_admin = %s", truncate(res.Body))
			}
			res = h.call(t, http.MethodGet, v1+"/stats/orgs?year=2026&parent_id="+itoa(w.child.ID), w.token(t, model.RoleOrgAdmin), "")
			wantStatus(t, res, http.StatusOK)
			// ... but not another org, nor the one above their own
			for _, tc := range []struct {
				caller string
				org    int64
			}{{model.RoleOrgAdmin, w.other.ID}, {"child_admin", w.parent.ID}, {model.RoleOrgAdmin, 999999}} {
				res = h.call(t, http.MethodGet, v1+"/stats/orgs?year=2026&parent_id="+itoa(tc.org), w.token(t, tc.caller), "")
				wantError(t, res, http.StatusNotFound, "not_found")
			}
			// a partner-side officer: reserved shares are a helper-side review
			res = h.call(t, http.MethodGet, v1+"/stats/orgs?year=2026", w.token(t, "partner_officer"), "")
			wantError(t, res, http.StatusForbidden, "forbidden")
			if msg := decode[errorBody](t, res).Error.Message; !strings.Contains(msg, "helper side") {
				t.Errorf("message = %q", msg)
			}
			// a helper-side officer: the orgs in their region
			res = h.call(t, http.MethodGet, v1+"/stats/orgs?year=2026", w.token(t, "keqiao_officer"), "")
			if body := decode[orgStatsBody](t, res); len(body.Items) != 1 || body.Items[0].Org.ID != w.other.ID {
				t.Errorf("柯桥 officer = %s", truncate(res.Body))
			}
		})

		t.Run("regions", func(t *testing.T) {
			res := h.call(t, http.MethodGet, v1+"/stats/regions?year=2026", admin, "")
			wantStatus(t, res, http.StatusOK)
			body := decode[districtStatsBody](t, res)
			if len(body.Items) != 6 || body.Items[0].Region.Code != "330604" || body.Items[0].Rank != 1 ||
				body.Items[0].CreditedCents != 7340 || *body.Items[0].TargetCents != 10000 || *body.Items[0].Completion != 0.734 {
				t.Errorf("districts = %s", truncate(res.Body))
			}
			res = h.call(t, http.MethodGet, v1+"/stats/regions?year=2026", w.token(t, model.RoleOfficer), "")
			if body := decode[districtStatsBody](t, res); len(body.Items) != 1 || body.Items[0].Region.Name != "上虞区" {
				t.Errorf("上虞 officer = %s", truncate(res.Body))
			}
		})

		t.Run("export", func(t *testing.T) {
			res := h.call(t, http.MethodGet, v1+"/stats/export?year=2026&format=xlsx", admin, "")
			wantStatus(t, res, http.StatusOK)
			disp, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
			if err != nil || disp != "attachment" || params["filename"] != "shanhai-stats-2026.xlsx" {
				t.Errorf("Content-Disposition = %q", res.Header.Get("Content-Disposition"))
			}
			x, err := excelize.OpenReader(bytes.NewReader(res.Body))
			if err != nil {
				t.Fatalf("open the workbook: %v", err)
			}
			defer x.Close()
			for ref, want := range map[string]string{"E2": "金口河区", "F2": "100.00", "G2": "73.40", "I2": "50.00", "J2": "23.40", "K2": "0.7340", "L2": "3"} {
				if got, _ := x.GetCellValue("结对统计", ref, excelize.Options{RawCellValue: true}); got != want {
					t.Errorf("结对统计!%s = %q, want %q", ref, got, want)
				}
			}

			res = h.call(t, http.MethodGet, v1+"/stats/export?year=2026&format=csv&table=regions", w.token(t, model.RoleOfficer), "")
			wantStatus(t, res, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("Content-Type = %q", ct)
			}
			if !bytes.HasPrefix(res.Body, []byte("\xEF\xBB\xBF")) {
				t.Fatalf("the csv does not start with a byte-order mark: %q", truncate(res.Body))
			}
			recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || strings.Join(recs[1], ",") != "1,330604,上虞区,100.00,73.40,50.00,23.40,0.7340,3" {
				t.Errorf("csv = %q", recs)
			}
			res = h.call(t, http.MethodGet, v1+"/stats/export?year=2026&format=csv&table=orgs", w.token(t, "partner_officer"), "")
			wantError(t, res, http.StatusForbidden, "forbidden")
		})

		t.Run("one org per pairing", func(t *testing.T) {
			target := path(v1+"/stats/orgs", w.parent.ID, "pairings?year=2026")
			for _, who := range []string{model.RoleAdmin, model.RoleOrgAdmin, model.RoleOfficer} {
				res := h.call(t, http.MethodGet, target, w.token(t, who), "")
				wantStatus(t, res, http.StatusOK)
				want := fmt.Sprintf(`"items":[{"pairing":{"id":%d,`, w.pairing)
				if !bytes.Contains(res.Body, []byte(want)) || !bytes.Contains(res.Body, []byte(`"cents":700,"subtree_cents":700}]`)) ||
					!bytes.Contains(res.Body, []byte(`"not_credited_cents":300,"subtree_not_credited_cents":300`)) {
					t.Errorf("%s: %s", who, truncate(res.Body))
				}
			}
			wantError(t, h.call(t, http.MethodGet, target, w.token(t, "keqiao_officer"), ""), http.StatusNotFound, "not_found")
			wantError(t, h.call(t, http.MethodGet, target, w.token(t, "partner_officer"), ""), http.StatusForbidden, "forbidden")
			res := h.call(t, http.MethodGet, target+"&programme=mountain_sea", admin, "")
			wantStatus(t, res, http.StatusOK)
			if !bytes.Contains(res.Body, []byte(`"items":[],"not_credited_cents":0,"subtree_not_credited_cents":0`)) {
				t.Errorf("mountain_sea: %s", truncate(res.Body))
			}
			res = h.call(t, http.MethodGet, target+"&format=csv", admin, "")
			wantStatus(t, res, http.StatusOK)
			recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 3 || strings.Join(recs[1][4:], ",") != "7.00,7.00" || strings.Join(recs[2][4:], ",") != "3.00,3.00" {
				t.Errorf("csv: %q", recs)
			}
		})

		t.Run("every unit ranked", func(t *testing.T) {
			total := queryOne[int64](t, h, "SELECT COUNT(*) FROM orgs")
			res := h.call(t, http.MethodGet, v1+"/stats/units?year=2026&page_size=1", admin, "")
			wantStatus(t, res, http.StatusOK)
			var body struct {
				Items []struct {
					Org  struct{ ID int64 } `json:"org"`
					Rank *int               `json:"rank"`
				} `json:"items"`
				Total, Page, PageSize int
			}
			if err := json.Unmarshal(res.Body, &body); err != nil {
				t.Fatal(err)
			}
			// the parent alone has a reserved amount: first of every org
			if int64(body.Total) != total || len(body.Items) != 1 || body.Items[0].Org.ID != w.parent.ID ||
				body.Items[0].Rank == nil || *body.Items[0].Rank != 1 {
				t.Errorf("units: %s (orgs: %d)", truncate(res.Body), total)
			}
			res = h.call(t, http.MethodGet, v1+"/stats/units?year=2026&page=2&page_size=100", admin, "")
			wantStatus(t, res, http.StatusOK)
			if !bytes.Contains(res.Body, []byte(`"items":[]`)) {
				t.Errorf("page 2: %s", truncate(res.Body))
			}
			wantError(t, h.call(t, http.MethodGet, v1+"/stats/units?year=2026", w.token(t, "partner_officer"), ""), http.StatusForbidden, "forbidden")
			wantError(t, h.getBadAs(t, v1+"/stats/units?year=2026&programme=east_west", admin), http.StatusUnprocessableEntity, "invalid", "programme")
			res = h.call(t, http.MethodGet, v1+"/stats/units?year=2026&format=csv", admin, "")
			wantStatus(t, res, http.StatusOK)
			recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(recs)) != total+1 || recs[1][1] != strconv.FormatInt(w.parent.ID, 10) {
				t.Errorf("units csv: %q", recs)
			}
		})

		t.Run("origins and channels", func(t *testing.T) {
			type rows map[string][]struct {
				Code          string `json:"code"`
				Name          string `json:"name"`
				SalesCents    int64  `json:"sales_cents"`
				CreditedCents int64  `json:"credited_cents"`
				Orders        int64  `json:"orders"`
			}
			get := func(target, who string) string {
				t.Helper()
				res := h.call(t, http.MethodGet, target, w.token(t, who), "")
				wantStatus(t, res, http.StatusOK)
				var body struct{ Tables rows }
				if err := json.Unmarshal(res.Body, &body); err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, table := range slices.Sorted(maps.Keys(body.Tables)) {
					for _, r := range body.Tables[table] {
						out = append(out, fmt.Sprintf("%s:%s %s %d/%d %d", table, r.Code, r.Name, r.SalesCents, r.CreditedCents, r.Orders))
					}
				}
				return strings.Join(out, "; ")
			}
			sup := strconv.FormatInt(w.supA.ID, 10)
			want := "category:grain_oil 粮油 5000/5000 2; category:tea 茶叶 2460/2340 2; origin:511113 金口河区 7460/7340 4; " +
				"supplier:" + sup + " 金口河区山珍有限公司 7460/7340 4"
			for _, who := range []string{model.RoleAdmin, "partner_officer", model.RoleOfficer} {
				if got := get(v1+"/stats/origins?year=2026", who); got != want {
					t.Errorf("%s origins:\n got %s\nwant %s", who, got, want)
				}
			}
			// Keqiao's officer: none of these buyers are theirs
			if got := get(v1+"/stats/origins?year=2026", "keqiao_officer"); got != "" {
				t.Errorf("Keqiao officer's origins: %s", got)
			}
			// with a programme: only what is credited to it
			if got := get(v1+"/stats/origins?year=2026&programme=east_west", model.RoleAdmin); !strings.Contains(got, "origin:511113 金口河区 7340/7340 3") {
				t.Errorf("east_west origins: %s", got)
			}
			if got := get(v1+"/stats/origins?year=2026&programme=mountain_sea", model.RoleAdmin); got != "" {
				t.Errorf("mountain_sea origins: %s", got)
			}
			want = "channel:government 机关 5000/5000 2; channel:supermarket 商超 2340/2340 1; channel:app 职工个人（App） 120/0 1; " +
				"platform:mall 本平台 7460/7340 4; point_type: 无 7460/7340 4; " +
				"sector:government 机关 5000/5000 2; sector:other 其他 2340/2340 1; sector: 个人 120/0 1"
			if got := get(v1+"/stats/channels?from=2026-04&to=2026-04", model.RoleAdmin); got != want {
				t.Errorf("channels:\n got %s\nwant %s", got, want)
			}
			// the producers, paged
			res := h.call(t, http.MethodGet, v1+"/stats/suppliers?year=2026&page_size=1", w.token(t, "partner_officer"), "")
			wantStatus(t, res, http.StatusOK)
			if want := `"items":[{"code":"` + sup + `","name":"金口河区山珍有限公司","sales_cents":7460,"credited_cents":7340,"orders":4}],"total":1,"page":1,"page_size":1`; !bytes.Contains(res.Body, []byte(want)) {
				t.Errorf("suppliers: %s", truncate(res.Body))
			}
			res = h.call(t, http.MethodGet, v1+"/stats/channels?year=2026&format=csv", admin, "")
			wantStatus(t, res, http.StatusOK)
			recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 9 || strings.Join(recs[0], ",") != "维度,代码,名称,销售额（元）,计入结对（元）,订单数" ||
				strings.Join(recs[1], ",") != "按渠道,government,机关,50.00,50.00,2" {
				t.Errorf("channels csv: %q", recs)
			}
		})

		t.Run("every route as a file, ranges and programmes", func(t *testing.T) {
			// the route's own table, equal to the export of that table
			for _, tc := range []struct{ route, export string }{
				{v1 + "/stats/regions?year=2026&format=csv", v1 + "/stats/export?year=2026&format=csv&table=regions"},
				{v1 + "/stats/pairings?year=2026&month=4&format=csv", v1 + "/stats/export?year=2026&month=4&format=csv&table=pairings"},
				{v1 + "/stats/orgs?year=2026&format=csv", v1 + "/stats/export?year=2026&format=csv&table=orgs"},
			} {
				a, b := h.call(t, http.MethodGet, tc.route, admin, ""), h.call(t, http.MethodGet, tc.export, admin, "")
				wantStatus(t, a, http.StatusOK)
				if !bytes.HasPrefix(a.Body, []byte("\xEF\xBB\xBF")) || !bytes.Equal(a.Body, b.Body) {
					t.Errorf("%s:\n%q\nexport:\n%q", tc.route, truncate(a.Body), truncate(b.Body))
				}
			}
			res := h.call(t, http.MethodGet, path(v1+"/stats/pairings", w.pairing, "monthly?year=2026&format=csv"), admin, "")
			wantStatus(t, res, http.StatusOK)
			recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 13 || recs[0][0] != "月份" || strings.Join(recs[12][6:], ",") != "73.40,0.7340" {
				t.Errorf("monthly csv = %q", recs)
			}

			// the cumulative since 2021 is this year's figures (nothing
			// earlier), against the targets of the six whole years
			res = h.call(t, http.MethodGet, v1+"/stats/pairings?from=2021-01&to=2026-12&programme=east_west", admin, "")
			wantStatus(t, res, http.StatusOK)
			var rng struct {
				Year      *int   `json:"year"`
				From      string `json:"from"`
				To        string `json:"to"`
				Programme string `json:"programme"`
				Items     []struct {
					CreditedCents int64    `json:"credited_cents"`
					TargetCents   *int64   `json:"target_cents"`
					Completion    *float64 `json:"completion"`
				} `json:"items"`
			}
			if err := json.Unmarshal(res.Body, &rng); err != nil {
				t.Fatal(err)
			}
			if rng.Year != nil || rng.From != "2021-01" || rng.To != "2026-12" || rng.Programme != "east_west" || len(rng.Items) != 1 ||
				rng.Items[0].CreditedCents != 7340 || rng.Items[0].TargetCents == nil || *rng.Items[0].TargetCents != 10000 ||
				rng.Items[0].Completion == nil || *rng.Items[0].Completion != 0.734 {
				t.Errorf("since 2021: %s", truncate(res.Body))
			}
			// the other programme has none of it
			res = h.call(t, http.MethodGet, v1+"/stats/regions?year=2026&programme=mountain_sea", admin, "")
			wantStatus(t, res, http.StatusOK)
			if bytes.Contains(res.Body, []byte(`"credited_cents":7340`)) || !bytes.Contains(res.Body, []byte(`"programme":"mountain_sea"`)) {
				t.Errorf("mountain_sea districts: %s", truncate(res.Body))
			}
		})
	})
}

func TestStatsRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		routes := []string{
			v1 + "/stats/pairings?year=2026",
			path(v1+"/stats/pairings", w.pairing, "monthly?year=2026"),
			v1 + "/stats/orgs?year=2026",
			v1 + "/stats/regions?year=2026",
			v1 + "/stats/export?year=2026&format=csv",
		}
		for _, target := range routes {
			res := h.call(t, http.MethodGet, target, "", "")
			wantError(t, res, http.StatusUnauthorized, "unauthorized")
			for _, caller := range []string{model.RoleConsumer, model.RoleBuyer, model.RoleApprover, model.RoleSupplier} {
				res := h.call(t, http.MethodGet, target, w.token(t, caller), "")
				wantError(t, res, http.StatusForbidden, "forbidden")
			}
			want := http.StatusForbidden
			if strings.Contains(target, "/stats/orgs") {
				want = http.StatusOK
			}
			wantStatus(t, h.call(t, http.MethodGet, target, w.token(t, model.RoleOrgAdmin), ""), want)
		}

		admin := w.token(t, model.RoleAdmin)
		for _, tc := range []struct {
			target string
			status int
			code   string
			fields []string
		}{
			{v1 + "/stats/pairings", 422, "invalid", []string{"year"}},
			{v1 + "/stats/pairings?year=1999", 422, "invalid", []string{"year"}},
			{v1 + "/stats/pairings?year=2101", 422, "invalid", []string{"year"}},
			{v1 + "/stats/pairings?year=twenty", 422, "invalid", []string{"year"}},
			{v1 + "/stats/pairings?year=2026&month=0", 422, "invalid", []string{"month"}},
			{v1 + "/stats/pairings?year=2026&month=13", 422, "invalid", []string{"month"}},
			{v1 + "/stats/pairings?year=2026&month=3.5", 422, "invalid", []string{"month"}},
			{v1 + "/stats/pairings?year=0&month=-1", 422, "invalid", []string{"year", "month"}},
			{path(v1+"/stats/pairings", "abc", "monthly?year=2026"), 400, "invalid_id", nil},
			{path(v1+"/stats/pairings", 0, "monthly?year=2026"), 400, "invalid_id", nil},
			{path(v1+"/stats/pairings", w.pairing, "monthly"), 422, "invalid", []string{"year"}},
			{v1 + "/stats/orgs?year=2026&parent_id=0", 422, "invalid", []string{"parent_id"}},
			{v1 + "/stats/orgs?year=2026&parent_id=-3", 422, "invalid", []string{"parent_id"}},
			{v1 + "/stats/orgs?year=2026&parent_id=x", 422, "invalid", []string{"parent_id"}},
			{v1 + "/stats/orgs?year=2026&parent_id=99999999999999999999", 422, "invalid", []string{"parent_id"}},
			{v1 + "/stats/regions?year=", 422, "invalid", []string{"year"}},
			{v1 + "/stats/export?year=2026&format=pdf", 422, "invalid", []string{"format"}},
			{v1 + "/stats/export?year=2026&format=csv&table=users", 422, "invalid", []string{"table"}},
			{v1 + "/stats/export?format=csv", 422, "invalid", []string{"year"}},
			// a question the route cannot answer is never answered as another
			{v1 + "/stats/regions?year=2026&programe=east_west", 422, "invalid", []string{"programe"}},
			{v1 + "/stats/regions?zz=1&year=2026&aa=2&format=", 422, "invalid", []string{"aa", "zz", "format"}},
			{v1 + "/stats/pairings?year=2026&parent_id=3", 422, "invalid", []string{"parent_id"}},
			{v1 + "/stats/pairings?year=2026&year=2025", 422, "invalid", []string{"year"}},
			{v1 + "/stats/pairings?year=2026&programme=", 422, "invalid", []string{"programme"}},
			{v1 + "/stats/pairings?year=2026&programme=east-west", 422, "invalid", []string{"programme"}},
			{v1 + "/stats/orgs?year=2026&programme=east_west", 422, "invalid", []string{"programme"}},
			{v1 + "/stats/orgs?from=2026-01&to=2026-12", 422, "invalid", []string{"from"}},
			{v1 + "/stats/regions?from=2026-1&to=2026-12", 422, "invalid", []string{"from"}},
			{v1 + "/stats/regions?from=2026-03&to=2026-02", 422, "invalid", []string{"to"}},
			{v1 + "/stats/regions?year=2026&from=2026-01&to=2026-02", 422, "invalid", []string{"year"}},
			{v1 + "/stats/regions?year=2026&format=pdf", 422, "invalid", []string{"format"}},
			{path(v1+"/stats/pairings", w.pairing, "monthly?year=2026&month=3"), 422, "invalid", []string{"year"}},
			{v1 + "/stats/export?year=2026&table=monthly", 422, "invalid", []string{"table"}},
		} {
			res := h.getBadAs(t, tc.target, admin)
			wantError(t, res, tc.status, tc.code, tc.fields...)
		}
		// a missing parent org
		wantError(t, h.call(t, http.MethodGet, v1+"/stats/orgs?year=2026&parent_id=999999", admin, ""), http.StatusNotFound, "not_found")
	})
}

// getBadAs sends, as the token's user, a GET the test knows to be outside
// the document: only the response is validated.
func (h *harness) getBadAs(t *testing.T, target, token string) response {
	t.Helper()
	return h.callBad(t, http.MethodGet, target, token, "")
}
