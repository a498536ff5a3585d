package storetest

// The rollup feed and its rebuild: an entry is in the rollups exactly once,
// whichever worker claims it and however their batches overlap, and a
// rebuild of right rollups corrects nothing while a rebuild of wrong ones
// puts them right. Expected rollups are written out by hand from the entries
// the test added and compared with the tables read by SQL.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shanhai/model"
)

// Feed is the part of a store the rollup workers and the rebuild use.
type Feed interface {
	AddCredits(ctx context.Context, entries []*model.Credit) error
	PendingCredits(ctx context.Context, limit int) ([]int64, error)
	RollUp(ctx context.Context, ids []int64) (int, error)
	RebuildRollups(ctx context.Context) (*model.RebuildReport, error)
}

func feedOf(t *testing.T, h Harness) Feed {
	t.Helper()
	f, ok := h.Store.(Feed)
	if !ok {
		t.Fatalf("%T has no rollup feed", h.Store)
	}
	return f
}

// The ledger the rollup tests add: an org order of org 2 (under org 1) in
// March with a credited line and a certified line no pairing takes, its
// return in April, and a consumer's order in April.
const (
	rollPairing, rollOtherPairing = 41, 42
	rollOrg, rollParent           = 2, 1
)

func rollEntries() []*model.Credit {
	p, q, org := int64(rollPairing), int64(rollOtherPairing), int64(rollOrg)
	chain := model.OrgChain([]int64{rollParent, rollOrg})
	base := func(period int, amount int64, orders int) *model.Credit {
		return &model.Credit{Source: model.SourceAcceptance, OrderID: 1, LineID: 1, Quantity: 1, AmountCents: amount,
			PairingID: &p, Certified: true, BuyerOrgID: &org, OrgChain: chain, BuyerRegion: "330604",
			Kind: model.CreditDirect, Channel: model.OrgCanteen, CategoryCode: "grain", OriginCode: "511113",
			Period: period, CreditDate: fmt.Sprintf("%d-%02d-15", period/100, period%100), Orders: orders,
			SupplierID: 7, Sector: "government", Platform: model.PlatformMall}
	}
	sale := base(202703, 300, 1)
	uncredited := base(202703, 150, 0)
	uncredited.LineID, uncredited.PairingID, uncredited.Reason = 2, nil, model.ReasonNoPairing
	ret := base(202704, -100, 0)
	ret.Source, ret.Quantity = model.SourceReturn, -1
	consumer := base(202704, 500, 1)
	consumer.OrderID, consumer.PairingID, consumer.BuyerOrgID, consumer.OrgChain = 2, &q, nil, ""
	consumer.Channel, consumer.BuyerRegion, consumer.OriginCode = model.ChannelApp, "330602", "330881"
	consumer.Sector, consumer.SupplierID, consumer.CategoryCode, consumer.PointType = "", 8, "tea", "counter"
	return []*model.Credit{sale, uncredited, ret, consumer}
}

// rollWant is what rollEntries put in the rollups: table key → values.
func rollWant() map[string]string {
	d, c, u := model.CreditDirect, model.OrgCanteen, model.ReasonNoPairing
	want := map[string]string{
		"pairings 202703|41||" + d + "|" + c:               "300,1",
		"pairings 202703|0|" + u + "|" + d + "|" + c:       "150,0",
		"pairings 202704|41||" + d + "|" + c:               "-100,0",
		"pairings 202704|42||" + d + "|app":                "500,1",
		"pairings 202700|41||" + d + "|" + c:               "200,1",
		"pairings 202700|0|" + u + "|" + d + "|" + c:       "150,0",
		"pairings 202700|42||" + d + "|app":                "500,1",
		"areas 202703|41||" + d + "|330604|511113":         "300,1",
		"areas 202703|0|" + u + "|" + d + "|330604|511113": "150,0",
		"areas 202704|41||" + d + "|330604|511113":         "-100,0",
		"areas 202704|42||" + d + "|330602|330881":         "500,1",
		"areas 202700|41||" + d + "|330604|511113":         "200,1",
		"areas 202700|0|" + u + "|" + d + "|330604|511113": "150,0",
		"areas 202700|42||" + d + "|330602|330881":         "500,1",
		// period|pairing|reason|kind|channel|platform|sector|point type|buyer region|origin|category|supplier
		"sales 202703|41||" + d + "|" + c + "|mall|government||330604|511113|grain|7":         "300,1",
		"sales 202703|0|" + u + "|" + d + "|" + c + "|mall|government||330604|511113|grain|7": "150,0",
		"sales 202704|41||" + d + "|" + c + "|mall|government||330604|511113|grain|7":         "-100,0",
		"sales 202704|42||" + d + "|app|mall||counter|330602|330881|tea|8":                    "500,1",
		"sales 202700|41||" + d + "|" + c + "|mall|government||330604|511113|grain|7":         "200,1",
		"sales 202700|0|" + u + "|" + d + "|" + c + "|mall|government||330604|511113|grain|7": "150,0",
		"sales 202700|42||" + d + "|app|mall||counter|330602|330881|tea|8":                    "500,1",
		// own cents, certified, credited; then the subtree's
		"orgs 202703|2": "450,450,300,450,450,300",
		"orgs 202703|1": "0,0,0,450,450,300",
		"orgs 202704|2": "-100,-100,-100,-100,-100,-100",
		"orgs 202704|1": "0,0,0,-100,-100,-100",
		"orgs 202700|2": "350,350,200,350,350,200",
		"orgs 202700|1": "0,0,0,350,350,200",
		// period|org|pairing: own cents, the subtree's
		"org_pairings 202703|2|41": "300,300",
		"org_pairings 202703|1|41": "0,300",
		"org_pairings 202703|2|0":  "150,150",
		"org_pairings 202703|1|0":  "0,150",
		"org_pairings 202704|2|41": "-100,-100",
		"org_pairings 202704|1|41": "0,-100",
		"org_pairings 202700|2|41": "200,200",
		"org_pairings 202700|1|41": "0,200",
		"org_pairings 202700|2|0":  "150,150",
		"org_pairings 202700|1|0":  "0,150",
	}
	// period|facet|code|pairing: each breakdown's value, the canteen's
	// entries (grain from 511113, producer 7) and the consumer's (tea from
	// 330881, producer 8, at a counter)
	entries := rollEntries()
	for _, g := range []struct {
		period  int
		pairing int64
		e       *model.Credit
		vals    string
	}{{202703, 41, entries[0], "300,1"}, {202703, 0, entries[0], "150,0"}, {202704, 41, entries[0], "-100,0"},
		{202704, 42, entries[3], "500,1"}, {202700, 41, entries[0], "200,1"}, {202700, 0, entries[0], "150,0"},
		{202700, 42, entries[3], "500,1"}} {
		for _, fc := range saleOf(g.e).Facets() {
			want[fmt.Sprintf("facets %d|%s|%s|%d", g.period, fc.Facet, fc.Code, g.pairing)] = g.vals
		}
	}
	return want
}

// saleOf is the rollup_sales key of an entry's breakdowns.
func saleOf(e *model.Credit) model.RollupSale {
	return model.RollupSale{Channel: e.Channel, Platform: e.Platform, Sector: e.Sector, PointType: e.PointType,
		OriginCode: e.OriginCode, CategoryCode: e.CategoryCode, SupplierID: e.SupplierID}
}

// rollTables reads every rollup row by SQL, leaving out rows of zeros.
func rollTables(t *testing.T, h Harness) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []struct{ name, table, keys, vals string }{
		{"pairings", "rollup_pairings", "period, pairing_id, reason, kind, channel", "cents, orders"},
		{"areas", "rollup_areas", "period, pairing_id, reason, kind, buyer_region, origin_code", "cents, orders"},
		{"sales", "rollup_sales", "period, pairing_id, reason, kind, channel, platform, sector, point_type, buyer_region, " +
			"origin_code, category_code, supplier_id", "cents, orders"},
		{"orgs", "rollup_orgs", "period, org_id",
			"cents, certified_cents, credited_cents, subtree_cents, subtree_certified_cents, subtree_credited_cents"},
		{"org_pairings", "rollup_org_pairings", "period, org_id, pairing_id", "cents, subtree_cents"},
		{"facets", "rollup_facets", "period, facet, code, pairing_id", "cents, orders"},
	} {
		nk, nv := len(strings.Split(q.keys, ",")), len(strings.Split(q.vals, ","))
		rows, err := h.SQL.QueryContext(t.Context(), "SELECT "+q.keys+", "+q.vals+" FROM "+q.table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			cols := make([]string, nk+nv)
			dst := make([]any, len(cols))
			for i := range cols {
				dst[i] = &cols[i]
			}
			if err := rows.Scan(dst...); err != nil {
				t.Fatal(err)
			}
			vals := strings.Join(cols[nk:], ",")
			if strings.Trim(vals, "0,") == "" {
				continue
			}
			k := q.name + " " + strings.Join(cols[:nk], "|")
			if _, dup := out[k]; dup {
				t.Errorf("two rows for %s", k)
			}
			out[k] = vals
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// checkRolled compares the rollup tables with want, row by row.
func checkRolled(t *testing.T, h Harness, want map[string]string) {
	t.Helper()
	got := rollTables(t, h)
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: rollup %q, want %q", k, got[k], want[k])
		}
	}
}

func addEntries(t *testing.T, f Feed, entries []*model.Credit) []int64 {
	t.Helper()
	if err := f.AddCredits(t.Context(), entries); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		if e.ID == 0 {
			t.Fatalf("entry %d has no id after AddCredits", i)
		}
		ids[i] = e.ID
	}
	return ids
}

func pendingIDs(t *testing.T, f Feed, limit int) []int64 {
	t.Helper()
	ids, err := f.PendingCredits(t.Context(), limit)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func rollUp(t *testing.T, f Feed, what string, ids []int64, want int) {
	t.Helper()
	n, err := f.RollUp(t.Context(), ids)
	if err != nil || n != want {
		t.Fatalf("%s: RollUp(%v) = %d, %v; want %d", what, ids, n, err, want)
	}
}

func rebuild(t *testing.T, f Feed, what string, want model.RebuildReport) *model.RebuildReport {
	t.Helper()
	rep, err := f.RebuildRollups(t.Context())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if rep.Entries != want.Entries || rep.Pending != want.Pending || rep.Corrected != want.Corrected {
		t.Errorf("%s: rebuild counted %d entries, %d pending, corrected %d rows (%v); want %d, %d, %d",
			what, rep.Entries, rep.Pending, rep.Corrected, rep.Diffs, want.Entries, want.Pending, want.Corrected)
	}
	return rep
}

// testRollupFeed: entries wait in the pending set, in id order, until a
// worker rolls them up; rolling the same ids again counts nothing.
func testRollupFeed(t *testing.T, h Harness) {
	f := feedOf(t, h)
	if got := pendingIDs(t, f, 10); len(got) != 0 {
		t.Fatalf("pending before any entry: %v", got)
	}
	rollUp(t, f, "nothing", nil, 0)
	ids := addEntries(t, f, rollEntries())
	if !slices.IsSorted(ids) {
		t.Errorf("ids not ascending: %v", ids)
	}
	if got := pendingIDs(t, f, 10); !slices.Equal(got, ids) {
		t.Errorf("pending %v, want %v", got, ids)
	}
	if got := pendingIDs(t, f, 3); !slices.Equal(got, ids[:3]) {
		t.Errorf("pending, limit 3: %v, want %v", got, ids[:3])
	}
	if n := queryInt64(t, h, "SELECT COUNT(*) FROM rollup_pairings"); n != 0 {
		t.Errorf("%d rollup rows before a worker ran", n)
	}
	rebuild(t, f, "everything pending", model.RebuildReport{Pending: 4})
	rollUp(t, f, "the first batch", ids[:3], 3)
	if got := pendingIDs(t, f, 10); !slices.Equal(got, ids[3:]) {
		t.Errorf("pending after the first batch: %v, want %v", got, ids[3:])
	}
	rollUp(t, f, "the first batch again", ids[:3], 0)
	rollUp(t, f, "the rest, with ids already counted and unknown", append([]int64{ids[3] + 1000}, ids...), 1)
	rollUp(t, f, "everything again", ids, 0)
	if got := pendingIDs(t, f, 10); len(got) != 0 {
		t.Errorf("pending after the feed: %v", got)
	}
	checkRolled(t, h, rollWant())
	rebuild(t, f, "after the feed", model.RebuildReport{Entries: 4})
	checkRolled(t, h, rollWant())
}

// testRollupOverlappingWorkers: two workers are handed overlapping batches
// and claim them in a fixed interleaving: B reads the pending ids, A reads
// and rolls up the first two, a new entry arrives, B rolls up what it was
// handed (only the third is still pending), A rolls up the rest. Each entry
// counts once, and a rebuild finds nothing to correct.
func testRollupOverlappingWorkers(t *testing.T, h Harness) {
	f := feedOf(t, h)
	entries := rollEntries()
	ids := addEntries(t, f, entries[:3])
	handedB := pendingIDs(t, f, 10)
	handedA := pendingIDs(t, f, 2)
	if !slices.Equal(handedB, ids) || !slices.Equal(handedA, ids[:2]) {
		t.Fatalf("handed %v and %v, want %v and %v", handedB, handedA, ids, ids[:2])
	}
	rollUp(t, f, "A", handedA, 2)
	ids = append(ids, addEntries(t, f, entries[3:])...)
	rollUp(t, f, "B, handed entries A already counted", handedB, 1)
	handedA = pendingIDs(t, f, 10)
	if !slices.Equal(handedA, ids[3:]) {
		t.Fatalf("pending after B: %v, want %v", handedA, ids[3:])
	}
	rollUp(t, f, "A, the entry added meanwhile (and B's again)", append(handedA, ids[2]), 1)
	checkRolled(t, h, rollWant())
	rebuild(t, f, "after overlapping workers", model.RebuildReport{Entries: 4})
}

// testRollupConcurrentWorkers: four workers feed the rollups while entries
// are added; the counts they report add up to the entries, and the rollups
// hold each entry once.
func testRollupConcurrentWorkers(t *testing.T, h Harness) {
	const rounds = 25 // × 4 entries
	f := feedOf(t, h)
	ctx := t.Context()
	var counted atomic.Int64
	var adding sync.WaitGroup
	adding.Add(1)
	addDone := make(chan struct{})
	go func() {
		defer adding.Done()
		defer close(addDone)
		for range rounds {
			if err := f.AddCredits(ctx, rollEntries()); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var workers sync.WaitGroup
	for w := range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				ids, err := f.PendingCredits(ctx, 3+w)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ids) == 0 {
					select {
					case <-addDone:
						if ids, _ := f.PendingCredits(ctx, 1); len(ids) == 0 {
							return
						}
					default:
					}
					time.Sleep(time.Millisecond)
					continue
				}
				n, err := f.RollUp(ctx, ids)
				if err != nil {
					t.Error(err)
					return
				}
				counted.Add(int64(n))
			}
		}()
	}
	adding.Wait()
	workers.Wait()
	if t.Failed() {
		return
	}
	if got := counted.Load(); got != 4*rounds {
		t.Errorf("the workers counted %d entries, want %d", got, 4*rounds)
	}
	want := rollWant()
	for k, v := range want {
		var nums []string
		for _, s := range strings.Split(v, ",") {
			var n int64
			fmt.Sscan(s, &n)
			nums = append(nums, fmt.Sprint(n*rounds))
		}
		want[k] = strings.Join(nums, ",")
	}
	checkRolled(t, h, want)
	rebuild(t, f, "after concurrent workers", model.RebuildReport{Entries: 4 * rounds})
}

// testRebuildRollups: a rebuild leaves pending entries to the workers, puts
// right a row changed, a row deleted and a row that should not exist, and
// then has nothing left to correct.
func testRebuildRollups(t *testing.T, h Harness) {
	f := feedOf(t, h)
	ids := addEntries(t, f, rollEntries())
	rollUp(t, f, "all but the last", ids[:3], 3)
	rollUp(t, f, "the last", ids[3:], 1)
	late := addEntries(t, f, rollEntries()[:1]) // pending: not the rebuild's to count
	exec(t, h, "UPDATE rollup_pairings SET cents = cents + 7 WHERE period = 202703 AND pairing_id = 41")
	exec(t, h, "DELETE FROM rollup_orgs WHERE period = 202700 AND org_id = 1")
	exec(t, h, "INSERT INTO rollup_areas (period, pairing_id, reason, kind, buyer_region, origin_code, cents, orders) "+
		"VALUES (202705, 41, '', 'direct_purchase', '330604', '511113', 99, 1)")
	exec(t, h, "UPDATE rollup_sales SET cents = cents - 1 WHERE period = 202704 AND pairing_id = 42")
	exec(t, h, "DELETE FROM rollup_platforms WHERE period = 202703 AND pairing_id = 41")
	exec(t, h, "UPDATE rollup_facets SET orders = orders + 1 WHERE period = 202700 AND facet = 'supplier' AND code = '8'")
	rep := rebuild(t, f, "after tampering", model.RebuildReport{Entries: 4, Pending: 1, Corrected: 6})
	if len(rep.Diffs) != 6 {
		t.Errorf("diffs %v, want 6", rep.Diffs)
	}
	checkRolled(t, h, rollWant())
	rebuild(t, f, "again", model.RebuildReport{Entries: 4, Pending: 1})
	rollUp(t, f, "the late entry", late, 1)
	want := rollWant()
	d, c := model.CreditDirect, model.OrgCanteen
	want["pairings 202703|41||"+d+"|"+c] = "600,2"
	want["pairings 202700|41||"+d+"|"+c] = "500,2"
	want["areas 202703|41||"+d+"|330604|511113"] = "600,2"
	want["areas 202700|41||"+d+"|330604|511113"] = "500,2"
	want["sales 202703|41||"+d+"|"+c+"|mall|government||330604|511113|grain|7"] = "600,2"
	want["sales 202700|41||"+d+"|"+c+"|mall|government||330604|511113|grain|7"] = "500,2"
	want["orgs 202703|2"] = "750,750,600,750,750,600"
	want["orgs 202703|1"] = "0,0,0,750,750,600"
	want["orgs 202700|2"] = "650,650,500,650,650,500"
	want["orgs 202700|1"] = "0,0,0,650,650,500"
	want["org_pairings 202703|2|41"] = "600,600"
	want["org_pairings 202703|1|41"] = "0,600"
	want["org_pairings 202700|2|41"] = "500,500"
	want["org_pairings 202700|1|41"] = "0,500"
	for _, fc := range saleOf(rollEntries()[0]).Facets() {
		want["facets 202703|"+fc.Facet+"|"+fc.Code+"|41"] = "600,2"
		want["facets 202700|"+fc.Facet+"|"+fc.Code+"|41"] = "500,2"
	}
	checkRolled(t, h, want)
	rebuild(t, f, "after the late entry", model.RebuildReport{Entries: 5})
}
