package stats

// Exports: the same tables as the API, in the caller's scope, as an xlsx
// workbook (one sheet per table) or one table as csv (UTF-8 with a byte-order
// mark, so Excel reads the Chinese right). Amounts are yuan with two
// decimals and completions four-place decimals, both printed from integers;
// in the workbook they are numeric cells holding exactly that text.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
)

// Export formats and tables.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"

	TablePairings = "pairings"
	TableOrgs     = "orgs"
	TableRegions  = "regions"
	TableMonthly  = "monthly"
	TableOrigins  = "origins"
	TableChannels = "channels"
	// TableOrgPairings is one org's figures per pairing (needs OrgID).
	TableOrgPairings = "org_pairings"
	// TableUnits is every org in the caller's scope, ranked.
	TableUnits = "units"
	// TableSuppliers is every producer in the caller's scope, by sales.
	TableSuppliers = "suppliers"
)

// ExportInput says what to export: the query of the table's route. Table ""
// is every table in xlsx (pairings, orgs, regions) and pairings in csv;
// TableMonthly needs PairingID. A query a table cannot use is refused as its
// route refuses it.
type ExportInput struct {
	Query
	Format    string
	Table     string
	PairingID int64 // TableMonthly's pairing
	OrgID     int64 // TableOrgPairings' org
}

// File is an export.
type File struct {
	Name        string // e.g. shanhai-stats-2026.xlsx
	ContentType string
	Body        []byte
}

// BOM starts every csv export.
const BOM = "\ufeff"

// sheet is one table as text cells, with the kind of each column.
type sheet struct {
	name   string
	header []string
	kinds  []cellKind
	rows   [][]string
}

type cellKind int

const (
	textCell cellKind = iota
	intCell
	yuanCell
	ratioCell
)

func cents(v int64) string { return Yuan(v) }

func optCents(v *int64) string {
	if v == nil {
		return ""
	}
	return Yuan(*v)
}

func optText(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

func optInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func ratio(r *Ratio) string {
	if r == nil {
		return ""
	}
	return r.String()
}

func num(v int64) string { return strconv.FormatInt(v, 10) }

var programmeNames = map[string]string{model.ProgrammeEastWest: "东西部协作", model.ProgrammeMountainSea: "山海协作"}

var levelNames = map[string]string{model.LevelCity: "市级", model.LevelCounty: "县级"}

// ReasonNames are the not-credited reasons in Chinese.
var ReasonNames = map[string]string{
	model.ReasonNoPairing:     "无匹配结对",
	model.ReasonUncertified:   "产品未认定",
	model.ReasonCertExpired:   "认定证书不在有效期",
	model.ReasonCertRevoked:   "认定证书已撤销",
	model.ReasonNoBuyerRegion: "采购方无所在地区",
}

func reasonName(r string) string {
	if n, ok := ReasonNames[r]; ok {
		return n
	}
	return r
}

func pairingSheet(r *PairingReport) sheet {
	sh := sheet{name: "结对统计",
		header: []string{"结对编号", "协作类型", "层级", "帮扶方", "结对地区", "年度任务（元）", "认定金额（元）",
			"其中县级结对（元）", "直接采购（元）", "帮助销售（元）", "完成率", "订单数"},
		kinds: []cellKind{intCell, textCell, textCell, textCell, textCell, yuanCell, yuanCell,
			yuanCell, yuanCell, yuanCell, ratioCell, intCell}}
	if r.Month != 0 {
		sh.name = fmt.Sprintf("结对统计%d月", r.Month)
	}
	for _, it := range r.Items {
		p := it.Pairing
		sh.rows = append(sh.rows, []string{num(p.ID), programmeNames[p.Programme], levelNames[p.Level],
			p.Helper.Name, p.Partner.Name, optCents(it.TargetCents), cents(it.CreditedCents),
			cents(it.CountyCents), cents(it.DirectCents), cents(it.AssistedCents), ratio(it.Completion), num(it.Orders)})
	}
	// the not-credited totals below the table, in the first columns
	blank := make([]string, len(sh.header))
	sh.rows = append(sh.rows, blank, pad([]string{"未计入结对", "原因", "", "", "", "", "金额（元）"}, len(sh.header)))
	for _, nc := range r.NotCredited {
		sh.rows = append(sh.rows, pad([]string{"", nc.Reason, reasonName(nc.Reason), "", "", "", cents(nc.Cents)}, len(sh.header)))
	}
	sh.rows = append(sh.rows, pad([]string{"", "合计", "", "", "", "", cents(r.NotCreditedCents)}, len(sh.header)))
	return sh
}

func pad(row []string, n int) []string {
	for len(row) < n {
		row = append(row, "")
	}
	return row
}

var orgKindNames = map[string]string{
	model.OrgCanteen: "食堂", model.OrgUnion: "工会", model.OrgGovernment: "机关", model.OrgEnterprise: "企业",
	model.OrgSupermarket: "商超", model.OrgWholesale: "批发市场", model.OrgCoop: "合作社",
}

func orgSheet(r *OrgReport) sheet {
	sh := sheet{name: "单位统计",
		header: []string{"排名", "单位编号", "单位名称", "类型", "所在地区", "本单位采购（元）", "本单位认定产品采购（元）",
			"含下属认定产品采购（元）", "本单位计入结对（元）", "含下属计入结对（元）", "预留金额（元）", "备案状态", "完成率"},
		kinds: []cellKind{textCell, intCell, textCell, textCell, textCell, yuanCell, yuanCell,
			yuanCell, yuanCell, yuanCell, yuanCell, textCell, ratioCell}}
	row := func(rank string, o *OrgRow) []string {
		return []string{rank, num(o.Org.ID), o.Org.Name, orgKindNames[o.Org.Kind], o.Org.Region.Name,
			cents(o.PurchasesCents), cents(o.CertifiedCents), cents(o.SubtreeCertifiedCents),
			cents(o.CreditedCents), cents(o.SubtreeCreditedCents), optCents(o.ReservedCents), optText(o.FilingStatus), ratio(o.Completion)}
	}
	if r.Parent != nil {
		sh.rows = append(sh.rows, row("本级", r.Parent))
	}
	for i := range r.Items {
		sh.rows = append(sh.rows, row(optInt(r.Items[i].Rank), &r.Items[i]))
	}
	return sh
}

func monthlySheet(r *MonthlyReport) sheet {
	sh := sheet{name: "逐月统计",
		header: []string{"月份", "认定金额（元）", "其中县级结对（元）", "直接采购（元）", "帮助销售（元）", "订单数", "累计（元）", "累计完成率"},
		kinds:  []cellKind{intCell, yuanCell, yuanCell, yuanCell, yuanCell, intCell, yuanCell, ratioCell}}
	for _, m := range r.Months {
		sh.rows = append(sh.rows, []string{strconv.Itoa(m.Month), cents(m.CreditedCents), cents(m.CountyCents),
			cents(m.DirectCents), cents(m.AssistedCents), num(m.Orders), cents(m.CumulativeCents), ratio(m.Completion)})
	}
	return sh
}

// facetTitles name the breakdowns' sheets.
var facetTitles = map[string]string{
	model.FacetOrigin: "按产地", model.FacetCategory: "按品类", model.FacetSupplier: "按生产主体",
	model.FacetChannel: "按渠道", model.FacetPlatform: "按平台", model.FacetPointType: "按五专类型", model.FacetSector: "按五进领域",
}

// salesSheets are a breakdown report's tables: a sheet each, or for csv one
// table whose first column names the breakdown.
func salesSheets(r *SalesReport, facets []string, oneTable bool) []sheet {
	header := []string{"代码", "名称", "销售额（元）", "计入结对（元）", "订单数"}
	kinds := []cellKind{textCell, textCell, yuanCell, yuanCell, intCell}
	row := func(x SaleRow) []string {
		return []string{x.Code, x.Name, cents(x.SalesCents), cents(x.CreditedCents), num(x.Orders)}
	}
	if oneTable {
		sh := sheet{name: "分类统计", header: append([]string{"维度"}, header...), kinds: append([]cellKind{textCell}, kinds...)}
		for _, f := range facets {
			for _, x := range r.Tables[f] {
				sh.rows = append(sh.rows, append([]string{facetTitles[f]}, row(x)...))
			}
		}
		return []sheet{sh}
	}
	var out []sheet
	for _, f := range facets {
		sh := sheet{name: facetTitles[f], header: header, kinds: kinds}
		for _, x := range r.Tables[f] {
			sh.rows = append(sh.rows, row(x))
		}
		out = append(out, sh)
	}
	return out
}

func orgPairingSheet(r *OrgPairingReport) sheet {
	sh := sheet{name: "单位分结对",
		header: []string{"结对编号", "协作类型", "帮扶方", "结对地区", "本单位（元）", "含下属（元）"},
		kinds:  []cellKind{intCell, textCell, textCell, textCell, yuanCell, yuanCell}}
	for _, it := range r.Items {
		p := it.Pairing
		sh.rows = append(sh.rows, []string{num(p.ID), programmeNames[p.Programme], p.Helper.Name, p.Partner.Name,
			cents(it.Cents), cents(it.SubtreeCents)})
	}
	if r.Programme == "" {
		sh.rows = append(sh.rows, []string{"", "未计入结对", "", "", cents(r.NotCreditedCents), cents(r.SubtreeNotCreditedCents)})
	}
	return sh
}

func districtSheet(r *DistrictReport) sheet {
	sh := sheet{name: "区县排名",
		header: []string{"排名", "区县代码", "区县", "年度任务（元）", "认定金额（元）", "直接采购（元）", "帮助销售（元）", "完成率", "订单数"},
		kinds:  []cellKind{textCell, textCell, textCell, yuanCell, yuanCell, yuanCell, yuanCell, ratioCell, intCell}}
	for _, d := range r.Items {
		sh.rows = append(sh.rows, []string{strconv.Itoa(d.Rank), d.Region.Code, d.Region.Name, optCents(d.TargetCents),
			cents(d.CreditedCents), cents(d.DirectCents), cents(d.AssistedCents), ratio(d.Completion), num(d.Orders)})
	}
	return sh
}

// Export is the statistics as a file, for officers and admins.
func (s *Service) Export(ctx context.Context, actor *model.User, in ExportInput) (*File, error) {
	sc, err := s.scopeOf(ctx, actor, false)
	if err != nil {
		return nil, err
	}
	if in.Format == "" {
		in.Format = FormatXLSX
	}
	var bad []model.FieldError
	if in.Format != FormatXLSX && in.Format != FormatCSV {
		bad = append(bad, model.FieldError{Field: "format", Message: "must be xlsx or csv"})
	}
	if in.Table != "" && !slices.Contains([]string{TablePairings, TableOrgs, TableRegions, TableMonthly, TableOrigins, TableChannels, TableOrgPairings, TableUnits, TableSuppliers}, in.Table) {
		bad = append(bad, model.FieldError{Field: "table", Message: "must be pairings, orgs, units, regions, origins, suppliers or channels"})
	}
	if len(bad) > 0 {
		return nil, model.Invalid(bad...)
	}
	tables := []string{in.Table}
	switch {
	case in.Table == "" && in.Format == FormatCSV:
		tables = []string{TablePairings}
	case in.Table == "":
		tables = []string{TablePairings, TableOrgs, TableRegions}
		if sc.side == model.SidePartner || in.Programme != "" || in.Range() {
			// org figures are helper-side only, and neither per programme nor over ranges
			tables = []string{TablePairings, TableRegions}
		}
	}
	var sheets []sheet
	for _, t := range tables {
		var sh sheet
		switch t {
		case TableOrigins, TableChannels, TableSuppliers:
			get, facets := s.Origins, OriginFacets
			switch t {
			case TableChannels:
				get, facets = s.Channels, ChannelFacets
			case TableSuppliers:
				facets = []string{model.FacetSupplier}
				get = func(ctx context.Context, actor *model.User, q Query) (*SalesReport, error) {
					return s.sales(ctx, actor, q, "sup", facets)
				}
			}
			r, err := get(ctx, actor, in.Query)
			if err != nil {
				return nil, err
			}
			sheets = append(sheets, salesSheets(r, facets, in.Format == FormatCSV)...)
			continue
		case TablePairings:
			r, err := s.Pairings(ctx, actor, in.Query)
			if err != nil {
				return nil, err
			}
			sh = pairingSheet(r)
		case TableOrgs:
			r, err := s.Orgs(ctx, actor, in.Query)
			if err != nil {
				return nil, err
			}
			sh = orgSheet(r)
		case TableRegions:
			r, err := s.Districts(ctx, actor, in.Query)
			if err != nil {
				return nil, err
			}
			sh = districtSheet(r)
		case TableMonthly:
			r, err := s.Monthly(ctx, actor, in.PairingID, in.Query)
			if err != nil {
				return nil, err
			}
			sh = monthlySheet(r)
		case TableUnits:
			r, err := s.Units(ctx, actor, in.Query, 1, 1<<30)
			if err != nil {
				return nil, err
			}
			sh = orgSheet(&OrgReport{Items: r.Items})
			sh.name = "单位排名"
		case TableOrgPairings:
			r, err := s.OrgPairings(ctx, actor, in.OrgID, in.Query)
			if err != nil {
				return nil, err
			}
			sh = orgPairingSheet(r)
		}
		sheets = append(sheets, sh)
	}
	name := "shanhai-stats-" + strings.ReplaceAll(in.Period.String(), "..", "_")
	if in.Programme != "" {
		name += "-" + in.Programme
	}
	if in.Format == FormatCSV {
		name += "-" + tables[0] + ".csv"
		body, err := writeCSV(sheets[0])
		if err != nil {
			return nil, err
		}
		return &File{Name: name, ContentType: "text/csv; charset=utf-8", Body: body}, nil
	}
	if in.Table != "" {
		name += "-" + in.Table
	}
	body, err := writeXLSX(sheets)
	if err != nil {
		return nil, err
	}
	return &File{Name: name + ".xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Body: body}, nil
}

func writeCSV(sh sheet) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(BOM)
	w := csv.NewWriter(&b)
	w.UseCRLF = true // what Excel writes and expects
	if err := w.Write(sh.header); err != nil {
		return nil, err
	}
	for _, row := range sh.rows {
		out := make([]string, len(row))
		for c, v := range row {
			if sh.kinds[c] == textCell || !isDecimal(v) {
				v = inertText(v)
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

// inertText keeps a text cell from being read as a formula by a spreadsheet
// opening the csv (an org named =HYPERLINK(...) would otherwise run): text
// that starts with = + - @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets show as text and do not display. Numbers
// (a negative amount included) are never text cells here. The xlsx writer
// needs none of this: it stores text as strings, never as formulas.
func inertText(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func writeXLSX(sheets []sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	yuanFmt, ratioFmt := "0.00", "0.0000"
	yuanStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &yuanFmt})
	if err != nil {
		return nil, err
	}
	ratioStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &ratioFmt})
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
				kind := sh.kinds[c]
				if !isDecimal(v) {
					kind = textCell // a label in a number column (the not-credited rows)
				}
				switch kind {
				case textCell:
					err = f.SetCellStr(sh.name, cell, v)
				default:
					// a numeric cell holding exactly the decimal text: no float on the way
					err = f.SetCellDefault(sh.name, cell, v)
					if err == nil && kind == yuanCell {
						err = f.SetCellStyle(sh.name, cell, cell, yuanStyle)
					} else if err == nil && kind == ratioCell {
						err = f.SetCellStyle(sh.name, cell, cell, ratioStyle)
					}
				}
				if err != nil {
					return nil, err
				}
			}
		}
		lastCol, _ := excelize.ColumnNumberToName(len(sh.header))
		if err := f.SetColWidth(sh.name, "A", lastCol, 16); err != nil {
			return nil, err
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// isDecimal: an optional minus, digits, and optionally a point and digits.
func isDecimal(v string) bool {
	v = strings.TrimPrefix(v, "-")
	whole, frac, hasPoint := strings.Cut(v, ".")
	digits := func(s string) bool {
		for _, c := range s {
			if c < '0' || c > '9' {
				return false
			}
		}
		return s != ""
	}
	return digits(whole) && (!hasPoint || digits(frac))
}
