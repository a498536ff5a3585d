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
	var sb strings.Builder
	for i, k := range cellKeys {
		v, ok := vals[k]
		if !ok || v == "" {
			continue
		}
		sb.WriteString(strconv.Itoa(i))
		sb.WriteByte('.')
		sb.WriteString(strconv.Itoa(len(v)))
		sb.WriteByte(':')
		sb.WriteString(v)
	}
	return sb.String()
}

// decodeCells reads a staging row's cells back by column key.
func decodeCells(s string) map[string]string {
	m := map[string]string{}
	if strings.HasPrefix(s, "{") {
		_ = json.Unmarshal([]byte(s), &m)
		return m
	}
	for s != "" {
		dot := strings.IndexByte(s, '.')
		colon := strings.IndexByte(s, ':')
		if dot < 0 || colon < dot {
			return m
		}
		i, err1 := strconv.Atoi(s[:dot])
		n, err2 := strconv.Atoi(s[dot+1 : colon])
		if err1 != nil || err2 != nil || i < 0 || i >= len(cellKeys) || n < 0 || colon+1+n > len(s) {
			return m
		}
		m[cellKeys[i]] = s[colon+1 : colon+1+n]
		s = s[colon+1+n:]
	}
	return m
}

func cellsOf(r model.ImportRow) map[string]string { return decodeCells(r.Cells) }
