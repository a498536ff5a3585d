package imports

// A staging row's cells, stored compactly: each non-empty cell as its
// column's number in cellKeys, a dot, its length in bytes, a colon and
// its value ("13.12:高山绿茶"), one after the other. Rows staged as a JSON
// object by key (before this encoding) are still read.

import (
	"encoding/json"
	"strconv"
	"strings"

	"shanhai/model"
)

// cellKeys numbers every column key of every kind (new keys go at the end:
// a staged row's numbers must keep their meaning).
var cellKeys, cellKeyNo = func() ([]string, map[string]int) {
	var keys []string
	no := map[string]int{}
	for _, cols := range [][]column{recordColumns, registerColumns} {
		for _, c := range cols {
			if _, ok := no[c.key]; !ok {
				no[c.key] = len(keys)
				keys = append(keys, c.key)
			}
		}
	}
	return keys, no
}()

// encodeCells is vals (column key → non-empty value) in the staging
// encoding, in column order so equal rows encode equally.
func encodeCells(vals map[string]string) string {
	return string(appendCells(nil, vals))
}

// appendCells is encodeCells appending to b.
func appendCells(b []byte, vals map[string]string) []byte {
	for i, k := range cellKeys {
		v, ok := vals[k]
		if !ok || v == "" {
			continue
		}
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b
}

// decodeCells reads a staging row's cells back by column key.
func decodeCells(s string) map[string]string {
	return decodeCellsInto(make(map[string]string, 16), s)
}

// decodeCellsInto is decodeCells into m, emptied first (a map reused
// row after row).
func decodeCellsInto(m map[string]string, s string) map[string]string {
	clear(m)
	if strings.HasPrefix(s, "{") {
		_ = json.Unmarshal([]byte(s), &m)
		return m
	}
	for s != "" {
		i, v, rest, ok := nextCell(s)
		if !ok {
			return m
		}
		m[cellKeys[i]] = v
		s = rest
	}
	return m
}

// cellOf is one cell of a staging row's cells, by column key.
func cellOf(s, key string) string {
	if strings.HasPrefix(s, "{") {
		return decodeCells(s)[key]
	}
	want, ok := cellKeyNo[key]
	if !ok {
		return ""
	}
	for s != "" {
		i, v, rest, ok := nextCell(s)
		if !ok {
			return ""
		}
		if i == want {
			return v
		}
		s = rest
	}
	return ""
}

// nextCell reads the first cell of s: its column's number, its value and
// what follows; false when s is not in the encoding.
func nextCell(s string) (int, string, string, bool) {
	i, p, ok := leadingInt(s, 0, '.')
	if !ok || i >= len(cellKeys) {
		return 0, "", "", false
	}
	n, p, ok := leadingInt(s, p, ':')
	if !ok || p+n > len(s) {
		return 0, "", "", false
	}
	return i, s[p : p+n], s[p+n:], true
}

// leadingInt reads the decimal number in s from p up to the byte end,
// answering the position after end.
func leadingInt[S string | []byte](s S, p int, end byte) (int, int, bool) {
	n, start := 0, p
	for ; p < len(s) && s[p] != end; p++ {
		c := s[p]
		if c < '0' || c > '9' || p-start > 9 {
			return 0, 0, false
		}
		n = n*10 + int(c-'0')
	}
	if p == start || p == len(s) {
		return 0, 0, false
	}
	return n, p + 1, true
}

func cellsOf(r model.ImportRow) map[string]string { return decodeCells(r.Cells) }

// A chunk's staged part (model.ImportStaged) is its rows one after the
// other, each as its row number, a space, its group key's length, a colon,
// the key, its cells' length, a colon and its cells (as encodeCells wrote
// them): "2 32:<key>18:13.12:高山绿茶".

// appendLine adds one row to a staged part.
func appendLine[S string | []byte](b []byte, rowNo int, key string, cells S) []byte {
	b = strconv.AppendInt(b, int64(rowNo), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(key)), 10)
	b = append(b, ':')
	b = append(b, key...)
	b = strconv.AppendInt(b, int64(len(cells)), 10)
	b = append(b, ':')
	return append(b, cells...)
}

// decodeLines calls fn with each row of a staged part; false when the part
// is not in the encoding. Each row's key and cells are strings of their
// own, not views of the part: a value kept from one row (a cache of the
// records' checks may keep a producer's name) must not keep the whole part.
func decodeLines(data []byte, fn func(rowNo int, key, cells string)) bool {
	for p := 0; p < len(data); {
		no, q, ok := leadingInt(data, p, ' ')
		if !ok {
			return false
		}
		key, q, ok := lengthPrefixed(data, q)
		if !ok {
			return false
		}
		cells, q, ok := lengthPrefixed(data, q)
		if !ok {
			return false
		}
		fn(no, string(key), string(cells))
		p = q
	}
	return true
}

// lengthPrefixed reads a length, a colon and that many bytes from p.
func lengthPrefixed(b []byte, p int) ([]byte, int, bool) {
	n, p, ok := leadingInt(b, p, ':')
	if !ok || p+n > len(b) {
		return nil, 0, false
	}
	return b[p : p+n], p + n, true
}
