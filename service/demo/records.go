package demo

// The demo's off-platform records (线下帮扶台账), at the seed article's scale:
// the 上虞 co-op's purchases and assisted sales of 景宁 goods, past 800万 this
// year; the Shaoxing wholesale market's sales of 开化 goods, 1800万 since 2021
// spread over the years; the 嵊州 restaurant's 青田 wine. Each is recorded by
// its org's org_admin, submitted (its invoice claimed) and verified by the
// city officer through the records service, so the ledger holds them exactly
// as it holds any verified record. With this year's targets (orderdata.go)
// 上虞–景宁 is exceeded and 越城–开化 and 嵊州–青田 are not yet met.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/service/check"
	"shanhai/service/record"
)

// creditCode completes a 17-character stem with its GB 32100 check
// character: the demo's codes pass the check real ones must.
func creditCode(stem string) string { return stem + string(check.CreditCodeCheck(stem)) }

// supplierCreditCode is a demo supplier's credit code: 91 (a company) or 93
// (a co-op, 专业合作社), its county, an organisation code made from its
// place in the list, and the check character.
func supplierCreditCode(i int, r supplierRow) string {
	kind := "91"
	if strings.Contains(r.name, "合作社") {
		kind = "93"
	}
	return creditCode(fmt.Sprintf("%s%sMA6D%05d", kind, r.region, i+1))
}

// RecordStore is what the demo records need besides the records service.
type RecordStore interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	UserByUsername(ctx context.Context, username string) (*model.User, error)
	Orgs(ctx context.Context, parentID int64, page, size int) (model.Page[model.Org], error)
	CreateOrg(ctx context.Context, o *model.Org) error
	CreateUser(ctx context.Context, u *model.User) error
	RegisterCertifications(ctx context.Context) error
}

// Recorder is the records service (service/record).
type Recorder interface {
	Create(ctx context.Context, actor *model.User, orgID int64, in record.Input) (*model.SalesRecord, error)
	Submit(ctx context.Context, actor *model.User, id int64) (*model.SalesRecord, error)
	Verify(ctx context.Context, actor *model.User, id int64) (*record.Verified, error)
}

// restaurant is the 嵊州 restaurant selling 青田 wine; the demo's other
// orgs are in data.go.
const restaurant = "嵊州市越乡人家餐饮有限公司"

// recordOrgAdmins record for their orgs.
var recordOrgAdmins = []struct{ username, org string }{
	{"coop.admin", "上虞区供销合作社"},
	{"market.admin", "绍兴市蔬菜果品批发交易市场有限公司"},
	{"restaurant.admin", restaurant},
}

type producerRow struct {
	name, stem, region string
}

var (
	jingningCoop  = producerRow{"景宁畲族自治县惠明茶专业合作社", "93331127MA2E00001", "331127"}
	jingningFarms = producerRow{"景宁县高山蔬菜产销专业合作社", "93331127MA2E00002", "331127"}
	kaihuaFruit   = producerRow{"开化县农产品产销有限公司", "91330824MA2A00003", "330824"}
	kaihuaFish    = producerRow{"开化清水鱼养殖专业合作社", "93330824MA2A00004", "330824"}
	qingtianWine  = producerRow{"青田县杨梅酒业有限公司", "91331121MA2B00005", "331121"}
)

type recordItem struct {
	name, category, quantity, unit string
	yuan                           int64
}

type recordRow struct {
	org, kind, platform string
	years, month, day   int // years before this year; month 0 = this month; day 0 = today
	producer            producerRow
	items               []recordItem
	waiting             bool // submitted today, not yet verified
}

// demoRecords: the co-op's this year (assisted sales through 832 and its
// own purchases); the market's since 2021; the restaurant's.
func demoRecords() []recordRow {
	var rows []recordRow
	coop := "上虞区供销合作社"
	for m := 1; m <= 12; m++ {
		rows = append(rows, recordRow{org: coop, kind: model.CreditAssisted, platform: model.Platform832, month: m, day: 1,
			producer: jingningCoop, items: []recordItem{
				{"景宁惠明茶", "tea", "1200", "千克", 420_000},
				{"景宁高山番薯干", "snacks", "8000.5", "千克", 96_000},
			}})
		rows = append(rows, recordRow{org: coop, kind: model.CreditDirect, platform: model.PlatformOffline, month: m, day: 3,
			producer: jingningFarms, items: []recordItem{
				{"高山茭白", "vegetables", "15000", "千克", 90_000},
				{"香菇干", "mushrooms", "1250.25", "千克", 81_000},
			}})
	}
	// Today's purchase, submitted and waiting for the city officer's
	// verification (the workspace lists it).
	rows = append(rows, recordRow{org: coop, kind: model.CreditDirect, platform: model.PlatformOffline, waiting: true,
		producer: jingningFarms, items: []recordItem{
			{"景宁高山茭白", "vegetables", "2000", "千克", 12_000},
			{"景宁香菇干", "mushrooms", "150.5", "千克", 9_800},
		}})
	market := "绍兴市蔬菜果品批发交易市场有限公司"
	// 1800万 over six seasons: 300万 a year, in quarters.
	for y := 5; y >= 0; y-- {
		for q := 0; q < 4; q++ {
			rows = append(rows, recordRow{org: market, kind: model.CreditAssisted, platform: model.PlatformOffline,
				years: y, month: 3*q + 2, day: 15, producer: []producerRow{kaihuaFruit, kaihuaFish}[q%2], items: []recordItem{
					{"开化龙顶茶", "tea", "900", "千克", 300_000},
					{"开化清水鱼", "aquatic", "12000", "千克", 250_000},
					{"开化山茶油", "grain_oil", "3500.75", "升", 200_000},
				}})
		}
	}
	for m := 2; m <= 11; m += 3 {
		rows = append(rows, recordRow{org: restaurant, kind: model.CreditDirect, platform: model.PlatformOther, month: m, day: 5,
			producer: qingtianWine, items: []recordItem{
				{"青田杨梅酒", "drinks", "2400", "瓶", 216_000},
				{"青田田鱼干", "aquatic", "300", "千克", 54_000},
			}})
	}
	return rows
}

// Records writes and verifies the demo's off-platform records, dated up to
// today (a row of a later month this year is left out). It adds the
// restaurant and the org_admins that record; today's record is left
// submitted, waiting for verification. It returns how many records it
// verified.
func Records(ctx context.Context, st RecordStore, rec Recorder, now time.Time) (int, error) {
	n := 0
	err := st.InTx(ctx, func(ctx context.Context) error {
		var err error
		n, err = records(ctx, st, rec, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("demo records: %w", err)
	}
	return n, nil
}

func records(ctx context.Context, st RecordStore, rec Recorder, now time.Time) (int, error) {
	// The demo certified its products directly: their certificates join the
	// register as the register's migration put earlier ones there.
	if err := st.RegisterCertifications(ctx); err != nil {
		return 0, err
	}
	orgs, err := st.Orgs(ctx, 0, 1, 100)
	if err != nil {
		return 0, err
	}
	byName := map[string]int64{}
	for _, o := range orgs.Items {
		byName[o.Name] = o.ID
	}
	if _, ok := byName[restaurant]; !ok {
		o := &model.Org{Name: restaurant, Kind: model.OrgEnterprise, RegionCode: "330683", PaymentTerms: model.TermsPrepay,
			CreditKind: model.CreditDirect, InvoiceTitle: restaurant, TaxID: creditCode("91330683MA2C00011"),
			Sector: "enterprise"}
		if err := st.CreateOrg(ctx, o); err != nil {
			return 0, fmt.Errorf("demo records: %w", err)
		}
		byName[restaurant] = o.ID
	}
	admins := map[string]*model.User{}
	for _, r := range recordOrgAdmins {
		u, err := st.UserByUsername(ctx, r.username)
		if err != nil {
			id := byName[r.org]
			hash, err := bcrypt.GenerateFromPassword([]byte(DemoPassword), bcrypt.DefaultCost)
			if err != nil {
				return 0, err
			}
			u = &model.User{Username: r.username, PasswordHash: string(hash), Role: model.RoleOrgAdmin, OrgID: &id}
			if err := st.CreateUser(ctx, u); err != nil {
				return 0, fmt.Errorf("demo records: user %s: %w", r.username, err)
			}
		}
		admins[r.org] = u
	}
	officer, err := st.UserByUsername(ctx, "officer.shaoxing")
	if err != nil {
		return 0, fmt.Errorf("demo records: %w", err)
	}
	today := now.In(model.China)
	n := 0
	for i, r := range demoRecords() {
		month := r.month
		if month == 0 {
			month = int(today.Month())
		}
		day := r.day
		if day == 0 {
			day = today.Day()
		}
		date := time.Date(today.Year()-r.years, time.Month(month), day, 0, 0, 0, 0, model.China)
		if date.After(today) {
			continue
		}
		d := model.DateOf(date)
		code := creditCode(r.producer.stem)
		in := record.Input{Kind: r.kind, Platform: r.platform, Date: d,
			Invoice:  record.InvoiceInput{Number: fmt.Sprintf("%04d3300%012d", date.Year()%10000, 880000+i), Date: d},
			Producer: record.ProducerInput{Name: r.producer.name, CreditCode: code, Region: r.producer.region},
			Note:     "演示数据"}
		for _, it := range r.items {
			in.Items = append(in.Items, record.ItemInput{ProductName: it.name, Category: it.category,
				Quantity: it.quantity, Unit: it.unit, AmountCents: it.yuan * 100})
		}
		admin := admins[r.org]
		sr, err := rec.Create(ctx, admin, byName[r.org], in)
		if err != nil {
			return n, fmt.Errorf("demo record %d: %w", i+1, err)
		}
		if _, err := rec.Submit(ctx, admin, sr.ID); err != nil {
			return n, fmt.Errorf("demo record %d: submit: %w", i+1, err)
		}
		if r.waiting {
			continue
		}
		if _, err := rec.Verify(ctx, officer, sr.ID); err != nil {
			return n, fmt.Errorf("demo record %d: verify: %w", i+1, err)
		}
		n++
	}
	return n, nil
}
