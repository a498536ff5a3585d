package main

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/scripts/bench"
)

// The data: 20 suppliers in the partner counties; 5,000 products with 2 SKUs
// each, 1,000,000 units apiece so 3-line orders never run out; one hot SKU of
// 1,000,000 units; one "last units" SKU per sale and runner; 2,000 consumers
// in 柯桥 sharing one bcrypt hash. Seeded, so every run loads the same rows.

const (
	numSuppliers   = 20
	numProducts    = 5000
	skusPerProduct = 2
	bigStock       = 1_000_000
	numUsers       = 2000     // the flash sale's buyers; the timed scenarios use the first ones
	buyerRegion    = "330603" // 柯桥: pairs with 金川, 峨边, 江山, and through 绍兴 with 乐山, 衢州, 丽水
	password       = "orderbench-password"
)

var counties = []struct{ code, name string }{
	{"511113", "金口河"}, {"511133", "马边"}, {"511132", "峨边"}, {"513226", "金川"}, {"331121", "青田"},
	{"331127", "景宁"}, {"330824", "开化"}, {"330881", "江山"}, {"330328", "文成"},
}

var categories = []struct {
	code, unit string
	goods      []string
	specs      [skusPerProduct]string
	perishable bool
}{
	{"tea", "盒", []string{"峨眉雪芽", "惠明茶", "开化龙顶", "江山绿牡丹"}, [2]string{"125g", "250g"}, false},
	{"fruit", "箱", []string{"红心猕猴桃", "金川雪梨", "椪柑", "脐橙"}, [2]string{"5kg", "10kg"}, true},
	{"mushrooms", "袋", []string{"花菇", "黑木耳", "竹荪", "羊肚菌"}, [2]string{"250g", "500g"}, false},
	{"honey", "瓶", []string{"土蜂蜜", "百花蜜", "椴树蜜", "枇杷蜜"}, [2]string{"500g", "1kg"}, false},
	{"grain_oil", "桶", []string{"山茶油", "高山大米", "苦荞米", "菜籽油"}, [2]string{"2.5L", "5L"}, false},
}

// sku is what the ceiling snapshots into a line, as the server reads it
// per order (Sellables), and what the check expects on hand.
type sku struct {
	id, productID, supplierID int64
	productName, spec, unit   string
	priceCents, onHand        int64
	version                   int64 // as loaded: the server's reserve holds at it, and so does the ceiling's
	origin, category          string
	perishable                bool
	pairingID                 *int64 // preview for a buyer in buyerRegion
}

// dataset is what was loaded.
type dataset struct {
	skus       []sku     // every SKU; SKU id i is skus[i-1]
	bySupplier [][]int64 // the regular SKUs of each supplier: a 3-line order draws from one
	hot        int64     // the hot SKU
	last       []int64   // one "last units" SKU per sale and runner
	users      []int64   // consumer ids
	usernames  []string
	elapsed    time.Duration
}

func (d *dataset) sku(id int64) *sku { return &d.skus[id-1] }

// loadData migrates the bench database through the store and fills it by
// batched SQL, with one "last units" SKU of each of lastUnits.
func loadData(ctx context.Context, dsn string, lastUnits []int) (*dataset, error) {
	l, err := bench.NewLoader(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	rng, now := l.Rand, l.Now
	d := &dataset{bySupplier: make([][]int64, numSuppliers)}

	pr := bench.PairingRows()
	sr := bench.NewRows("suppliers", "id, name, region_code, status, created_at")
	for i := range numSuppliers {
		c := counties[i%len(counties)]
		sr.Add(i+1, fmt.Sprintf("%s山珍农业开发有限公司%02d", c.name, i+1), c.code, "active", now)
	}
	if err := l.Insert(ctx, pr, sr); err != nil {
		return nil, err
	}

	p := bench.NewRows("products", "id, supplier_id, name, category_code, brand, description, origin_code, on_sale, perishable, shelf_life_days, price_min_cents, created_at, updated_at")
	k := bench.NewRows("skus", "id, product_id, spec, unit, price_cents, on_hand, reserved, version")
	t := bench.NewRows("sku_tiers", "sku_id, min_qty, price_cents")
	product := func(id, supplier int64, name, category, origin string, perishable bool, price int64) {
		p.Add(id, supplier, name, category, counties[(supplier-1)%int64(len(counties))].name+"山里人家",
			name+"，产地直发，计入消费帮扶统计。", origin, true, perishable, 180, price, now, now)
	}
	addSKU := func(s sku) {
		s.version = 1
		k.Add(s.id, s.productID, s.spec, s.unit, s.priceCents, s.onHand, 0, s.version)
		t.Add(s.id, 10, s.priceCents*95/100) // a volume tier the benchmark's quantities never reach
		d.skus = append(d.skus, s)
	}
	var skuID int64
	for i := range numProducts {
		id := int64(i + 1)
		sup := id%numSuppliers + 1
		origin := counties[(sup-1)%int64(len(counties))]
		cat := categories[rng.IntN(len(categories))]
		name := fmt.Sprintf("%s%s %05d", origin.name, cat.goods[rng.IntN(len(cat.goods))], id)
		base := int64(990+rng.IntN(19000)) / 10 * 10
		product(id, sup, name, cat.code, origin.code, cat.perishable, base)
		for s := range skusPerProduct {
			skuID++
			addSKU(sku{id: skuID, productID: id, supplierID: sup, productName: name, spec: cat.specs[s], unit: cat.unit,
				priceCents: base * int64(s+1), onHand: bigStock, origin: origin.code, category: cat.code, perishable: cat.perishable})
			d.bySupplier[sup-1] = append(d.bySupplier[sup-1], skuID)
		}
	}
	// The hot SKU and the "last units" SKUs: one product of supplier 1.
	hotProduct := int64(numProducts + 1)
	origin := counties[0]
	product(hotProduct, 1, origin.name+"限量土蜂蜜", "honey", origin.code, false, 6800)
	skuID++
	d.hot = skuID
	addSKU(sku{id: skuID, productID: hotProduct, supplierID: 1, productName: origin.name + "限量土蜂蜜", spec: "500g 爆款",
		unit: "瓶", priceCents: 6800, onHand: bigStock, origin: origin.code, category: "honey"})
	for i, units := range lastUnits {
		skuID++
		d.last = append(d.last, skuID)
		addSKU(sku{id: skuID, productID: hotProduct, supplierID: 1, productName: origin.name + "限量土蜂蜜",
			spec: fmt.Sprintf("1kg 尾货%d", i+1), unit: "瓶", priceCents: 12800, onHand: int64(units), origin: origin.code, category: "honey"})
	}
	if err := l.Insert(ctx, p, k, t); err != nil {
		return nil, err
	}

	// Consumers: one bcrypt hash (the cheapest cost: only login checks it).
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	u := bench.NewRows("users", "id, username, username_key, password_hash, role, region_code, created_at, updated_at")
	for i := range numUsers {
		name := fmt.Sprintf("bench-buyer-%03d", i+1)
		u.Add(i+1, name, name, string(hash), model.RoleConsumer, buyerRegion, now, now)
		d.users = append(d.users, int64(i+1))
		d.usernames = append(d.usernames, name)
	}
	if err := l.Insert(ctx, u); err != nil {
		return nil, err
	}

	// Each line's pairing preview, as the server computes it.
	regions, err := l.Regions(ctx)
	if err != nil {
		return nil, err
	}
	views, err := l.Pairings(ctx)
	if err != nil {
		return nil, err
	}
	tree := model.NewRegionTree(regions)
	for i := range d.skus {
		if pv := model.CreditPairing(views, tree, buyerRegion, d.skus[i].origin); pv != nil {
			d.skus[i].pairingID = &pv.ID
		}
	}
	d.elapsed = l.Elapsed()
	bench.Logf("loaded %d suppliers, %d products, %d SKUs, %d consumers in %.1fs",
		numSuppliers, numProducts+1, len(d.skus), numUsers, d.elapsed.Seconds())
	return d, nil
}
