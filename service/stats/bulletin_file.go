package stats

// The bulletin as a file: an xlsx workbook (a sheet of districts per
// programme, one of units), a csv (one table, its first column naming the
// part), or a printable HTML page (A4, a print stylesheet, no script).

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"strconv"

	"shanhai/model"
	"shanhai/service/sheet"
)

// FormatHTML is the bulletin's printable page.
const FormatHTML = "html"

// ContentTypeHTML is the page's media type.
const ContentTypeHTML = "text/html; charset=utf-8"

var bulletinHeader = []string{"年累计排名", "代码", "名称", "备案状态", "年度任务或预留金额（元）", "本月（元）", "本月排名",
	"年累计（元）", "完成率", "上月累计完成率", "完成率变动", "当前本月（元）", "当前年累计（元）", "通报后年累计变动（元）"}

var bulletinKinds = []sheet.Kind{sheet.Int, sheet.Text, sheet.Text, sheet.Text, sheet.Yuan, sheet.Yuan, sheet.Int,
	sheet.Yuan, sheet.Ratio, sheet.Ratio, sheet.Ratio, sheet.Yuan, sheet.Yuan, sheet.Yuan}

// FilingNames are the filing statuses in Chinese; no filing is 未备案.
var FilingNames = map[string]string{model.FilingDraft: "草稿", model.FilingSubmitted: "已提交",
	model.FilingApproved: "已审核", model.FilingReturned: "已退回"}

func filingName(s *string) string {
	if s == nil {
		return "未备案"
	}
	if n, ok := FilingNames[*s]; ok {
		return n
	}
	return *s
}

func rankText(r int) string {
	if r == 0 {
		return ""
	}
	return strconv.Itoa(r)
}

func districtCells(d *BulletinDistrict) []string {
	row := []string{rankText(d.Rank), d.Region.Code, d.Region.Name, "", optCents(d.TargetCents), cents(d.MonthCents),
		rankText(d.MonthRank), cents(d.YTDCents), ratio(d.Completion), ratio(d.PreviousCompletion), ratio(d.CompletionChange), "", "", ""}
	if d.Now != nil {
		row[11], row[12], row[13] = cents(d.Now.MonthCents), cents(d.Now.YTDCents), cents(d.ChangedSinceIssue.YTDCents)
	}
	return row
}

func unitCells(u *BulletinUnit) []string {
	row := []string{rankText(u.Rank), num(u.Org.ID), u.Org.Name, filingName(u.FilingStatus), optCents(u.ReservedCents),
		cents(u.MonthCents), rankText(u.MonthRank), cents(u.YTDCents), ratio(u.Completion), ratio(u.PreviousCompletion),
		ratio(u.CompletionChange), "", "", ""}
	if u.Now != nil {
		row[11], row[12], row[13] = cents(u.Now.MonthCents), cents(u.Now.YTDCents), cents(u.ChangedSinceIssue.YTDCents)
	}
	return row
}

// bulletinSheets are the bulletin's tables: a sheet of districts per
// programme and one of units; for csv one table whose first column names
// the part.
func bulletinSheets(r *BulletinReport, oneTable bool) []sheet.Sheet {
	var out []sheet.Sheet
	for _, p := range r.Programmes {
		sh := sheet.Sheet{Name: programmeNames[p.Programme] + "区县排名", Header: bulletinHeader, Kinds: bulletinKinds}
		for i := range p.Districts {
			sh.Rows = append(sh.Rows, districtCells(&p.Districts[i]))
		}
		out = append(out, sh)
	}
	units := sheet.Sheet{Name: "单位备案与完成", Header: bulletinHeader, Kinds: bulletinKinds}
	for i := range r.Units.Items {
		units.Rows = append(units.Rows, unitCells(&r.Units.Items[i]))
	}
	out = append(out, units)
	if !oneTable {
		return out
	}
	one := sheet.Sheet{Name: "月度通报", Header: append([]string{"部分"}, bulletinHeader...), Kinds: append([]sheet.Kind{sheet.Text}, bulletinKinds...)}
	for _, sh := range out {
		for _, row := range sh.Rows {
			one.Rows = append(one.Rows, append([]string{sh.Name}, row...))
		}
	}
	return []sheet.Sheet{one}
}

// BulletinFile is the month's bulletin as format (xlsx, csv or html), read
// as Bulletin reads it.
func (s *Service) BulletinFile(ctx context.Context, actor *model.User, q Query, format string) (*sheet.File, error) {
	if format != FormatXLSX && format != FormatCSV && format != FormatHTML {
		return nil, model.Invalid(model.FieldError{Field: "format", Message: "must be xlsx, csv or html"})
	}
	r, err := s.Bulletin(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("shanhai-bulletin-%d-%02d", r.Year, r.Month)
	if q.Programme != "" {
		name += "-" + q.Programme
	}
	switch format {
	case FormatCSV:
		return sheet.Write(FormatCSV, name, bulletinSheets(r, true)...)
	case FormatHTML:
		var b bytes.Buffer
		if err := bulletinPage.Execute(&b, r); err != nil {
			return nil, err
		}
		return &sheet.File{Name: name + ".html", ContentType: ContentTypeHTML, Body: b.Bytes()}, nil
	}
	return sheet.Write(FormatXLSX, name, bulletinSheets(r, false)...)
}

// percent prints a completion as a percentage with two places: 0.7340 →
// "73.40%"; nil → "—".
func percent(r *Ratio) string {
	if r == nil {
		return "—"
	}
	s := r.String() // [-]W.FFFF
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	whole, frac := s[:len(s)-5], s[len(s)-4:]
	p := whole + frac[:2]
	for len(p) > 1 && p[0] == '0' {
		p = p[1:]
	}
	p += "." + frac[2:] + "%"
	if neg {
		p = "-" + p
	}
	return p
}

var bulletinPage = template.Must(template.New("bulletin").Funcs(template.FuncMap{
	"yuan": Yuan,
	"optYuan": func(v *int64) string {
		if v == nil {
			return "—"
		}
		return Yuan(*v)
	},
	"percent":   percent,
	"programme": func(p string) string { return programmeNames[p] },
	"filing":    filingName,
	"rank": func(r int) string {
		if r == 0 {
			return "—"
		}
		return strconv.Itoa(r)
	},
}).Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.Year}}年{{.Month}}月消费帮扶工作通报</title>
<style>
@page { size: A4 portrait; margin: 15mm 12mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 186mm; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
p.meta { text-align: center; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border: 0.5pt solid #000; padding: 1mm 1.5mm; }
th { background: #eee; font-weight: bold; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
section { break-before: auto; }
section.units { break-before: page; page-break-before: always; }
.changed { font-style: italic; }
@media print { th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
</style>
</head>
<body>
<h1>{{.Year}}年{{.Month}}月消费帮扶工作通报</h1>
<p class="meta">{{if eq .Status "issued"}}已印发（{{.IssuedAt}}）{{else}}草稿，尚未印发{{end}} · 金额单位：元</p>
{{range .Programmes}}
<section>
<h2>{{programme .Programme}}</h2>
<h3>区县排名（本月及年累计）</h3>
<table>
<thead><tr><th>年累计排名</th><th>区县</th><th>年度任务</th><th>本月</th><th>本月排名</th><th>年累计</th><th>完成率</th><th>较上月</th>{{if eq $.Status "issued"}}<th>通报后变动</th>{{end}}</tr></thead>
<tbody>
{{range .Districts}}<tr><td class="n">{{rank .Rank}}</td><td>{{.Region.Name}}</td><td class="n">{{optYuan .TargetCents}}</td><td class="n">{{yuan .MonthCents}}</td><td class="n">{{rank .MonthRank}}</td><td class="n">{{yuan .YTDCents}}</td><td class="n">{{percent .Completion}}</td><td class="n">{{percent .CompletionChange}}</td>{{if eq $.Status "issued"}}<td class="n changed">{{if .ChangedSinceIssue}}{{yuan .ChangedSinceIssue.YTDCents}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{if .Movers}}<h3>完成率进步较大的区县</h3>
<table>
<thead><tr><th>区县</th><th>上月累计完成率</th><th>本月累计完成率</th><th>变动</th></tr></thead>
<tbody>
{{range .Movers}}<tr><td>{{.Region.Name}}</td><td class="n">{{percent .PreviousCompletion}}</td><td class="n">{{percent .Completion}}</td><td class="n">{{percent .CompletionChange}}</td></tr>
{{end}}</tbody>
</table>{{end}}
</section>
{{end}}
<section class="units">
<h2>预算单位预留份额备案与完成情况</h2>
<table>
<thead><tr><th>排名</th><th>单位</th><th>所在地区</th><th>备案状态</th><th>预留金额</th><th>本月</th><th>年累计</th><th>完成率</th><th>较上月</th>{{if eq .Status "issued"}}<th>通报后变动</th>{{end}}</tr></thead>
<tbody>
{{range .Units.Items}}<tr><td class="n">{{rank .Rank}}</td><td>{{.Org.Name}}</td><td>{{.Org.Region.Name}}</td><td>{{filing .FilingStatus}}</td><td class="n">{{optYuan .ReservedCents}}</td><td class="n">{{yuan .MonthCents}}</td><td class="n">{{yuan .YTDCents}}</td><td class="n">{{percent .Completion}}</td><td class="n">{{percent .CompletionChange}}</td>{{if eq $.Status "issued"}}<td class="n changed">{{if .ChangedSinceIssue}}{{yuan .ChangedSinceIssue.YTDCents}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{if .Units.Movers}}<h3>完成率进步较大的单位</h3>
<table>
<thead><tr><th>单位</th><th>上月累计完成率</th><th>本月累计完成率</th><th>变动</th></tr></thead>
<tbody>
{{range .Units.Movers}}<tr><td>{{.Org.Name}}</td><td class="n">{{percent .PreviousCompletion}}</td><td class="n">{{percent .Completion}}</td><td class="n">{{percent .CompletionChange}}</td></tr>
{{end}}</tbody>
</table>{{end}}
</section>
</body>
</html>
`))
