package imports

// Reading a worksheet's rows fast: its XML is scanned byte by byte (no
// encoding/xml tokens, no cell styles or number formats), with the shared
// strings read once. The workbook has been opened by excelize first (the
// unzip limits, the sheet list and which sheets are hidden); this reads the
// chosen sheet's part again from the zip and gives each row the cells'
// raw values as excelize's iterator does with RawCellValue: a shared or
// inline string's text, any other cell's stored value (a formula's cached
// value; a formula without one is an empty cell).

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errSheet is a sheet whose XML cannot be read; a rowError one of its rows.
var errSheet = errors.New("sheet cannot be read")

type rowError struct{ row int }

func (e rowError) Error() string { return "row " + itoa(e.row) + " cannot be read" }

// maxSheetRow is the last row a sheet may have (Excel's limit).
const maxSheetRow = 1 << 20

// sheetReader reads a workbook's sheets from its zip.
type sheetReader struct {
	zr    *zip.Reader
	limit int64 // bytes a part may inflate to
}

func newSheetReader(data []byte, limit int64) (*sheetReader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errSheet
	}
	return &sheetReader{zr: zr, limit: limit}, nil
}

// open is the named part (a leading slash ignored), inflating at most limit
// bytes (past it, reading fails).
func (r *sheetReader) open(name string) (io.ReadCloser, error) {
	name = strings.TrimPrefix(name, "/")
	for _, f := range r.zr.File {
		if strings.EqualFold(f.Name, name) {
			rc, err := f.Open()
			if err != nil {
				return nil, errSheet
			}
			return struct {
				io.Reader
				io.Closer
			}{&limitedReader{r: rc, left: r.limit}, rc}, nil
		}
	}
	return nil, nil
}

type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errSheet
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// rels is a part's relationships: id → target and type → target, targets
// resolved against the part's folder.
func (r *sheetReader) rels(part string) (byID, byType map[string]string, err error) {
	dir := path.Dir(part)
	relsPath := path.Join(dir, "_rels", path.Base(part)+".rels")
	if part == "" { // the package's own relationships
		dir, relsPath = "", "_rels/.rels"
	}
	byID, byType = map[string]string{}, map[string]string{}
	err = r.scan(relsPath, func(x *xmlScanner, t *xmlTag) error {
		if t.name != "Relationship" || t.end {
			return nil
		}
		target := t.attr("Target")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		byID[t.attr("Id")] = target
		typ := t.attr("Type")
		byType[typ[strings.LastIndexByte(typ, '/')+1:]] = target
		return nil
	})
	return byID, byType, err
}

// scan calls fn for each tag of a part (none when the part is missing).
func (r *sheetReader) scan(name string, fn func(*xmlScanner, *xmlTag) error) error {
	rc, err := r.open(name)
	if err != nil || rc == nil {
		return err
	}
	defer rc.Close()
	x := newXMLScanner(rc)
	for {
		t, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(x, t); err != nil {
			return err
		}
	}
}

// rows calls fn with each row of the named sheet: its number and its cells'
// values by column (from 0; a missing cell is empty). cells is reused
// between calls.
func (r *sheetReader) rows(sheet string, fn func(rowNo int, cells []string) error) error {
	_, root, err := r.rels("")
	if err != nil {
		return err
	}
	workbook, ok := root["officeDocument"]
	if !ok {
		workbook = "xl/workbook.xml"
	}
	sheetID := ""
	err = r.scan(workbook, func(x *xmlScanner, t *xmlTag) error {
		if t.name == "sheet" && !t.end && t.attr("name") == sheet && sheetID == "" {
			sheetID = t.attr("id")
		}
		return nil
	})
	if err != nil {
		return err
	}
	byID, byType, err := r.rels(workbook)
	if err != nil {
		return err
	}
	part, ok := byID[sheetID]
	if !ok || sheetID == "" {
		return errSheet
	}
	var sst []string
	p, ok := byType["sharedStrings"]
	if !ok {
		p = "xl/sharedStrings.xml"
	}
	if sst, err = r.sharedStrings(p); err != nil {
		return err
	}
	rc, err := r.open(part)
	if err != nil {
		return err
	}
	if rc == nil {
		return errSheet
	}
	defer rc.Close()
	return sheetRows(newXMLScanner(rc), sst, fn)
}

// sharedStrings is the workbook's string table: each item's text (its runs'
// text joined, phonetic runs left out).
func (r *sheetReader) sharedStrings(name string) ([]string, error) {
	var (
		out   []string
		sb    strings.Builder
		inSI  bool
		inRPh int
	)
	err := r.scan(name, func(x *xmlScanner, t *xmlTag) error {
		switch t.name {
		case "si":
			if t.end {
				out = append(out, bstrUnescape(sb.String()))
				sb.Reset()
				inSI = false
			} else if !t.selfClosing {
				inSI = true
			} else {
				out = append(out, "")
			}
		case "rPh":
			if t.end {
				inRPh--
			} else if !t.selfClosing {
				inRPh++
			}
		case "t":
			if inSI && inRPh == 0 && !t.end && !t.selfClosing {
				text, err := x.text()
				if err != nil {
					return err
				}
				sb.Write(text)
			}
		}
		return nil
	})
	return out, err
}

// sheetRows scans a worksheet's sheetData.
func sheetRows(x *xmlScanner, sst []string, fn func(int, []string) error) error {
	var (
		cells         []string
		rowNo, col    int
		inRow, inCell bool
		cellType      string
		value         []byte
		hasValue      bool
		hasFormula    bool
		inIS, inRPh   int
		isText        []byte
	)
	for {
		t, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errSheet
		}
		switch t.name {
		case "row":
			if t.end {
				if inRow {
					if err := fn(rowNo, cells); err != nil {
						return err
					}
				}
				inRow = false
				continue
			}
			n := rowNo + 1
			if r := t.attr("r"); r != "" {
				if n, err = strconv.Atoi(r); err != nil || n <= rowNo {
					return errSheet
				}
			}
			if n > maxSheetRow {
				return errSheet
			}
			rowNo, col, cells = n, 0, cells[:0]
			if t.selfClosing {
				if err := fn(rowNo, cells); err != nil {
					return err
				}
				continue
			}
			inRow = true
		case "c":
			if !inRow {
				continue
			}
			if t.end {
				if inCell {
					v, err := cellValue(cellType, value, hasValue, isText, inIS > 0 || isText != nil, sst)
					if err != nil {
						return rowError{rowNo}
					}
					if v != "" || hasFormula {
						for len(cells) < col-1 {
							cells = append(cells, "")
						}
						cells = append(cells, v)
					}
				}
				inCell = false
				continue
			}
			col++
			r, typ := t.rawAttr2("r", "t")
			if len(r) > 0 {
				c, ok := columnOf(r)
				if !ok {
					return rowError{rowNo}
				}
				col = c
			}
			cellType = intern(typ)
			value, hasValue, hasFormula, inIS, inRPh, isText = value[:0], false, false, 0, 0, nil
			inCell = !t.selfClosing
		case "v":
			if inCell && !t.end && !t.selfClosing && inIS == 0 {
				text, err := x.text()
				if err != nil {
					return errSheet
				}
				value = append(value[:0], text...)
				hasValue = true
			}
		case "f":
			if inCell && !t.end {
				hasFormula = true
			}
		case "is":
			if inCell {
				if t.end {
					inIS--
				} else if !t.selfClosing {
					inIS++
					if isText == nil {
						isText = []byte{}
					}
				}
			}
		case "rPh":
			if inIS > 0 {
				if t.end {
					inRPh--
				} else if !t.selfClosing {
					inRPh++
				}
			}
		case "t":
			if inIS > 0 && inRPh == 0 && !t.end && !t.selfClosing {
				text, err := x.text()
				if err != nil {
					return errSheet
				}
				isText = append(isText, text...)
			}
		case "sheetData":
			if t.end {
				return nil
			}
		}
	}
}

// cellValue is a cell's raw value by its type.
func cellValue(typ string, v []byte, hasV bool, is []byte, inline bool, sst []string) (string, error) {
	switch typ {
	case "s":
		if !hasV || len(v) == 0 {
			return "", nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil {
			i = 0
		}
		if i < 0 || i >= len(sst) {
			return "", errSheet
		}
		return sst[i], nil
	case "inlineStr":
		if inline {
			return bstrUnescape(string(is)), nil
		}
	}
	return string(v), nil
}

// columnOf is the column (from 1) of a cell reference such as "AB12".
func columnOf(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			goto digits
		}
		if col > 16384 {
			return 0, false
		}
	}
digits:
	if i == 0 || i == len(ref) || ref[i] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range ref[i:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n = n*10 + int(c-'0'); n > maxSheetRow {
			return 0, false
		}
	}
	return col, true
}

// bstrUnescape undoes a string's _xHHHH_ escapes as Excel writes them
// (_x005F_ is an underscore).
func bstrUnescape(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var sb strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || i+7 > len(s) {
			break
		}
		h := s[i+2 : i+6]
		n, err := strconv.ParseUint(h, 16, 16)
		if err != nil || s[i+6] != '_' || strings.ContainsAny(h, "+-") {
			sb.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		sb.WriteString(s[:i])
		if h == "005F" || h == "005f" {
			sb.WriteByte('_')
		} else {
			sb.WriteRune(rune(n))
		}
		s = s[i+7:]
	}
	sb.WriteString(s)
	return sb.String()
}

// xmlScanner reads the tags of an XML document and, on asking, the text
// that follows one; comments, processing instructions and declarations are
// skipped. Names lose their namespace prefix.
type xmlScanner struct {
	r    *bufio.Reader
	tag  xmlTag
	buf  []byte
	tbuf []byte
	// pending is text read past (the scanner met the next tag while asked
	// for text): that tag is answered by the next call.
	pending bool
}

type xmlTag struct {
	name             string
	end, selfClosing bool
	attrs            []byte // the raw attributes
}

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

// attr is the named attribute's value (its prefix ignored), unescaped.
func (t *xmlTag) attr(name string) string {
	v, _ := t.attr2(name, "")
	return v
}

// attr2 is two attributes' values in one pass over the tag.
func (t *xmlTag) attr2(name1, name2 string) (v1, v2 string) {
	b1, b2 := t.rawAttr2(name1, name2)
	return string(b1), string(b2)
}

// rawAttr2 is attr2 without copying: each value is the tag's own bytes
// (or, with an entity in it, unescaped into a new slice), valid until the
// next tag is read.
func (t *xmlTag) rawAttr2(name1, name2 string) (v1, v2 []byte) {
	a := t.attrs
	for len(a) > 0 {
		a = bytes.TrimLeft(a, " \t\r\n")
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return
		}
		key := bytes.TrimSpace(a[:eq])
		if c := bytes.IndexByte(key, ':'); c >= 0 {
			key = key[c+1:]
		}
		rest := bytes.TrimLeft(a[eq+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return
		}
		if string(key) == name1 || string(key) == name2 {
			raw, _ := unescapeXML(rest[1:1+end], nil)
			if string(key) == name1 {
				v1 = raw
			} else {
				v2 = raw
			}
		}
		a = rest[end+2:]
	}
	return
}

// next is the next tag. The text before it is skipped.
func (x *xmlScanner) next() (*xmlTag, error) {
	if x.pending {
		x.pending = false
		return &x.tag, nil
	}
	for {
		if _, err := x.r.ReadSlice('<'); err != nil {
			if err == bufio.ErrBufferFull {
				continue
			}
			return nil, err
		}
		ok, err := x.readTag()
		if err != nil {
			return nil, err
		}
		if ok {
			return &x.tag, nil
		}
	}
}

// readTag reads a tag after its '<': false for a comment, a processing
// instruction, a declaration or CDATA (skipped).
func (x *xmlScanner) readTag() (bool, error) {
	b, err := x.r.Peek(1)
	if err != nil {
		return false, errSheet
	}
	switch b[0] {
	case '?':
		return false, x.skipPast("?>")
	case '!':
		if p, _ := x.r.Peek(3); string(p) == "!--" {
			return false, x.skipPast("-->")
		}
		if p, _ := x.r.Peek(8); string(p) == "![CDATA[" {
			return false, x.skipPast("]]>")
		}
		return false, x.skipPast(">")
	}
	// The tag to its '>', minding quoted attribute values (a '>' inside
	// one does not end the tag).
	x.buf = x.buf[:0]
	var quote byte
	for {
		chunk, err := x.r.ReadSlice('>')
		if err != nil && err != bufio.ErrBufferFull {
			return false, errSheet
		}
		for _, c := range chunk {
			if quote != 0 {
				if c == quote {
					quote = 0
				}
			} else if c == '"' || c == '\'' {
				quote = c
			}
		}
		x.buf = append(x.buf, chunk...)
		if err == nil && quote == 0 {
			x.buf = x.buf[:len(x.buf)-1] // the '>'
			break
		}
	}
	t := &x.tag
	s := x.buf
	t.end = len(s) > 0 && s[0] == '/'
	if t.end {
		s = s[1:]
	}
	t.selfClosing = len(s) > 0 && s[len(s)-1] == '/'
	if t.selfClosing {
		s = s[:len(s)-1]
	}
	i := bytes.IndexAny(s, " \t\r\n")
	name := s
	t.attrs = nil
	if i >= 0 {
		name, t.attrs = s[:i], s[i:]
	}
	if c := bytes.IndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	t.name = intern(name)
	return true, nil
}

// intern avoids an allocation for the tag names and cell types (t
// attributes) a sheet is made of.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "c":
		return "c"
	case "v":
		return "v"
	case "row":
		return "row"
	case "f":
		return "f"
	case "t":
		return "t"
	case "is":
		return "is"
	case "si":
		return "si"
	case "s":
		return "s"
	case "str":
		return "str"
	case "inlineStr":
		return "inlineStr"
	case "n":
		return "n"
	case "b":
		return "b"
	case "e":
		return "e"
	}
	return string(b)
}

func (x *xmlScanner) skipPast(end string) error {
	var last []byte
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return errSheet
		}
		last = append(last, c)
		if len(last) > len(end) {
			last = last[1:]
		}
		if string(last) == end {
			return nil
		}
	}
}

// text is the text content after the current start tag up to the next tag
// (entities and CDATA resolved, line ends normalized as XML does); that tag
// is answered by the next call to next.
func (x *xmlScanner) text() ([]byte, error) {
	x.tbuf = x.tbuf[:0]
	for {
		chunk, err := x.r.ReadSlice('<')
		if err == bufio.ErrBufferFull {
			x.tbuf = append(x.tbuf, chunk...)
			continue
		}
		if err != nil {
			return nil, errSheet
		}
		x.tbuf = append(x.tbuf, chunk[:len(chunk)-1]...)
		if p, _ := x.r.Peek(8); string(p) == "![CDATA[" {
			_, _ = x.r.Discard(8)
			raw, err := x.readPast("]]>")
			if err != nil {
				return nil, err
			}
			x.tbuf = append(x.tbuf, escapeForText(raw)...)
			continue
		}
		ok, err := x.readTag()
		if err != nil {
			return nil, err
		}
		if ok {
			x.pending = true
			break
		}
	}
	// Line ends are normalized as written, before references (a "&#xD;"
	// stays a carriage return).
	out, ok := unescapeXML(normalizeNewlines(x.tbuf), nil)
	if !ok {
		return nil, errSheet
	}
	return out, nil
}

func (x *xmlScanner) readPast(end string) ([]byte, error) {
	var out []byte
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return nil, errSheet
		}
		out = append(out, c)
		if bytes.HasSuffix(out, []byte(end)) {
			return out[:len(out)-len(end)], nil
		}
	}
}

// escapeForText escapes CDATA's ampersands so the text's unescaping leaves
// it as written.
func escapeForText(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("&"), []byte("&amp;"))
}

func normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

// unescapeXML resolves the five named entities and character references;
// false for another entity or a broken one.
func unescapeXML(b, dst []byte) ([]byte, bool) {
	if bytes.IndexByte(b, '&') < 0 {
		return b, true
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			dst = append(dst, b...)
			break
		}
		dst = append(dst, b[:i]...)
		b = b[i:]
		semi := bytes.IndexByte(b, ';')
		if semi < 0 {
			return nil, false
		}
		ent := string(b[1:semi])
		b = b[semi+1:]
		switch ent {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if !strings.HasPrefix(ent, "#") {
				return nil, false
			}
			var n uint64
			var err error
			if strings.HasPrefix(ent, "#x") {
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return nil, false
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
	return dst, true
}
