package demo

import "shanhai/model"

// The demo's trade, as tables: this year's targets, the buyers' reserved-share
// filings, and the orders the demo buyers place today (orders.go runs them
// through the order service). The figures are invented but realistic; the
// pairing each order helps follows the crediting rule (docs/PRODUCT.md) and is noted
// beside it. Money is int64 cents; targets and budgets are given in yuan.

// targets are this year's annual targets per pairing (helper → partner).
var targets = []struct {
	helper, partner string
	yuan            int64
}{
	{"330600", "511100", 30_000_000}, // 绍兴 → 乐山, county pairings included
	{"330604", "511113", 6_000_000},  // 上虞 → 金口河
	{"330603", "513226", 5_000_000},  // 柯桥 → 金川
	{"330603", "511132", 5_000_000},  // 柯桥 → 峨边
	{"330602", "511133", 6_000_000},  // 越城 → 马边
	{"330600", "330800", 15_000_000}, // 绍兴 → 衢州
	{"330600", "331100", 12_000_000}, // 绍兴 → 丽水
	{"330603", "330881", 4_000_000},  // 柯桥 → 江山
	{"330604", "331127", 3_000_000},  // 上虞 → 景宁
	{"330602", "330824", 3_000_000},  // 越城 → 开化
	{"330604", "330328", 2_000_000},  // 上虞 → 文成
	{"330683", "331121", 2_000_000},  // 嵊州 → 青田
}

type filingRow struct {
	org           string // an org name of data.go
	canteenStatus string
	budgetYuan    int64 // the canteen's annual food budget
	ratioBP       int64 // reserved share in basis points
	status        string
}

// filings of this year. An approved filing was reviewed by its supervising
// org's org_admin; the hospital canteen's supervisor has no demo account, so
// its filing waits for review.
var filings = []filingRow{
	{"上虞区机关事务中心食堂", model.CanteenHas, 1_800_000, 1500, model.FilingApproved}, // reserves ¥270,000
	{"绍兴市市级机关食堂", model.CanteenHas, 3_600_000, 1200, model.FilingApproved},   // reserves ¥432,000
	{"柯桥区人民医院食堂", model.CanteenHas, 2_400_000, 1000, model.FilingSubmitted},  // reserves ¥240,000
	{"嵊州市总工会", model.CanteenNone, 600_000, 3000, model.FilingDraft},          // not a commitment yet
}

// buyerRow is where a demo buyer has goods delivered (obviously fake phones).
type buyerRow struct {
	address, phone string
}

var buyers = map[string]buyerRow{
	"canteen.buyer":      {"绍兴市上虞区曹娥街道市民大道288号 区行政中心食堂", "0575-82000001"},
	"citycanteen.buyer":  {"绍兴市越城区洋江西路589号 市行政中心食堂", "0575-85000002"},
	"market.buyer":       {"绍兴市柯桥区柯桥街道笛扬路1号 品康农产品配送中心", "0575-84000003"},
	"consumer":           {"绍兴市柯桥区柯岩街道示例小区1幢101室", "13900000004"},
	"consumer.shengzhou": {"绍兴市嵊州市剡湖街道示例小区2幢202室", "13900000005"},
}

// item is one line: a product of data.go, its SKU spec ("" for the first)
// and the quantity ordered.
type item struct {
	product, spec string
	qty           int64
}

// short is a line that arrived short: received of the ordered quantity.
// spec "" is the order's first line of the product.
type short struct {
	product, spec string
	received      int64
}

// giveBack is a return request, made right after acceptance, that the
// supplier approves (returns go to the supplier with a demo account).
type giveBack struct {
	product string
	qty     int64
	reason  string
	note    string
}

// orderRow is one order and how far it goes today. Prepaid orders settle at
// acceptance; an after-delivery (canteen) order is settled when it pays the
// amount due, and left accepted when it has not paid yet. An order above its
// org's approval threshold is approved on the way, unless it is left
// pending approval.
type orderRow struct {
	buyer string // a username of data.go
	items []item
	to    string // the status the order is left in
	short []short
	note  string // inspection note
	ret   *giveBack
}

var orders = []orderRow{
	// 上虞区机关事务中心食堂 (上虞, canteen, pays after delivery, approval from ¥5,000).
	{buyer: "canteen.buyer", to: model.OrderSettled, // 上虞–金口河
		items: []item{{"金口河高山老腊肉", "", 20}, {"金口河高山土蜂蜜", "", 10}, {"金口河山核桃", "", 10}},
		short: []short{{"金口河高山老腊肉", "", 18}}, note: "两袋真空包装漏气，拒收"},
	{buyer: "canteen.buyer", to: model.OrderSettled, // 上虞–金口河, approved first (¥5,230), then a return
		items: []item{{"金口河川牛膝饮片", "500g/袋", 50}, {"金口河乌天麻", "500g/礼盒", 10}}, note: "数量无误",
		ret: &giveBack{"金口河乌天麻", 1, "quality", "一盒开盒后发现霉变"}},
	{buyer: "canteen.buyer", to: model.OrderSettled, // 上虞–景宁
		items: []item{{"景宁惠明茶（一级）", "", 20}}, note: "外包装完好"},
	{buyer: "canteen.buyer", to: model.OrderSettled, // 上虞–文成
		items: []item{{"文成糯米山药", "", 30}}, short: []short{{"文成糯米山药", "", 28}}, note: "两箱山药运输中断裂"},
	{buyer: "canteen.buyer", to: model.OrderSettled, // 绍兴–乐山 (上虞 has no county pairing with 马边)
		items: []item{{"马边冷鲜黄牛肉", "牛腩 1kg/袋", 20}}, note: "到货温度2℃，合格"},
	{buyer: "canteen.buyer", to: model.OrderAccepted, // 绍兴–衢州; the amount due is not paid yet
		items: []item{{"江山土蜂蜜", "500g/瓶", 20}}},
	{buyer: "canteen.buyer", to: model.OrderSettled, // not credited: certificate expired
		items: []item{{"景宁高山香菇", "", 20}}},
	{buyer: "canteen.buyer", to: model.OrderSettled, // not credited: no pairing (上虞 and 金川)
		items: []item{{"金川雪梨", "10kg/箱", 10}}},
	{buyer: "canteen.buyer", to: model.OrderShipped, // 绍兴–衢州
		items: []item{{"开化山茶油", "", 10}}},
	{buyer: "canteen.buyer", to: model.OrderAwaitingShipment, // 绍兴–乐山
		items: []item{{"峨边高山马铃薯", "10kg/袋", 40}}},
	{buyer: "canteen.buyer", to: model.OrderPendingApproval, // ¥5,616: waits for canteen.approver
		items: []item{{"景宁惠明茶（特级）", "250g/礼盒", 12}}},

	// 绍兴市市级机关食堂 (越城, canteen): orders below its approval threshold.
	{buyer: "citycanteen.buyer", to: model.OrderSettled, // 越城–马边
		items: []item{{"马边冷鲜黄牛肉", "牛腿肉 1kg/袋", 20}, {"马边冷鲜黄牛肉", "牛腩 1kg/袋", 20}},
		short: []short{{"马边冷鲜黄牛肉", "牛腿肉 1kg/袋", 19}}, note: "牛腿肉一袋包装破损"},
	{buyer: "citycanteen.buyer", to: model.OrderSettled, // 越城–马边
		items: []item{{"马边炒青绿茶（食堂装）", "", 50}}},
	{buyer: "citycanteen.buyer", to: model.OrderSettled, // 越城–开化
		items: []item{{"开化清水鱼（鲜活草鱼）", "", 20}}, note: "活鱼到货，鲜活率100%"},
	{buyer: "citycanteen.buyer", to: model.OrderSettled, // 绍兴–丽水 (越城 has no county pairing with 景宁)
		items: []item{{"景宁惠明茶（一级）", "", 10}}},
	{buyer: "citycanteen.buyer", to: model.OrderShipped, // 越城–开化
		items: []item{{"开化龙顶（雨前一级）", "", 10}}},
	{buyer: "citycanteen.buyer", to: model.OrderAwaitingShipment, // 越城–马边
		items: []item{{"马边鲜青梅", "", 10}}},

	// 柯桥品康农产品连锁店 (柯桥, supermarket, prepays): assisted sales.
	{buyer: "market.buyer", to: model.OrderSettled, // 柯桥–江山; the shortfall is refunded
		items: []item{{"江山红心猕猴桃", "3kg/箱（24–30枚）", 50}}, short: []short{{"江山红心猕猴桃", "", 47}}, note: "三箱软烂"},
	{buyer: "market.buyer", to: model.OrderSettled, // 柯桥–江山
		items: []item{{"江山猕猴桃果干", "", 40}}},
	{buyer: "market.buyer", to: model.OrderSettled, // 柯桥–峨边
		items: []item{{"峨边高山马铃薯", "10kg/袋", 100}, {"峨边竹笋干", "", 20}}},
	{buyer: "market.buyer", to: model.OrderSettled, // 柯桥–金川
		items: []item{{"金川雪梨", "5kg/箱", 30}, {"金川雪梨膏", "", 20}}},
	{buyer: "market.buyer", to: model.OrderSettled, // 绍兴–乐山
		items: []item{{"马边五香牛肉干", "", 40}}},
	{buyer: "market.buyer", to: model.OrderSettled, // not credited: uncertified imports
		items: []item{{"法国波尔多干红葡萄酒", "750ml×6/箱", 5}, {"西班牙特级初榨橄榄油", "", 10}}},
	{buyer: "market.buyer", to: model.OrderSettled, // not credited: uncertified
		items: []item{{"沐川红心猕猴桃", "", 20}}},
	{buyer: "market.buyer", to: model.OrderSettled, // not credited: the new certificate starts later
		items: []item{{"江山酱鹅", "", 20}}},
	{buyer: "market.buyer", to: model.OrderShipped, // 绍兴–乐山
		items: []item{{"金口河高山土蜂蜜", "", 20}}},
	{buyer: "market.buyer", to: model.OrderAwaitingShipment, // 绍兴–丽水
		items: []item{{"景宁黑木耳", "", 40}}},
	{buyer: "market.buyer", to: model.OrderPendingPayment, // 绍兴–丽水; org orders wait 30 days for payment
		items: []item{{"青田稻鱼米", "", 20}}},

	// consumer: lives in 柯桥, works at 柯桥区人民医院食堂 (confirmed), so the
	// purchases count for the hospital canteen.
	{buyer: "consumer", to: model.OrderSettled, // 绍兴–乐山, then a no-reason return (not perishable)
		items: []item{{"金口河乌天麻", "250g/盒", 1}, {"金口河乌天麻粉", "", 2}},
		ret:   &giveBack{"金口河乌天麻粉", 1, model.ReasonNoReason, "买多了"}},
	{buyer: "consumer", to: model.OrderSettled, // 绍兴–衢州
		items: []item{{"开化龙顶（明前特级）", "100g/罐", 2}}},
	{buyer: "consumer", to: model.OrderSettled, // 柯桥–江山
		items: []item{{"江山红心猕猴桃", "3kg/箱（24–30枚）", 1}}},
	{buyer: "consumer", to: model.OrderSettled, // not credited: uncertified
		items: []item{{"龙泉青瓷茶具套装", "", 1}}},
	{buyer: "consumer", to: model.OrderShipped, // 柯桥–金川
		items: []item{{"金川牦牛奶酪干", "", 3}}},
	{buyer: "consumer", to: model.OrderAwaitingShipment, // 绍兴–丽水
		items: []item{{"侨乡挂耳咖啡", "", 2}}},

	// consumer.shengzhou: lives in 嵊州, no employer on file.
	{buyer: "consumer.shengzhou", to: model.OrderSettled, // 嵊州–青田
		items: []item{{"青田田鱼干", "", 2}, {"青田稻鱼米", "", 1}}},
	{buyer: "consumer.shengzhou", to: model.OrderSettled, // 嵊州–青田
		items: []item{{"耶加雪菲咖啡豆（青田烘焙）", "", 1}}},
	{buyer: "consumer.shengzhou", to: model.OrderSettled, // 绍兴–乐山
		items: []item{{"马边青梅酒", "500ml×2/礼盒", 1}}},
	{buyer: "consumer.shengzhou", to: model.OrderSettled, // not credited: certificate expired
		items: []item{{"马边话梅", "", 3}}},
	{buyer: "consumer.shengzhou", to: model.OrderSettled, // not credited: no pairing (嵊州 and 文成)
		items: []item{{"文成杨梅酒", "", 2}}},
}
