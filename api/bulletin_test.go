package api_test

// The monthly bulletin over orders the test places in March and April 2026:
// its figures are the sums of those orders, its files say the same as its
// JSON, issuing keeps it as it was while later orders show against it, and
// bad parameters are refused naming them.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

type bulletinFigures struct {
	TargetCents        *int64          `json:"target_cents"`
	FilingStatus       *string         `json:"filing_status"`
	ReservedCents      *int64          `json:"reserved_cents"`
	MonthCents         int64           `json:"month_cents"`
	MonthRank          int             `json:"month_rank"`
	YTDCents           int64           `json:"ytd_cents"`
	Completion         json.RawMessage `json:"completion"`
	PreviousCompletion json.RawMessage `json:"previous_completion"`
	CompletionChange   json.RawMessage `json:"completion_change"`
	Rank               int             `json:"rank"`
}

type bulletinChange struct {
	MonthCents int64           `json:"month_cents"`
	YTDCents   int64           `json:"ytd_cents"`
	Completion json.RawMessage `json:"completion"`
}

type bulletinRow struct {
	Region *regionRef `json:"region"`
	Org    *struct {
		ID       int64     `json:"id"`
		Name     string    `json:"name"`
		Kind     string    `json:"kind"`
		Region   regionRef `json:"region"`
		ParentID *int64    `json:"parent_id"`
	} `json:"org"`
	bulletinFigures
	Now               *bulletinFigures `json:"now"`
	ChangedSinceIssue *bulletinChange  `json:"changed_since_issue"`
}

type bulletinBody struct {
	Year       int     `json:"year"`
	Month      int     `json:"month"`
	Status     string  `json:"status"`
	IssuedAt   *string `json:"issued_at"`
	IssuedBy   *int64  `json:"issued_by"`
	Programmes []struct {
		Programme string        `json:"programme"`
		Districts []bulletinRow `json:"districts"`
		Movers    []bulletinRow `json:"movers"`
	} `json:"programmes"`
	Units struct {
		Items  []bulletinRow `json:"items"`
		Movers []bulletinRow `json:"movers"`
	} `json:"units"`
}

// ratioOf is num ÷ den rounded half up to four places, as the decimal text
// the API writes without trailing zeros ("null" without a den).
func ratioOf(num, den int64) string {
	if den <= 0 {
		return "null"
	}
	r := new(big.Rat).SetFrac64(num, den)
	s := r.FloatString(4) // rounds half away from zero
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// sameNumber: two decimal texts are the same number (or both null/empty).
func sameNumber(a, b string) bool {
	if a == "null" {
		a = ""
	}
	if b == "null" {
		b = ""
	}
	if a == "" || b == "" {
		return a == b
	}
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

func TestBulletin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newCreditWorld(t, b)
		ctx := context.Background()
		st := c.h.store
		admin := c.token(t, model.RoleAdmin)
		for _, tg := range []model.Target{{PairingID: c.pairing, Year: 2026, TargetCents: 100_000},
			{PairingID: c.keqiaoJiangshan, Year: 2026, TargetCents: 50_000}} {
			if err := st.SetTarget(ctx, tg); err != nil {
				t.Fatal(err)
			}
		}
		execSQL(t, c.h, "UPDATE filings SET status = ? WHERE org_id = ? AND year = 2026", model.FilingSubmitted, c.parent.ID)
		const reserved = 1_500_000 // 15% of 100 000.00

		// what the test placed: per programme, district and month; per org
		// (its subtree's certified purchases) and month
		type dkey struct {
			programme, district string
			month               int
		}
		districts := map[dkey]int64{}
		units := map[[2]int64]int64{}
		buy := func(month, day int, who string, sku, qty int64) {
			c.h.orders.SetClock(func() time.Time { return time.Date(2026, time.Month(month), day, 10, 0, 0, 0, model.China) })
			c.buy(t, who, sku, qty, qty)
			cents := qty * c.price
			switch who {
			case "sy_buyer": // 上虞, 金口河 goods: 上虞–金口河
				districts[dkey{model.ProgrammeEastWest, "330604", month}] += cents
				units[[2]int64{c.child.ID, int64(month)}] += cents
				units[[2]int64{c.parent.ID, int64(month)}] += cents
			case "kq_buyer": // 柯桥: 江山 goods → 柯桥–江山, 金口河 goods → 绍兴–乐山
				p := model.ProgrammeMountainSea
				if sku == c.jkh {
					p = model.ProgrammeEastWest
				}
				districts[dkey{p, "330603", month}] += cents
				units[[2]int64{c.keqiaoCanteen.ID, int64(month)}] += cents
			}
		}
		buy(3, 5, "sy_buyer", c.jkh, 10)
		buy(3, 20, "kq_buyer", c.js, 4)
		buy(4, 2, "sy_buyer", c.jkh, 30)
		buy(4, 28, "kq_buyer", c.jkh, 7)
		buy(4, 30, "kq_buyer", c.js, 2)
		c.h.orders.SetClock(time.Now)
		if _, err := c.h.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		targets := map[[2]string]int64{{model.ProgrammeEastWest, "330604"}: 100_000, {model.ProgrammeMountainSea, "330603"}: 50_000}

		get := func(t *testing.T, query, token string) bulletinBody {
			t.Helper()
			res := c.h.call(t, http.MethodGet, v1+"/stats/bulletin?"+query, token, "")
			wantStatus(t, res, http.StatusOK)
			return decode[bulletinBody](t, res)
		}
		// checkFigures compares the rows' figures (issued ones, or now's)
		// with the test's own record, with extra cents of April added.
		checkFigures := func(t *testing.T, body bulletinBody, now bool, extra map[dkey]int64, extraUnits map[int64]int64) {
			t.Helper()
			figs := func(r *bulletinRow) *bulletinFigures {
				if now {
					return r.Now
				}
				return &r.bulletinFigures
			}
			if len(body.Programmes) != 2 {
				t.Fatalf("programmes = %d", len(body.Programmes))
			}
			for _, p := range body.Programmes {
				if len(p.Districts) != 6 {
					t.Errorf("%s: %d districts", p.Programme, len(p.Districts))
				}
				for i := range p.Districts {
					r := &p.Districts[i]
					f := figs(r)
					k := func(m int) dkey { return dkey{p.Programme, r.Region.Code, m} }
					month := districts[k(4)] + extra[k(4)]
					ytd := districts[k(3)] + month
					if f.MonthCents != month || f.YTDCents != ytd {
						t.Errorf("%s %s: month %d, ytd %d; want %d, %d", p.Programme, r.Region.Code, f.MonthCents, f.YTDCents, month, ytd)
					}
					target, has := targets[[2]string{p.Programme, r.Region.Code}]
					if !has {
						target = 0
					}
					if (f.TargetCents != nil) != has || (has && *f.TargetCents != target) {
						t.Errorf("%s %s: target %v", p.Programme, r.Region.Code, f.TargetCents)
					}
					if got, want := string(f.Completion), ratioOf(ytd, target); got != want {
						t.Errorf("%s %s: completion %s, want %s", p.Programme, r.Region.Code, got, want)
					}
					if got, want := string(f.PreviousCompletion), ratioOf(districts[k(3)], target); got != want {
						t.Errorf("%s %s: previous completion %s, want %s", p.Programme, r.Region.Code, got, want)
					}
				}
			}
			if len(body.Units.Items) != 5 {
				t.Errorf("units: %d", len(body.Units.Items))
			}
			for i := range body.Units.Items {
				r := &body.Units.Items[i]
				f := figs(r)
				month := units[[2]int64{r.Org.ID, 4}] + extraUnits[r.Org.ID]
				ytd := units[[2]int64{r.Org.ID, 3}] + month
				if f.MonthCents != month || f.YTDCents != ytd {
					t.Errorf("unit %s: month %d, ytd %d; want %d, %d", r.Org.Name, f.MonthCents, f.YTDCents, month, ytd)
				}
				if r.Org.ID == c.parent.ID {
					if f.ReservedCents == nil || *f.ReservedCents != reserved || f.FilingStatus == nil || *f.FilingStatus != model.FilingSubmitted ||
						string(f.Completion) != ratioOf(ytd, reserved) || string(f.PreviousCompletion) != ratioOf(units[[2]int64{r.Org.ID, 3}], reserved) {
						t.Errorf("parent: %+v", f)
					}
				} else if f.ReservedCents != nil || string(f.Completion) != "null" {
					t.Errorf("unit %s without a filing: %+v", r.Org.Name, f)
				}
			}
		}

		var draft bulletinBody
		t.Run("draft", func(t *testing.T) {
			draft = get(t, "year=2026&month=4", admin)
			if draft.Status != "draft" || draft.IssuedAt != nil || draft.Year != 2026 || draft.Month != 4 {
				t.Fatalf("header: %+v", draft)
			}
			checkFigures(t, draft, false, nil, nil)
			// 上虞 leads east–west, with completion up from 12.34% to 49.36%
			ew := draft.Programmes[0]
			if ew.Programme != model.ProgrammeEastWest || ew.Districts[0].Region.Code != "330604" || ew.Districts[0].Rank != 1 ||
				string(ew.Districts[0].CompletionChange) != ratioOf(30*c.price, 100_000) {
				t.Errorf("east–west first: %+v", ew.Districts[0])
			}
			if len(ew.Movers) != 1 || ew.Movers[0].Region.Code != "330604" {
				t.Errorf("east–west movers: %+v", ew.Movers)
			}
			// the month ranking: 上虞 bought 30 units in April, 柯桥 7
			for _, d := range ew.Districts {
				want := map[string]int{"330604": 1, "330603": 2}[d.Region.Code]
				if want != 0 && d.MonthRank != want {
					t.Errorf("%s month rank %d, want %d", d.Region.Code, d.MonthRank, want)
				}
			}
			if len(draft.Units.Movers) != 1 || draft.Units.Movers[0].Org.ID != c.parent.ID {
				t.Errorf("unit movers: %+v", draft.Units.Movers)
			}
			// one programme: the units stay
			one := get(t, "year=2026&month=4&programme=mountain_sea", admin)
			if len(one.Programmes) != 1 || one.Programmes[0].Programme != model.ProgrammeMountainSea || len(one.Units.Items) != 5 {
				t.Errorf("mountain–sea only: %+v", one)
			}
			// 上虞's officer: the districts and units of 上虞, with the province-wide ranks
			off := get(t, "year=2026&month=4", c.token(t, model.RoleOfficer))
			if len(off.Programmes[0].Districts) != 1 || off.Programmes[0].Districts[0].Region.Code != "330604" ||
				off.Programmes[0].Districts[0].Rank != 1 || len(off.Units.Items) != 2 {
				t.Errorf("上虞 officer: %+v", off)
			}
		})

		t.Run("files", func(t *testing.T) {
			res := c.h.call(t, http.MethodGet, v1+"/stats/bulletin?year=2026&month=4&format=xlsx", admin, "")
			wantStatus(t, res, http.StatusOK)
			x, err := excelize.OpenReader(bytes.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			raw := excelize.Options{RawCellValue: true}
			compare := func(sheet string, rows []bulletinRow, key func(*bulletinRow) string) {
				got, err := x.GetRows(sheet, raw)
				if err != nil {
					t.Fatalf("%s: %v", sheet, err)
				}
				if len(got) != len(rows)+1 {
					t.Fatalf("%s: %d rows, want %d", sheet, len(got)-1, len(rows))
				}
				for i := range rows {
					r, cells := &rows[i], append(got[i+1], make([]string, 14)...)
					wantCells := map[int]string{0: strconv.Itoa(r.Rank), 1: key(r), 5: cents(r.MonthCents), 6: strconv.Itoa(r.MonthRank),
						7: cents(r.YTDCents), 8: string(r.Completion), 9: string(r.PreviousCompletion), 10: string(r.CompletionChange)}
					for col, want := range wantCells {
						if !sameNumber(cells[col], want) && cells[col] != want {
							t.Errorf("%s row %d col %d = %q, JSON says %q", sheet, i+2, col+1, cells[col], want)
						}
					}
				}
			}
			for _, p := range draft.Programmes {
				name := map[string]string{model.ProgrammeEastWest: "东西部协作区县排名", model.ProgrammeMountainSea: "山海协作区县排名"}[p.Programme]
				compare(name, p.Districts, func(r *bulletinRow) string { return r.Region.Code })
			}
			compare("单位备案与完成", draft.Units.Items, func(r *bulletinRow) string { return itoa(r.Org.ID) })

			res = c.h.call(t, http.MethodGet, v1+"/stats/bulletin?year=2026&month=4&format=csv", admin, "")
			wantStatus(t, res, http.StatusOK)
			if !bytes.HasPrefix(res.Body, []byte("\xEF\xBB\xBF")) {
				t.Fatalf("csv without a byte-order mark")
			}
			recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1+6+6+5 || recs[1][0] != "东西部协作区县排名" || recs[1][2] != "330604" {
				t.Errorf("csv: %q", recs)
			}

			res = c.h.call(t, http.MethodGet, v1+"/stats/bulletin?year=2026&month=4&format=html", admin, "")
			wantStatus(t, res, http.StatusOK)
			const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
				"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"
			if got := res.Header.Get("Content-Security-Policy"); got != csp || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("html headers: %v", res.Header)
			}
			page := string(res.Body)
			for _, want := range []string{"@page", "size: A4", "@media print", "上虞区", c.child.Name, "2026年4月", "草稿"} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if strings.Contains(page, "<script") || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
				t.Errorf("the page loads something")
			}
		})

		t.Run("refusals", func(t *testing.T) {
			for _, tc := range []struct {
				query  string
				fields []string
			}{
				{"year=2026", []string{"month"}},
				{"month=4", []string{"year"}},
				{"from=2026-01&to=2026-04", []string{"from"}},
				{"year=2026&month=13", []string{"month"}},
				{"year=1999&month=4", []string{"year"}},
				{"year=2026&month=4&programme=both", []string{"programme"}},
				{"year=2026&month=4&parent_id=1", []string{"parent_id"}},
				{"year=2026&month=4&format=pdf", []string{"format"}},
			} {
				res := c.h.getBadAs(t, v1+"/stats/bulletin?"+tc.query, admin)
				wantError(t, res, http.StatusUnprocessableEntity, "invalid", tc.fields...)
			}
			res := c.h.call(t, http.MethodGet, v1+"/stats/bulletin?year=2026&month=4", c.token(t, model.RoleOrgAdmin), "")
			wantError(t, res, http.StatusForbidden, "forbidden")

			today := time.Now().In(model.China)
			next := today.AddDate(0, 1, 0)
			for _, tc := range []struct {
				path   string
				status int
				code   string
				fields []string
			}{
				{fmt.Sprintf("%d/%d", today.Year(), int(today.Month())), 422, "invalid", []string{"month"}},
				{fmt.Sprintf("%d/%d", next.Year(), int(next.Month())), 422, "invalid", []string{"month"}},
				{"2026/13", 422, "invalid", []string{"month"}},
				{"1999/4", 422, "invalid", []string{"year"}},
				{"x/y", 422, "invalid", []string{"year", "month"}},
			} {
				res := c.h.callBad(t, http.MethodPost, v1+"/admin/bulletins/"+tc.path, admin, "")
				wantError(t, res, tc.status, tc.code, tc.fields...)
			}
			res = c.h.call(t, http.MethodPost, v1+"/admin/bulletins/2026/4", c.token(t, model.RoleOfficer), "")
			wantError(t, res, http.StatusForbidden, "forbidden")
		})

		t.Run("issue", func(t *testing.T) {
			res := c.h.call(t, http.MethodPost, v1+"/admin/bulletins/2026/4", admin, "")
			wantStatus(t, res, http.StatusCreated)
			issued := decode[bulletinBody](t, res)
			if issued.Status != "issued" || issued.IssuedAt == nil || issued.IssuedBy == nil || *issued.IssuedBy != c.users[model.RoleAdmin].ID {
				t.Fatalf("issued: %+v", issued)
			}
			checkFigures(t, issued, false, nil, nil)
			checkFigures(t, issued, true, nil, nil)
			if ch := issued.Programmes[0].Districts[0].ChangedSinceIssue; ch == nil || ch.YTDCents != 0 || ch.MonthCents != 0 {
				t.Errorf("a fresh issue changed: %+v", ch)
			}
			res = c.h.call(t, http.MethodPost, v1+"/admin/bulletins/2026/4", admin, "")
			wantError(t, res, http.StatusConflict, "bulletin_issued")
			var audits int
			if err := st.DB().QueryRow("SELECT COUNT(*) FROM audits WHERE action = 'bulletin.issue' AND entity_id = '2026-04'").Scan(&audits); err != nil {
				t.Fatal(err)
			}
			if audits != 1 {
				t.Errorf("%d audit rows", audits)
			}

			// a later order of April: the issued figures stay, now moves
			buy(4, 15, "sy_buyer", c.jkh, 5)
			c.h.orders.SetClock(time.Now)
			if _, err := c.h.ledger.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			late := 5 * c.price
			districts[dkey{model.ProgrammeEastWest, "330604", 4}] -= late // the issued record
			units[[2]int64{c.child.ID, 4}] -= late
			units[[2]int64{c.parent.ID, 4}] -= late
			after := get(t, "year=2026&month=4", admin)
			if after.Status != "issued" || *after.IssuedAt != *issued.IssuedAt {
				t.Errorf("after: %s at %v", after.Status, after.IssuedAt)
			}
			checkFigures(t, after, false, nil, nil)
			checkFigures(t, after, true, map[dkey]int64{{model.ProgrammeEastWest, "330604", 4}: late},
				map[int64]int64{c.child.ID: late, c.parent.ID: late})
			for _, d := range after.Programmes[0].Districts {
				want := int64(0)
				if d.Region.Code == "330604" {
					want = late
				}
				if d.ChangedSinceIssue == nil || d.ChangedSinceIssue.YTDCents != want || d.ChangedSinceIssue.MonthCents != want {
					t.Errorf("%s changed since issue: %+v, want %d", d.Region.Code, d.ChangedSinceIssue, want)
				}
			}
			// the files are the issued bulletin too, with now beside
			res = c.h.call(t, http.MethodGet, v1+"/stats/bulletin?year=2026&month=4&format=csv", admin, "")
			wantStatus(t, res, http.StatusOK)
			recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if r := recs[1]; r[2] != "330604" || r[8] != cents(after.Programmes[0].Districts[0].YTDCents) || r[14] != cents(late) {
				t.Errorf("csv after issue: %q", r)
			}
		})
	})
}

// cents is the yuan text of an amount: 12345 → "123.45".
func cents(v int64) string { return fmt.Sprintf("%d.%02d", v/100, v%100) }
