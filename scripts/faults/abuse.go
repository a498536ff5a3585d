package main

// The abuse section (scenario f): no load and no fault, but three probes of
// what a hostile or careless client can do to the three replicas — racing
// return requests, a flood of invented HTTP methods, and usernames that look
// like a rate-limited one. Each probe has its own tally, and its verdict is
// a column of the table.

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// probe is one abuse probe's outcome: its requests and its verdict.
type probe struct {
	t *tally
	v verdict
}

// abuseSection runs the three probes one after the other and sums their
// tallies into the section's row.
func abuseSection(ctx context.Context, e *env) (result, error) {
	began := time.Now()
	races, flood, wrong := 3, 2000, 1
	if !e.o.short {
		races, flood, wrong = 20, 20000, 3
	}
	var probes []probe
	for _, run := range []func() (verdict, error){
		func() (verdict, error) { return e.returnRace(ctx, races, 24) },
		func() (verdict, error) { return e.metricsFlood(ctx, flood) },
		func() (verdict, error) { return e.loginVariants(ctx, wrong) },
	} {
		t := newTally()
		e.c.tally.Store(t)
		v, err := run()
		if err != nil {
			return result{}, err
		}
		logf("  %s: %s after %d requests %s", v.name, v.state, t.requests.Load(), v.detail)
		probes = append(probes, probe{t: t, v: v})
	}
	sum := newTally()
	var vs []verdict
	for _, p := range probes {
		sum.requests.Add(p.t.requests.Load())
		sum.ok.Add(p.t.ok.Load())
		sum.c4xx.Add(p.t.c4xx.Load())
		sum.c5xx.Add(p.t.c5xx.Load())
		sum.c503.Add(p.t.c503.Load())
		sum.errs.Add(p.t.errs.Load())
		vs = append(vs, p.v)
	}
	logf("  abuse section: %d requests in all", sum.requests.Load())
	return result{name: "f abuse", t: sum, rec: newRecord(), verdicts: vs, probes: probes, took: time.Since(began)}, nil
}

// acceptedOrder is an order of three units of one SKU that consumer bought
// from supplier.jinkouhe, paid, had shipped and accepted in full: it returns
// the order, its line and the received quantity.
func (e *env) acceptedOrder(ctx context.Context, s sku) (order, line, received int64, err error) {
	tok, sup := e.w.tokens["consumer"], e.w.tokens["supplier.jinkouhe"]
	var o orderResp
	for try := 0; ; try++ {
		status, body, err := e.c.call(ctx, tok, http.MethodPost, "/api/v1/orders", map[string]any{
			"lines": []map[string]int64{{"sku_id": s.id, "quantity": 3}}, "address": "绍兴市柯桥区", "phone": "0575-12345678"}, newKey(), &o)
		if err != nil {
			return 0, 0, 0, err
		}
		if status == http.StatusConflict && errCode(body) == "out_of_stock" && try == 0 {
			e.c.call(ctx, sup, http.MethodPatch, path("/api/v1/supplier/skus/%d", s.id), map[string]int64{"stock_delta": 300}, "", nil)
			continue
		}
		if status != http.StatusCreated || o.Status != "pending_payment" {
			return 0, 0, 0, fmt.Errorf("place an order of SKU %d: %d %s %.300s", s.id, status, o.Status, body)
		}
		break
	}
	var pr struct {
		Order orderResp `json:"order"`
	}
	if status, body, err := e.c.call(ctx, tok, http.MethodPost, path("/api/v1/orders/%d/pay", o.ID), map[string]string{"mode": "instant"}, newKey(), &pr); err != nil || status != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("pay order %d: %d %v %.300s", o.ID, status, err, body)
	}
	ship := map[string]string{"carrier": "EMS", "tracking_no": "A" + strconv.FormatInt(o.ID, 10), "invoice_no": "INVA" + strconv.FormatInt(o.ID, 10)}
	if status, body, err := e.c.call(ctx, sup, http.MethodPost, path("/api/v1/orders/%d/ship", o.ID), ship, "", nil); err != nil || status != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("ship order %d: %d %v %.300s", o.ID, status, err, body)
	}
	var acc orderResp
	if status, body, err := e.c.call(ctx, tok, http.MethodPost, path("/api/v1/orders/%d/accept", o.ID), map[string]any{"inspection_note": "ok"}, "", &acc); err != nil || status != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("accept order %d: %d %v %.300s", o.ID, status, err, body)
	}
	if len(acc.Lines) != 1 || acc.Lines[0].Received == nil || *acc.Lines[0].Received < 1 {
		return 0, 0, 0, fmt.Errorf("accepted order %d has no line with a received quantity", o.ID)
	}
	return o.ID, acc.Lines[0].ID, *acc.Lines[0].Received, nil
}

// returnRace: for each of rounds accepted orders, n return requests for the
// whole received quantity of its line, spread round-robin over the
// replicas and released together. One may be created; the others must be
// refused (409 or 422 with an error body), and by SQL the line's requested
// and approved returns must not add up to more than was received.
func (e *env) returnRace(ctx context.Context, rounds, n int) (verdict, error) {
	const name = "return race"
	tok := e.w.tokens["consumer"]
	var bad []string
	var created []int
	for round := range rounds {
		id, lineID, received, err := e.acceptedOrder(ctx, e.w.skus[round%len(e.w.skus)])
		if err != nil {
			return verdict{}, fmt.Errorf("%s: %w", name, err)
		}
		raw := fmt.Appendf(nil, `{"lines":[{"line_id":%d,"quantity":%d}],"reason":"quality"}`, lineID, received)
		p := path("/api/v1/orders/%d/returns", id)
		statuses := make([]int, n)
		codes := make([]string, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			base := e.replicas[i%len(e.replicas)].base
			wg.Go(func() {
				<-start
				status, body, err := e.c.once(ctx, base, tok, http.MethodPost, p, raw, "", true)
				if err != nil {
					status = -1
				}
				statuses[i], codes[i] = status, errCode(body)
			})
		}
		close(start)
		wg.Wait()
		if ctx.Err() != nil {
			return verdict{}, ctx.Err()
		}
		ok, other := 0, map[string]int{}
		for i, s := range statuses {
			switch {
			case s == http.StatusCreated:
				ok++
			case (s == http.StatusConflict || s == http.StatusUnprocessableEntity) && codes[i] != "":
			default:
				other[fmt.Sprintf("%d %s", s, codes[i])]++
			}
		}
		var asked, rows int64
		err = e.db.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(rl.quantity), 0), COUNT(DISTINCT r.id) FROM return_lines rl
			JOIN returns r ON r.id = rl.return_id WHERE rl.line_id = ? AND r.status IN ('requested', 'approved')`, lineID).Scan(&asked, &rows)
		if err != nil {
			return verdict{}, fmt.Errorf("%s: %w", name, err)
		}
		created = append(created, ok)
		what := fmt.Sprintf("order %d: %d × 201 of %d, %d returns asking for %d units of %d received", id, ok, n, rows, asked, received)
		if len(other) > 0 {
			what += fmt.Sprintf(", other answers %v", other)
		}
		logf("  return race, %s", what)
		if ok != 1 || asked > received || len(other) > 0 {
			bad = append(bad, what)
		}
	}
	if len(bad) > 0 {
		return broken(name, "%d of %d orders: %s", len(bad), rounds, strings.Join(bad, "; ")), nil
	}
	v := held(name)
	v.detail = fmt.Sprintf("%d orders × %d concurrent requests: one 201 each (%v), the rest 409/422", rounds, n, created)
	return v, nil
}

// knownLabels are the method label values the server may show.
var knownLabels = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"}

var methodLabelRe = regexp.MustCompile(`method="([^"]*)"`)

// metricsFlood sends n requests with invented method tokens (XAbc and the
// like) to the replicas and then reads each one's /metrics and resident
// size: the exposition must grow by less than 8 KB and name no invented
// method, the process by less than 20 MB, and no request may get a 5xx.
func (e *env) metricsFlood(ctx context.Context, n int) (verdict, error) {
	const name = "metrics flood"
	// Read /metrics twice first, so its own series are in the baseline.
	var before, after []string
	var rssBefore, rssAfter []int64
	for _, r := range e.replicas {
		e.metricsOf(ctx, r.base)
		body, err := e.metricsOf(ctx, r.base)
		if err != nil {
			return verdict{}, fmt.Errorf("%s: %w", name, err)
		}
		before = append(before, body)
		rssBefore = append(rssBefore, rss(r.cmd.Process.Pid))
	}
	paths := []string{"/x", "/api/v1/products", "/api/v1/orders/1"}
	var next sync.Mutex
	sent := 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for ctx.Err() == nil {
				next.Lock()
				i := sent
				sent++
				next.Unlock()
				if i >= n {
					return
				}
				e.c.once(ctx, e.replicas[i%len(e.replicas)].base, "", inventedMethod(), paths[(i/len(e.replicas))%len(paths)], nil, "", true)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return verdict{}, ctx.Err()
	}
	for _, r := range e.replicas {
		body, err := e.metricsOf(ctx, r.base)
		if err != nil {
			return verdict{}, fmt.Errorf("%s: %w", name, err)
		}
		after = append(after, body)
		rssAfter = append(rssAfter, rss(r.cmd.Process.Pid))
	}
	var sizes, problems []string
	for i, r := range e.replicas {
		grew := len(after[i]) - len(before[i])
		sizes = append(sizes, fmt.Sprintf("%s /metrics %d → %d B, RSS %.1f → %.1f MB", r.name, len(before[i]), len(after[i]),
			float64(rssBefore[i])/1024, float64(rssAfter[i])/1024))
		if grew >= 8<<10 {
			problems = append(problems, fmt.Sprintf("%s: /metrics grew by %d B", r.name, grew))
		}
		if rssBefore[i] > 0 && rssAfter[i]-rssBefore[i] >= 20<<10 {
			problems = append(problems, fmt.Sprintf("%s: RSS grew by %.1f MB", r.name, float64(rssAfter[i]-rssBefore[i])/1024))
		}
		invented := map[string]bool{}
		for _, m := range methodLabelRe.FindAllStringSubmatch(after[i], -1) {
			if !slices.Contains(knownLabels, m[1]) {
				invented[m[1]] = true
			}
		}
		if len(invented) > 0 {
			var some []string
			for m := range invented {
				if len(some) < 5 {
					some = append(some, m)
				}
			}
			problems = append(problems, fmt.Sprintf("%s: %d invented methods as label values (%s …)", r.name, len(invented), strings.Join(some, ", ")))
		}
	}
	t := e.c.tally.Load()
	if f := t.c5xx.Load() + t.errs.Load(); f > 0 {
		problems = append(problems, fmt.Sprintf("%d answers were a 5xx or a network error", f))
	}
	logf("  metrics flood of %d requests: %s", n, strings.Join(sizes, "; "))
	if len(problems) > 0 {
		return broken(name, "%s (%s)", strings.Join(problems, "; "), strings.Join(sizes, "; ")), nil
	}
	v := held(name)
	v.detail = fmt.Sprintf("%d requests: %s", n, strings.Join(sizes, "; "))
	return v, nil
}

// metricsOf reads /metrics of one replica (counted in the tally).
func (e *env) metricsOf(ctx context.Context, base string) (string, error) {
	status, body, err := e.c.once(ctx, base, "", http.MethodGet, "/metrics", nil, "", true)
	if err != nil || status != http.StatusOK {
		return "", fmt.Errorf("GET %s/metrics: %d %v", base, status, err)
	}
	return string(body), nil
}

// inventedMethod is a random method token such as XAbc or XqLmPz.
func inventedMethod() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := []byte{'X'}
	for range 3 + mrand.IntN(6) {
		b = append(b, letters[mrand.IntN(len(letters))])
	}
	return string(b)
}

// rss is the resident size of a process in kB (VmRSS), 0 when unknown.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// loginVariants: ten wrong passwords put market.buyer over the login limit
// (the replicas run with SHANHAI_RATE_LOGIN=10); the right password must
// then be refused with 429 on every replica. Then names that look like
// market.buyer — accented, upper case, fullwidth, with a zero-width or
// combining character, with Cyrillic look-alikes, padded with spaces — try
// wrong passwords and the right one on every replica. None may log in:
// each answer is 429 (the same, limited account) or 401 (no such account).
// At most 10 + 9 × (wrong + 3) failures come from 127.0.0.1, well under
// the per-address limit of 100, so a 429 here is the per-username one.
func (e *env) loginVariants(ctx context.Context, wrong int) (verdict, error) {
	const name = "login accents"
	const user, password = "market.buyer", "shanhai-demo"
	at := 0
	login := func(u, pw string) (int, string) {
		base := e.replicas[at%len(e.replicas)].base
		at++
		raw := fmt.Appendf(nil, `{"username":%q,"password":%q}`, u, pw)
		status, body, err := e.c.once(ctx, base, "", http.MethodPost, "/api/v1/auth/login", raw, "", true)
		if err != nil {
			return -1, ""
		}
		return status, errCode(body)
	}
	var first []int
	for i := range 10 {
		s, _ := login(user, "wrong-password-"+strconv.Itoa(i))
		first = append(first, s)
	}
	if ctx.Err() != nil {
		return verdict{}, ctx.Err()
	}
	var limited []int
	for range len(e.replicas) {
		s, _ := login(user, password)
		limited = append(limited, s)
	}
	logf("  login: ten wrong passwords for %s: %v; then the right one: %v", user, first, limited)
	for _, s := range limited {
		if s != http.StatusTooManyRequests {
			return broken(name, "the limit did not engage: after ten wrong passwords %s with the right one got %v (want 429 on every replica)", user, limited), nil
		}
	}
	variants := []struct{ what, name string }{
		{"accented ä", "märket.buyer"},
		{"a + combining diaeresis", "ma\u0308rket.buyer"},
		{"upper case", "MARKET.BUYER"},
		{"accented capitals", "MÄRKET.BUYER"},
		{"fullwidth ｍ", "\uff4darket.buyer"},
		{"zero-width space", "market\u200b.buyer"},
		{"Cyrillic а", "m\u0430rket.buyer"},
		{"Cyrillic е", "mark\u0435t.buyer"},
		{"padded with spaces", "  market.buyer\u00a0"},
	}
	var lines, bad []string
	for _, v := range variants {
		var got []string
		fine := true
		for i := range wrong + len(e.replicas) {
			pw, right := "wrong-password-"+strconv.Itoa(i), i >= wrong
			if right {
				pw = password
			}
			s, code := login(v.name, pw)
			got = append(got, answer(s, code, right))
			fine = fine && (s == http.StatusUnauthorized || s == http.StatusTooManyRequests)
		}
		lines = append(lines, fmt.Sprintf("%s %s", v.what, strings.Join(got, " ")))
		if !fine {
			bad = append(bad, fmt.Sprintf("%q (%s) %s", v.name, v.what, strings.Join(got, " ")))
		}
	}
	if ctx.Err() != nil {
		return verdict{}, ctx.Err()
	}
	logf("  login variants (wrong passwords, then the right one on each replica): %s", strings.Join(lines, "; "))
	if len(bad) > 0 {
		return broken(name, "while %s is limited: %s", user, strings.Join(bad, "; ")), nil
	}
	v := held(name)
	v.detail = fmt.Sprintf("%s limited (429 on every replica); %d look-alike names, none logged in: %s", user, len(variants), strings.Join(lines, "; "))
	return v, nil
}

// answer is a short form of one login answer for the log: "x:" for a wrong
// password, "ok:" for the right one, then the status, and the error code of
// anything but a 200, 401 or 429.
func answer(status int, code string, right bool) string {
	s := "x:" + strconv.Itoa(status)
	if right {
		s = "ok:" + strconv.Itoa(status)
	}
	if code != "" && status != http.StatusUnauthorized && status != http.StatusTooManyRequests {
		s += "(" + code + ")"
	}
	return s
}
