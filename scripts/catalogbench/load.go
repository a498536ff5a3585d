package main

import (
	"context"
	"fmt"
	"time"

	"shanhai/scripts/bench"
)

// The generated catalogue: products of the partner counties the seed pairs
// with Shaoxing, in the reference categories, from ~20 suppliers; 1-3 SKUs
// each with volume tiers; ~80% holding a certificate valid today. The
// generator is seeded, so every run loads the same catalogue.

type county struct {
	code, name, city, issuer, cert string
}

var counties = []county{
	{"511113", "金口河", "乐山", "乐山市乡村振兴局", "SC"},
	{"511133", "马边", "乐山", "乐山市乡村振兴局", "SC"},
	{"511132", "峨边", "乐山", "乐山市乡村振兴局", "SC"},
	{"513226", "金川", "阿坝", "阿坝州乡村振兴局", "SC"},
	{"331121", "青田", "丽水", "丽水市农业农村局", "ZJ"},
	{"331127", "景宁", "丽水", "丽水市农业农村局", "ZJ"},
	{"330824", "开化", "衢州", "衢州市农业农村局", "ZJ"},
	{"330881", "江山", "衢州", "衢州市农业农村局", "ZJ"},
	{"330328", "文成", "温州", "温州市农业农村局", "ZJ"},
}

type category struct {
	code       string
	goods      []string
	unit       string
	specs      []string
	perishable bool
	shelfLife  [2]int // days, min and max
}

var categories = []category{
	{"herbs", []string{"川芎", "天麻", "黄精", "厚朴", "重楼", "白芨", "铁皮石斛", "浙贝母"}, "袋", []string{"100g", "250g", "500g"}, false, [2]int{365, 730}},
	{"tea", []string{"峨眉雪芽", "马边绿茶", "惠明茶", "开化龙顶", "江山绿牡丹", "高山云雾茶", "工夫红茶", "安吉白茶"}, "盒", []string{"50g", "125g", "250g"}, false, [2]int{365, 540}},
	{"fruit", []string{"红心猕猴桃", "金川雪梨", "东魁杨梅", "椪柑", "脐橙", "白沙枇杷", "蓝莓", "高山苹果"}, "箱", []string{"2.5kg", "5kg", "10kg"}, true, [2]int{7, 30}},
	{"vegetables", []string{"高山萝卜", "雷竹笋", "铁棍山药", "魔芋", "蕨菜", "茭白", "高山土豆", "二荆条辣椒"}, "箱", []string{"2.5kg", "5kg", "10kg"}, true, [2]int{5, 20}},
	{"meat", []string{"土鸡蛋", "高山黑猪肉", "牦牛肉", "跑山鸡", "烟熏腊肉", "麻辣香肠", "土麻鸭", "黑山羊肉"}, "份", []string{"500g", "1kg", "2.5kg"}, true, [2]int{3, 15}},
	{"aquatic", []string{"青田田鱼", "清水鱼", "冷水鲟鱼", "泥鳅", "溪鱼干", "虹鳟", "花鲢", "河虾"}, "份", []string{"500g", "1kg", "2kg"}, true, [2]int{2, 10}},
	{"grain_oil", []string{"压榨菜籽油", "山茶油", "高山大米", "苦荞米", "玉米糁", "红薯粉丝", "小米", "核桃油"}, "桶", []string{"1L", "2.5L", "5L"}, false, [2]int{270, 540}},
	{"mushrooms", []string{"花菇", "黑木耳", "竹荪", "羊肚菌", "松茸", "赤芝", "猴头菇", "茶树菇"}, "袋", []string{"100g", "250g", "500g"}, false, [2]int{180, 365}},
	{"drinks", []string{"青稞酒", "杨梅酒", "糯米酒", "苹果汁", "沙棘饮", "山泉水", "猕猴桃汁", "古法黄酒"}, "瓶", []string{"500ml", "1L", "6瓶装"}, false, [2]int{180, 720}},
	{"coffee", []string{"挂耳咖啡", "烘焙咖啡豆", "速溶咖啡", "冷萃咖啡液", "研磨咖啡粉", "冻干咖啡", "咖啡礼盒", "拼配咖啡豆"}, "盒", []string{"10包", "250g", "500g"}, false, [2]int{180, 365}},
	{"snacks", []string{"牦牛肉干", "手剥笋干", "红薯干", "山核桃", "板栗仁", "麻饼", "糯米糕", "五香豆腐干"}, "袋", []string{"150g", "300g", "500g"}, false, [2]int{90, 270}},
	{"condiments", []string{"汉源花椒", "藤椒油", "剁辣椒", "郫县豆瓣", "糯米醋", "酿造酱油", "山胡椒油", "红方腐乳"}, "瓶", []string{"100g", "250g", "500g"}, false, [2]int{270, 540}},
	{"honey", []string{"土蜂蜜", "百花蜜", "椴树蜜", "枇杷蜜", "蜂巢蜜", "野桂花蜜", "油菜花蜜", "蜂王浆"}, "瓶", []string{"250g", "500g", "1kg"}, false, [2]int{540, 730}},
}

var trades = []string{"山珍农业开发", "生态农业", "特色农产品"}
var brandWords = []string{"山里人家", "云上", "原乡味", "高山源", "溪谷", "山海情"}
var grades = []string{"特级", "一级", "精选", "原生态", "礼盒装", "家庭装"}

const (
	numSuppliers = 20   // at most len(counties)*len(trades): names are county + trade
	txRows       = 1000 // products per transaction
)

// catalogue is what was loaded.
type catalogue struct {
	productIDs                    []int64
	suppliers, skus, tiers, certs int
	elapsed                       time.Duration
}

// loadCatalogue migrates the bench database through the store and fills it
// with n products by batched SQL on the store's pool.
func loadCatalogue(ctx context.Context, dsn string, n int) (*catalogue, error) {
	l, err := bench.NewLoader(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	rng, now := l.Rand, l.Now
	china := time.FixedZone("CST", 8*3600) // no DST in China
	today := now.In(china)
	out := &catalogue{suppliers: numSuppliers}

	// Reference-side rows: pairings and suppliers.
	pr := bench.PairingRows()
	sr := bench.NewRows("suppliers", "id, name, region_code, status, created_at")
	supplierCounty := make([]county, numSuppliers)
	for i := range numSuppliers {
		c := counties[i%len(counties)]
		supplierCounty[i] = c
		sr.Add(i+1, fmt.Sprintf("%s%s有限公司", c.name, trades[i/len(counties)]), c.code, "active", now)
	}
	if err := l.Insert(ctx, pr, sr); err != nil {
		return nil, err
	}

	var skuID, certID int64
	for from := 0; from < n; from += txRows {
		p := bench.NewRows("products", "id, supplier_id, name, category_code, brand, description, origin_code, on_sale, perishable, shelf_life_days, price_min_cents, cert_status, cert_valid_from, cert_valid_to, created_at, updated_at")
		k := bench.NewRows("skus", "id, product_id, spec, unit, price_cents, on_hand, reserved")
		t := bench.NewRows("sku_tiers", "sku_id, min_qty, price_cents")
		c := bench.NewRows("certifications", "id, product_id, certificate_no, issuer, batch, valid_from, valid_to, status, created_at")
		for i := from; i < min(from+txRows, n); i++ {
			id := int64(i + 1)
			sup := rng.IntN(numSuppliers)
			cty := supplierCounty[sup]
			cat := categories[rng.IntN(len(categories))]
			good := cat.goods[rng.IntN(len(cat.goods))]
			grade := grades[rng.IntN(len(grades))]
			name := fmt.Sprintf("%s%s（%s）%05d", cty.name, good, grade, id)
			brand := cty.name + brandWords[rng.IntN(len(brandWords))]
			shelf := cat.shelfLife[0] + rng.IntN(cat.shelfLife[1]-cat.shelfLife[0]+1)

			nskus := 1 + rng.IntN(3)
			base := int64(990 + rng.IntN(19000))
			minPrice := int64(0)
			for s := range nskus {
				skuID++
				price := base * int64(s+1) // each larger spec costs more
				price -= price % 10
				if s == 0 || price < minPrice {
					minPrice = price
				}
				onHand := int64(50 + rng.IntN(4951))
				k.Add(skuID, id, cat.specs[s], cat.unit, price, onHand, int64(rng.IntN(20)))
				t.Add(skuID, 10, price*95/100)
				if rng.IntN(2) == 0 {
					t.Add(skuID, 50, price*90/100)
				}
			}
			// The product row carries its current certificate's state (as
			// the store's Certify keeps it): lists filter on it.
			var certStatus, certFrom, certTo string
			if rng.IntN(100) < 80 {
				certID++
				validFrom := today.AddDate(0, 0, -(30 + rng.IntN(270)))
				validTo := validFrom.AddDate(2, 0, -1)
				certStatus, certFrom, certTo = "valid", validFrom.Format(time.DateOnly), validTo.Format(time.DateOnly)
				c.Add(certID, id, fmt.Sprintf("%s-%d-%06d", cty.cert, validFrom.Year(), certID), cty.issuer,
					fmt.Sprintf("%d年第%d批", validFrom.Year(), 1+rng.IntN(4)),
					certFrom, certTo, certStatus, now)
			}
			p.Add(id, sup+1, name, cat.code, brand, description(cty, good, grade, shelf, cat.perishable), cty.code,
				true, cat.perishable, shelf, minPrice, certStatus, certFrom, certTo, now, now)
			out.productIDs = append(out.productIDs, id)
		}
		if err := l.Insert(ctx, p, k, t, c); err != nil {
			return nil, err
		}
		out.skus += k.Len()
		out.tiers += t.Len()
		out.certs += c.Len()
		bench.Logf("loaded %d/%d products", min(from+txRows, n), n)
	}
	out.elapsed = l.Elapsed()
	bench.Logf("loaded %d products, %d SKUs, %d tiers, %d certificates, %d suppliers in %.1fs",
		n, out.skus, out.tiers, out.certs, out.suppliers, out.elapsed.Seconds())
	return out, nil
}

// description is a product-page text of about 130 characters.
func description(c county, good, grade string, shelf int, perishable bool) string {
	keep := "常温避光保存"
	if perishable {
		keep = "冷链配送，收到后请冷藏"
	}
	return fmt.Sprintf("%s%s产自%s%s县域海拔八百米以上的山区，由当地合作社按绿色标准种养、采收和分拣，"+
		"%s品质，产地直发。%s，保质期%d天。每一笔采购都计入山海协作与东西部协作的消费帮扶统计，"+
		"帮助%s农户增收。支持单位食堂、工会和超市批量采购，量大享阶梯价。",
		c.name, good, c.city, c.name, grade, keep, shelf, c.name)
}
