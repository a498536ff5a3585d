package procure

// Files: statements and the purchase history as xlsx (numbers as numbers,
// amounts in yuan with two decimals, written from their decimal text, no
// float on the way) or csv (UTF-8 with a byte-order mark, for Excel; text
// that a spreadsheet would run as a formula is made inert).

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
)

// File is a download.
type File struct {
	Name, ContentType string
	Body              []byte
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

type cellKind int

const (
	text cellKind = iota
	integer
	yuan
)

type sheet struct {
	name   string
	header []string
	kinds  []cellKind
	rows   [][]string
}

// Yuan is cents as a decimal of yuan: 123456 → "1234.56", -5 → "-0.05".
func Yuan(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	frac := strconv.FormatInt(cents%100, 10)
	if len(frac) < 2 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(cents/100, 10) + "." + frac
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// StatementSheets are the statements (one row each) and their orders.
func statementSheets(sts []model.Statement) []sheet {
	sum := sheet{name: "对账单", header: []string{"对账单号", "月份", "单位", "供应商", "验收订单数", "验收金额(元)", "退货(元)",
		"付款(元)", "退款(元)", "应付(元)", "已开票(元)", "差额(元)", "状态", "单位确认", "单位备注", "供应商确认", "供应商备注"},
		kinds: []cellKind{integer, text, text, text, integer, yuan, yuan, yuan, yuan, yuan, yuan, yuan, text, text, text, text, text}}
	orders := sheet{name: "订单", header: []string{"对账单号", "订单号", "验收日期", "订单金额(元)", "验收金额(元)"},
		kinds: []cellKind{integer, integer, text, yuan, yuan}}
	for _, st := range sts {
		sum.rows = append(sum.rows, []string{itoa(st.ID), st.Month, st.OrgName, st.SupplierName, strconv.Itoa(st.OrdersCount),
			Yuan(st.ReceivedCents), Yuan(st.ReturnedCents), Yuan(st.PaidCents), Yuan(st.RefundedCents), Yuan(st.DueCents),
			Yuan(st.InvoicedCents), Yuan(st.DifferenceCents), st.Status(), st.OrgStatus, st.OrgNote, st.SupplierStatus, st.SupplierNote})
		for _, o := range st.Orders {
			orders.rows = append(orders.rows, []string{itoa(st.ID), itoa(o.OrderID), model.DateOf(o.AcceptedAt),
				Yuan(o.TotalCents), Yuan(o.ReceivedCents)})
		}
	}
	return []sheet{sum, orders}
}

// StatementsFile is the month's statements as xlsx.
func StatementsFile(name string, sts []model.Statement) (*File, error) {
	body, err := writeXLSX(statementSheets(sts))
	if err != nil {
		return nil, err
	}
	return &File{Name: name + ".xlsx", ContentType: xlsxType, Body: body}, nil
}

func orderLineSheet(rows []model.OrderLineRow) sheet {
	sh := sheet{name: "采购明细", header: []string{"订单号", "状态", "下单日期", "验收日期", "供应商", "产品", "规格", "单位", "数量",
		"单价(元)", "金额(元)", "验收数量", "退货数量", "验收金额(元)", "产地", "计入结对(元)", "结对", "未计入(元)", "未计入原因"},
		kinds: []cellKind{integer, text, text, text, text, text, text, text, integer, yuan, yuan, integer, integer, yuan, text, yuan, integer, yuan, text}}
	for _, r := range rows {
		accepted, received, receivedCents := "", "", ""
		if r.AcceptedAt != nil {
			accepted = model.DateOf(*r.AcceptedAt)
		}
		if r.ReceivedQty != nil {
			received = itoa(*r.ReceivedQty)
			receivedCents = Yuan(*r.ReceivedQty * r.UnitPriceCents)
		}
		pairing := ""
		if r.PairingID != nil {
			pairing = itoa(*r.PairingID)
		}
		sh.rows = append(sh.rows, []string{itoa(r.OrderID), r.Status, model.DateOf(r.CreatedAt), accepted, r.SupplierName,
			r.ProductName, r.Spec, r.Unit, itoa(r.Quantity), Yuan(r.UnitPriceCents), Yuan(r.AmountCents), received,
			itoa(r.ReturnedQty), receivedCents, r.OriginCode, Yuan(r.CreditedCents), pairing, Yuan(r.NotCreditedCents), r.Reason})
	}
	return sh
}

// OrderLinesFile is the purchase history as xlsx or csv.
func OrderLinesFile(name, format string, rows []model.OrderLineRow) (*File, error) {
	sh := orderLineSheet(rows)
	if format == "csv" {
		body, err := writeCSV(sh)
		if err != nil {
			return nil, err
		}
		return &File{Name: name + ".csv", ContentType: "text/csv; charset=utf-8", Body: body}, nil
	}
	body, err := writeXLSX([]sheet{sh})
	if err != nil {
		return nil, err
	}
	return &File{Name: name + ".xlsx", ContentType: xlsxType, Body: body}, nil
}

func writeCSV(sh sheet) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	if err := w.Write(sh.header); err != nil {
		return nil, err
	}
	for _, row := range sh.rows {
		out := make([]string, len(row))
		for c, v := range row {
			if sh.kinds[c] == text && v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				v = "'" + v
			}
			out[c] = v
		}
		if err := w.Write(out); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func writeXLSX(sheets []sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	yuanFmt := "0.00"
	yuanStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &yuanFmt})
	if err != nil {
		return nil, err
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		for c, h := range sh.header {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := f.SetCellStr(sh.name, cell, h); err != nil {
				return nil, err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(sh.header), 1)
		if err := f.SetCellStyle(sh.name, "A1", last, bold); err != nil {
			return nil, err
		}
		for r, row := range sh.rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if sh.kinds[c] == text {
					err = f.SetCellStr(sh.name, cell, v)
				} else {
					err = f.SetCellDefault(sh.name, cell, v) // a number cell holding exactly the decimal text
					if err == nil && sh.kinds[c] == yuan {
						err = f.SetCellStyle(sh.name, cell, cell, yuanStyle)
					}
				}
				if err != nil {
					return nil, err
				}
			}
		}
		lastCol, _ := excelize.ColumnNumberToName(len(sh.header))
		if err := f.SetColWidth(sh.name, "A", lastCol, 14); err != nil {
			return nil, err
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
