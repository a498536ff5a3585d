package procure

// Files: statements and the purchase history as xlsx (numbers as numbers,
// amounts in yuan with two decimals, written from their decimal text, no
// float on the way) or csv (UTF-8 with a byte-order mark, for Excel; text
// that a spreadsheet would run as a formula is made inert).

import (
	"strconv"

	"shanhai/model"
	"shanhai/service/sheet"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// StatementSheets are the statements (one row each) and their orders.
func statementSheets(sts []model.Statement) []sheet.Sheet {
	sum := sheet.Sheet{Name: "对账单", Header: []string{"对账单号", "月份", "单位", "供应商", "验收订单数", "验收金额(元)", "退货(元)",
		"付款(元)", "退款(元)", "应付(元)", "已开票(元)", "差额(元)", "状态", "单位确认", "单位备注", "供应商确认", "供应商备注"},
		Kinds: []sheet.Kind{sheet.Int, sheet.Text, sheet.Text, sheet.Text, sheet.Int, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Text, sheet.Text, sheet.Text, sheet.Text, sheet.Text}}
	orders := sheet.Sheet{Name: "订单", Header: []string{"对账单号", "订单号", "验收日期", "订单金额(元)", "验收金额(元)"},
		Kinds: []sheet.Kind{sheet.Int, sheet.Int, sheet.Text, sheet.Yuan, sheet.Yuan}}
	for _, st := range sts {
		sum.Rows = append(sum.Rows, []string{itoa(st.ID), st.Month, st.OrgName, st.SupplierName, strconv.Itoa(st.OrdersCount),
			sheet.FormatYuan(st.ReceivedCents), sheet.FormatYuan(st.ReturnedCents), sheet.FormatYuan(st.PaidCents), sheet.FormatYuan(st.RefundedCents), sheet.FormatYuan(st.DueCents),
			sheet.FormatYuan(st.InvoicedCents), sheet.FormatYuan(st.DifferenceCents), st.Status(), st.OrgStatus, st.OrgNote, st.SupplierStatus, st.SupplierNote})
		for _, o := range st.Orders {
			orders.Rows = append(orders.Rows, []string{itoa(st.ID), itoa(o.OrderID), model.DateOf(o.AcceptedAt),
				sheet.FormatYuan(o.TotalCents), sheet.FormatYuan(o.ReceivedCents)})
		}
	}
	return []sheet.Sheet{sum, orders}
}

// StatementsFile is the month's statements as xlsx.
func StatementsFile(name string, sts []model.Statement) (*sheet.File, error) {
	return sheet.Write(sheet.FormatXLSX, name, statementSheets(sts)...)
}

func orderLineSheet(rows []model.OrderLineRow) sheet.Sheet {
	sh := sheet.Sheet{Name: "采购明细", Header: []string{"订单号", "状态", "下单日期", "验收日期", "供应商", "产品", "规格", "单位", "数量",
		"单价(元)", "金额(元)", "验收数量", "退货数量", "验收金额(元)", "产地", "计入结对(元)", "结对", "未计入(元)", "未计入原因"},
		Kinds: []sheet.Kind{sheet.Int, sheet.Text, sheet.Text, sheet.Text, sheet.Text, sheet.Text, sheet.Text, sheet.Text, sheet.Int, sheet.Yuan, sheet.Yuan, sheet.Int, sheet.Int, sheet.Yuan, sheet.Text, sheet.Yuan, sheet.Int, sheet.Yuan, sheet.Text}}
	for _, r := range rows {
		accepted, received, receivedCents := "", "", ""
		if r.AcceptedAt != nil {
			accepted = model.DateOf(*r.AcceptedAt)
		}
		if r.ReceivedQty != nil {
			received = itoa(*r.ReceivedQty)
			receivedCents = sheet.FormatYuan(*r.ReceivedQty * r.UnitPriceCents)
		}
		pairing := ""
		if r.PairingID != nil {
			pairing = itoa(*r.PairingID)
		}
		sh.Rows = append(sh.Rows, []string{itoa(r.OrderID), r.Status, model.DateOf(r.CreatedAt), accepted, r.SupplierName,
			r.ProductName, r.Spec, r.Unit, itoa(r.Quantity), sheet.FormatYuan(r.UnitPriceCents), sheet.FormatYuan(r.AmountCents), received,
			itoa(r.ReturnedQty), receivedCents, r.OriginCode, sheet.FormatYuan(r.CreditedCents), pairing, sheet.FormatYuan(r.NotCreditedCents), r.Reason})
	}
	return sh
}

// OrderLinesFile is the purchase history as xlsx or csv.
func OrderLinesFile(name, format string, rows []model.OrderLineRow) (*sheet.File, error) {
	return sheet.Write(format, name, orderLineSheet(rows))
}
