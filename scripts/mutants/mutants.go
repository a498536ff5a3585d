package main

// The mutants. Each is one plausible bug that would put a wrong number in an
// official's review, let a buyer see another org's order, sell stock that is
// not there or replay the wrong response, and the tests that must catch it.
// When the code a mutant targets moves, update its original text here: the
// run says "original text not found" until you do.
//
// Snippets in service/order and model/store/order*.go are chosen to be the
// ones least likely to change (the compare-and-set condition, the visibility
// rule, the release on cancel).

var (
	creditUnit  = []string{"./service/credit/"}
	creditAPI   = []string{"./service/credit/", "./api/"}
	storeSuite  = []string{"./model/store/storetest/"}
	statsUnit   = []string{"./service/stats/"}
	idempotency = []string{"./service/idempotency/", "./api/"}
)

var mutants = []mutant{
	// crediting: service/credit
	{
		name: "cert-last-day", file: "service/credit/credit.go",
		from: "r.date <= cert.ValidTo", to: "r.date < cert.ValidTo",
		pkgs: creditAPI, run: "TestCertificateWindow|TestCreditCertificateBoundaryDays",
		why: "goods certified up to today lose their credit on their last valid day",
	},
	{
		name: "cert-first-day", file: "service/credit/credit.go",
		from: "cert.ValidFrom <= r.date", to: "cert.ValidFrom < r.date",
		pkgs: creditAPI, run: "TestCertificateWindow|TestCreditCertificateBoundaryDays",
		why: "goods certified from today are not credited on their first valid day",
	},
	{
		name: "cert-revoked-day", file: "service/credit/credit.go",
		from: "model.DateOf(*cert.RevokedAt) <= r.date", to: "model.DateOf(*cert.RevokedAt) < r.date",
		pkgs: creditUnit, run: "TestCertificateWindow",
		why: "goods accepted on the day their certificate was revoked are still credited",
	},
	{
		name: "order-counted-per-line", file: "service/credit/credit.go",
		from: "\t\t\te.Orders = 1\n\t\t\treturn\n", to: "\t\t\te.Orders = 1\n",
		pkgs: creditAPI, run: "TestOrderCountedOnce|TestReconciliation",
		why: "every credited line of an order counts as an order",
	},
	{
		name: "return-wrong-sign", file: "service/credit/credit.go",
		from: "e.Quantity, e.AmountCents = -rl.Quantity, -rl.AmountCents",
		to:   "e.Quantity, e.AmountCents = -rl.Quantity, rl.AmountCents",
		pkgs: creditUnit, run: "TestReturned",
		why: "an approved return adds its cents instead of taking them back",
	},
	{
		name: "reversal-keeps-order", file: "service/credit/credit.go",
		from: "r.Quantity, r.AmountCents, r.Orders = -e.Quantity, -e.AmountCents, -e.Orders",
		to:   "r.Quantity, r.AmountCents, r.Orders = -e.Quantity, -e.AmountCents, e.Orders",
		pkgs: creditAPI, run: "TestCorrections|TestCreditCorrections",
		why: "an order moved to another org by a correction counts twice",
	},
	{
		name: "pairing-specificity-inverted", file: "model/credit.go",
		from: "specificity(p, tree) > specificity(best, tree)", to: "specificity(p, tree) < specificity(best, tree)",
		pkgs: creditAPI, run: "TestPairingChosen|TestCreditExamples",
		why: "a sale goes to the city pairing when a county pairing covers it",
	},

	// the rollups: model/store/credit.go and model.Rollups
	{
		name: "rollup-handed-ids", file: "model/store/credit.go",
		from: `s.conn(ctx).Where("id IN ?", got).Find(&entries)`, to: `s.conn(ctx).Where("id IN ?", ids).Find(&entries)`,
		pkgs: storeSuite, run: "TestStoreConformance/sqlite/(Rollup|Rebuild)",
		why: "a worker adds entries another worker already added: rollups counted twice",
	},
	{
		name: "rebuild-counts-pending", file: "model/store/credit.go",
		from: "if pending[e.ID] {", to: "if false && pending[e.ID] {",
		pkgs: storeSuite, run: "TestStoreConformance/sqlite/(Rollup|Rebuild)",
		why: "a rebuild counts entries a worker will add again",
	},
	{
		name: "rollup-certified-as-credited", file: "model/credit.go",
		from: "if e.Certified {\n\t\tcertified = amt", to: "if e.PairingID != nil {\n\t\tcertified = amt",
		pkgs: storeSuite, run: "TestStoreConformance/sqlite/(Rollup|Rebuild)",
		why: "an org's certified purchases leave out what no pairing takes",
	},
	{
		name: "rollup-parent-own-cents", file: "model/credit.go",
		from: "own := e.BuyerOrgID != nil && id == *e.BuyerOrgID", to: "own := e.BuyerOrgID != nil",
		pkgs: storeSuite, run: "TestStoreConformance/sqlite/(Rollup|Rebuild)",
		why: "a supervising org is shown its subordinates' purchases as its own",
	},
	{
		name: "rollup-no-year", file: "model/credit.go",
		from: "[]int{e.Period, e.Period / 100 * 100}", to: "[]int{e.Period}",
		pkgs: storeSuite, run: "TestStoreConformance/sqlite/(Rollup|Rebuild)",
		why: "the year's figures stay empty",
	},

	// statistics: service/stats
	{
		name: "completion-truncated", file: "service/stats/figures.go",
		from: "n.Lsh(n, 1).Add(n, d)", to: "n.Lsh(n, 1)",
		pkgs: statsUnit, run: "TestCompletion",
		why: "completions are truncated instead of rounded half up",
	},
	{
		name: "completion-wraparound", file: "service/stats/figures.go",
		from: "whole: whole.Uint64()", to: "whole: uint64(int64(whole.Uint64()*10000) / 10000)",
		pkgs: statsUnit, run: "TestCompletion",
		why: "a completion beyond int64 ten-thousandths wraps around",
	},
	{
		name: "ranking-inverted", file: "service/stats/figures.go",
		from: "return -a.ratio.Cmp(b.ratio)", to: "return a.ratio.Cmp(b.ratio)",
		pkgs: statsUnit, run: "",
		why: "rankings put the lowest completion first",
	},
	{
		name: "negative-completion-order", file: "service/stats/figures.go",
		from: "if r.neg {\n\t\tc = -c", to: "if false {\n\t\tc = -c",
		pkgs: statsUnit, run: "TestRatioCmp",
		why: "a larger net return ranks above a smaller one",
	},

	// stock: model/store/stock.go, service/order
	{
		name: "stock-reserve-guard-removed", file: "model/store/stock.go",
		from: "WHERE id = ? AND on_hand - reserved >= ? AND version = ?", to: "WHERE id = ? AND ? >= 0 AND version = ?",
		pkgs: []string{"./model/store/"}, run: "TestReserve",
		why: "orders reserve units that are not there: the last unit is sold twice",
	},
	{
		name: "stock-adjust-guard-removed", file: "model/store/stock.go",
		from: "WHERE id = ? AND on_hand + ? >= reserved", to: "WHERE id = ? AND ? IS NOT NULL",
		pkgs: storeSuite, run: "TestStoreConformance/sqlite/AdjustStock",
		why: "a supplier takes on hand below what open orders reserved",
	},
	{
		name: "release-skipped-on-timeout", file: "service/order/lifecycle.go",
		from: "\tif err := s.stock.Release(ctx, changes(o)); err != nil {",
		to:   "\tif action == \"timeout\" {\n\t} else if err := s.stock.Release(ctx, changes(o)); err != nil {",
		pkgs: []string{"./api/"}, run: "TestOrderDeadlines",
		why: "an order cancelled by its deadline keeps its units reserved forever",
	},

	// idempotency: service/idempotency
	{
		name: "idem-other-body-replayed", file: "service/idempotency/idempotency.go",
		from: "case cur.RequestHash != hash:", to: "case false && cur.RequestHash != hash:",
		pkgs: idempotency, run: "TestDo|TestOrderIdempotency",
		why: "a different body under a used key gets the stored response of the first",
	},
	{
		name: "idem-running-other-body", file: "service/idempotency/idempotency.go",
		from: "if h != hash {", to: "if false && h != hash {",
		pkgs: idempotency, run: "TestDo|TestOrderIdempotency",
		why: "a different body under a key still running waits for the first's response",
	},
	{
		name: "idem-expired-replayed", file: "service/idempotency/idempotency.go",
		from: "case age > TTL:", to: "case age > 1000*TTL:",
		pkgs: idempotency, run: "TestDo|TestOrderIdempotency",
		why: "a key past its lifetime replays an old response",
	},

	// orders: the compare-and-set and who sees what
	{
		name: "status-cas-removed", file: "model/store/order.go",
		from: `Where("id = ? AND status IN ?", id, from)`, to: `Where("id = ? AND ? IS NOT NULL", id, len(from))`,
		pkgs: []string{"./service/order/", "./api/"}, run: "TestStaleCancelLoses|TestRouteStateConflicts|TestOrderTransitions",
		why: "a payment and a timeout both win: a cancelled order is paid, or a paid one cancelled",
	},
	{
		name: "other-org-order-visible", file: "service/order/order.go",
		from: "*actor.OrgID == *o.OrgID && model.OrgRole(actor.Role)", to: "model.OrgRole(actor.Role)",
		pkgs: []string{"./service/order/", "./api/"}, run: "TestPersonal|TestObjectAccess",
		why: "an org's buyers see another org's orders, addresses and phones",
	},
	{
		name: "other-org-orders-listed", file: "model/store/order.go",
		from: `q = q.Where("org_id = ?", f.OrgID)`, to: `q = q.Where("org_id IS NOT NULL OR org_id = ?", f.OrgID)`,
		pkgs: []string{"./api/"}, run: "TestObjectAccess|TestOrderCanteen",
		why: "an org's order list shows every org's orders",
	},
}
