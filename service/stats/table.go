package stats

// Plain tables in the export formats, for exports beyond the statistics (the
// audit trail): the same csv (BOM, CRLF, formula-safe text) and xlsx writers.

// ContentTypeCSV and ContentTypeXLSX are the exports' media types.
const (
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// TableFile writes one table as format (FormatCSV or FormatXLSX, one sheet
// named sheetName, at most 31 characters), in a file called name plus its
// extension; the columns listed in intCols hold whole numbers, every
// other cell is text.
func TableFile(format, name, sheetName string, header []string, rows [][]string, intCols ...int) (*File, error) {
	sh := sheet{name: sheetName, header: header, kinds: make([]cellKind, len(header)), rows: rows}
	for _, c := range intCols {
		sh.kinds[c] = intCell
	}
	if format == FormatCSV {
		body, err := writeCSV(sh)
		if err != nil {
			return nil, err
		}
		return &File{Name: name + ".csv", ContentType: ContentTypeCSV, Body: body}, nil
	}
	body, err := writeXLSX([]sheet{sh})
	if err != nil {
		return nil, err
	}
	return &File{Name: name + ".xlsx", ContentType: ContentTypeXLSX, Body: body}, nil
}
