package demo

import "shanhai/model"

// The demo data, as tables. Pairings, partner counties, products and buyers
// come from the seed article (绍兴：山海相连情相依 东西携手结硕果); names of
// companies, prices, stock and certificates are invented but realistic.
// Money is int64 cents.

type pairingRow struct {
	programme, level string
	helper, partner  string // GB/T 2260 codes
	since            int
}

// pairings are the real pairings of the source article, all active.
var pairings = []pairingRow{
	// 东西部协作: the new round started in 2021 at both city and county level.
	{model.ProgrammeEastWest, model.LevelCity, "330600", "511100", 2021},   // 绍兴 → 乐山
	{model.ProgrammeEastWest, model.LevelCounty, "330604", "511113", 2021}, // 上虞 → 金口河
	{model.ProgrammeEastWest, model.LevelCounty, "330603", "513226", 2021}, // 柯桥 → 金川 (阿坝)
	{model.ProgrammeEastWest, model.LevelCounty, "330603", "511132", 2021}, // 柯桥 → 峨边
	{model.ProgrammeEastWest, model.LevelCounty, "330602", "511133", 2021}, // 越城 → 马边
	// 山海协作: launched in 2003; 柯桥–江山 is in its 21st year in 2023.
	{model.ProgrammeMountainSea, model.LevelCity, "330600", "330800", 2003},   // 绍兴 → 衢州
	{model.ProgrammeMountainSea, model.LevelCity, "330600", "331100", 2003},   // 绍兴 → 丽水
	{model.ProgrammeMountainSea, model.LevelCounty, "330603", "330881", 2003}, // 柯桥 → 江山
	{model.ProgrammeMountainSea, model.LevelCounty, "330604", "331127", 2015}, // 上虞 → 景宁
	// The article gives no start year for these three; 2018 (the round of
	// "industrial enclave" pairings) is a plausible guess, not a fact.
	{model.ProgrammeMountainSea, model.LevelCounty, "330602", "330824", 2018}, // 越城 → 开化
	{model.ProgrammeMountainSea, model.LevelCounty, "330604", "330328", 2018}, // 上虞 → 文成
	{model.ProgrammeMountainSea, model.LevelCounty, "330683", "331121", 2018}, // 嵊州 → 青田
}

// Supplier names, used as keys by the product table below.
const (
	supJinkouJinpin = "乐山市金口河区金口金品农业开发有限公司"
	supJinkouFood   = "乐山市金口河区大峡谷生态食品有限公司"
	supMabianTea    = "马边彝族自治县高山茶业有限公司"
	supMabianPlum   = "马边彝族自治县青梅种植专业合作社"
	supMabianMeat   = "马边彝家牧业食品有限公司"
	supEbianFarm    = "峨边彝族自治县黑竹沟农业发展有限公司"
	supEbianWild    = "峨边彝族自治县山野菜加工厂"
	supJinchuanPear = "金川县雪梨产业开发有限公司"
	supJinchuanYak  = "金川县高原牧业专业合作社"
	supMuchuan      = "沐川县竹海农产品有限公司"
	supQingtianShop = "青田县侨乡进口商品城有限公司"
	supQingtianFish = "青田县稻鱼共生农业专业合作社"
	supJingningTea  = "景宁畲族自治县惠明茶业有限公司"
	supJingningShan = "景宁畲族自治县山哈农产品专业合作社"
	supKaihuaTea    = "开化县龙顶茶业有限公司"
	supKaihuaFish   = "开化县清水鱼养殖专业合作社"
	supJiangshanFru = "江山市红心猕猴桃专业合作社"
	supJiangshanGoo = "江山市白鹅产业有限公司"
	supJiangshanBee = "江山市蜂业有限公司"
	supWencheng     = "文成县刘基故里农业开发有限公司"
	supWenchengFish = "文成县珊溪生态渔业有限公司"
	supChangshan    = "常山县胡柚产业有限公司"
	supLongquan     = "龙泉市青瓷文化发展有限公司"
)

type supplierRow struct {
	name, region, status string
}

// suppliers: at least one in every partner county the article names, and
// three (沐川, 常山, 龙泉) in counties reached only through a city pairing.
// One is suspended (its product must not show) and one still pending.
var suppliers = []supplierRow{
	{supJinkouJinpin, "511113", model.SupplierActive},
	{supJinkouFood, "511113", model.SupplierActive},
	{supMabianTea, "511133", model.SupplierActive},
	{supMabianPlum, "511133", model.SupplierActive},
	{supMabianMeat, "511133", model.SupplierActive},
	{supEbianFarm, "511132", model.SupplierActive},
	{supEbianWild, "511132", model.SupplierSuspended},
	{supJinchuanPear, "513226", model.SupplierActive},
	{supJinchuanYak, "513226", model.SupplierActive},
	{supMuchuan, "511129", model.SupplierActive},
	{supQingtianShop, "331121", model.SupplierActive},
	{supQingtianFish, "331121", model.SupplierActive},
	{supJingningTea, "331127", model.SupplierActive},
	{supJingningShan, "331127", model.SupplierActive},
	{supKaihuaTea, "330824", model.SupplierActive},
	{supKaihuaFish, "330824", model.SupplierActive},
	{supJiangshanFru, "330881", model.SupplierActive},
	{supJiangshanGoo, "330881", model.SupplierActive},
	{supJiangshanBee, "330881", model.SupplierActive},
	{supWencheng, "330328", model.SupplierActive},
	{supWenchengFish, "330328", model.SupplierPending},
	{supChangshan, "330822", model.SupplierActive},
	{supLongquan, "331181", model.SupplierActive},
}

// cert says which certificate window a product gets, relative to today.
type cert int

const (
	certValid   cert = iota // from a year ago to two years ahead
	certNone                // never certified: no row
	certExpired             // ended before today
	certFuture              // a new batch, valid from a few weeks ahead
)

type tier struct{ minQty, priceCents int64 }

type skuRow struct {
	spec, unit string
	priceCents int64
	stock      int64
	tiers      []tier // canteen and wholesale volumes: lower unit prices
}

type productRow struct {
	supplier    string // a supplier name above
	name        string
	category    string // a code of migrations/common/0002_reference.sql
	brand       string
	description string
	perishable  bool
	shelfLife   int // days; 0 = not stated
	offSale     bool
	cert        cert
	skus        []skuRow
}

var products = []productRow{
	// 金口河: "中国川牛膝之乡""中国乌天麻之乡""中国黄柏之乡", sold under the 金口金品 brand.
	{supJinkouJinpin, "金口河川牛膝饮片", "herbs", "金口金品", "道地川牛膝，金口河高山种植，切片晒干，根条粗壮、断面油润。", false, 730, false, certValid, []skuRow{
		{"250g/袋", "袋", 3800, 800, nil},
		{"500g/袋", "袋", 6900, 600, []tier{{10, 6500}, {50, 5900}}},
	}},
	{supJinkouJinpin, "金口河乌天麻", "herbs", "金口金品", "海拔1500米林下仿野生种植的乌天麻，个大饱满，蒸制后低温烘干。", false, 730, false, certValid, []skuRow{
		{"250g/盒", "盒", 12800, 400, nil},
		{"500g/礼盒", "盒", 23800, 300, []tier{{10, 22800}}},
	}},
	{supJinkouJinpin, "金口河黄柏片", "herbs", "金口金品", "川黄柏树皮切片，色泽鲜黄、味苦，药食同源企业与医院食堂常备。", false, 730, false, certValid, []skuRow{
		{"500g/袋", "袋", 4500, 1000, []tier{{10, 4200}, {50, 3900}}},
	}},
	{supJinkouJinpin, "金口河乌天麻粉", "herbs", "金口金品", "乌天麻超微粉碎，冲调方便。", false, 540, false, certValid, []skuRow{
		{"150g/罐", "罐", 9800, 500, []tier{{20, 9200}}},
	}},
	{supJinkouFood, "金口河高山老腊肉", "meat", "金口金品", "金口河生态食品产业园出品，农家土猪后腿肉，柏枝熏制。", false, 180, false, certValid, []skuRow{
		{"500g/袋", "袋", 6800, 900, []tier{{10, 6300}, {50, 5900}}},
	}},
	{supJinkouFood, "金口河高山土蜂蜜", "honey", "金口金品", "大峡谷百花中蜂蜜，一年一取，自然成熟。", false, 730, false, certValid, []skuRow{
		{"500g/瓶", "瓶", 8800, 600, []tier{{10, 8200}}},
	}},
	{supJinkouFood, "金口河山核桃", "mushrooms", "", "高山薄壳核桃，颗粒饱满，适合单位节日福利。", false, 365, false, certValid, []skuRow{
		{"1kg/袋", "袋", 4600, 1200, []tier{{10, 4300}}},
	}},

	// 马边: 茶叶、青梅产业链, "西肉东销".
	{supMabianTea, "马边明前高山绿茶", "tea", "小凉山", "马边高山茶区明前单芽采摘，栗香持久，汤色嫩绿。", false, 540, false, certValid, []skuRow{
		{"100g/罐", "罐", 9800, 500, nil},
		{"250g/礼盒", "盒", 22800, 300, []tier{{10, 21000}}},
	}},
	{supMabianTea, "马边工夫红茶", "tea", "小凉山", "一芽一二叶制作的工夫红茶，蜜香甜润。", false, 730, false, certValid, []skuRow{
		{"200g/盒", "盒", 8800, 600, []tier{{20, 7800}}},
	}},
	{supMabianTea, "马边炒青绿茶（食堂装）", "tea", "小凉山", "大宗炒青，耐泡，适合机关食堂与会议用茶。", false, 540, false, certValid, []skuRow{
		{"500g/袋", "袋", 6800, 1500, []tier{{10, 6200}, {50, 5600}}},
	}},
	{supMabianPlum, "马边鲜青梅", "fruit", "", "马边高山青梅，果大核小，酸度高，适合泡酒、做梅子酱。", true, 10, false, certValid, []skuRow{
		{"5kg/箱", "箱", 6800, 800, []tier{{10, 6200}, {50, 5800}}},
	}},
	{supMabianPlum, "马边青梅酒", "drinks", "", "鲜青梅与纯粮白酒浸泡一年以上，酒精度15%vol。", false, 0, false, certValid, []skuRow{
		{"500ml/瓶", "瓶", 6800, 700, nil},
		{"500ml×2/礼盒", "盒", 12800, 400, []tier{{10, 11800}}},
	}},
	{supMabianPlum, "马边话梅", "snacks", "", "青梅晾晒腌制，酸甜开胃。", false, 365, false, certExpired, []skuRow{
		{"250g/袋", "袋", 2680, 2000, []tier{{20, 2380}}},
	}},
	{supMabianMeat, "马边冷鲜黄牛肉", "meat", "", "马边山地散养黄牛，屠宰排酸后冷链直发，0–4℃冷藏。", true, 5, false, certValid, []skuRow{
		{"牛腿肉 1kg/袋", "袋", 11800, 600, []tier{{10, 10800}, {50, 9800}}},
		{"牛腩 1kg/袋", "袋", 9800, 600, []tier{{10, 9000}, {50, 8400}}},
	}},
	{supMabianMeat, "马边冷冻牦牛肉", "meat", "", "高原牦牛精选肉块，-18℃冷冻保存。", true, 180, false, certValid, []skuRow{
		{"1kg/袋", "袋", 16800, 400, []tier{{10, 15800}}},
	}},
	{supMabianMeat, "马边五香牛肉干", "snacks", "", "黄牛后腿肉手撕风干，五香口味。", false, 270, false, certValid, []skuRow{
		{"200g/袋", "袋", 4980, 1500, []tier{{20, 4500}}},
	}},

	// 峨边: 竹笋、马铃薯.
	{supEbianFarm, "峨边鲜方竹笋", "vegetables", "黑竹沟", "黑竹沟高山方竹笋，秋季采挖，鲜嫩脆爽，冷链发货。", true, 5, false, certValid, []skuRow{
		{"2.5kg/箱", "箱", 5800, 600, []tier{{10, 5300}, {50, 4800}}},
	}},
	{supEbianFarm, "峨边竹笋干", "mushrooms", "黑竹沟", "方竹笋煮制晒干，泡发后炖肉、炒菜皆宜。", false, 365, false, certValid, []skuRow{
		{"500g/袋", "袋", 5600, 1000, []tier{{10, 5200}}},
	}},
	{supEbianFarm, "峨边高山马铃薯", "vegetables", "黑竹沟", "海拔1800米种植的黄心马铃薯，口感粉糯，食堂大宗采购常用。", true, 30, false, certValid, []skuRow{
		{"5kg/箱", "箱", 2980, 3000, nil},
		{"10kg/袋", "袋", 4980, 5000, []tier{{20, 4500}, {100, 3980}}},
	}},
	{supEbianFarm, "峨边彝家土鸡蛋", "meat", "黑竹沟", "林下散养土鸡所产，蛋黄色深。", true, 30, false, certExpired, []skuRow{
		{"30枚/箱", "箱", 5980, 800, []tier{{10, 5500}}},
	}},
	{supEbianWild, "峨边蕨菜干", "mushrooms", "", "野生蕨菜焯水晒干。", false, 365, false, certValid, []skuRow{
		{"250g/袋", "袋", 3200, 300, nil},
	}},

	// 金川 (阿坝): 雪梨、牦牛奶.
	{supJinchuanPear, "金川雪梨", "fruit", "", "大渡河上游高原雪梨，皮薄多汁，石细胞少。", true, 30, false, certValid, []skuRow{
		{"5kg/箱", "箱", 6800, 900, []tier{{10, 6200}}},
		{"10kg/箱", "箱", 12800, 500, []tier{{10, 11800}, {50, 10800}}},
	}},
	{supJinchuanPear, "金川雪梨膏", "snacks", "", "金川雪梨熬制，加川贝、冰糖，润喉。", false, 540, false, certValid, []skuRow{
		{"300g/瓶", "瓶", 5800, 800, []tier{{10, 5200}}},
	}},
	{supJinchuanYak, "金川鲜牦牛奶", "drinks", "", "高原放牧牦牛所产，巴氏杀菌，需冷藏。", true, 21, false, certValid, []skuRow{
		{"250ml×12/箱", "箱", 8800, 500, []tier{{10, 8200}}},
	}},
	{supJinchuanYak, "金川牦牛奶酪干", "snacks", "", "牦牛奶发酵压制风干，藏区传统奶制品。", false, 180, false, certValid, []skuRow{
		{"200g/袋", "袋", 3980, 700, nil},
	}},

	// 沐川: not paired at county level, credited through 绍兴–乐山.
	{supMuchuan, "沐川红心猕猴桃", "fruit", "", "沐川山区红心猕猴桃，糖度高，需后熟。", true, 20, false, certNone, []skuRow{
		{"3kg/箱", "箱", 5980, 700, []tier{{10, 5500}}},
	}},
	{supMuchuan, "沐川冷鲜乌骨鸡", "meat", "", "竹林散养乌骨鸡，整只冷鲜。", true, 5, false, certValid, []skuRow{
		{"约1.5kg/只", "只", 12800, 300, []tier{{10, 11800}}},
	}},

	// 青田: 侨乡, 红酒、咖啡文化; 稻鱼共生.
	{supQingtianShop, "法国波尔多干红葡萄酒", "drinks", "侨乡臻选", "青田侨商直采进口，AOC级波尔多混酿。", false, 0, false, certNone, []skuRow{
		{"750ml/瓶", "瓶", 16800, 600, nil},
		{"750ml×6/箱", "箱", 88800, 100, []tier{{10, 82800}}},
	}},
	{supQingtianShop, "意大利基安蒂红葡萄酒", "drinks", "侨乡臻选", "托斯卡纳桑娇维塞，侨商进口。", false, 0, false, certNone, []skuRow{
		{"750ml/瓶", "瓶", 19800, 400, nil},
	}},
	{supQingtianShop, "西班牙特级初榨橄榄油", "grain_oil", "侨乡臻选", "冷榨特级初榨，侨商进口分装。", false, 540, false, certNone, []skuRow{
		{"750ml/瓶", "瓶", 12800, 500, []tier{{10, 11800}}},
	}},
	{supQingtianShop, "侨乡挂耳咖啡", "coffee", "侨乡臻选", "青田本地烘焙工坊拼配烘焙，中深烘。", false, 365, false, certValid, []skuRow{
		{"10g×10包/盒", "盒", 5980, 1500, []tier{{20, 5380}}},
	}},
	{supQingtianShop, "耶加雪菲咖啡豆（青田烘焙）", "coffee", "侨乡臻选", "埃塞俄比亚生豆，青田本地烘焙，花香柑橘调。", false, 270, false, certValid, []skuRow{
		{"454g/袋", "袋", 12800, 400, []tier{{10, 11800}}},
	}},
	{supQingtianFish, "青田田鱼（鲜活）", "aquatic", "", "全球重要农业文化遗产稻鱼共生系统所产田鱼，鳞软可食。", true, 3, false, certValid, []skuRow{
		{"约1kg（2–3尾）/份", "份", 9800, 300, []tier{{10, 8800}}},
	}},
	{supQingtianFish, "青田田鱼干", "aquatic", "", "田鱼剖洗后炭火烘干，青田传统年货。", false, 180, false, certValid, []skuRow{
		{"250g/袋", "袋", 6800, 600, []tier{{10, 6200}}},
	}},
	{supQingtianFish, "青田稻鱼米", "grain_oil", "", "稻鱼共生田里种出的晚粳米。", false, 365, false, certValid, []skuRow{
		{"5kg/袋", "袋", 8800, 2000, []tier{{10, 7900}, {50, 7200}}},
	}},

	// 景宁: 惠明茶、香菇.
	{supJingningTea, "景宁惠明茶（特级）", "tea", "金奖惠明", "1915年巴拿马万国博览会金奖名茶，敕木山高山茶园手工炒制。", false, 540, false, certValid, []skuRow{
		{"125g/罐", "罐", 26800, 300, nil},
		{"250g/礼盒", "盒", 49800, 200, []tier{{10, 46800}}},
	}},
	{supJingningTea, "景宁惠明茶（一级）", "tea", "金奖惠明", "一级惠明绿茶，袋装，适合单位日常用茶。", false, 540, false, certValid, []skuRow{
		{"250g/袋", "袋", 16800, 800, []tier{{10, 15800}, {50, 14800}}},
	}},
	{supJingningShan, "景宁高山香菇", "mushrooms", "畲乡山哈", "段木栽培花菇，菌盖厚实，香味浓郁。", false, 365, false, certExpired, []skuRow{
		{"500g/袋", "袋", 6800, 1000, []tier{{10, 6200}, {50, 5800}}},
	}},
	{supJingningShan, "景宁黑木耳", "mushrooms", "畲乡山哈", "高山椴木黑木耳，朵小肉厚。", false, 365, false, certValid, []skuRow{
		{"250g/袋", "袋", 3980, 1200, []tier{{20, 3600}}},
	}},
	{supJingningShan, "景宁畲乡番薯粉丝", "grain_oil", "畲乡山哈", "本地红薯淀粉手工漏制，不含明矾。", false, 365, false, certValid, []skuRow{
		{"1kg/袋", "袋", 2680, 2000, []tier{{20, 2400}, {100, 2200}}},
	}},

	// 开化: 龙顶茶、清水鱼.
	{supKaihuaTea, "开化龙顶（明前特级）", "tea", "开化龙顶", "钱江源头明前芽茶，干茶翠绿显毫，汤色清亮。", false, 540, false, certValid, []skuRow{
		{"100g/罐", "罐", 19800, 400, nil},
		{"250g/礼盒", "盒", 45800, 200, []tier{{10, 42800}}},
	}},
	{supKaihuaTea, "开化龙顶（雨前一级）", "tea", "开化龙顶", "雨前采制，滋味鲜爽，性价比高。", false, 540, false, certValid, []skuRow{
		{"250g/袋", "袋", 12800, 800, []tier{{10, 11800}, {50, 10800}}},
	}},
	{supKaihuaFish, "开化清水鱼（鲜活草鱼）", "aquatic", "", "山泉流水坑塘养殖，肉质紧实无土腥味，活鱼冷链配送。", true, 3, false, certValid, []skuRow{
		{"约2kg/尾", "尾", 11800, 400, []tier{{10, 10800}, {50, 9800}}},
	}},
	{supKaihuaFish, "开化青蛳", "aquatic", "", "溪流所产青蛳螺，夏季限定。", true, 2, true, certValid, []skuRow{
		{"500g/份", "份", 3800, 200, nil},
	}},
	{supKaihuaFish, "开化山茶油", "grain_oil", "", "野山茶籽物理压榨，茶多酚含量高。", false, 540, false, certValid, []skuRow{
		{"1L/瓶", "瓶", 13800, 500, []tier{{10, 12800}}},
	}},

	// 江山: 猕猴桃、白鹅; 中国蜜蜂之乡.
	{supJiangshanFru, "江山红心猕猴桃", "fruit", "", "江山红心猕猴桃，果肉红心放射状，软熟后甜度可达18°。", true, 20, false, certValid, []skuRow{
		{"3kg/箱（24–30枚）", "箱", 6800, 900, []tier{{10, 6200}, {50, 5600}}},
		{"5kg/箱", "箱", 10800, 600, []tier{{10, 9800}}},
	}},
	{supJiangshanFru, "江山猕猴桃果干", "snacks", "", "红心猕猴桃低温烘干，无添加蔗糖。", false, 270, false, certValid, []skuRow{
		{"200g/袋", "袋", 2980, 1500, []tier{{20, 2680}}},
	}},
	{supJiangshanGoo, "江山白鹅（冷鲜整只）", "meat", "江山白鹅", "国家级畜禽遗传资源江山白鹅，散养120天以上，冷鲜配送。", true, 5, false, certValid, []skuRow{
		{"约3kg/只", "只", 16800, 300, []tier{{10, 15800}}},
	}},
	{supJiangshanGoo, "江山酱鹅", "meat", "江山白鹅", "白鹅老卤酱制，真空包装。", false, 90, false, certFuture, []skuRow{
		{"约1kg/只", "只", 8800, 800, []tier{{10, 8200}, {50, 7600}}},
	}},
	{supJiangshanBee, "江山土蜂蜜", "honey", "", "中国蜜蜂之乡江山的百花蜜，浓度42波美度以上。", false, 730, false, certValid, []skuRow{
		{"500g/瓶", "瓶", 6800, 1000, []tier{{10, 6200}}},
		{"1kg/瓶", "瓶", 12800, 500, nil},
	}},

	// 文成: 杨梅、高山茶、糯米山药.
	{supWencheng, "文成东魁杨梅", "fruit", "刘基故里", "东魁大杨梅，果大如乒乓球，六月中旬上市，冰袋冷链。", true, 3, true, certValid, []skuRow{
		{"2.5kg/箱", "箱", 12800, 300, []tier{{10, 11800}}},
	}},
	{supWencheng, "文成高山云雾茶", "tea", "刘基故里", "海拔800米以上云雾茶园，清明前后采制。", false, 540, false, certValid, []skuRow{
		{"250g/盒", "盒", 13800, 500, []tier{{10, 12800}}},
	}},
	{supWencheng, "文成糯米山药", "vegetables", "刘基故里", "沙质土种植，口感软糯，可蒸可炖。", true, 30, false, certValid, []skuRow{
		{"2.5kg/箱", "箱", 5800, 1000, []tier{{10, 5200}, {50, 4800}}},
	}},
	{supWencheng, "文成杨梅酒", "drinks", "刘基故里", "东魁杨梅浸泡，酒精度28%vol。", false, 0, false, certValid, []skuRow{
		{"500ml/瓶", "瓶", 6800, 600, nil},
	}},

	// 常山 and 龙泉: reached only through 绍兴–衢州 and 绍兴–丽水.
	{supChangshan, "常山胡柚", "fruit", "", "常山胡柚，甜中带苦，耐储存。", true, 60, false, certFuture, []skuRow{
		{"5kg/箱", "箱", 5800, 1500, []tier{{10, 5200}, {50, 4600}}},
	}},
	{supLongquan, "龙泉青瓷茶具套装", "crafts", "", "龙泉窑梅子青釉，一壶四杯。", false, 0, false, certNone, []skuRow{
		{"一壶四杯/套", "套", 38800, 100, nil},
	}},
	{supLongquan, "龙泉灵芝孢子粉", "herbs", "", "龙泉段木灵芝孢子粉，破壁率98%以上。", false, 730, false, certValid, []skuRow{
		{"2g×30袋/盒", "盒", 29800, 300, []tier{{10, 27800}}},
	}},
}

// issuers: who certifies products of each partner city, and the prefix of
// their certificate numbers. Zhejiang's mountain counties are certified by the
// helper side's working group.
var issuers = map[string]struct{ name, prefix string }{
	"511100": {"乐山市农业农村局", "LS-XF"},
	"513200": {"阿坝州农业农村局", "AB-XF"},
	"330800": {"绍兴市消费帮扶产品认定工作组", "SX-XF"},
	"331100": {"绍兴市消费帮扶产品认定工作组", "SX-XF"},
	"330300": {"绍兴市消费帮扶产品认定工作组", "SX-XF"},
}

// countyCity is the partner city of every county suppliers sit in, to pick the issuer.
var countyCity = map[string]string{
	"511113": "511100", "511133": "511100", "511132": "511100", "511129": "511100",
	"513226": "513200",
	"330824": "330800", "330881": "330800", "330822": "330800",
	"331121": "331100", "331127": "331100", "331181": "331100",
	"330328": "330300",
}

type orgRow struct {
	name, kind, region string
	parent             string // name of an org earlier in the table; "" = none
	thresholdCents     int64  // approval threshold; 0 = none
	invoiceTitle       string
	taxID              string // 18 characters, fake but passing the GB 32100 check
}

// orgs are the buyers the article names; the government canteens and the
// hospital canteen have a supervising unit. Parents come before their children.
var orgs = []orgRow{
	{"绍兴市机关事务管理局", model.OrgGovernment, "330600", "", 0, "绍兴市机关事务管理局", creditCode("11330600MB0000001")},
	{"绍兴市市级机关食堂", model.OrgCanteen, "330602", "绍兴市机关事务管理局", 500000, "绍兴市机关事务管理局", creditCode("11330600MB0000002")},
	{"上虞区机关事务中心食堂", model.OrgCanteen, "330604", "绍兴市机关事务管理局", 500000, "绍兴市上虞区机关事务中心", creditCode("12330604MB0000004")},
	{"柯桥区卫生健康局", model.OrgGovernment, "330603", "", 0, "绍兴市柯桥区卫生健康局", creditCode("11330603MB0000005")},
	{"柯桥区人民医院食堂", model.OrgCanteen, "330603", "柯桥区卫生健康局", 300000, "绍兴市柯桥区人民医院", creditCode("12330603MB0000006")},
	{"嵊州市总工会", model.OrgUnion, "330683", "", 200000, "嵊州市总工会", creditCode("81330683MB0000007")},
	{"上虞区供销合作社", model.OrgCoop, "330604", "", 1000000, "绍兴市上虞区供销合作社联合社", creditCode("53330604MB0000008")},
	{"绍兴市蔬菜果品批发交易市场有限公司", model.OrgWholesale, "330602", "", 2000000, "绍兴市蔬菜果品批发交易市场有限公司", creditCode("91330602MB0000009")},
	{"柯桥品康农产品连锁店", model.OrgSupermarket, "330603", "", 0, "绍兴市柯桥区品康农产品有限公司", creditCode("91330603MB0000010")},
}

// sectors are where the demo orgs' purchases go (五进), where it is not
// their kind's default: the government canteens feed 机关, the hospital's
// its staff (the union's gift boxes go to every kind of workplace: other).
var sectors = map[string]string{
	"绍兴市市级机关食堂":   "government",
	"上虞区机关事务中心食堂": "government",
	"柯桥区卫生健康局":    "hospital",
	"柯桥区人民医院食堂":   "hospital",
}

// DemoPassword is the password of every demo account. Demo only: the demo
// data is off unless SHANHAI_DEMO=1 or the embedded default is used.
const DemoPassword = "shanhai-demo"

type userRow struct {
	username, role   string
	org, supplier    string
	region, employer string
}

// users: one account per role, tied to the demo orgs and suppliers.
var users = []userRow{
	{username: "admin", role: model.RoleAdmin},
	{username: "officer.shaoxing", role: model.RoleOfficer, region: "330600"},
	{username: "officer.leshan", role: model.RoleOfficer, region: "511100"},
	{username: "gov.admin", role: model.RoleOrgAdmin, org: "绍兴市机关事务管理局"},
	{username: "canteen.admin", role: model.RoleOrgAdmin, org: "上虞区机关事务中心食堂"},
	{username: "canteen.buyer", role: model.RoleBuyer, org: "上虞区机关事务中心食堂"},
	{username: "canteen.approver", role: model.RoleApprover, org: "上虞区机关事务中心食堂"},
	{username: "citycanteen.buyer", role: model.RoleBuyer, org: "绍兴市市级机关食堂"},
	// every canteen and union has an org_admin: consumers find them in the
	// org directory, and the org_admin confirms employees and manages buyers
	{username: "citycanteen.admin", role: model.RoleOrgAdmin, org: "绍兴市市级机关食堂"},
	{username: "hospital.admin", role: model.RoleOrgAdmin, org: "柯桥区人民医院食堂"},
	{username: "union.admin", role: model.RoleOrgAdmin, org: "嵊州市总工会"},
	{username: "market.buyer", role: model.RoleBuyer, org: "柯桥品康农产品连锁店"},
	{username: "supplier.jinkouhe", role: model.RoleSupplier, supplier: supJinkouJinpin},
	{username: "consumer", role: model.RoleConsumer, region: "330603", employer: "柯桥区人民医院食堂"},
	{username: "consumer.shengzhou", role: model.RoleConsumer, region: "330683"}, // no employer on file
}
