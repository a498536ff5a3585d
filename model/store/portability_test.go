package store

// The portability lint: docs/OPERATIONS.md promises TiDB, so the SQL stays within what TiDB
// runs, so no migration and no SQL in this package's Go source may use
// triggers, stored procedures or functions, events, FULLTEXT, SKIP LOCKED or
// shared locks (LOCK IN SHARE MODE, FOR SHARE); and every money column
// (*_cents) of the MySQL schema is an integer. Every embedded migration file
// is read, so new ones are checked the day they land. TestPortabilityChecker
// feeds the checker bad snippets, so the lint is known to be able to fail.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// forbidden are the constructs TiDB does not run, matched on SQL whose
// comments are removed and whose quoted strings are blanked.
var forbidden = []struct {
	what string
	re   *regexp.Regexp
}{
	{"stored program (trigger, procedure, function or event)", regexp.MustCompile(`(?i)\b(?:CREATE|ALTER|DROP)\s+` +
		`(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?(?:AGGREGATE\s+)?` +
		`(?:TRIGGER|PROCEDURE|FUNCTION|EVENT)\b`)},
	{"stored procedure call", regexp.MustCompile("(?i)\\bCALL\\s+[\\w.`]+\\s*\\(")},
	{"DELIMITER (stored program)", regexp.MustCompile(`(?im)^\s*DELIMITER\b`)},
	{"event schedule", regexp.MustCompile(`(?i)\bON\s+SCHEDULE\b`)},
	{"FULLTEXT", regexp.MustCompile(`(?i)\bFULLTEXT\b`)},
	{"full-text search (MATCH ... AGAINST)", regexp.MustCompile(`(?i)\bMATCH\s*\([^)]*\)\s*AGAINST\b`)},
	{"SKIP LOCKED", regexp.MustCompile(`(?i)\bSKIP\s+LOCKED\b`)},
	{"LOCK IN SHARE MODE", regexp.MustCompile(`(?i)\bLOCK\s+IN\s+SHARE\s+MODE\b`)},
	{"FOR SHARE (a shared lock, as LOCK IN SHARE MODE)", regexp.MustCompile(`(?i)\bFOR\s+SHARE\b`)},
}

// cleanSQL blanks comments (--, #, /* */) and the contents of quoted strings
// with spaces, keeping every newline and offset, so matches map back to the
// source's lines. The body of a MySQL executable comment (/*! ... */) runs on
// MySQL, so it is kept. Backquoted identifiers are kept.
func cleanSQL(src string) string {
	b := []byte(src)
	blank := func(i, j int) {
		for ; i < j && i < len(b); i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	for i := 0; i < len(b); {
		switch c := b[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(b) && b[j] != c {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			blank(i+1, j)
			i = j + 1
		case c == '`':
			j := i + 1
			for j < len(b) && b[j] != '`' {
				j++
			}
			i = j + 1
		case c == '#' || (c == '-' && i+1 < len(b) && b[i+1] == '-' &&
			(i+2 == len(b) || b[i+2] == ' ' || b[i+2] == '\t' || b[i+2] == '\n' || b[i+2] == '\r')):
			j := i
			for j < len(b) && b[j] != '\n' {
				j++
			}
			blank(i, j)
			i = j
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			end := strings.Index(string(b[i+2:]), "*/")
			j := len(b)
			if end >= 0 {
				j = i + 2 + end + 2
			}
			if i+2 < len(b) && b[i+2] == '!' {
				// /*!50100 ... */: drop the markers and the version, keep the body
				k := i + 3
				for k < len(b) && b[k] >= '0' && b[k] <= '9' {
					k++
				}
				blank(i, k)
				blank(max(j-2, k), j)
			} else {
				blank(i, j)
			}
			i = j
		default:
			i++
		}
	}
	return string(b)
}

// sqlProblems lists what src uses that TiDB does not run, with its line.
func sqlProblems(src string) []string {
	clean := cleanSQL(src)
	var out []string
	for _, f := range forbidden {
		for _, m := range f.re.FindAllStringIndex(clean, -1) {
			line := 1 + strings.Count(clean[:m[0]], "\n")
			out = append(out, fmt.Sprintf("line %d: %s: %q", line, f.what, strings.Join(strings.Fields(clean[m[0]:m[1]]), " ")))
		}
	}
	return out
}

// column is a column definition found in a CREATE TABLE or ALTER TABLE.
type column struct {
	name, typ string
	line      int
}

var (
	createTableRe = regexp.MustCompile(`(?is)^\s*CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+?\s*\(`)
	alterTableRe  = regexp.MustCompile(`(?is)^\s*ALTER\s+(?:ONLINE\s+)?(?:IGNORE\s+)?TABLE\s+\S+\s+`)
	// what a CREATE TABLE item starts with when it is not a column
	notColumn = map[string]bool{"PRIMARY": true, "KEY": true, "INDEX": true, "UNIQUE": true, "CONSTRAINT": true,
		"FOREIGN": true, "FULLTEXT": true, "SPATIAL": true, "CHECK": true, "PERIOD": true}
	columnStartRe  = regexp.MustCompile("(?is)^\\s*(`[^`]+`|[\\w$]+)\\s+([A-Za-z]+)")
	addColumnRe    = regexp.MustCompile(`(?is)^\s*ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?`)
	addNotColumnRe = regexp.MustCompile(`(?is)^\s*ADD\s+(?:PRIMARY|KEY|INDEX|UNIQUE|CONSTRAINT|FOREIGN|FULLTEXT|SPATIAL|CHECK|PARTITION)\b`)
	modifyRe       = regexp.MustCompile(`(?is)^\s*MODIFY\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?`)
	changeRe       = regexp.MustCompile("(?is)^\\s*CHANGE\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?(?:`[^`]+`|[\\w$]+)\\s+")
)

// columns lists the column definitions of the CREATE TABLE and ALTER TABLE
// statements in src (MySQL syntax).
func columns(src string) []column {
	clean := cleanSQL(src)
	var out []column
	// defs reads comma-separated column definitions in s, which starts at
	// offset off of clean; items that are not columns are skipped.
	defs := func(s string, off int, onlyColumns bool) {
		for _, it := range splitTop(s) {
			item := s[it[0]:it[1]]
			m := columnStartRe.FindStringSubmatchIndex(item)
			if m == nil {
				continue
			}
			name := strings.Trim(item[m[2]:m[3]], "`")
			if !onlyColumns && notColumn[strings.ToUpper(name)] && !strings.HasPrefix(item[m[2]:], "`") {
				continue
			}
			out = append(out, column{name: name, typ: strings.ToUpper(item[m[4]:m[5]]),
				line: 1 + strings.Count(clean[:off+it[0]+m[2]], "\n")})
		}
	}
	for _, st := range splitStatements(clean) {
		stmt := clean[st[0]:st[1]]
		if m := createTableRe.FindStringIndex(stmt); m != nil {
			open := m[1] - 1
			if close := matchParen(stmt, open); close > open {
				defs(stmt[open+1:close], st[0]+open+1, false)
			}
			continue
		}
		m := alterTableRe.FindStringIndex(stmt)
		if m == nil {
			continue
		}
		specs := stmt[m[1]:]
		for _, sp := range splitTop(specs) {
			spec := specs[sp[0]:sp[1]]
			off := st[0] + m[1] + sp[0]
			switch {
			case addNotColumnRe.MatchString(spec):
			case addColumnRe.MatchString(spec):
				rest := addColumnRe.FindStringIndex(spec)[1]
				if r := strings.TrimLeft(spec[rest:], " \t\r\n"); strings.HasPrefix(r, "(") {
					open := len(spec) - len(r)
					if close := matchParen(spec, open); close > open {
						defs(spec[open+1:close], off+open+1, true)
					}
				} else {
					defs(spec[rest:], off+rest, true)
				}
			case modifyRe.MatchString(spec):
				rest := modifyRe.FindStringIndex(spec)[1]
				defs(spec[rest:], off+rest, true)
			case changeRe.MatchString(spec):
				rest := changeRe.FindStringIndex(spec)[1]
				defs(spec[rest:], off+rest, true)
			}
		}
	}
	return out
}

// splitStatements returns the [start, end) of each statement of clean SQL.
func splitStatements(clean string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i <= len(clean); i++ {
		if i == len(clean) || clean[i] == ';' {
			if strings.TrimSpace(clean[start:i]) != "" {
				out = append(out, [2]int{start, i})
			}
			start = i + 1
		}
	}
	return out
}

// splitTop returns the [start, end) of the comma-separated items of s at
// parenthesis depth zero (clean SQL: no quotes left to mind).
func splitTop(s string) [][2]int {
	var out [][2]int
	depth, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '(':
				depth++
				continue
			case ')':
				depth--
				continue
			case ',':
				if depth != 0 {
					continue
				}
			default:
				continue
			}
		}
		out = append(out, [2]int{start, i})
		start = i + 1
	}
	return out
}

// matchParen is the index of the parenthesis closing the one at open, or -1.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// integerTypes are the types a money column may have in MySQL.
var integerTypes = []string{"BIGINT", "INT", "INTEGER"}

// moneyProblems lists the *_cents columns of src whose type is not an integer.
func moneyProblems(src string) (problems []string, money int) {
	for _, c := range columns(src) {
		if !strings.HasSuffix(strings.ToLower(c.name), "_cents") {
			continue
		}
		money++
		if !slices.Contains(integerTypes, c.typ) {
			problems = append(problems, fmt.Sprintf("line %d: money column %s is %s, want BIGINT (integer cents)", c.line, c.name, c.typ))
		}
	}
	return problems, money
}

// goProblems lists what the Go source src (file name) does in SQL that TiDB
// does not run: in any string literal (and in constant concatenations of
// literals), and in gorm clause.Locking values asking for a shared lock or
// SKIP LOCKED.
func goProblems(name string, src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []string
	report := func(pos token.Pos, what string) {
		out = append(out, fmt.Sprintf("%s: %s", fset.Position(pos), what))
	}
	checkString := func(pos token.Pos, s string) {
		for _, p := range sqlProblems(s) {
			report(pos, "in a string: "+p)
		}
	}
	isClause := func(e ast.Expr, names ...string) bool {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		x, ok := sel.X.(*ast.Ident)
		return ok && x.Name == "clause" && slices.Contains(names, sel.Sel.Name)
	}
	stringValue := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if s, ok := stringValue(n); ok {
				checkString(n.Pos(), s)
			}
		case *ast.BinaryExpr:
			// "... LOCK IN " + "SHARE MODE": only the whole shows it; the
			// literals inside are checked as part of it
			if s, ok := concat(n); ok {
				checkString(n.Pos(), s)
				return false
			}
		case *ast.SelectorExpr:
			if isClause(n, "LockingStrengthShare") {
				report(n.Pos(), "gorm clause.LockingStrengthShare (a shared lock, as LOCK IN SHARE MODE)")
			}
			if isClause(n, "LockingOptionsSkipLocked") {
				report(n.Pos(), "gorm clause.LockingOptionsSkipLocked (SKIP LOCKED)")
			}
		case *ast.CompositeLit:
			if !isClause(n.Type, "Locking") {
				return true
			}
			for _, el := range n.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key, _ := kv.Key.(*ast.Ident)
				s, ok := stringValue(kv.Value)
				if key == nil || !ok {
					continue
				}
				// (an Options string such as "SKIP LOCKED" is a string literal: checked as one)
				if key.Name == "Strength" && !strings.EqualFold(strings.TrimSpace(s), "UPDATE") {
					report(kv.Pos(), fmt.Sprintf("gorm clause.Locking{Strength: %q}: only FOR UPDATE is portable", s))
				}
			}
		}
		return true
	})
	return out, nil
}

// concat is the value of a + of string literals only.
func concat(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return concat(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		l, ok := concat(e.X)
		if !ok {
			return "", false
		}
		r, ok := concat(e.Y)
		return l + r, ok
	}
	return "", false
}

// TestPortability checks every embedded migration and every Go file of
// model/store (tests aside) against what TiDB runs.
func TestPortability(t *testing.T) {
	files := 0
	money := 0
	err := fs.WalkDir(migrationFS, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(p, ".sql") {
			t.Errorf("%s: not a .sql file in the migrations", p)
			return nil
		}
		body, err := fs.ReadFile(migrationFS, p)
		if err != nil {
			return err
		}
		files++
		for _, problem := range sqlProblems(string(body)) {
			t.Errorf("model/store/%s: %s (TiDB does not run it; see the portability lint at the top of this file)", p, problem)
		}
		// the common migrations run on MySQL too
		if dir := path2dir(p); dir == "mysql" || dir == "common" {
			problems, n := moneyProblems(string(body))
			money += n
			for _, problem := range problems {
				t.Errorf("model/store/%s: %s", p, problem)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A lint that read nothing would pass forever.
	if files < 10 || money < 10 {
		t.Fatalf("read %d migration files and %d money columns: the lint is not looking at the migrations", files, money)
	}

	gofiles := 0
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		gofiles++
		problems, err := goProblems(filepath.ToSlash(filepath.Join("model/store", p)), src)
		if err != nil {
			return err
		}
		for _, problem := range problems {
			t.Errorf("%s (TiDB does not run it; see the portability lint at the top of this file)", problem)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if gofiles < 5 {
		t.Fatalf("read %d Go files of model/store: the lint is not looking at the source", gofiles)
	}
}

// path2dir is the migration's dialect directory: common, mysql or sqlite.
func path2dir(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-2]
}

// TestPortabilityChecker: the checker finds what it is for, and only that.
func TestPortabilityChecker(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		want      int // problems expected
	}{
		{"trigger", "CREATE TRIGGER t_ai AFTER INSERT ON orders FOR EACH ROW SET @n = 1;", 1},
		{"trigger, lower case, definer", "create definer=`root`@`%` trigger t before update on skus for each row begin end;", 1},
		{"drop trigger", "DROP TRIGGER IF EXISTS t_ai;", 1},
		{"procedure", "CREATE PROCEDURE p() BEGIN SELECT 1; END", 1},
		{"procedure call", "CALL refresh_rollups(2026);", 1},
		{"function", "CREATE FUNCTION yuan(c BIGINT) RETURNS DECIMAL(20,2) DETERMINISTIC RETURN c / 100;", 1},
		{"aggregate function", "CREATE AGGREGATE FUNCTION f RETURNS INTEGER SONAME 'x.so';", 1},
		{"event", "CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM idempotency_keys;", 2},
		{"delimiter", "DELIMITER //\nSELECT 1//", 1},
		{"fulltext index", "CREATE TABLE p (id BIGINT, name VARCHAR(9), FULLTEXT KEY ft (name));", 1},
		{"fulltext, added", "ALTER TABLE products ADD FULLTEXT INDEX ft_name (name);", 1},
		{"fulltext search", "SELECT id FROM products WHERE MATCH (name) AGAINST ('茶')", 1},
		{"skip locked", "SELECT id FROM orders WHERE status = 'pending' LIMIT 10 FOR UPDATE SKIP LOCKED", 1},
		{"skip locked across lines", "SELECT id FROM orders FOR UPDATE SKIP\n  LOCKED", 1},
		{"lock in share mode", "select * from skus where id = 1 lock in share mode", 1},
		{"for share", "SELECT * FROM skus WHERE id = ? FOR SHARE", 1},
		{"executable comment", "CREATE TABLE p (name TEXT /*!50100 , FULLTEXT KEY ft (name) */);", 1},
		{"after a string", "SELECT 'it''s -- not a comment' FROM t LOCK IN SHARE MODE", 1},
		{"after a string with a backslash", `SELECT 'a\'b' FROM t FOR SHARE`, 1},

		{"line comment", "-- CREATE TRIGGER t ...\nSELECT 1;", 0},
		{"hash comment", "# FULLTEXT is not used here\nSELECT 1;", 0},
		{"block comment", "SELECT /* FOR UPDATE SKIP LOCKED would not do */ id FROM orders FOR UPDATE", 0},
		{"in a string", "INSERT INTO categories (code, name) VALUES ('x', 'CREATE TRIGGER or FULLTEXT')", 0},
		{"in a double-quoted string", `INSERT INTO audits (reason) VALUES ("LOCK IN SHARE MODE")`, 0},
		{"like words", "CREATE TABLE t (trigger_count INT, fulltext_hint VARCHAR(9), skip_locked TINYINT(1))", 0},
		{"for update", "SELECT id FROM users WHERE id = ? FOR UPDATE", 0},
		{"for update nowait", "SELECT id FROM users WHERE id = ? FOR UPDATE NOWAIT", 0},
		{"a named lock", "SELECT GET_LOCK('shanhai_migrate', 120)", 0},
		{"an English message", "the function returned; call it again (for shared canteens)", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sqlProblems(tc.sql); len(got) != tc.want {
				t.Errorf("sqlProblems(%q) = %q, want %d problem(s)", tc.sql, got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name, sql string
		want      []string // the offending columns
		money     int
	}{
		{"bigint", "CREATE TABLE t (id BIGINT, amount_cents BIGINT NOT NULL, KEY k (amount_cents));", nil, 1},
		{"int and backquotes", "CREATE TABLE `t` (`price_cents` int(11) NOT NULL DEFAULT 0);", nil, 1},
		{"decimal", "CREATE TABLE t (\n  id BIGINT,\n  amount_cents DECIMAL(12,2) NOT NULL\n);", []string{"line 3: money column amount_cents is DECIMAL"}, 1},
		{"double, upper-case name", "CREATE TABLE t (TOTAL_CENTS DOUBLE);", []string{"TOTAL_CENTS is DOUBLE"}, 1},
		{"float", "CREATE TABLE IF NOT EXISTS t (x_cents FLOAT, y VARCHAR(10));", []string{"x_cents is FLOAT"}, 1},
		{"varchar", "CREATE TABLE t (a INT, b_cents VARCHAR(20) DEFAULT '0,00', c INT);", []string{"b_cents is VARCHAR"}, 1},
		{"after a comment", "-- amount_cents DECIMAL\nCREATE TABLE t (amount_cents BIGINT);", nil, 1},
		{"added", "ALTER TABLE orders ADD COLUMN fee_cents DECIMAL(10,2) NOT NULL DEFAULT 0;", []string{"fee_cents is DECIMAL"}, 1},
		{"added without COLUMN", "alter table orders add fee_cents numeric(10,2);", []string{"fee_cents is NUMERIC"}, 1},
		{"added, several", "ALTER TABLE orders ADD COLUMN (a_cents BIGINT, b_cents DECIMAL(9,2)), ADD KEY k (a_cents);", []string{"b_cents is DECIMAL"}, 2},
		{"modified", "ALTER TABLE orders MODIFY COLUMN total_cents DECIMAL(20,2) NOT NULL;", []string{"total_cents is DECIMAL"}, 1},
		{"changed", "ALTER TABLE orders CHANGE total total_cents FLOAT;", []string{"total_cents is FLOAT"}, 1},
		{"index only", "ALTER TABLE orders ADD INDEX idx_total (total_cents);", nil, 0},
		{"create index", "CREATE INDEX idx ON orders (total_cents);", nil, 0},
	} {
		t.Run("money/"+tc.name, func(t *testing.T) {
			got, money := moneyProblems(tc.sql)
			if len(got) != len(tc.want) || money != tc.money {
				t.Fatalf("moneyProblems(%q) = %q, %d money columns; want %d problem(s), %d", tc.sql, got, money, len(tc.want), tc.money)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not say %q", got[i], w)
				}
			}
		})
	}

	for _, tc := range []struct {
		name, src string
		want      int
	}{
		{"raw string", "var q = `SELECT id FROM orders FOR UPDATE SKIP LOCKED`", 1},
		{"interpreted string", `func f(db *gorm.DB) { db.Raw("SELECT * FROM skus WHERE id = ? LOCK IN SHARE MODE", 1) }`, 1},
		{"split across literals", `const q = "SELECT * FROM skus LOCK IN " + "SHARE MODE"`, 1},
		{"shared lock clause", `func f(db *gorm.DB) { db.Clauses(clause.Locking{Strength: clause.LockingStrengthShare}) }`, 1},
		{"shared lock by string", `func f(db *gorm.DB) { db.Clauses(clause.Locking{Strength: "SHARE"}) }`, 1},
		{"skip locked clause", `func f(db *gorm.DB) { db.Clauses(clause.Locking{Strength: "UPDATE", Options: clause.LockingOptionsSkipLocked}) }`, 1},
		{"skip locked by string", `func f(db *gorm.DB) { db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Options: "SKIP LOCKED"}) }`, 1},
		{"clause expression", `func f(db *gorm.DB) { db.Clauses(clause.Expr{SQL: "FOR SHARE"}) }`, 1},
		{"query option", `func f(db *gorm.DB) { db.Set("gorm:query_option", "FOR UPDATE SKIP LOCKED") }`, 1},
		{"a trigger in a migration string", "var m = `CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW SET @a = 1`", 1},

		{"for update", `func f(db *gorm.DB) { db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}) }`, 0},
		{"for update by string", `func f(db *gorm.DB) { db.Clauses(clause.Locking{Strength: "UPDATE", Options: clause.LockingOptionsNoWait}) }`, 0},
		{"go comment", "// no LOCK IN SHARE MODE here\nvar q = `SELECT 1`", 0},
		{"a message", `var err = errors.New("the function is gone: call it again")`, 0},
	} {
		t.Run("go/"+tc.name, func(t *testing.T) {
			got, err := goProblems("x.go", []byte("package store\n\n"+tc.src+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Errorf("goProblems(%s) = %q, want %d problem(s)", tc.src, got, tc.want)
			}
		})
	}
}
