package stats

// Exports: the same tables as the API, in the caller's scope, as an xlsx
// workbook (one sheet per table) or one table as csv (UTF-8 with a byte-order
// mark, so Excel reads the Chinese right). Amounts are yuan with two
// decimals and completions four-place decimals, both printed from integers;
// in the workbook they are numeric cells holding exactly that text.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"shanhai/model"
	"shanhai/service/sheet"
)

// Export formats and tables.
const (
	FormatXLSX = sheet.FormatXLSX
	FormatCSV  = sheet.FormatCSV

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

func pairingSheet(r *PairingReport) sheet.Sheet {
	sh := sheet.Sheet{Name: "结对统计",
		Header: []string{"结对编号", "协作类型", "层级", "帮扶方", "结对地区", "年度任务（元）", "认定金额（元）",
			"其中县级结对（元）", "直接采购（元）", "帮助销售（元）", "完成率", "订单数"},
		Kinds: []sheet.Kind{sheet.Int, sheet.Text, sheet.Text, sheet.Text, sheet.Text, sheet.Yuan, sheet.Yuan,
			sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Ratio, sheet.Int}}
	if r.Month != 0 {
		sh.Name = fmt.Sprintf("结对统计%d月", r.Month)
	}
	for _, it := range r.Items {
		p := it.Pairing
		sh.Rows = append(sh.Rows, []string{num(p.ID), programmeNames[p.Programme], levelNames[p.Level],
			p.Helper.Name, p.Partner.Name, optCents(it.TargetCents), cents(it.CreditedCents),
			cents(it.CountyCents), cents(it.DirectCents), cents(it.AssistedCents), ratio(it.Completion), num(it.Orders)})
	}
	// the not-credited totals below the table, in the first columns
	blank := make([]string, len(sh.Header))
	sh.Rows = append(sh.Rows, blank, pad([]string{"未计入结对", "原因", "", "", "", "", "金额（元）"}, len(sh.Header)))
	for _, nc := range r.NotCredited {
		sh.Rows = append(sh.Rows, pad([]string{"", nc.Reason, reasonName(nc.Reason), "", "", "", cents(nc.Cents)}, len(sh.Header)))
	}
	sh.Rows = append(sh.Rows, pad([]string{"", "合计", "", "", "", "", cents(r.NotCreditedCents)}, len(sh.Header)))
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

func orgSheet(r *OrgReport) sheet.Sheet {
	sh := sheet.Sheet{Name: "单位统计",
		Header: []string{"排名", "单位编号", "单位名称", "类型", "所在地区", "本单位采购（元）", "本单位认定产品采购（元）",
			"含下属认定产品采购（元）", "本单位计入结对（元）", "含下属计入结对（元）", "预留金额（元）", "备案状态", "完成率"},
		Kinds: []sheet.Kind{sheet.Text, sheet.Int, sheet.Text, sheet.Text, sheet.Text, sheet.Yuan, sheet.Yuan,
			sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Text, sheet.Ratio}}
	row := func(rank string, o *OrgRow) []string {
		return []string{rank, num(o.Org.ID), o.Org.Name, orgKindNames[o.Org.Kind], o.Org.Region.Name,
			cents(o.PurchasesCents), cents(o.CertifiedCents), cents(o.SubtreeCertifiedCents),
			cents(o.CreditedCents), cents(o.SubtreeCreditedCents), optCents(o.ReservedCents), optText(o.FilingStatus), ratio(o.Completion)}
	}
	if r.Parent != nil {
		sh.Rows = append(sh.Rows, row("本级", r.Parent))
	}
	for i := range r.Items {
		sh.Rows = append(sh.Rows, row(optInt(r.Items[i].Rank), &r.Items[i]))
	}
	return sh
}

func monthlySheet(r *MonthlyReport) sheet.Sheet {
	sh := sheet.Sheet{Name: "逐月统计",
		Header: []string{"月份", "认定金额（元）", "其中县级结对（元）", "直接采购（元）", "帮助销售（元）", "订单数", "累计（元）", "累计完成率"},
		Kinds:  []sheet.Kind{sheet.Int, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Int, sheet.Yuan, sheet.Ratio}}
	for _, m := range r.Months {
		sh.Rows = append(sh.Rows, []string{strconv.Itoa(m.Month), cents(m.CreditedCents), cents(m.CountyCents),
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
func salesSheets(r *SalesReport, facets []string, oneTable bool) []sheet.Sheet {
	header := []string{"代码", "名称", "销售额（元）", "计入结对（元）", "订单数"}
	kinds := []sheet.Kind{sheet.Text, sheet.Text, sheet.Yuan, sheet.Yuan, sheet.Int}
	row := func(x SaleRow) []string {
		return []string{x.Code, x.Name, cents(x.SalesCents), cents(x.CreditedCents), num(x.Orders)}
	}
	if oneTable {
		sh := sheet.Sheet{Name: "分类统计", Header: append([]string{"维度"}, header...), Kinds: append([]sheet.Kind{sheet.Text}, kinds...)}
		for _, f := range facets {
			for _, x := range r.Tables[f] {
				sh.Rows = append(sh.Rows, append([]string{facetTitles[f]}, row(x)...))
			}
		}
		return []sheet.Sheet{sh}
	}
	var out []sheet.Sheet
	for _, f := range facets {
		sh := sheet.Sheet{Name: facetTitles[f], Header: header, Kinds: kinds}
		for _, x := range r.Tables[f] {
			sh.Rows = append(sh.Rows, row(x))
		}
		out = append(out, sh)
	}
	return out
}

func orgPairingSheet(r *OrgPairingReport) sheet.Sheet {
	sh := sheet.Sheet{Name: "单位分结对",
		Header: []string{"结对编号", "协作类型", "帮扶方", "结对地区", "本单位（元）", "含下属（元）"},
		Kinds:  []sheet.Kind{sheet.Int, sheet.Text, sheet.Text, sheet.Text, sheet.Yuan, sheet.Yuan}}
	for _, it := range r.Items {
		p := it.Pairing
		sh.Rows = append(sh.Rows, []string{num(p.ID), programmeNames[p.Programme], p.Helper.Name, p.Partner.Name,
			cents(it.Cents), cents(it.SubtreeCents)})
	}
	if r.Programme == "" {
		sh.Rows = append(sh.Rows, []string{"", "未计入结对", "", "", cents(r.NotCreditedCents), cents(r.SubtreeNotCreditedCents)})
	}
	return sh
}

func districtSheet(r *DistrictReport) sheet.Sheet {
	sh := sheet.Sheet{Name: "区县排名",
		Header: []string{"排名", "区县代码", "区县", "年度任务（元）", "认定金额（元）", "直接采购（元）", "帮助销售（元）", "完成率", "订单数"},
		Kinds:  []sheet.Kind{sheet.Text, sheet.Text, sheet.Text, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Yuan, sheet.Ratio, sheet.Int}}
	for _, d := range r.Items {
		sh.Rows = append(sh.Rows, []string{strconv.Itoa(d.Rank), d.Region.Code, d.Region.Name, optCents(d.TargetCents),
			cents(d.CreditedCents), cents(d.DirectCents), cents(d.AssistedCents), ratio(d.Completion), num(d.Orders)})
	}
	return sh
}

// Export is the statistics as a file, for officers and admins.
func (s *Service) Export(ctx context.Context, actor *model.User, in ExportInput) (*sheet.File, error) {
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
	var sheets []sheet.Sheet
	for _, t := range tables {
		var sh sheet.Sheet
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
			sh.Name = "单位排名"
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
		return sheet.Write(FormatCSV, name+"-"+tables[0], sheets[0])
	}
	if in.Table != "" {
		name += "-" + in.Table
	}
	return sheet.Write(FormatXLSX, name, sheets...)
}
