// Package sheet writes the downloads officials and buyers open in a
// spreadsheet: tables of text cells, each column with a kind, as an xlsx
// workbook (one sheet per table; numbers as numeric cells holding exactly
// their decimal text, no float on the way) or one table as csv (UTF-8 with a
// byte-order mark so Excel reads the Chinese right, CRLF, text that a
// spreadsheet would run as a formula made inert). Statistics, statements,
// the purchase history and the audit trail all go through it.
package sheet

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Formats and their media types.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"

	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// BOM starts every csv file.
const BOM = "\ufeff"

// File is a download.
type File struct {
	Name        string // with its extension, e.g. shanhai-stats-2026.xlsx
	ContentType string
	Body        []byte
}

// Kind is what a column holds.
type Kind int

const (
	Text  Kind = iota
	Int        // whole numbers
	Yuan       // amounts in yuan with two decimals (see FormatYuan)
	Ratio      // four-place decimals (completions)
)

// Sheet is one table as text cells; Kinds has one entry per column. A cell
// that is not a decimal in a number column (a label such as a subtotal's
// name) is written as text.
type Sheet struct {
	Name   string // at most 31 characters (an xlsx limit)
	Header []string
	Kinds  []Kind
	Rows   [][]string
}

// Write is sheets as format, in a file called name plus the format's
// extension; csv holds only the first sheet.
func Write(format, name string, sheets ...Sheet) (*File, error) {
	if format == FormatCSV {
		body, err := CSV(sheets[0])
		if err != nil {
			return nil, err
		}
		return &File{Name: name + ".csv", ContentType: ContentTypeCSV, Body: body}, nil
	}
	body, err := XLSX(sheets...)
	if err != nil {
		return nil, err
	}
	return &File{Name: name + ".xlsx", ContentType: ContentTypeXLSX, Body: body}, nil
}

// Table is one table whose columns are text except intCols (whole numbers),
// as format in a file called name plus its extension.
func Table(format, name, sheetName string, header []string, rows [][]string, intCols ...int) (*File, error) {
	sh := Sheet{Name: sheetName, Header: header, Kinds: make([]Kind, len(header)), Rows: rows}
	for _, c := range intCols {
		sh.Kinds[c] = Int
	}
	return Write(format, name, sh)
}

// CSV is one sheet as csv.
func CSV(sh Sheet) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(BOM)
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	if err := w.Write(sh.Header); err != nil {
		return nil, err
	}
	for _, row := range sh.Rows {
		out := make([]string, len(row))
		for c, v := range row {
			if sh.Kinds[c] == Text || !IsDecimal(v) {
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

// XLSX is the sheets as one workbook: a bold header row, yuan columns shown
// with two decimals and ratios with four.
func XLSX(sheets ...Sheet) ([]byte, error) {
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
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return nil, err
		}
		for c, h := range sh.Header {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := f.SetCellStr(sh.Name, cell, h); err != nil {
				return nil, err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(sh.Header), 1)
		if err := f.SetCellStyle(sh.Name, "A1", last, bold); err != nil {
			return nil, err
		}
		for r, row := range sh.Rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				kind := sh.Kinds[c]
				if !IsDecimal(v) {
					kind = Text // a label in a number column
				}
				switch kind {
				case Text:
					err = f.SetCellStr(sh.Name, cell, v)
				default:
					// a numeric cell holding exactly the decimal text: no float on the way
					err = f.SetCellDefault(sh.Name, cell, v)
					if err == nil && kind == Yuan {
						err = f.SetCellStyle(sh.Name, cell, cell, yuanStyle)
					} else if err == nil && kind == Ratio {
						err = f.SetCellStyle(sh.Name, cell, cell, ratioStyle)
					}
				}
				if err != nil {
					return nil, err
				}
			}
		}
		lastCol, _ := excelize.ColumnNumberToName(len(sh.Header))
		if err := f.SetColWidth(sh.Name, "A", lastCol, 16); err != nil {
			return nil, err
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// IsDecimal: an optional minus, digits, and optionally a point and digits.
func IsDecimal(v string) bool {
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

// FormatYuan is cents as yuan with two decimals: 12345 → "123.45",
// -5 → "-0.05".
func FormatYuan(cents int64) string { return Decimal(cents, 100, 2) }

// Decimal prints v ÷ unit with places decimals, unit = 10^places.
func Decimal(v, unit int64, places int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u // two's complement: right for math.MinInt64 too
	}
	frac := strconv.FormatUint(u%uint64(unit), 10)
	s := strconv.FormatUint(u/uint64(unit), 10) + "." + strings.Repeat("0", places-len(frac)) + frac
	if neg {
		s = "-" + s
	}
	return s
}
