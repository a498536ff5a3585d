package imports

// The workbook side: the columns of each kind, the templates the API serves,
// reading an uploaded workbook row by row, and the per-row result.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
)

// column is one column of a template: its key (the cells' key in a staging
// row, and what an English header may say), its Chinese header, whether a
// row needs it, and the example row's value.
type column struct {
	key, header string
	required    bool
	example     string
	list        string // "kind", "platform", "category": a drop-down list
	width       float64
}

// textColumns are formatted as text in the templates: codes and numbers
// Excel would otherwise turn into numbers (losing leading zeros, or the
// digits of a 20-digit invoice number).
var textColumns = map[string]bool{"producer_credit_code": true, "producer_region": true, "invoice_issuer": true,
	"invoice_code": true, "invoice_number": true, "certificate_no": true, "credit_code": true, "region_code": true}

// sheetName is the data sheet of each kind's template.
var sheetName = map[string]string{model.ImportRecords: "台账", model.ImportRegister: "认定目录"}

var recordColumns = []column{
	{key: "org_id", header: "单位ID", example: "", width: 10},
	{key: "kind", header: "类型", required: true, example: "direct_purchase", list: "kind", width: 16},
	{key: "platform", header: "平台", required: true, example: "832", list: "platform", width: 10},
	{key: "date", header: "交易日期", required: true, example: "2026-03-01", width: 12},
	{key: "sales_point_id", header: "销售点ID", example: "", width: 10},
	{key: "supplier_id", header: "供应商ID", example: "", width: 10},
	{key: "producer_name", header: "生产者名称", example: "金口河区山珍有限公司", width: 28},
	{key: "producer_credit_code", header: "生产者统一社会信用代码", example: "91511113MA00000012", width: 22},
	{key: "producer_region", header: "生产者所在县区划代码", example: "511113", width: 12},
	{key: "invoice_issuer", header: "发票开具方信用代码", example: "", width: 22},
	{key: "invoice_code", header: "发票代码", example: "", width: 14},
	{key: "invoice_number", header: "发票号码", required: true, example: "26332000000000000001", width: 22},
	{key: "invoice_date", header: "开票日期", required: true, example: "2026-03-01", width: 12},
	{key: "product_name", header: "品名", required: true, example: "高山绿茶", width: 20},
	{key: "category", header: "品类代码", required: true, example: "tea", list: "category", width: 12},
	{key: "quantity", header: "数量", required: true, example: "12.5", width: 10},
	{key: "unit", header: "计量单位", required: true, example: "千克", width: 8},
	{key: "amount", header: "金额（元）", required: true, example: "1234.50", width: 12},
	{key: "certificate_no", header: "认定证书编号", example: "", width: 20},
	{key: "note", header: "备注", example: "", width: 20},
}

var registerColumns = []column{
	{key: "certificate_no", header: "证书编号", required: true, example: "JKH-2025-0001", width: 18},
	{key: "issuer", header: "认定机关", required: true, example: "乐山市金口河区农业农村局", width: 24},
	{key: "product_name", header: "产品名称", required: true, example: "高山绿茶", width: 20},
	{key: "spec", header: "规格", example: "250克", width: 10},
	{key: "category", header: "品类代码", required: true, example: "tea", list: "category", width: 12},
	{key: "producer_name", header: "生产者名称", required: true, example: "金口河区山珍有限公司", width: 28},
	{key: "credit_code", header: "统一社会信用代码", example: "91511113MA00000012", width: 22},
	{key: "region_code", header: "所在县区划代码", required: true, example: "511113", width: 12},
	{key: "batch", header: "批次", example: "第一批", width: 10},
	{key: "valid_from", header: "有效期起", required: true, example: "2025-01-01", width: 12},
	{key: "valid_to", header: "有效期止", required: true, example: "2027-12-31", width: 12},
}

func columnsOf(kind string) []column {
	if kind == model.ImportRegister {
		return registerColumns
	}
	return recordColumns
}

// Template is the xlsx template of kind: the data sheet with its headers and
// an example row, drop-down lists for the coded columns, and a notes sheet.
func (s *Service) Template(ctx context.Context, kind string) ([]byte, string, error) {
	if kind != model.ImportRecords && kind != model.ImportRegister {
		return nil, "", model.NotFound("template")
	}
	cats, err := s.store.Categories(ctx)
	if err != nil {
		return nil, "", err
	}
	lists := map[string][]string{
		"kind":     {model.CreditDirect, model.CreditAssisted},
		"platform": model.RecordPlatforms,
	}
	for _, c := range cats {
		lists["category"] = append(lists["category"], c.Code)
	}
	f := excelize.NewFile()
	defer f.Close()
	data := sheetName[kind]
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return nil, "", err
	}
	// The lists live on a sheet of their own (a drop-down list written
	// inline is limited to 255 characters).
	const listSheet = "选项"
	if _, err := f.NewSheet(listSheet); err != nil {
		return nil, "", err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
	cols := columnsOf(kind)
	listCol := 0
	for i, c := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		header := c.header
		if c.required {
			header += "*"
		}
		_ = f.SetCellStr(data, name+"1", header)
		_ = f.SetCellStr(data, name+"2", c.example)
		_ = f.SetColWidth(data, name, name, c.width)
		if textColumns[c.key] {
			_ = f.SetColStyle(data, name, text)
		}
		if c.list == "" {
			continue
		}
		listCol++
		ln, _ := excelize.ColumnNumberToName(listCol)
		_ = f.SetCellStr(listSheet, ln+"1", c.header)
		vals := lists[c.list]
		for j, v := range vals {
			_ = f.SetCellStr(listSheet, fmt.Sprintf("%s%d", ln, j+2), v)
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", name, name, maxRows+1)
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", listSheet, ln, ln, len(vals)+1))
		if err := f.AddDataValidation(data, dv); err != nil {
			return nil, "", err
		}
	}
	_ = f.SetRowStyle(data, 1, 1, bold)
	_ = f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "shanhai-import-" + kind + ".xlsx", nil
}

// maxRows bounds a file's data rows.
const maxRows = 200_000

// fileError is the 422 for a file that cannot be imported at all.
func fileError(msg string) error {
	return model.Invalid(model.FieldError{Field: "file", Message: msg})
}

// openBook opens an uploaded workbook with the unzip limits: not a zip, a
// broken one, or one inflating past the limits is a 422 naming the file.
func (s *Service) openBook(data []byte) (*excelize.File, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: s.limits.UnzipSize, UnzipXMLSizeLimit: s.limits.UnzipXMLSize})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, fileError(fmt.Sprintf("inflates past %d bytes", s.limits.UnzipSize))
		}
		return nil, fileError("is not an xlsx workbook")
	}
	return f, nil
}

// dataSheet is the sheet to read: the template's data sheet when it is there
// and visible, else the first visible sheet (hidden sheets are never read).
func dataSheet(f *excelize.File, kind string) (string, error) {
	first := ""
	for _, name := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(name)
		if err != nil || !visible {
			continue
		}
		if name == sheetName[kind] {
			return name, nil
		}
		if first == "" {
			first = name
		}
	}
	if first == "" {
		return "", fileError("has no visible sheet")
	}
	return first, nil
}

// header maps the columns of a header row to keys: a cell names a column by
// its Chinese header (an asterisk allowed) or its key. A missing required
// column is a 422.
func header(cells []string, cols []column) (map[int]string, error) {
	byName := map[string]string{}
	for _, c := range cols {
		byName[c.header] = c.key
		byName[c.key] = c.key
	}
	out := map[int]string{}
	seen := map[string]bool{}
	for i, cell := range cells {
		name := strings.TrimSuffix(strings.TrimSpace(cell), "*")
		if key, ok := byName[name]; ok && !seen[key] {
			out[i] = key
			seen[key] = true
		}
	}
	var missing []string
	for _, c := range cols {
		if c.required && !seen[c.key] {
			missing = append(missing, c.header)
		}
	}
	if len(missing) > 0 {
		return nil, fileError("the first row of the sheet lacks the columns " + strings.Join(missing, ", ") +
			" (use the template)")
	}
	return out, nil
}

// columnName is the header of key, for messages and the result file.
func columnName(kind, key string) string {
	for _, c := range columnsOf(kind) {
		if c.key == key {
			return c.header
		}
	}
	return key
}

// dateSeparators turns a written date's separators into dashes.
var dateSeparators = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-")

// cellDate reads a date cell: an Excel serial day number (a date-typed
// cell), or text as YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日.
func cellDate(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if len(v) == 10 && v[4] == '-' && v[7] == '-' && allDigits(v[:4]) && allDigits(v[5:7]) && allDigits(v[8:]) {
		// Written as it is stored (most cells): no separators to turn.
		if y, _ := strconv.Atoi(v[:4]); y >= 1900 && model.ValidDate(v) {
			return v, true
		}
		return "", false
	}
	if whole, frac, _ := strings.Cut(v, "."); allDigits(whole) && allDigits(frac) {
		// A date-typed cell: its serial day number (a time of day ignored).
		n, err := strconv.Atoi(whole)
		if err != nil || n < 1 || n > 2958465 {
			return "", false
		}
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
		return t.Format(model.DateLayout), true
	}
	parts := strings.Split(dateSeparators.Replace(v), "-")
	if len(parts) != 3 {
		return "", false
	}
	y, e1 := strconv.Atoi(parts[0])
	m, e2 := strconv.Atoi(parts[1])
	d, e3 := strconv.Atoi(parts[2])
	if e1 != nil || e2 != nil || e3 != nil || y < 1900 || y > 9999 {
		return "", false
	}
	out := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	if !model.ValidDate(out) {
		return "", false
	}
	return out, true
}

// cellCents reads an amount in yuan (at most two decimal places; a
// spreadsheet's binary rounding such as 12.300000000000001 is undone) into
// cents, from its text, never through a float.
func cellCents(v string) (int64, bool) {
	v = strings.TrimSpace(strings.ReplaceAll(v, ",", ""))
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" || len(whole) > 12 || (dot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, false
	}
	if len(frac) > 2 {
		rest := frac[2:]
		switch {
		case strings.Trim(rest, "0") == "":
		case len(frac) >= 12 && strings.Trim(rest[:len(rest)-1], "0") == "":
		case len(frac) >= 12 && strings.Trim(rest[:len(rest)-1], "9") == "":
			// x.xx9999999999n: round the two places up.
			c, _ := strconv.ParseInt(whole+frac[:2], 10, 64)
			return c + 1, c+1 > 0
		default:
			return 0, false
		}
		frac = frac[:2]
	}
	frac += strings.Repeat("0", 2-len(frac))
	c, err := strconv.ParseInt(whole+frac, 10, 64)
	return c, err == nil && c > 0
}

// cellQuantity reads a quantity (up to three places, binary rounding undone)
// as the records take it.
func cellQuantity(v string) string {
	v = strings.TrimSpace(v)
	whole, frac, dot := strings.Cut(v, ".")
	if dot && len(frac) >= 12 && allDigits(frac) {
		rest := frac[3:]
		if strings.Trim(rest[:len(rest)-1], "0") == "" {
			return whole + "." + frac[:3]
		}
	}
	return v
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// resultFile writes a job's per-row result: row, status, column, message and
// the record or entry made, from the staged rows and their outcomes.
func (s *Service) resultFile(ctx context.Context, j *model.ImportJob) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "结果"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	ref := "记录ID"
	if j.Kind == model.ImportRegister {
		ref = "认定目录条目ID"
	}
	if err := sw.SetRow("A1", []any{"行号", "状态", "列", "说明", ref}); err != nil {
		return nil, err
	}
	// The rows in row order: their outcomes (without their cells) are
	// read chunk by chunk, then sorted (a chunk holds whole groups).
	type line struct {
		no               int
		status, problems string
		ref              *int64
	}
	var lines []line
	err = s.eachChunk(ctx, j, func(rows []model.ImportRow) error {
		for _, r := range rows {
			lines = append(lines, line{no: r.RowNo, status: r.Status, problems: r.Problems, ref: r.RefID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(lines, func(a, b line) int { return a.no - b.no })
	out := 2
	for _, r := range lines {
		var refCell any = ""
		if r.ref != nil {
			refCell = *r.ref
		}
		probs := problemsOf(r.problems)
		if len(probs) == 0 {
			probs = []model.RowProblem{{}}
		}
		for _, p := range probs {
			col := ""
			if p.Column != "" {
				col = columnName(j.Kind, p.Column)
			}
			cell, _ := excelize.CoordinatesToCellName(1, out)
			if err := sw.SetRow(cell, []any{r.no, r.status, col, p.Message, refCell}); err != nil {
				return nil, err
			}
			out++
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var errStop = errors.New("stop")
