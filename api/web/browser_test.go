package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"shanhai/api"
	"shanhai/model/cache"
	"shanhai/model/store/storetest"
	"shanhai/service/account"
	"shanhai/service/audit"
	"shanhai/service/catalog"
	"shanhai/service/credit"
	"shanhai/service/demo"
	"shanhai/service/geo"
	"shanhai/service/imports"
	"shanhai/service/media"
	"shanhai/service/order"
	"shanhai/service/org"
	"shanhai/service/payment"
	"shanhai/service/record"
	"shanhai/service/register"
	"shanhai/service/stats"
	"shanhai/service/stock"
)

// browser finds a Chromium to drive. In CI (CI set) a missing browser is a
// failure: .ci/run installs Debian's chromium.
func browser(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: .ci/run installs Debian's chromium package")
	}
	t.Skip("SKIPPED the browser tests: no chromium on PATH (apt-get install chromium)")
	return ""
}

// server is a demo-loaded shanhai, as `go run .` serves it.
func server(t *testing.T) *httptest.Server {
	b := storetest.SQLite(t)
	st := b.Store
	ctx := context.Background()
	if _, err := demo.Load(ctx, st, time.Now()); err != nil {
		t.Fatal(err)
	}
	ledger := credit.New(st, nil)
	orders := order.New(st, cache.NewGeography(st, time.Second), stock.New(st, st, 0), ledger,
		payment.NewSandbox("shanhai-browser-test-payment"), nil, order.Limits{
			UnpaidTTL: 30 * time.Minute, OrgUnpaidTTL: 720 * time.Hour, ApprovalTTL: 72 * time.Hour,
			AutoAccept: 168 * time.Hour, ReturnWindow: 168 * time.Hour, ReturnAutoApprove: 72 * time.Hour,
		})
	// The demo's first day of trade, as `go run .` places it.
	if _, err := demo.Orders(ctx, st, orders, ledger, time.Now()); err != nil {
		t.Fatal(err)
	}
	records := record.New(st, st, ledger)
	if _, err := demo.Records(ctx, st, records, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	reg := register.New(st)
	accounts := account.New(st, "shanhai-browser-test-secret-0123456789", nil, 0)
	accounts.SetHashCost(bcrypt.MinCost)
	d := api.Deps{
		Catalog:  catalog.New(st, st, st, stock.New(st, st, 0)),
		Accounts: accounts,
		Orgs:     org.New(st),
		Geo:      geo.New(st, st),
		Audit:    audit.New(st),
		Stats:    stats.New(st, nil, st),
		Orders:   orders,
		Ledger:   ledger,
		Records:  records,
		Register: reg,
		Imports:  imports.New(st, records, reg, imports.DefaultLimits, "browser-test"),
		Media:    media.New(st, st, nil, media.CacheBytes),
		Checks:   map[string]func(context.Context) error{"database": st.DB().PingContext},
	}
	srv := httptest.NewServer(api.New(d))
	t.Cleanup(srv.Close)
	return srv
}

// apiClient reads the API as the page does, for the figures the screen
// must show.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func login(t *testing.T, base, username string) *apiClient {
	body := fmt.Sprintf(`{"username":%q,"password":"shanhai-demo"}`, username)
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&out) != nil {
		t.Fatalf("login %s: %d", username, res.StatusCode)
	}
	return &apiClient{t: t, base: base, token: out.Token}
}

// get decodes a GET; false when the caller may not see it (403).
func (c *apiClient) get(path string, v any) bool {
	req, _ := http.NewRequest("GET", c.base+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusForbidden {
		return false
	}
	if res.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		c.t.Fatal(err)
	}
	return true
}

type place struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type pairing struct {
	ID        int64  `json:"id"`
	Programme string `json:"programme"`
	Level     string `json:"level"`
	Helper    place  `json:"helper"`
	Partner   place  `json:"partner"`
}

type pairingRow struct {
	Pairing       pairing  `json:"pairing"`
	TargetCents   *int64   `json:"target_cents"`
	CreditedCents int64    `json:"credited_cents"`
	OnlineCents   int64    `json:"online_cents"`
	OfflineCents  int64    `json:"offline_cents"`
	Completion    *float64 `json:"completion"`
}

type facetRow struct {
	Code          string `json:"code"`
	SalesCents    int64  `json:"sales_cents"`
	CreditedCents int64  `json:"credited_cents"`
}

// want is what the screen must show: figures in cents and completions, by
// the key the page gives each.
type want struct {
	cents map[string]int64
	pct   map[string]*float64
}

// viewKeys are the figure keys each view shows.
var viewKeys = map[string][]string{
	"overview": {"programme.", "trend."}, "pairings": {"pairing."}, "regions": {"region."},
	"units": {"unit.", "orgpairing."}, "origins": {"origins."}, "channels": {"channels."},
	"bulletin": {"bulletin."}, "records": {"record."}, "imports": {"import."},
}

// expects: the API gives this user figures the view shows.
func (w want) expects(view string) bool {
	for k := range w.cents {
		for _, p := range viewKeys[view] {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
	}
	return false
}

var prefixOf = map[string]int{"province": 2, "city": 4, "county": 6}

// contains: a pairing of a wider level whose helper and partner regions
// hold the other's (a county pairing inside a city pairing).
func contains(outer, inner pairing) bool {
	if outer.Programme != inner.Programme || outer.ID == inner.ID || prefixOf[outer.Level] >= prefixOf[inner.Level] {
		return false
	}
	n := prefixOf[outer.Level]
	return inner.Helper.Code[:n] == outer.Helper.Code[:n] && inner.Partner.Code[:n] == outer.Partner.Code[:n]
}

// expected reads, as the given user, every figure each view shows.
func expected(c *apiClient, year int) want {
	w := want{cents: map[string]int64{}, pct: map[string]*float64{}}
	y := fmt.Sprint(year)
	var pairings struct{ Items []pairingRow }
	if c.get("/stats/pairings?year="+y, &pairings) {
		for _, p := range pairings.Items {
			k := fmt.Sprintf("pairing.%d.", p.Pairing.ID)
			if p.TargetCents != nil {
				w.cents[k+"target_cents"] = *p.TargetCents
			}
			w.cents[k+"credited_cents"] = p.CreditedCents
			w.cents[k+"online_cents"] = p.OnlineCents
			w.cents[k+"offline_cents"] = p.OfflineCents
			w.pct[k+"completion"] = p.Completion
		}
		for _, prog := range []string{"east_west", "mountain_sea"} {
			var top []pairingRow
			for _, p := range pairings.Items {
				if p.Pairing.Programme != prog {
					continue
				}
				inside := false
				for _, o := range pairings.Items {
					inside = inside || contains(o.Pairing, p.Pairing)
				}
				if !inside {
					top = append(top, p)
				}
			}
			if len(top) == 0 {
				continue
			}
			var credited, target int64
			months := make([]int64, 12)
			for _, p := range top {
				credited += p.CreditedCents
				if p.TargetCents != nil {
					target += *p.TargetCents
				}
				var m struct {
					Months []struct {
						CreditedCents int64 `json:"credited_cents"`
					}
				}
				c.get(fmt.Sprintf("/stats/pairings/%d/monthly?year=%s", p.Pairing.ID, y), &m)
				for i, r := range m.Months {
					months[i] += r.CreditedCents
				}
			}
			// The programme's credited total is also the sum of what its
			// channels credited: two routes, one figure.
			var ch struct{ Tables map[string][]facetRow }
			c.get("/stats/channels?year="+y+"&programme="+prog, &ch)
			var byPlatform int64
			for _, r := range ch.Tables["platform"] {
				byPlatform += r.CreditedCents
			}
			if byPlatform != credited {
				c.t.Errorf("%s: top pairings credited %d, channels by platform %d", prog, credited, byPlatform)
			}
			w.cents["programme."+prog+".credited_cents"] = credited
			w.cents["programme."+prog+".target_cents"] = target
			for i, m := range months {
				w.cents[fmt.Sprintf("trend.%s.%d", prog, i+1)] = m
			}
		}
	}
	for _, prog := range []string{"east_west", "mountain_sea"} {
		var regions struct {
			Items []struct {
				Region        place    `json:"region"`
				TargetCents   *int64   `json:"target_cents"`
				CreditedCents int64    `json:"credited_cents"`
				DirectCents   int64    `json:"direct_cents"`
				AssistedCents int64    `json:"assisted_cents"`
				Completion    *float64 `json:"completion"`
			}
		}
		if !c.get("/stats/regions?year="+y+"&programme="+prog, &regions) {
			continue
		}
		for _, r := range regions.Items {
			k := "region." + prog + "." + r.Region.Code + "."
			if r.TargetCents != nil {
				w.cents[k+"target_cents"] = *r.TargetCents
			}
			w.cents[k+"credited_cents"] = r.CreditedCents
			w.cents[k+"direct_cents"] = r.DirectCents
			w.cents[k+"assisted_cents"] = r.AssistedCents
			w.pct[k+"completion"] = r.Completion
		}
	}
	var units struct {
		Items []struct {
			Org struct {
				ID int64 `json:"id"`
			} `json:"org"`
			ReservedCents         *int64   `json:"reserved_cents"`
			SubtreePurchasesCents int64    `json:"subtree_purchases_cents"`
			SubtreeCertifiedCents int64    `json:"subtree_certified_cents"`
			SubtreeCreditedCents  int64    `json:"subtree_credited_cents"`
			Completion            *float64 `json:"completion"`
		}
	}
	if c.get("/stats/units?year="+y+"&page=1&page_size=50", &units) {
		for _, u := range units.Items {
			k := fmt.Sprintf("unit.%d.", u.Org.ID)
			if u.ReservedCents != nil {
				w.cents[k+"reserved_cents"] = *u.ReservedCents
			}
			w.cents[k+"subtree_purchases_cents"] = u.SubtreePurchasesCents
			w.cents[k+"subtree_certified_cents"] = u.SubtreeCertifiedCents
			w.cents[k+"subtree_credited_cents"] = u.SubtreeCreditedCents
			w.pct[k+"completion"] = u.Completion
		}
	}
	for _, route := range []string{"origins", "channels"} {
		var f struct{ Tables map[string][]facetRow }
		if !c.get("/stats/"+route+"?year="+y, &f) {
			continue
		}
		for name, rows := range f.Tables {
			for _, r := range rows {
				k := route + "." + name + "." + r.Code + "."
				w.cents[k+"sales_cents"] = r.SalesCents
				w.cents[k+"credited_cents"] = r.CreditedCents
			}
		}
	}
	// The bulletin the page shows with the year filter on this year: the
	// previous month's (December of last year in January).
	bYear, bMonth := year, int(time.Now().In(time.FixedZone("CST", 8*3600)).Month())-1
	if bMonth == 0 {
		bYear, bMonth = year-1, 12
	}
	type bulletinFigures struct {
		TargetCents   *int64   `json:"target_cents"`
		ReservedCents *int64   `json:"reserved_cents"`
		MonthCents    int64    `json:"month_cents"`
		YTDCents      int64    `json:"ytd_cents"`
		Completion    *float64 `json:"completion"`
		Changed       *struct {
			YTDCents int64 `json:"ytd_cents"`
		} `json:"changed_since_issue"`
	}
	var bulletin struct {
		Programmes []struct {
			Programme string `json:"programme"`
			Districts []struct {
				Region place `json:"region"`
				bulletinFigures
			} `json:"districts"`
		} `json:"programmes"`
		Units struct {
			Items []struct {
				Org struct {
					ID int64 `json:"id"`
				} `json:"org"`
				bulletinFigures
			} `json:"items"`
		} `json:"units"`
	}
	addBulletin := func(k string, f bulletinFigures) {
		if f.TargetCents != nil {
			w.cents[k+"target_cents"] = *f.TargetCents
		}
		if f.ReservedCents != nil {
			w.cents[k+"reserved_cents"] = *f.ReservedCents
		}
		w.cents[k+"month_cents"] = f.MonthCents
		w.cents[k+"ytd_cents"] = f.YTDCents
		w.pct[k+"completion"] = f.Completion
		if f.Changed != nil {
			w.cents[k+"changed_ytd_cents"] = f.Changed.YTDCents
		}
	}
	if c.get(fmt.Sprintf("/stats/bulletin?year=%d&month=%d", bYear, bMonth), &bulletin) {
		for _, p := range bulletin.Programmes {
			for _, d := range p.Districts {
				addBulletin("bulletin."+p.Programme+"."+d.Region.Code+".", d.bulletinFigures)
			}
		}
		for _, u := range bulletin.Units.Items {
			addBulletin(fmt.Sprintf("bulletin.unit.%d.", u.Org.ID), u.bulletinFigures)
		}
	}
	var records struct {
		Items []struct {
			ID         int64 `json:"id"`
			TotalCents int64 `json:"total_cents"`
		}
	}
	if c.get("/sales-records?status=submitted&page=1&page_size=50", &records) {
		for _, r := range records.Items {
			w.cents[fmt.Sprintf("record.%d.total_cents", r.ID)] = r.TotalCents
		}
	}
	var jobs struct {
		Items []struct {
			ID     int64 `json:"id"`
			Totals *struct {
				Cents int64 `json:"cents"`
			} `json:"totals"`
		}
	}
	if c.get("/imports?page=1&page_size=50", &jobs) {
		for _, j := range jobs.Items {
			if j.Totals != nil {
				w.cents[fmt.Sprintf("import.%d.cents", j.ID)] = j.Totals.Cents
			}
		}
	}
	var me struct {
		Role  string `json:"role"`
		OrgID *int64 `json:"org_id"`
	}
	c.get("/me", &me)
	if me.Role == "org_admin" && me.OrgID != nil {
		var own struct {
			Items []struct {
				Pairing      *pairing `json:"pairing"`
				Cents        int64    `json:"cents"`
				SubtreeCents int64    `json:"subtree_cents"`
			}
		}
		c.get(fmt.Sprintf("/stats/orgs/%d/pairings?year=%s", *me.OrgID, y), &own)
		for _, r := range own.Items {
			k := "orgpairing.none."
			if r.Pairing != nil {
				k = fmt.Sprintf("orgpairing.%d.", r.Pairing.ID)
			}
			w.cents[k+"cents"] = r.Cents
			w.cents[k+"subtree_cents"] = r.SubtreeCents
		}
	}
	return w
}

// money is the page's formatting of cents: 元 with fen below 1 万元, else
// 万元 rounded half up to two places.
func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	if cents >= 1000000 {
		h := (cents + 5000) / 10000
		return fmt.Sprintf("%s%s.%02d 万元", sign, group(h/100), h%100)
	}
	return fmt.Sprintf("%s%s.%02d 元", sign, group(cents/100), cents%100)
}

func group(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// shown is one figure on the screen.
type shown struct {
	Key, V, Text string
}

// screen is what the page shows in one view.
type screen struct {
	Figures     []shown `json:"figures"`
	Percents    []shown `json:"percents"`
	Charts      int     `json:"charts"`
	BlankCharts []string
	ScrollWidth int    `json:"scrollWidth"`
	InnerWidth  int    `json:"innerWidth"`
	Error       string `json:"error"`
}

const readScreen = `(() => {
  const pick = (sel, attr) => [...document.querySelectorAll(sel)].map(e => ({Key: e.getAttribute(attr), V: e.getAttribute('data-v'), Text: e.textContent}));
  const blank = [];
  const boxes = [...document.querySelectorAll('[data-chart]')];
  for (const b of boxes) {
    const c = b.querySelector('canvas');
    let drawn = false;
    if (c && c.width > 0 && c.height > 0) {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) { drawn = true; break; } }
    }
    if (!drawn) blank.push(b.getAttribute('data-chart'));
  }
  const err = document.querySelector('#view .error');
  return {figures: pick('[data-fig]', 'data-fig'), percents: pick('[data-pct]', 'data-pct'), charts: boxes.length,
    BlankCharts: blank, scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    error: err ? err.textContent : ''};
})()`

// TestDashboard signs in on /dashboard/ in headless Chromium as a
// helper-side officer, a partner-side officer and an org_admin, opens every
// view they have, and checks: every figure on screen is the API's (and
// formatted from its cents), every chart drew, no console error, no request
// to another host, nothing scrolls sideways on a 390×844 phone. Screenshots
// go to SHANHAI_SCREENSHOTS (default: the test's temp dir).
func TestDashboard(t *testing.T) {
	chrome := browser(t)
	srv := server(t)
	base, _ := url.Parse(srv.URL)
	shots := os.Getenv("SHANHAI_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	for _, p := range []string{"/dashboard/", "/dashboard", "/dashboard/app.js"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if csp := res.Header.Get("Content-Security-Policy"); res.StatusCode != 200 || !strings.Contains(csp, "default-src 'self'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: %d, Content-Security-Policy %q", p, res.StatusCode, csp)
		}
	}

	users := []struct {
		username string
		views    []string
	}{
		// the bulletin last: the PDF printed at the end is the bulletin's
		{"officer.shaoxing", []string{"overview", "pairings", "regions", "units", "origins", "channels", "records", "imports", "bulletin"}},
		// a partner-side officer has no unit figures and no bulletin:
		// reserved shares and the district ranking are the helper side's
		// review
		{"officer.leshan", []string{"overview", "pairings", "regions", "origins", "channels", "records", "imports"}},
		{"canteen.admin", []string{"units", "imports"}},
	}
	for _, u := range users {
		t.Run(u.username, func(t *testing.T) {
			w := expected(login(t, srv.URL, u.username), year)
			for _, size := range []struct {
				name          string
				width, height int64
				mobile        bool
			}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
				t.Run(size.name, func(t *testing.T) {
					runBrowser(t, chrome, srv.URL, base.Host, u.username, u.views, size.width, size.height, size.mobile, w,
						filepath.Join(shots, u.username+"-"+size.name))
				})
			}
		})
	}
}

func runBrowser(t *testing.T, chrome, baseURL, host, username string, views []string, width, height int64, mobile bool, w want, shotPrefix string) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("headless", "new"), chromedp.WindowSize(int(width), int(height)))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console %s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *network.EventRequestWillBeSent:
			if u, err := url.Parse(e.Request.URL); err == nil && u.Scheme != "data" && u.Scheme != "blob" && u.Host != host {
				problems = append(problems, "request to another host: "+e.Request.URL)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 && e.Response.Status != 403 {
				problems = append(problems, fmt.Sprintf("HTTP %d for %s", int(e.Response.Status), e.Response.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	emulate := chromedp.EmulateViewport(width, height)
	if mobile {
		emulate = chromedp.EmulateViewport(width, height, chromedp.EmulateMobile)
	}
	err = chromedp.Do(ctx, emulate,
		chromedp.Navigate(baseURL+"/dashboard/"),
		chromedp.WaitVisible(`#login-form input[name=username]`),
		chromedp.SendKeys(`#login-form input[name=username]`, username),
		chromedp.SendKeys(`#login-form input[name=password]`, "shanhai-demo"),
		chromedp.Click(`#login-form button[type=submit]`),
		chromedp.WaitVisible(`#app`))
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, v := range views {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`(document.getElementById('view').setAttribute('data-ready', 'false'), location.hash = '#`+v+`', true)`)); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(`#view[data-view="`+v+`"][data-ready="true"]`)); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[screen](readScreen))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(shotPrefix+"-"+v+".png", shot, 0o644); err != nil {
			t.Fatal(err)
		}
		if s.Error != "" {
			t.Errorf("%s: the page shows an error: %s", v, s.Error)
		}
		if len(s.Figures) == 0 && w.expects(v) {
			t.Errorf("%s: no figures on screen, though the API has some for this user", v)
		}
		for _, f := range s.Figures {
			cents, ok := w.cents[f.Key]
			switch {
			case !ok:
				t.Errorf("%s: figure %s is not one the API gives this user", v, f.Key)
			case f.V != fmt.Sprint(cents):
				t.Errorf("%s: %s shows %s cents, the API says %d", v, f.Key, f.V, cents)
			case f.Text != money(cents):
				t.Errorf("%s: %s reads %q, want %q", v, f.Key, f.Text, money(cents))
			}
		}
		for _, p := range s.Percents {
			c, ok := w.pct[p.Key]
			if strings.HasPrefix(p.Key, "programme.") {
				continue // computed from the two figures beside it
			}
			want := "—"
			if c != nil {
				want = fmt.Sprintf("%.2f%%", *c*100)
			}
			if !ok || p.Text != want {
				t.Errorf("%s: %s reads %q, want %q (known %v)", v, p.Key, p.Text, want, ok)
			}
		}
		if len(s.BlankCharts) > 0 {
			t.Errorf("%s: charts that drew nothing: %v", v, s.BlankCharts)
		}
		if s.ScrollWidth > s.InnerWidth {
			t.Errorf("%s at %dpx: the page scrolls sideways (scrollWidth %d)", v, width, s.ScrollWidth)
		}
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatalf("print: %v", err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("print gave no PDF")
	}
	if err := os.WriteFile(shotPrefix+".pdf", pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}
