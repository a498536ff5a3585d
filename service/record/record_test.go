package record_test

// Off-platform records on every backend: the crediting examples (county,
// city and province pairs, mountain–sea without a certificate, the
// certificate reasons, a producer mismatch, no pairing), who may verify,
// one claim per invoice (also racing from two replicas on MariaDB), closed
// years, bad input that leaves nothing behind, and the reconciliation of
// ledger, rollups and the test's own record to the cent.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/check"
	"shanhai/service/credit"
	"shanhai/service/record"
)

// now is the test's clock: 2026-06-01 10:00 China time.
var now = time.Date(2026, 6, 1, 10, 0, 0, 0, model.China)

// code makes a valid credit code from a 17-character stem.
func code(stem string) string { return stem + string(check.CreditCodeCheck(stem)) }

var (
	codeJKH   = code("91511113MA0000001")      // 金口河 tea factory
	codeOther = code("91511113MA0000002")      // another 金口河 producer
	codeJC    = code("93513226MA0000003")      // 金川 co-op
	codeJN    = code("93331127MA0000004")      // 景宁 co-op
	codeQT    = code("91331121MA0000005")      // 青田 winery
	codeBuyer = code("91330604MA0000006")      // the 上虞 co-op itself (收购发票)
	_         = codeBuyer + codeOther + codeQT // used below
)

type world struct {
	st      *store.Store
	svc     *record.Service
	ledger  *credit.Ledger
	years   *credit.Years
	coop    *model.Org // 上虞 co-op
	canteen *model.Org // 柯桥 canteen
	users   map[string]*model.User
	pair    map[string]int64
	invoice int
}

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{st: st, users: map[string]*model.User{}, pair: map[string]int64{}}
	for _, p := range []struct {
		key, programme, level, helper, partner string
	}{
		{"county", model.ProgrammeEastWest, model.LevelCounty, "330604", "511113"},
		{"city", model.ProgrammeEastWest, model.LevelCity, "330600", "511100"},
		{"province", model.ProgrammeEastWest, model.LevelProvince, "330000", "510000"},
		{"jingning", model.ProgrammeMountainSea, model.LevelCounty, "330604", "331127"},
	} {
		pr := &model.Pairing{Programme: p.programme, Level: p.level, HelperCode: p.helper, PartnerCode: p.partner,
			SinceYear: 2021, Active: true}
		if err := st.CreatePairing(ctx, pr); err != nil {
			t.Fatal(err)
		}
		w.pair[p.key] = pr.ID
	}
	org := func(name, kind, region string) *model.Org {
		o := &model.Org{Name: name, Kind: kind, RegionCode: region, PaymentTerms: model.TermsPrepay,
			CreditKind: model.DefaultCreditKind(kind), Sector: "other"}
		if err := st.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	w.coop = org("上虞农合联", model.OrgCoop, "330604")
	w.canteen = org("柯桥区机关食堂", model.OrgCanteen, "330603")
	user := func(name, role string, orgID *int64, region string) {
		u := &model.User{Username: name, PasswordHash: "x", Role: role, OrgID: orgID}
		if region != "" {
			u.RegionCode = &region
		}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		w.users[name] = u
	}
	user("coop_admin", model.RoleOrgAdmin, &w.coop.ID, "")
	user("canteen_admin", model.RoleOrgAdmin, &w.canteen.ID, "")
	user("admin", model.RoleAdmin, nil, "")
	user("city_officer", model.RoleOfficer, nil, "330600")
	user("province_officer", model.RoleOfficer, nil, "330000")
	user("district_officer", model.RoleOfficer, nil, "330604")
	user("partner_officer", model.RoleOfficer, nil, "511100")
	user("hangzhou_officer", model.RoleOfficer, nil, "330100")
	for _, e := range []model.RegisterEntry{
		{CertificateNo: "JKH-1", ProducerName: "金口河茶厂", CreditCode: codeJKH, RegionCode: "511113", ValidFrom: "2025-01-01", ValidTo: "2026-12-31"},
		{CertificateNo: "JKH-EXP", ProducerName: "金口河茶厂", CreditCode: codeJKH, RegionCode: "511113", ValidFrom: "2024-01-01", ValidTo: "2024-12-31"},
		{CertificateNo: "JKH-REV", ProducerName: "金口河茶厂", CreditCode: codeJKH, RegionCode: "511113", ValidFrom: "2025-01-01", ValidTo: "2026-12-31",
			Status: model.CertRevoked, RevokedOn: "2026-02-01", RevokeReason: "抽检不合格"},
		{CertificateNo: "OTHER-1", ProducerName: "金口河另一家", CreditCode: codeOther, RegionCode: "511113", ValidFrom: "2025-01-01", ValidTo: "2026-12-31"},
		{CertificateNo: "QT-1", ProducerName: "青田酒庄", CreditCode: codeQT, RegionCode: "331121", ValidFrom: "2025-01-01", ValidTo: "2026-12-31"},
		{CertificateNo: "JC-1", ProducerName: "金川合作社", CreditCode: codeJC, RegionCode: "513226", ValidFrom: "2025-01-01", ValidTo: "2026-12-31"},
	} {
		e := e
		e.Issuer, e.ProductName, e.CategoryCode = "乐山市乡村振兴局", "茶叶", "tea"
		if e.Status == "" {
			e.Status = model.CertValid
		}
		e.Unregistered = e.CreditCode == ""
		if err := st.CreateRegisterEntry(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	w.ledger = credit.New(st, nil)
	w.ledger.SetClock(func() time.Time { return now })
	w.svc = record.New(st, st, w.ledger)
	w.svc.SetClock(func() time.Time { return now })
	w.years = credit.NewYears(st)
	w.years.SetClock(func() time.Time { return now })
	return w
}

// item is one item of a record: amount and certificate.
type item struct {
	cents int64
	cert  string
}

// input is a record of producer (name, code, county) on date with items.
func (w *world) input(date, name, credit, county string, items ...item) record.Input {
	w.invoice++
	in := record.Input{Kind: model.CreditAssisted, Platform: model.Platform832, Date: date,
		Invoice:  record.InvoiceInput{Number: fmt.Sprintf("2633200000%010d", w.invoice), Date: date},
		Producer: record.ProducerInput{Name: name, CreditCode: credit, Region: county}}
	for i, it := range items {
		in.Items = append(in.Items, record.ItemInput{ProductName: fmt.Sprintf("货品%d", i), Category: "tea",
			Quantity: "12.5", Unit: "千克", AmountCents: it.cents, CertificateNo: it.cert})
	}
	return in
}

func (w *world) create(t *testing.T, who string, org *model.Org, in record.Input) *model.SalesRecord {
	t.Helper()
	r, err := w.svc.Create(context.Background(), w.users[who], org.ID, in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return r
}

func (w *world) submit(t *testing.T, who string, id int64) {
	t.Helper()
	if _, err := w.svc.Submit(context.Background(), w.users[who], id); err != nil {
		t.Fatalf("submit %d: %v", id, err)
	}
}

func (w *world) verify(t *testing.T, id int64) []*model.Credit {
	t.Helper()
	v, err := w.svc.Verify(context.Background(), w.users["city_officer"], id)
	if err != nil {
		t.Fatalf("verify %d: %v", id, err)
	}
	return v.Credits
}

// recorded creates, submits and verifies a record, returning its entries.
func (w *world) recorded(t *testing.T, who string, org *model.Org, in record.Input) (*model.SalesRecord, []*model.Credit) {
	t.Helper()
	r := w.create(t, who, org, in)
	w.submit(t, who, r.ID)
	return r, w.verify(t, r.ID)
}

func pairingOf(e *model.Credit) int64 {
	if e.PairingID == nil {
		return 0
	}
	return *e.PairingID
}

func TestRecordCreditExamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b.Store)
		_, c1 := w.recorded(t, "coop_admin", w.coop, w.input("2026-03-15", "金口河茶厂", codeJKH, "511113",
			item{100_00, "JKH-1"}, item{200_00, ""}, item{300_00, "JKH-EXP"}, item{400_00, "JKH-REV"}, item{500_00, "OTHER-1"}, item{600_00, "NOPE"}))
		_, c2 := w.recorded(t, "canteen_admin", w.canteen, w.input("2026-03-16", "金口河茶厂", codeJKH, "511113", item{700_00, "JKH-1"}))
		_, c3 := w.recorded(t, "canteen_admin", w.canteen, w.input("2026-03-17", "金川合作社", codeJC, "513226", item{800_00, "JC-1"}))
		_, c4 := w.recorded(t, "coop_admin", w.coop, w.input("2026-03-18", "景宁合作社", codeJN, "331127", item{900_00, ""}))
		_, c5 := w.recorded(t, "coop_admin", w.coop, w.input("2026-03-19", "青田酒庄", codeQT, "331121", item{1000_00, "QT-1"}))
		cases := []struct {
			what      string
			e         *model.Credit
			pairing   int64
			reason    string
			certified bool
		}{
			{"county pair, certified", c1[0], w.pair["county"], "", true},
			{"east_west without a certificate", c1[1], 0, model.ReasonUncertified, false},
			{"expired certificate", c1[2], 0, model.ReasonCertExpired, false},
			{"revoked certificate", c1[3], 0, model.ReasonCertRevoked, false},
			{"another producer's certificate", c1[4], 0, model.ReasonCertMismatch, false},
			{"a number no register entry has", c1[5], 0, model.ReasonUncertified, false},
			{"city pair (柯桥 buying from 金口河)", c2[0], w.pair["city"], "", true},
			{"province pair (金川 outside the paired counties)", c3[0], w.pair["province"], "", true},
			{"mountain_sea needs no certificate", c4[0], w.pair["jingning"], "", false},
			{"no pairing (青田), certified", c5[0], 0, model.ReasonNoPairing, true},
		}
		for _, c := range cases {
			if pairingOf(c.e) != c.pairing || c.e.Reason != c.reason || c.e.Certified != c.certified {
				t.Errorf("%s: pairing %d reason %q certified %v, want %d %q %v", c.what, pairingOf(c.e), c.e.Reason,
					c.e.Certified, c.pairing, c.reason, c.certified)
			}
			if c.e.Channel != model.ChannelOffline || c.e.Platform != model.Platform832 || c.e.Kind != model.CreditAssisted ||
				c.e.Period != 202603 || c.e.AdjustsYear != 0 {
				t.Errorf("%s: channel %q platform %q kind %q period %d adjusts %d", c.what, c.e.Channel, c.e.Platform,
					c.e.Kind, c.e.Period, c.e.AdjustsYear)
			}
		}
		// A record counts once among the statistics' records: one entry
		// of each carries it.
		for i, cs := range [][]*model.Credit{c1, c2, c3, c4, c5} {
			n := 0
			for _, e := range cs {
				n += e.Orders
			}
			if n != 1 {
				t.Errorf("record %d counts %d times", i+1, n)
			}
		}
		// On a platform that does not count toward reserved shares, a
		// certified item is still credited, but not as reserved-share progress.
		in := w.input("2026-03-20", "金口河茶厂", codeJKH, "511113", item{50_00, "JKH-1"})
		in.Platform = model.PlatformOffline
		_, c6 := w.recorded(t, "coop_admin", w.coop, in)
		if pairingOf(c6[0]) != w.pair["county"] || c6[0].Certified {
			t.Errorf("offline platform: pairing %d certified %v", pairingOf(c6[0]), c6[0].Certified)
		}
	})
}

func TestRecordVerificationScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b.Store)
		ctx := context.Background()
		r := w.create(t, "coop_admin", w.coop, w.input("2026-03-15", "金口河茶厂", codeJKH, "511113", item{100_00, "JKH-1"}))
		w.submit(t, "coop_admin", r.ID)
		for _, c := range []struct {
			who  string
			want error
		}{
			{"coop_admin", model.ErrForbidden},       // the recorder
			{"canteen_admin", model.ErrNotFound},     // another org
			{"district_officer", model.ErrForbidden}, // ranked on the figure
			{"partner_officer", model.ErrForbidden},  // the producer's side
			{"hangzhou_officer", model.ErrNotFound},  // another city
		} {
			if _, err := w.svc.Verify(ctx, w.users[c.who], r.ID); !errors.Is(err, c.want) {
				t.Errorf("%s verifying: %v, want %v", c.who, err, c.want)
			}
			if _, err := w.svc.Return(ctx, w.users[c.who], r.ID, "看不清"); !errors.Is(err, c.want) {
				t.Errorf("%s returning: %v, want %v", c.who, err, c.want)
			}
		}
		if n := count(t, w.st, "SELECT COUNT(*) FROM credits"); n != 0 {
			t.Fatalf("refused verifications wrote %d entries", n)
		}
		if _, err := w.svc.Verify(ctx, w.users["province_officer"], r.ID); err != nil {
			t.Fatalf("province officer: %v", err)
		}
		if _, err := w.svc.Revoke(ctx, w.users["district_officer"], r.ID, "重复"); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("district officer revoking: %v", err)
		}
		if _, err := w.svc.Revoke(ctx, w.users["admin"], r.ID, "发票作废"); err != nil {
			t.Fatalf("admin revoke: %v", err)
		}
		if n := count(t, w.st, "SELECT COALESCE(SUM(amount_cents), 0) FROM credits WHERE record_id = ?", r.ID); n != 0 {
			t.Errorf("a revoked record still counts %d cents", n)
		}
		if n := count(t, w.st, "SELECT COUNT(*) FROM audits WHERE entity = 'sales_record' AND entity_id = ?", fmt.Sprint(r.ID)); n != 4 {
			t.Errorf("%d audit records, want 4 (create, submit, verify, revoke)", n)
		}
	})
}

func count(t *testing.T, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestRecordInvoiceClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b.Store)
		ctx := context.Background()
		in := w.input("2026-03-15", "金口河茶厂", codeJKH, "511113", item{100_00, "JKH-1"})
		r := w.create(t, "coop_admin", w.coop, in)
		w.submit(t, "coop_admin", r.ID)
		// Returned and resubmitted, it keeps its own claim.
		if _, err := w.svc.Return(ctx, w.users["city_officer"], r.ID, "缺合同"); err != nil {
			t.Fatal(err)
		}
		w.submit(t, "coop_admin", r.ID)
		// Another org presenting the same invoice: 409, and nothing changes.
		dup := w.create(t, "canteen_admin", w.canteen, in)
		_, err := w.svc.Submit(ctx, w.users["canteen_admin"], dup.ID)
		var me *model.Error
		if !errors.As(err, &me) || me.Code != "duplicate_invoice" {
			t.Fatalf("duplicate: %v", err)
		}
		if got, _ := w.svc.Get(ctx, w.users["canteen_admin"], dup.ID); got.Status != model.RecordDraft {
			t.Errorf("refused record is %s", got.Status)
		}
		// Verified, then revoked: the claim stays.
		w.verify(t, r.ID)
		if _, err := w.svc.Revoke(ctx, w.users["city_officer"], r.ID, "作废"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Submit(ctx, w.users["canteen_admin"], dup.ID); !errors.Is(err, model.ErrConflict) {
			t.Errorf("after revocation: %v", err)
		}
		if n := count(t, w.st, "SELECT COUNT(*) FROM invoice_claims"); n != 1 {
			t.Errorf("%d claims, want 1", n)
		}
		// A returned record whose invoice is corrected gives the old one back.
		r2 := w.create(t, "coop_admin", w.coop, w.input("2026-03-15", "金口河茶厂", codeJKH, "511113", item{1, ""}))
		w.submit(t, "coop_admin", r2.ID)
		if _, err := w.svc.Return(ctx, w.users["city_officer"], r2.ID, "发票号错"); err != nil {
			t.Fatal(err)
		}
		fixed := w.input("2026-03-15", "金口河茶厂", codeJKH, "511113", item{1, ""})
		if _, err := w.svc.Update(ctx, w.users["coop_admin"], r2.ID, fixed); err != nil {
			t.Fatal(err)
		}
		w.submit(t, "coop_admin", r2.ID)
		if n := count(t, w.st, "SELECT COUNT(*) FROM invoice_claims WHERE holder_id = ?", r2.ID); n != 1 {
			t.Errorf("record %d holds %d claims, want 1", r2.ID, n)
		}
	})
}

// TestRecordDuplicateInvoiceRace: two replicas (two Store instances on one
// MariaDB database) submit records of different orgs presenting one invoice
// at once, many times: exactly one wins each time.
func TestRecordDuplicateInvoiceRace(t *testing.T) {
	t.Run("mysql", func(t *testing.T) {
		b, ok := storetest.MySQL(t)
		if !ok {
			t.Skip("needs MariaDB (SHANHAI_TEST_MYSQL): the race is between two replicas")
		}
		invoiceRace(t, b)
	})
}

func invoiceRace(t *testing.T, b storetest.Backend) {
	w := newWorld(t, b.Store)
	other, err := store.Open(b.DSN, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	led2 := credit.New(other, nil)
	svc2 := record.New(other, other, led2)
	svc2.SetClock(func() time.Time { return now })
	ctx := context.Background()
	const rounds = 20
	won := map[int64]bool{} // the test's own record of every 2xx
	for i := 0; i < rounds; i++ {
		in := w.input("2026-04-01", "金口河茶厂", codeJKH, "511113", item{100, ""})
		a := w.create(t, "coop_admin", w.coop, in)
		c := w.create(t, "canteen_admin", w.canteen, in)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Add(2)
		go func() { defer wg.Done(); _, errs[0] = w.svc.Submit(ctx, w.users["coop_admin"], a.ID) }()
		go func() { defer wg.Done(); _, errs[1] = svc2.Submit(ctx, w.users["canteen_admin"], c.ID) }()
		wg.Wait()
		wins := 0
		for j, err := range errs {
			var me *model.Error
			switch {
			case err == nil:
				wins++
				won[[]int64{a.ID, c.ID}[j]] = true
			case errors.As(err, &me) && me.Code == "duplicate_invoice":
			default:
				t.Fatalf("round %d: %v", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d submissions won", i, wins)
		}
	}
	if n := count(t, w.st, "SELECT COUNT(*) FROM invoice_claims"); n != rounds {
		t.Errorf("%d claims, want %d", n, rounds)
	}
	if n := count(t, w.st, "SELECT COUNT(*) FROM sales_records WHERE status = 'submitted'"); n != int64(len(won)) {
		t.Errorf("%d submitted records, the test saw %d", n, len(won))
	}
	if n := count(t, w.st, "SELECT COUNT(*) FROM invoice_claims c JOIN sales_records r ON r.id = c.holder_id AND r.status = 'submitted'"); n != rounds {
		t.Errorf("%d claims held by submitted records, want %d", n, rounds)
	}
}

func TestRecordBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b.Store)
		ctx := context.Background()
		if _, err := w.years.Close(ctx, w.users["admin"], 2025); err != nil {
			t.Fatal(err)
		}
		bad := func(what, field string, edit func(in *record.Input)) {
			t.Helper()
			in := w.input("2026-03-15", "金口河茶厂", codeJKH, "511113", item{100_00, "JKH-1"})
			edit(&in)
			_, err := w.svc.Create(ctx, w.users["coop_admin"], w.coop.ID, in)
			var me *model.Error
			if !errors.Is(err, model.ErrInvalid) || !errors.As(err, &me) {
				t.Errorf("%s: %v, want 422", what, err)
				return
			}
			for _, f := range me.Fields {
				if f.Field == field {
					return
				}
			}
			t.Errorf("%s: fields %v, want %s", what, me.Fields, field)
		}
		wrong := codeJKH[:17] + map[bool]string{true: "1", false: "2"}[codeJKH[17] != '1']
		bad("wrong check character", "producer.credit_code", func(in *record.Input) { in.Producer.CreditCode = wrong })
		bad("19-digit invoice number", "invoice.number", func(in *record.Input) { in.Invoice.Number = strings.Repeat("1", 19) })
		bad("negative quantity", "items[0].quantity", func(in *record.Input) { in.Items[0].Quantity = "-1" })
		bad("four decimal places", "items[0].quantity", func(in *record.Input) { in.Items[0].Quantity = "1.2345" })
		bad("overflowing quantity", "items[0].quantity", func(in *record.Input) { in.Items[0].Quantity = "99999999999999999999" })
		bad("future date", "date", func(in *record.Input) { in.Date = "2026-06-02" })
		bad("closed year", "date", func(in *record.Input) { in.Date = "2025-12-31"; in.Invoice.Date = "2025-12-31" })
		bad("helper-side producer county", "producer.region_code", func(in *record.Input) { in.Producer.Region = "330603" })
		bad("no items", "items", func(in *record.Input) { in.Items = nil })
		bad("zero amount", "items[0].amount_cents", func(in *record.Input) { in.Items[0].AmountCents = 0 })
		if n := count(t, w.st, "SELECT COUNT(*) FROM sales_records") + count(t, w.st, "SELECT COUNT(*) FROM sales_record_items"); n != 0 {
			t.Fatalf("refused records left %d rows", n)
		}
		// Scans: too big, an executable, a PNG.
		r := w.create(t, "coop_admin", w.coop, w.input("2026-03-15", "金口河茶厂", codeJKH, "511113", item{100_00, ""}))
		big := append([]byte("%PDF-1.7\n"), make([]byte, 12<<20)...)
		if _, err := w.svc.Attach(ctx, w.users["coop_admin"], r.ID, "big.pdf", big); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("12 MiB scan: %v", err)
		}
		exe := append([]byte("MZ\x90\x00"), make([]byte, 1024)...)
		if _, err := w.svc.Attach(ctx, w.users["coop_admin"], r.ID, "invoice.pdf", exe); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("executable: %v", err)
		}
		if n := count(t, w.st, "SELECT COUNT(*) FROM sales_record_files") + count(t, w.st, "SELECT COUNT(*) FROM blobs"); n != 0 {
			t.Fatalf("refused scans left %d rows", n)
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
		f, err := w.svc.Attach(ctx, w.users["coop_admin"], r.ID, "发票.png", png)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.File(ctx, w.users["canteen_admin"], r.ID, f.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another org reading the scan: %v", err)
		}
		if _, blob, err := w.svc.File(ctx, w.users["city_officer"], r.ID, f.ID); err != nil || blob.ContentType != "image/png" {
			t.Errorf("officer reading the scan: %v", err)
		}
	})
}

// TestRecordReconciliation mixes verified records, revocations and a
// closed year, and checks ledger = rollups = the test's own record, by
// pairing and in total, to the cent.
func TestRecordReconciliation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b.Store)
		ctx := context.Background()
		own := map[int64]int64{} // pairing (0: none) → cents, all years
		ownYear := map[int]int64{}
		add := func(cs []*model.Credit, sign int64) {
			for _, e := range cs {
				own[pairingOf(e)] += sign * e.AmountCents
			}
		}
		// 2025: two records verified before the year closes, one after.
		_, a := w.recorded(t, "coop_admin", w.coop, w.input("2025-11-10", "金口河茶厂", codeJKH, "511113", item{123_45, "JKH-1"}, item{67_89, ""}))
		add(a, 1)
		ownYear[2025] += 123_45 + 67_89
		ra, _ := w.recorded(t, "canteen_admin", w.canteen, w.input("2025-12-01", "金口河茶厂", codeJKH, "511113", item{1000_01, "JKH-1"}))
		lateRec := w.create(t, "coop_admin", w.coop, w.input("2025-12-20", "景宁合作社", codeJN, "331127", item{555_55, ""}))
		w.submit(t, "coop_admin", lateRec.ID)
		ownYear[2025] += 1000_01
		own[w.pair["city"]] += 1000_01
		if _, err := w.years.Close(ctx, w.users["admin"], 2025); err != nil {
			t.Fatal(err)
		}
		if _, err := w.years.Close(ctx, w.users["admin"], 2026); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("closing the current year: %v", err)
		}
		late := w.verify(t, lateRec.ID)
		add(late, 1)
		ownYear[2026] += 555_55 // dated now, adjusting 2025
		if late[0].Period != 202606 || late[0].AdjustsYear != 2025 || pairingOf(late[0]) != w.pair["jingning"] {
			t.Errorf("late verification: period %d adjusts %d pairing %d", late[0].Period, late[0].AdjustsYear, pairingOf(late[0]))
		}
		// Revoking a record of the closed year: reversed in June 2026.
		if _, err := w.svc.Revoke(ctx, w.users["city_officer"], ra.ID, "重复录入"); err != nil {
			t.Fatal(err)
		}
		own[w.pair["city"]] -= 1000_01
		ownYear[2026] -= 1000_01
		if n := count(t, w.st, "SELECT COUNT(*) FROM credits WHERE record_id = ? AND period = 202606 AND adjusts_year = 2025 AND amount_cents = -100001", ra.ID); n != 1 {
			t.Errorf("the revocation of a closed year's record is not dated in June 2026 adjusting 2025")
		}
		// 2026: records, one revoked, one on another platform.
		_, c := w.recorded(t, "canteen_admin", w.canteen, w.input("2026-02-03", "金川合作社", codeJC, "513226", item{800_00, "JC-1"}, item{1, "JC-1"}))
		add(c, 1)
		ownYear[2026] += 800_01
		rd, d := w.recorded(t, "coop_admin", w.coop, w.input("2026-05-31", "青田酒庄", codeQT, "331121", item{99_99, ""}))
		add(d, 1)
		if _, err := w.svc.Revoke(ctx, w.users["admin"], rd.ID, "非帮扶产品"); err != nil {
			t.Fatal(err)
		}
		add(d, -1)
		if _, err := w.years.Close(ctx, w.users["admin"], 2024); err != nil {
			t.Fatal(err)
		}
		if err := w.years.Reopen(ctx, w.users["admin"], 2024); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		var total int64
		for pid, cents := range own {
			total += cents
			ledger := count(t, w.st, "SELECT COALESCE(SUM(amount_cents), 0) FROM credits WHERE COALESCE(pairing_id, 0) = ?", pid)
			rolled := count(t, w.st, "SELECT COALESCE(SUM(cents), 0) FROM rollup_pairings WHERE pairing_id = ? AND period % 100 = 0", pid)
			sales := count(t, w.st, "SELECT COALESCE(SUM(cents), 0) FROM rollup_sales WHERE pairing_id = ? AND period % 100 <> 0", pid)
			if ledger != cents || rolled != cents || sales != cents {
				t.Errorf("pairing %d: ledger %d, rollups %d / %d, the test's record %d", pid, ledger, rolled, sales, cents)
			}
		}
		for year, cents := range ownYear {
			rolled := count(t, w.st, "SELECT COALESCE(SUM(cents), 0) FROM rollup_pairings WHERE period = ?", year*100)
			if rolled != cents {
				t.Errorf("year %d: rollups %d, the test's record %d", year, rolled, cents)
			}
		}
		if got := count(t, w.st, "SELECT COALESCE(SUM(amount_cents), 0) FROM credits"); got != total {
			t.Errorf("ledger total %d, the test's record %d", got, total)
		}
		rep, err := w.ledger.Rebuild(ctx)
		if err != nil || rep.Corrected != 0 {
			t.Errorf("rebuild found %+v, %v", rep, err)
		}
	})
}

// TestClosedYearCorrection: an admin's correction of a closed year's entry
// is dated in the current month and names the year it adjusts; of an open
// year's, in the entry's own month.
func TestClosedYearCorrection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b.Store)
		ctx := context.Background()
		pid := w.pair["county"]
		old := &model.Credit{Source: model.SourceAcceptance, OrderID: 7001, LineID: 1, Quantity: 2, AmountCents: 4000,
			PairingID: &pid, Kind: model.CreditDirect, Channel: model.OrgCanteen, CategoryCode: "tea", OriginCode: "511113",
			BuyerRegion: "330604", Period: 202503, CreditDate: "2025-03-10", Platform: model.PlatformMall, Orders: 1}
		cur := *old
		cur.OrderID, cur.Period, cur.CreditDate = 7002, 202604, "2026-04-10"
		if err := w.st.AddCredits(ctx, []*model.Credit{old, &cur}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.years.Close(ctx, w.users["admin"], 2025); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			e        *model.Credit
			period   int
			adjusted int
		}{{old, 202606, 2025}, {&cur, 202604, 0}} {
			out, err := w.ledger.Correct(ctx, w.users["admin"], credit.CorrectionInput{Action: model.CorrectionReverseEntry,
				CreditID: c.e.ID, Reason: "重复计入"})
			if err != nil {
				t.Fatal(err)
			}
			got := out.Entries[0]
			if got.Period != c.period || got.AdjustsYear != c.adjusted || got.AmountCents != -4000 {
				t.Errorf("reversal of %d: period %d adjusts %d amount %d, want %d %d", c.e.Period, got.Period,
					got.AdjustsYear, got.AmountCents, c.period, c.adjusted)
			}
		}
		if _, err := w.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if got := count(t, w.st, "SELECT COALESCE(SUM(cents), 0) FROM rollup_pairings WHERE period = 202500"); got != 4000 {
			t.Errorf("closed 2025 moved: %d cents", got)
		}
	})
}
