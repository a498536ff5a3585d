package store_test

// Migrations and the schema they build, on every backend: every migration
// applies once, reference data is there, concurrent starts apply it once,
// and every table agrees column for column with the GORM type that maps it.

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

// models lists every model type that maps to a table (has a TableName).
// TestModelsListed fails when model/ gains one that is not here.
var models = []any{
	&model.Region{}, &model.Pairing{}, &model.Category{}, &model.Supplier{}, &model.Product{},
	&model.SKU{}, &model.Tier{}, &model.Certification{}, &model.Org{},
	&model.User{}, &model.Filing{}, &model.Target{}, &model.Audit{},
	&model.Order{}, &model.OrderLine{}, &model.OrderEvent{}, &model.Payment{}, &model.Return{},
	&model.ReturnLine{}, &model.CartItem{}, &model.IdempotencyKey{},
	&model.Credit{}, &model.Correction{}, &model.RollupPairing{}, &model.RollupArea{}, &model.RollupSale{}, &model.RollupOrg{}, &model.RollupOrgPairing{}, &model.ProgrammeRule{}, &model.SalesPoint{}, &model.InvoiceClaim{},
	&model.SalesRecord{}, &model.RecordItem{}, &model.RecordFile{}, &model.RegisterEntry{}, &model.ClosedYear{}, &model.ReservePlatform{},
	&model.Bulletin{}, &model.SectorInfo{}, &model.SalesPointTypeInfo{}, &model.RollupPlatform{}, &model.RollupFacet{},
	&model.InvoiceProfile{}, &model.MallInvoice{}, &model.InvoiceAllocation{}, &model.Statement{}, &model.StatementOrder{},
	&model.ProductImage{},
	&model.ImportJob{}, &model.ImportRow{}, &model.ImportChunk{}, &model.ImportStaged{},
	&model.SMSCode{}, &model.SessionFamily{}, &model.RefreshToken{}, &model.Address{},
}

// eachEmpty runs f on a fresh, unmigrated database of every backend:
// subtests "sqlite" and "mysql" (skipped, saying so, without SHANHAI_TEST_MYSQL).
func eachEmpty(t *testing.T, f func(t *testing.T, dialect, dsn string)) {
	t.Run(store.SQLite, func(t *testing.T) {
		f(t, store.SQLite, "sqlite:"+filepath.Join(t.TempDir(), "empty.db"))
	})
	t.Run(store.MySQL, func(t *testing.T) {
		dsn, ok := storetest.MySQLDSN(t)
		if !ok {
			t.Skip("SKIPPED the MySQL backend: SHANHAI_TEST_MYSQL is not set")
		}
		f(t, store.MySQL, "mysql:"+dsn)
	})
}

func open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(dsn, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// migrated opens dsn and migrates it to the newest version.
func migrated(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st := open(t, dsn)
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// backfills are the statements of the dialect's migration version that
// begin with prefix (e.g. "INSERT INTO rollup_facets"), each up to its
// semicolon: a back-fill to run again on rows a test wrote.
func backfills(t *testing.T, dialect string, version int, prefix string) []string {
	t.Helper()
	migs, err := store.Migrations(dialect)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range migs {
		if m.Version != version {
			continue
		}
		for rest := m.SQL; ; {
			_, after, ok := strings.Cut(rest, prefix)
			if !ok {
				break
			}
			stmt, tail, _ := strings.Cut(after, ";")
			out = append(out, prefix+stmt)
			rest = tail
		}
	}
	if len(out) == 0 {
		t.Fatalf("migration %04d has no %s", version, prefix)
	}
	return out
}

func TestMigrate(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		ctx := t.Context()
		migs, err := store.Migrations(dialect)
		if err != nil {
			t.Fatal(err)
		}
		st := open(t, dsn)
		n, err := st.Migrate(ctx)
		if err != nil || n != len(migs) {
			t.Fatalf("first Migrate: got %d, %v, want %d applied", n, err, len(migs))
		}
		n, err = st.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate: got %d, %v, want 0 applied", n, err)
		}
		checkApplied(t, st, migs)

		// Reference data, read straight from the tables.
		for _, tc := range []struct {
			code, name, level, side string
			parent                  *string
		}{
			{"330000", "浙江省", model.LevelProvince, "", nil},
			{"330600", "绍兴市", model.LevelCity, model.SideHelper, ptr("330000")},
			{"330604", "上虞区", model.LevelCounty, model.SideHelper, ptr("330600")},
			{"511100", "乐山市", model.LevelCity, model.SidePartner, ptr("510000")},
			{"511113", "金口河区", model.LevelCounty, model.SidePartner, ptr("511100")},
			{"331127", "景宁畲族自治县", model.LevelCounty, model.SidePartner, ptr("331100")},
			{"513226", "金川县", model.LevelCounty, model.SidePartner, ptr("513200")},
		} {
			var name, level, side string
			var parent *string
			err := st.DB().QueryRowContext(ctx, "SELECT name, level, side, parent_code FROM regions WHERE code = ?", tc.code).
				Scan(&name, &level, &side, &parent)
			if err != nil {
				t.Errorf("region %s: %v", tc.code, err)
				continue
			}
			if name != tc.name || level != tc.level || side != tc.side || !reflect.DeepEqual(parent, tc.parent) {
				t.Errorf("region %s: got %s %s %q parent %v, want %s %s %q parent %v",
					tc.code, name, level, side, deref(parent), tc.name, tc.level, tc.side, deref(tc.parent))
			}
		}
		// Every region but a province has a parent that exists.
		var orphans int
		if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM regions r LEFT JOIN regions p ON p.code = r.parent_code
			WHERE r.level <> 'province' AND p.code IS NULL`).Scan(&orphans); err != nil || orphans != 0 {
			t.Errorf("regions without a parent: %d, %v", orphans, err)
		}
		for code, name := range map[string]string{"herbs": "中药材", "tea": "茶叶"} {
			var got string
			if err := st.DB().QueryRowContext(ctx, "SELECT name FROM categories WHERE code = ?", code).Scan(&got); err != nil || got != name {
				t.Errorf("category %s: got %q, %v, want %q", code, got, err, name)
			}
		}
	})
}

// checkApplied compares schema_migrations with the migrations, read by SQL.
func checkApplied(t *testing.T, st *store.Store, migs []store.Migration) {
	t.Helper()
	rows, err := st.DB().QueryContext(t.Context(), "SELECT version, name FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got, want []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		want = append(want, m.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("schema_migrations: got %v, want %v", got, want)
	}
}

// TestMigrateConcurrently: replicas starting together on a fresh database all
// migrate it at once: every migration is applied once, none fails, and the
// schema is the one a lone replica builds (tables, columns, indexes and
// reference rows). On MariaDB three stores race; on Galera (when
// SHANHAI_TEST_GALERA is set) six replicas, two on each node, where a named
// lock holds only on its node and the migration lease row must decide.
func TestMigrateConcurrently(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		alone := "sqlite:" + filepath.Join(t.TempDir(), "alone.db")
		if dialect == store.MySQL {
			other, _ := storetest.MySQLDSN(t)
			alone = "mysql:" + other
		}
		migrateTogether(t, dialect, []string{dsn, dsn, dsn}, alone)
	})
	t.Run("galera", func(t *testing.T) {
		nodes, ok := storetest.GaleraDSNs(t)
		if !ok {
			t.Skip("SKIPPED: needs SHANHAI_TEST_GALERA (three node DSNs; scripts/galera/cluster.sh start)")
		}
		other, _ := storetest.GaleraDSNs(t)
		var dsns []string
		for range 2 {
			for _, n := range nodes {
				dsns = append(dsns, "mysql:"+n)
			}
		}
		migrateTogether(t, store.MySQL, dsns, "mysql:"+other[0])
	})
}

// migrateTogether migrates one empty database from a replica on each of
// dsns at once and compares the result with the empty database alone
// migrated by one replica.
func migrateTogether(t *testing.T, dialect string, dsns []string, alone string) {
	migs, err := store.Migrations(dialect)
	if err != nil {
		t.Fatal(err)
	}
	stores := make([]*store.Store, len(dsns))
	for i, dsn := range dsns {
		stores[i] = open(t, dsn)
	}
	applied := make([]int, len(stores))
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = st.Migrate(context.Background())
		}()
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range stores {
		if errs[i] != nil {
			t.Errorf("replica %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if total != len(migs) {
		t.Errorf("applied %v, %d in all, want %d in all", applied, total, len(migs))
	}
	checkApplied(t, stores[0], migs)
	one := open(t, alone)
	if _, err := one.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, want := schemaPrint(t, dialect, stores[len(stores)-1]), schemaPrint(t, dialect, one)
	if len(got) != len(want) {
		t.Errorf("the schema migrated at once has %d entries, alone %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("migrated at once: %s\nalone:           %s", got[i], want[i])
			break
		}
	}
}

// schemaPrint lists a database's tables with their columns and indexes, and
// the number of rows of each table (reference data, and none elsewhere).
func schemaPrint(t *testing.T, dialect string, st *store.Store) []string {
	t.Helper()
	ctx := t.Context()
	var queries []string
	if dialect == store.MySQL {
		queries = []string{
			`SELECT CONCAT_WS(' ', table_name, column_name, column_type, is_nullable, COALESCE(column_default, 'NULL'))
				FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position`,
			`SELECT CONCAT_WS(' ', table_name, index_name, non_unique, seq_in_index, column_name)
				FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY table_name, index_name, seq_in_index`,
		}
	} else {
		queries = []string{`SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`}
	}
	var out []string
	for _, q := range queries {
		rows, err := st.DB().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out = append(out, line)
		}
		rows.Close()
	}
	tables := `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`
	if dialect == store.SQLite {
		tables = `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	}
	var names []string
	rows, err := st.DB().QueryContext(ctx, tables)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if n == "schema_migrations" { // applied times differ, not the count
			continue
		}
		var count int64
		if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+n).Scan(&count); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s: %d rows", n, count))
	}
	return out
}

// TestModelsListed: every type in model/ with a TableName method is in models.
func TestModelsListed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("model sources: %v %v", files, err)
	}
	var mapped []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "TableName" || len(fn.Recv.List) != 1 {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				mapped = append(mapped, id.Name)
			}
		}
	}
	var listed []string
	for _, m := range models {
		listed = append(listed, reflect.TypeOf(m).Elem().Name())
	}
	sort.Strings(mapped)
	sort.Strings(listed)
	for _, name := range mapped {
		if !slices.Contains(listed, name) {
			t.Errorf("model.%s has a TableName but is not in this file's models list: add &model.%s{} so its table is checked", name, name)
		}
	}
	if len(mapped) < len(models) {
		t.Errorf("found TableName on %v, models lists %v", mapped, listed)
	}
}

// TestSchemaMatchesModels: each mapped type's fields and its table's columns
// agree one to one, in nullability, primary key and type family.
func TestSchemaMatchesModels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		gdb := b.Store.Gorm()
		cache := &sync.Map{}
		for _, m := range models {
			sch, err := schema.Parse(m, cache, gdb.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(sch.Name, func(t *testing.T) {
				cols, err := gdb.Migrator().ColumnTypes(m)
				if err != nil {
					t.Fatalf("table %s: %v (a type without a migration?)", sch.Table, err)
				}
				pks := primaryKeys(t, b, sch.Table)
				notNull := sqliteNotNull(t, b, sch.Table)
				byName := map[string]int{}
				for i, c := range cols {
					byName[c.Name()] = i
				}
				fields := map[string]*schema.Field{}
				for _, f := range sch.Fields {
					if f.DBName == "" || f.IgnoreMigration {
						continue
					}
					fields[f.DBName] = f
					i, ok := byName[f.DBName]
					if !ok {
						t.Errorf("%s.%s: no column %s.%s: add a migration", sch.Name, f.Name, sch.Table, f.DBName)
						continue
					}
					var col columnType = cols[i]
					if notNull != nil {
						col = sqliteColumn{col, notNull[f.DBName]}
					}
					checkColumn(t, b.Name, sch, f, col, slices.Contains(pks, f.DBName))
				}
				for _, c := range cols {
					if _, ok := fields[c.Name()]; !ok {
						t.Errorf("column %s.%s: no field of %s maps it", sch.Table, c.Name(), sch.Name)
					}
				}
			})
		}
	})
}

// A column type family: which declared types a Go kind may be stored in.
var families = map[string]map[string][]string{
	store.MySQL: {
		"int64":  {"BIGINT"},
		"int":    {"INT", "BIGINT"},
		"bool":   {"TINYINT"},
		"string": {"CHAR", "VARCHAR", "TEXT", "VARBINARY"},
		"time":   {"DATETIME"},
		"bytes":  {"BLOB", "MEDIUMBLOB", "LONGBLOB"},
	},
	store.SQLite: {
		"int64":  {"INTEGER"},
		"int":    {"INTEGER"},
		"bool":   {"NUMERIC"},
		"string": {"TEXT", "CHAR", "VARCHAR"},
		"time":   {"DATETIME"},
		"bytes":  {"BLOB"},
	},
}

// columnType is what checkColumn reads of a column.
type columnType interface {
	Name() string
	DatabaseTypeName() string
	ColumnType() (string, bool)
	Nullable() (bool, bool)
}

// sqliteColumn takes a column's nullability from the catalogue: the SQLite
// migrator's DDL parser reads any column whose name starts with "check"
// (orders.checkout_id) as a CHECK constraint and reports it nullable.
type sqliteColumn struct {
	columnType
	notNull bool
}

func (c sqliteColumn) Nullable() (bool, bool) { return !c.notNull, true }

// sqliteNotNull is, on SQLite, each column of table and whether it is NOT
// NULL, from the catalogue; nil on other backends.
func sqliteNotNull(t *testing.T, b storetest.Backend, table string) map[string]bool {
	t.Helper()
	if b.Name != store.SQLite {
		return nil
	}
	rows, err := b.Store.DB().QueryContext(t.Context(), `SELECT name, "notnull" FROM pragma_table_info(?)`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		var notNull int
		if err := rows.Scan(&name, &notNull); err != nil {
			t.Fatal(err)
		}
		out[name] = notNull == 1
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkColumn(t *testing.T, dialect string, sch *schema.Schema, f *schema.Field, c columnType, pk bool) {
	t.Helper()
	where := sch.Table + "." + f.DBName
	typ := f.FieldType
	pointer := typ.Kind() == reflect.Pointer
	if pointer {
		typ = typ.Elem()
	}
	var kind string
	switch {
	case typ == reflect.TypeFor[time.Time]():
		kind = "time"
	case typ.Kind() == reflect.Int64:
		kind = "int64"
	case typ.Kind() == reflect.Int:
		kind = "int"
	case typ.Kind() == reflect.Bool:
		kind = "bool"
	case typ.Kind() == reflect.String:
		kind = "string"
	case typ == reflect.TypeFor[[]byte]():
		kind = "bytes"
		pointer = true // a nil slice is stored as NULL
	default:
		t.Errorf("%s: field %s.%s has Go type %s, which this test does not know", where, sch.Name, f.Name, f.FieldType)
		return
	}
	if strings.HasSuffix(f.DBName, "_cents") && kind != "int64" {
		t.Errorf("%s: money must be int64 cents, the field is %s", where, f.FieldType)
	}
	got := strings.ToUpper(c.DatabaseTypeName())
	if !slices.Contains(families[dialect][kind], got) {
		t.Errorf("%s: column type %s, want one of %v for Go %s", where, got, families[dialect][kind], f.FieldType)
	}
	if strings.HasSuffix(f.DBName, "_cents") {
		want := map[string]string{store.MySQL: "BIGINT", store.SQLite: "INTEGER"}[dialect]
		if got != want {
			t.Errorf("%s: money column is %s, want %s", where, got, want)
		}
	}
	if kind == "time" && dialect == store.MySQL {
		// milliseconds survive only in DATETIME(3)
		if ct, _ := c.ColumnType(); !strings.EqualFold(ct, "datetime(3)") {
			t.Errorf("%s: column type %s, want datetime(3)", where, ct)
		}
	}
	if nullable, ok := c.Nullable(); !ok {
		t.Errorf("%s: nullability unknown", where)
	} else if nullable != pointer {
		t.Errorf("%s: NULL allowed %v, but the field %s.%s is %s", where, nullable, sch.Name, f.Name, f.FieldType)
	}
	if pk != f.PrimaryKey {
		t.Errorf("%s: in the primary key %v, field says %v", where, pk, f.PrimaryKey)
	}
}

// primaryKeys are the primary key columns of table, from the catalogue (the
// SQLite migrator's DDL parser misses the second column of a composite key).
func primaryKeys(t *testing.T, b storetest.Backend, table string) []string {
	t.Helper()
	q := "SELECT name FROM pragma_table_info(?) WHERE pk > 0"
	if b.Name == store.MySQL {
		q = `SELECT column_name FROM information_schema.key_column_usage
			WHERE table_schema = DATABASE() AND table_name = ? AND constraint_name = 'PRIMARY'`
	}
	rows, err := b.Store.DB().QueryContext(t.Context(), q, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Errorf("table %s has no primary key", table)
	}
	return out
}

// TestRoundTrip: one row of each mapped type, every field set, reads back
// equal; times keep their milliseconds and come back in UTC.
func TestRoundTrip(t *testing.T) {
	created := time.Date(2024, 3, 5, 16, 4, 5, 678_000_000, time.UTC)
	updated := time.Date(2024, 12, 31, 23, 59, 59, 999_000_000, time.UTC)
	revoked := time.Date(2025, 1, 1, 0, 0, 0, 1_000_000, time.UTC)
	rows := []any{
		&model.Region{Code: "330699", Name: "测试区", Level: model.LevelCounty, ParentCode: ptr("330600"), Side: model.SideHelper},
		&model.Pairing{Programme: model.ProgrammeMountainSea, Level: model.LevelCounty, HelperCode: "330683", PartnerCode: "331121", SinceYear: 2003, Active: true},
		&model.Category{Code: "roundtrip", Name: "往返"},
		&model.Supplier{Name: "青田稻鱼", RegionCode: "331121", Status: model.SupplierSuspended, CreditCode: "93331121MA6D00012X", CreatedAt: created},
		&model.Product{SupplierID: 1 << 40, Name: "稻鱼米", CategoryCode: "grain_oil", Brand: "稻鱼共生", Description: "田鱼与稻",
			OriginCode: "331121", OnSale: true, Perishable: true, ShelfLifeDays: 365, PriceMinCents: 1<<33 + 7, ImageCount: 9, CertStatus: "valid", CertValidFrom: "2026-01-01", CertValidTo: "2026-12-31", RegisterEntryID: ptr(int64(1<<62 + 60)), CreatedAt: created, UpdatedAt: updated},
		&model.SKU{ProductID: 1 << 41, Spec: "5千克", Unit: "袋", PriceCents: 1<<34 + 9, OnHand: 3_000_000_000, Reserved: 2_999_999_999, Version: 1 << 40, PurchaseLimit: 1<<39 + 3},
		&model.Tier{SKUID: 1 << 42, MinQty: 1 << 35, PriceCents: 1<<36 + 1},
		&model.Certification{ProductID: 1 << 43, CertificateNo: "BF-2024-0001", Issuer: "绍兴市农业农村局", Batch: "第一批",
			ValidFrom: "2024-01-01", ValidTo: "2024-12-31", Status: model.CertRevoked, CreatedAt: created, RevokedAt: &revoked},
		&model.Org{Name: "上虞区机关食堂", Kind: model.OrgCanteen, RegionCode: "330604", ParentID: ptr(int64(1 << 44)),
			PaymentTerms: model.TermsAfterDelivery, ApprovalThresholdCents: 9_000_000_000_00, CreditKind: model.CreditDirect,
			InvoiceTitle: "上虞区机关事务管理中心", TaxID: "12330604MB0000000X", Sector: "hospital", CreatedAt: created,
			SecondApprovalThresholdCents: 9_000_000_000_01},
		&model.User{Username: "ShangyuBuyer", UsernameKey: "shangyubuyer", PasswordHash: "$2a$10$x", Role: model.RoleConsumer,
			OrgID: ptr(int64(1 << 45)), SupplierID: ptr(int64(1 << 46)), RegionCode: ptr("330604"), EmployerID: ptr(int64(1 << 47)),
			EmployerStatus: model.EmployerConfirmed, Disabled: true, TokenVersion: 1 << 38, CreatedAt: created, UpdatedAt: updated,
			Phone: ptr("13800138000"), RegionSelfChosen: true},
		&model.Filing{OrgID: 1 << 48, Year: 2024, CanteenStatus: model.CanteenShared, FoodBudgetCents: 5_000_000_000_00,
			ReservedRatioBP: 1500, Status: model.FilingReturned, ReviewComment: "比例偏低", ReviewedBy: ptr(int64(1 << 49)),
			SubmittedAt: &created, ReviewedAt: &revoked, UpdatedAt: updated},
		&model.Target{PairingID: 1 << 50, Year: 2024, TargetCents: 8_000_000_000_00},
		&model.Audit{ActorID: ptr(int64(1 << 51)), Action: "supplier.update", Entity: "supplier", EntityID: "42",
			Before: `{"status":"active"}`, After: `{"status":"suspended"}`, Reason: "资质过期", RequestID: "req-1", CreatedAt: created},
		&model.Order{CheckoutID: "5f2c0c1e9a8b7d6e5f4a3b2c", UserID: 1 << 52, OrgID: ptr(int64(1 << 53)), SupplierID: 1 << 54,
			SalesPointID: ptr(int64(1<<62 + 40)), ApprovalLevel: 2, FirstApproverID: ptr(int64(1<<62 + 41)),
			InvoiceTitle: "上虞区机关事务管理中心", InvoiceTaxID: "12330604MB0000000X", InvoiceAddress: "上虞区市民大道1号",
			InvoicePhone: "0575-82000000", InvoiceBank: "农行上虞支行", InvoiceAccount: "19500101040012345", InvoicedCents: 1<<40 - 3,
			SupplierName: "金口河茶业", OrgName: "上虞区机关食堂",
			Channel: model.OrgCanteen, PaymentTerms: model.TermsAfterDelivery, Status: model.OrderAccepted,
			TotalCents: 1<<40 + 1, ReceivedCents: 1<<40 - 1, ReturnedCents: 1<<33 + 3, PaidCents: 1<<39 + 5, RefundedCents: 1<<32 + 7,
			DeliveryDate: "2024-03-08", Address: "绍兴市上虞区百官街道市民大道1号", Phone: "+86-138-0000-1111", Note: "请走北门",
			Carrier: "顺丰速运", TrackingNo: "SF1234567890123", InvoiceNo: "33062400000001", InspectionNote: "两箱破损",
			CancelReason: "不再需要", DeadlineAt: &revoked, CreatedAt: created, UpdatedAt: updated, ShippedAt: &created, AcceptedAt: &updated},
		&model.OrderLine{OrderID: 1 << 55, SKUID: 1 << 56, ProductID: 1 << 57, ProductName: "金口河高山土豆", Spec: "5千克", Unit: "箱",
			Quantity: 3_000_000_000, UnitPriceCents: 1<<34 + 1, AmountCents: 1<<60 + 3, ReceivedQty: ptr(int64(2_999_999_999)),
			ReturnedQty: 1 << 31, HeldQty: 1<<31 + 1, OriginCode: "511113", CategoryCode: "vegetables", Perishable: true, PairingID: ptr(int64(1 << 58))},
		&model.OrderEvent{OrderID: 1 << 59, ActorID: ptr(int64(1 << 60)), Action: "ship", FromState: model.OrderAwaitingShipment,
			ToState: model.OrderShipped, Note: "顺丰 SF123", CreatedAt: created},
		&model.Payment{OrderID: 1 << 61, Kind: model.PaymentRefund, AmountCents: 1<<41 + 9, Status: model.PaymentSucceeded,
			Provider: "sandbox", ProviderRef: "sbx-refund-42", CreatedAt: created, SettledAt: &updated},
		&model.Return{OrderID: 1 << 62, Status: model.ReturnApproved, Reason: model.ReasonNoReason, Note: "口味不合",
			AmountCents: 1<<42 + 11, RequestedBy: 1<<62 + 1, DecidedBy: ptr(int64(1<<62 + 2)), DecisionNote: "同意退货",
			DeadlineAt: updated, CreatedAt: created, DecidedAt: &revoked},
		&model.ReturnLine{ReturnID: 1<<62 + 3, LineID: 1<<62 + 4, Quantity: 1<<36 + 5, AmountCents: 1<<43 + 13},
		&model.ProductImage{ProductID: 1<<62 + 20, Position: 8, Hash: strings.Repeat("0f", 32), ThumbHash: strings.Repeat("f0", 32),
			Width: 800, Height: 533, CreatedAt: created},
		&model.CartItem{UserID: 1<<62 + 5, SKUID: 1<<62 + 6, Quantity: 1<<37 + 7},
		&model.IdempotencyKey{UserID: 1<<62 + 7, Key: "结账-" + strings.Repeat("k", 120), Scope: "order.checkout",
			RequestHash: strings.Repeat("ab", 32), Status: model.IdemDone, LegacyStatusCode: 201,
			Result: []byte(`{"checkout_id":"x","orders":[]}` + "\x00\xff"), CreatedAt: created},
		&model.Credit{Source: model.SourceCorrection, OrderID: 1<<62 + 8, LineID: 1<<62 + 9, ReturnID: ptr(int64(1<<62 + 10)),
			CorrectionID: ptr(int64(1<<62 + 11)), ReversesID: ptr(int64(1<<62 + 12)), Quantity: -(1<<35 + 1), AmountCents: -(1<<61 + 5),
			PairingID: ptr(int64(1<<62 + 13)), Reason: model.ReasonCertRevoked, Certified: true, BuyerOrgID: ptr(int64(1<<62 + 14)),
			OrgChain: "/1/22/333/", BuyerRegion: "330604", Kind: model.CreditAssisted, Channel: model.OrgSupermarket,
			CategoryCode: "tea", OriginCode: "511113", Period: 202701, CreditDate: "2027-01-01", Orders: -1,
			SupplierID: 1<<62 + 30, Sector: "hospital", Platform: "832", PointType: "remote_counter", CertificateRequired: true,
			RecordID: ptr(int64(1<<62 + 61)), AdjustsYear: 2025, CreatedAt: created},
		&model.Correction{Action: model.CorrectionMoveOrder, OrderID: 1<<62 + 15, CreditID: ptr(int64(1<<62 + 16)),
			FromOrgID: ptr(int64(1<<62 + 17)), ToOrgID: ptr(int64(1<<62 + 18)), Reason: "单位录错", ActorID: ptr(int64(1<<62 + 19)), CreatedAt: created},
		&model.RollupPairing{Period: 202600, PairingID: 1<<62 + 20, Reason: model.ReasonNoPairing, Kind: model.CreditDirect,
			Channel: model.ChannelApp, Cents: -(1<<60 + 1), Orders: 1<<40 + 3},
		&model.RollupArea{Period: 202612, PairingID: 1<<62 + 21, Reason: model.ReasonNoBuyerRegion, Kind: model.CreditAssisted, BuyerRegion: "330603",
			OriginCode: "330881", Cents: 1<<60 + 7, Orders: -(1 << 33)},
		&model.InvoiceProfile{OrgID: 1<<62 + 50, Title: "上虞区人民医院", TaxID: "12330604MB0000000X", Address: "市民大道1号",
			Phone: "0575-82000000", Bank: "农行", Account: "19500101040012345", UpdatedAt: updated},
		&model.MallInvoice{SupplierID: 1<<62 + 51, OrgID: 1<<62 + 52, Type: model.InvoiceSpecial, Medium: model.MediumPaper,
			IssuerCode: "9144030071526726XG", InvoiceCode: "033002200111", Number: "01234567", IssueDate: "2026-03-01",
			AmountCents: -(1<<40 + 1), AllocatedCents: -(1 << 39), RedCents: -(1 << 38), OriginalID: ptr(int64(1<<62 + 53)),
			ScanHash: ptr(strings.Repeat("ab", 32)), ScanType: "application/pdf", Note: "红冲", CreatedBy: 1<<62 + 54, CreatedAt: created},
		&model.Statement{OrgID: 1<<62 + 57, SupplierID: 1<<62 + 58, Month: "2025-10", OrdersCount: 1<<30 + 1, ReceivedCents: 1<<40 + 1,
			ReturnedCents: 1<<39 + 1, PaidCents: 1<<38 + 1, RefundedCents: 1<<37 + 1, DueCents: -(1<<36 + 1), InvoicedCents: 1<<35 + 1,
			DifferenceCents: -(1<<34 + 1), OrgStatus: model.StatementDisputed, OrgNote: "少一单", OrgBy: ptr(int64(1<<62 + 59)),
			OrgAt: &updated, SupplierStatus: model.StatementConfirmed, SupplierNote: "已核", SupplierBy: ptr(int64(1<<62 + 60)),
			SupplierAt: &revoked, CreatedAt: created},
		&model.StatementOrder{StatementID: 1<<62 + 61, OrderID: 1<<62 + 62, AcceptedAt: created, TotalCents: 1<<41 + 3, ReceivedCents: 1<<40 + 5},
		&model.InvoiceAllocation{InvoiceID: 1<<62 + 55, OrderID: 1<<62 + 56, AmountCents: -(1<<41 + 1)},
		&model.InvoiceClaim{IssuerCode: "9144030071526726XG", InvoiceCode: "033002200111", Number: "26332000000123456789",
			OrgID: 1<<62 + 42, HolderKind: model.ClaimMallInvoice, HolderID: 1<<62 + 43, CreatedAt: created},
		&model.SalesRecord{OrgID: 1<<62 + 62, Status: model.RecordRevoked, Kind: model.CreditAssisted, Platform: "zcy",
			Date: "2026-03-31", SalesPointID: ptr(int64(1<<62 + 63)), SupplierID: ptr(int64(1<<62 + 64)),
			ProducerName: "景宁畲族自治县惠明茶业专业合作社", ProducerCreditCode: "93331127MA2HXXXX1X", ProducerRegion: "331127",
			TotalCents: 1<<60 + 9, InvoiceIssuer: "93331127MA2HXXXX1X", InvoiceCode: "033002200111", InvoiceNumber: "26332000000123456789",
			InvoiceDate: "2026-03-30", Note: "年货节团购", Reason: "发票作废", RecorderID: 1<<62 + 65, VerifierID: ptr(int64(1<<62 + 66)),
			SubmittedAt: ptr(created), VerifiedAt: ptr(updated), RevokedAt: ptr(updated), CreatedAt: created, UpdatedAt: updated,
			ImportJobID: ptr(int64(1<<62 + 78)), ImportKey: strings.Repeat("e", 32)},
		&model.RecordItem{RecordID: 1<<62 + 67, Seq: 200, ProductName: "惠明茶", CategoryCode: "tea", QuantityMilli: 1<<50 + 125,
			Unit: "千克", AmountCents: 1<<60 + 11, CertificateNo: "LS-BF-2025-000123"},
		&model.RecordFile{RecordID: 1<<62 + 68, Hash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			ContentType: "application/pdf", Size: 10 << 20, Name: "发票扫描件.pdf", CreatedAt: created},
		&model.RegisterEntry{CertificateNo: "LS-BF-2025-000123", Issuer: "丽水市农业农村局", ProductName: "惠明茶", Spec: "250克",
			CategoryCode: "tea", ProducerName: "景宁畲族自治县惠明茶业专业合作社", CreditCode: "93331127MA2HXXXX1X", Unregistered: true,
			RegionCode: "331127", SupplierID: ptr(int64(1<<62 + 69)), Batch: "第三批", ValidFrom: "2025-01-01", ValidTo: "2027-12-31",
			Status: model.CertRevoked, RevokedOn: "2026-05-01", RevokeReason: "抽检不合格", CreatedAt: created, UpdatedAt: updated},
		&model.ClosedYear{Year: 2099, ActorID: ptr(int64(1<<62 + 70)), ClosedAt: created},
		&model.ImportJob{Kind: model.ImportRecords, Status: model.ImportCommitting, OwnerID: 1<<62 + 71, OrgID: ptr(int64(1<<62 + 72)),
			FileName: "麦积区第十批认定产品.xlsx", FileHash: strings.Repeat("ab", 32), Rows: 200_000, Chunks: 400,
			Totals: `{"rows":200000,"by_status":{"ok":199999,"error":1},"records":662,"cents":1152921504606846976}`, CreatedAt: created, UpdatedAt: updated},
		&model.ImportRow{JobID: 1<<62 + 73, RowNo: 200_001, Chunk: 399, GroupKey: strings.Repeat("f", 32),
			Cells: `{"product_name":"花牛苹果","amount":"1234.50"}`, Status: model.RowConflict,
			Problems: `[{"column":"invoice_number","message":"已计入"}]`, RefID: ptr(int64(1<<62 + 74)),
			PairingID: ptr(int64(1<<62 + 76)), Reason: model.ReasonCertExpired},
		&model.ImportChunk{JobID: 1<<62 + 75, Seq: 399, Phase: model.PhaseCommit, Rows: 500, Done: true,
			LeaseOwner: "shanhai-7f9c:12345", LeaseUntil: ptr(updated), OKPairingID: ptr(int64(1<<62 + 77)), OKReason: model.ReasonCertMismatch},
		&model.ImportStaged{JobID: 1<<62 + 78, Chunk: 399, Part: 7, Data: []byte("200001 32:" + strings.Repeat("f", 32) + "18:13.12:花牛苹果\x00\xff" + strings.Repeat("x", 300_000))},
		&model.ReservePlatform{Platform: "other"},
		&model.SalesPoint{OrgID: 1<<62 + 41, Type: "remote_counter", Name: "柯桥区人民医院门诊楼飞柜", RegionCode: "330603", CreatedAt: created},
		&model.Bulletin{Year: 2100, Month: 12, Part: model.BulletinUnits, Body: []byte(`{"items":[{"org":{"name":"上虞区人民医院"}}]}` + strings.Repeat(" ", 70000)),
			ActorID: ptr(int64(1<<62 + 44)), IssuedAt: created},
		&model.SectorInfo{Code: "sector_zz_16chr", Name: "养老机构（测试用的三十二字以内名称）", CreatedAt: created},
		&model.SalesPointTypeInfo{Code: "point_zz_16chrs", Name: "流动售卖车", CreatedAt: created},
		&model.RollupPlatform{Period: 202612, PairingID: 1<<62 + 45, Mall: true, BuyerRegion: "330604", OriginCode: "511113",
			Cents: -(1<<60 + 11), Orders: 1 << 35},
		&model.RollupFacet{Period: 202612, Facet: model.FacetPointType, Code: strings.Repeat("c", 32), PairingID: 1<<62 + 46,
			Cents: -(1<<60 + 12), Orders: 1 << 36},
		&model.RollupOrgPairing{Period: 202609, OrgID: 1<<62 + 32, PairingID: 1<<62 + 33, Cents: -(1<<59 + 3), SubtreeCents: 1<<60 + 5},
		&model.ProgrammeRule{Programme: model.ProgrammeMountainSea, EffectiveFrom: "2031-02-28", RequiresCertificate: true,
			ActorID: ptr(int64(1<<62 + 31)), Note: "省里要求认定", CreatedAt: created},
		&model.RollupSale{Period: 202610, PairingID: 1<<62 + 23, Reason: model.ReasonCertExpired, Kind: model.CreditDirect,
			Channel: model.ChannelApp, Platform: "zcy", Sector: "school", PointType: "counter", BuyerRegion: "330602",
			OriginCode: "511113", CategoryCode: "grain_oil", SupplierID: 1<<62 + 24, Cents: -(1<<60 + 9), Orders: 1 << 34},
		&model.RollupOrg{Period: 202611, OrgID: 1<<62 + 22, Cents: 1<<59 + 1, CertifiedCents: 1<<58 + 2, CreditedCents: 1<<57 + 3,
			SubtreeCents: 1<<60 + 4, SubtreeCertifiedCents: -(1<<56 + 5), SubtreeCreditedCents: 1<<55 + 6},
		&model.SMSCode{Phone: "13800138000", Purpose: model.PurposeReset, CodeHash: strings.Repeat("cd", 32), Attempts: 4,
			ExpiresAt: updated, UsedAt: &revoked, CreatedAt: created},
		&model.SessionFamily{UserID: 1<<62 + 23, Generation: 1<<40 + 1, ExpiresAt: updated, RevokedAt: &revoked,
			RevokeReason: model.RevokeReused, CreatedAt: created, UpdatedAt: updated},
		&model.RefreshToken{TokenHash: strings.Repeat("ef", 32), FamilyID: 1<<62 + 24, Generation: 1<<40 + 2, CreatedAt: created},
		&model.Address{UserID: 1<<62 + 25, ReceiverName: "王小明", Phone: "13900139000", RegionCode: "441900",
			Detail: "东城街道东纵大道1号", DefaultMark: ptr(1), CreatedAt: created, UpdatedAt: updated},
	}
	if len(rows) != len(models) {
		t.Fatalf("%d rows for %d models: give every model a row", len(rows), len(models))
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		gdb := b.Store.Gorm().WithContext(t.Context())
		cache := &sync.Map{}
		for _, row := range rows {
			sch, err := schema.Parse(row, cache, gdb.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(sch.Name, func(t *testing.T) {
				want := reflect.ValueOf(row).Elem()
				in := reflect.New(want.Type())
				in.Elem().Set(want)
				if err := gdb.Create(in.Interface()).Error; err != nil {
					t.Fatalf("insert: %v", err)
				}
				// Every stored field is set, so a field the table drops cannot pass as zero.
				for _, f := range sch.Fields {
					if f.DBName == "" || f.IgnoreMigration {
						continue
					}
					if _, zero := f.ValueOf(t.Context(), in.Elem()); zero {
						t.Errorf("field %s is zero: give it a value in the round-trip row", f.Name)
					}
				}
				out := reflect.New(want.Type())
				q := gdb
				for _, pf := range sch.PrimaryFields {
					v, _ := pf.ValueOf(t.Context(), in.Elem())
					q = q.Where(clause.Eq{Column: clause.Column{Name: pf.DBName}, Value: v})
				}
				if err := q.Take(out.Interface()).Error; err != nil {
					t.Fatalf("read back: %v", err)
				}
				if !reflect.DeepEqual(out.Interface(), in.Interface()) {
					t.Errorf("read back\n got %+v\nwant %+v", out.Elem().Interface(), in.Elem().Interface())
				}
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}
