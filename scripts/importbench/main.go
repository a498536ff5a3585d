// Command importbench measures a bulk import of off-platform records from
// upload to done against a plain multi-row INSERT of the same rows, in one
// run, so the ratio does not depend on the machine; and the importing
// process's peak resident memory.
//
// One run:
//
//  1. opens a scratch database (SQLite in a temp dir by default; -mysql DSN
//     for a MariaDB server, where it creates and drops its own database),
//     migrates it, adds an org and its org_admin;
//
//  2. writes an xlsx records file of -rows rows (five items per invoice, so
//     -rows/5 records) to a temp file with the streaming writer;
//
//  3. inserts the same rows into a scratch table shaped like the records'
//     items with plain multi-row INSERTs (500 rows a statement, one
//     transaction): the baseline;
//
//  4. writes what the import's commit will write for the same file
//     (records, items, invoice claims, audit rows) with plain multi-row
//     INSERTs into empty copies of those tables over as many connections:
//     the floor, the time no import writing these rows can beat; and
//     reads the sheet's XML out of the file, doing nothing with it;
//
//  5. starts itself again as a child process that does only the import —
//     reads the file, uploads it (staging), validates it with -workers
//     workers, commits it with as many — and reports its time and its peak
//     RSS (VmHWM) so the figure is the importer's alone;
//
//  6. prints rows/s of each, the ratio import/baseline (goal ≥ 0.3×) with
//     the floor's (the best an import could reach) and the child's peak
//     RSS (goal ≤ 200 MiB), with PASS/MISS.
//
//     go run ./scripts/importbench            # 50,000 rows
//     go run ./scripts/importbench -short     # 2,000 rows
//     go run ./scripts/importbench -mysql 'root@tcp(127.0.0.1:3306)/'
//     go run ./scripts/importbench -markdown -mysql ...   # the report as Markdown (benchall)
//
// IMPORTBENCH_CPUPROFILE=file writes the importing child's CPU profile.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/service/check"
	"shanhai/service/credit"
	"shanhai/service/imports"
	"shanhai/service/record"
	"shanhai/service/register"
)

const (
	ratioGoal = 0.3
	rssGoal   = 200 << 20
	perRecord = 5
)

type childResult struct {
	Seconds  float64 `json:"seconds"`
	Upload   float64 `json:"upload_seconds"`
	Validate float64 `json:"validate_seconds"`
	Commit   float64 `json:"commit_seconds"`
	Created  int     `json:"created"`
	PeakRSS  int64   `json:"peak_rss"`
}

func main() {
	rows := flag.Int("rows", 50_000, "rows in the generated file")
	short := flag.Bool("short", false, "a small run (2,000 rows)")
	quick := flag.Bool("quick", false, "the same as -short (benchall's smoke run)")
	markdown := flag.Bool("markdown", false, "print the report as Markdown (progress to stderr)")
	workers := flag.Int("workers", 2, "import workers (as replicas would)")
	mysqlDSN := flag.String("mysql", "", "a MariaDB DSN where the bench may create and drop a database (default: SQLite in a temp dir)")
	child := flag.String("child", "", "internal: run the import of this file against -dsn")
	dsn := flag.String("dsn", "", "internal: the database of the child")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if *child != "" {
		if err := runChild(*child, *dsn, *workers); err != nil {
			fmt.Fprintln(os.Stderr, "importbench child:", err)
			os.Exit(1)
		}
		return
	}
	if *short || *quick {
		*rows = 2_000
	}
	if *markdown {
		report = markdownReport{}
	}
	if err := run(*rows, *workers, *mysqlDSN); err != nil {
		fmt.Fprintln(os.Stderr, "importbench:", err)
		os.Exit(1)
	}
}

func run(rows, workers int, mysqlDSN string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "importbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, dsn, cleanup, err := openStore(ctx, dir, mysqlDSN)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := seed(ctx, st); err != nil {
		return err
	}
	file := filepath.Join(dir, "records.xlsx")
	start := time.Now()
	size, err := writeFile(file, rows)
	if err != nil {
		return err
	}
	report.Progress("file: %d rows (%d records), %.1f MiB, written in %.1fs", rows, rows/perRecord, float64(size)/(1<<20), time.Since(start).Seconds())

	base, err := baseline(ctx, st.DB(), rows, mysqlDSN != "")
	if err != nil {
		return err
	}
	baseRate := float64(rows) / base.Seconds()
	report.Progress("baseline: plain multi-row INSERT of %d rows in %.2fs: %.0f rows/s", rows, base.Seconds(), baseRate)
	// SQLite writes one transaction at a time: a second connection would
	// only wait for the first (and sleep in its busy handler).
	floorConns := workers
	if mysqlDSN == "" {
		floorConns = 1
	}
	fl, err := floor(ctx, st.DB(), rows, floorConns, mysqlDSN != "")
	if err != nil {
		return err
	}
	report.Progress("floor: the commit's rows as plain multi-row INSERTs in %.2fs", fl.Seconds())
	infl, xmlBytes, err := inflate(file)
	if err != nil {
		return err
	}
	report.Progress("inflate: the sheet's %.1f MiB of XML out of the zip in %.2fs", float64(xmlBytes)/(1<<20), infl.Seconds())

	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "-child", file, "-dsn", dsn, "-workers", strconv.Itoa(workers))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("child: %w", err)
	}
	var res childResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		return fmt.Errorf("child said %q: %w", out, err)
	}
	if res.Created != rows {
		return fmt.Errorf("the import created %d rows, want %d", res.Created, rows)
	}
	rate := float64(rows) / res.Seconds
	ratio := rate / baseRate
	backend := "SQLite"
	if mysqlDSN != "" {
		backend = "MariaDB"
	}
	report.Result(result{backend: backend, rows: rows, workers: workers, base: base.Seconds(), baseRate: baseRate, child: res,
		rate: rate, ratio: ratio, floor: fl.Seconds(), floorConns: floorConns, inflate: infl.Seconds(), xmlBytes: xmlBytes})
	return nil
}

// result is one run's figures.
type result struct {
	backend        string
	rows, workers  int
	base, baseRate float64
	child          childResult
	rate, ratio    float64
	// floor is the seconds the commit's writes alone took as plain
	// INSERTs; base/floor is the best ratio an import can reach.
	floor      float64
	floorConns int
	// inflate is the seconds reading the sheet's xmlBytes of XML out of
	// the zip took, with nothing done with them: no import reads the file
	// faster.
	inflate  float64
	xmlBytes int64
}

// reporter prints a run: as plain lines (default) or as Markdown.
type reporter interface {
	Progress(format string, args ...any)
	Result(r result)
}

var report reporter = textReport{}

type textReport struct{}

func (textReport) Progress(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func (textReport) Result(r result) {
	fmt.Printf("import: upload %.2fs, validate %.2fs, commit %.2fs; %d rows upload to done in %.2fs: %.0f rows/s (%d workers)\n",
		r.child.Upload, r.child.Validate, r.child.Commit, r.rows, r.child.Seconds, r.rate, r.workers)
	fmt.Printf("floor: the commit's rows (records, items, invoice claims, audit rows) as plain multi-row INSERTs over %d connection(s): %.2fs\n",
		r.floorConns, r.floor)
	fmt.Printf("inflate: the sheet's %.1f MiB of XML out of the zip, nothing done with them: %.2fs\n", float64(r.xmlBytes)/(1<<20), r.inflate)
	fmt.Printf("ratio import/baseline: %.3f× (goal ≥ %.1f×) %s; the floor's: %.3f×, inflate and floor: %.3f× (no import reading this file and writing these rows is faster)\n",
		r.ratio, ratioGoal, verdict(r.ratio >= ratioGoal), r.base/r.floor, r.base/(r.inflate+r.floor))
	fmt.Printf("importer peak RSS: %.1f MiB (goal ≤ %d MiB) %s\n", float64(r.child.PeakRSS)/(1<<20), rssGoal>>20, verdict(r.child.PeakRSS <= rssGoal))
}

type markdownReport struct{}

func (markdownReport) Progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (markdownReport) Result(r result) {
	fmt.Printf("# importbench\n\n")
	fmt.Printf("A generated records file of %d rows (%d records, %d items each) on %s, from upload to done with %d workers, "+
		"beside a plain multi-row INSERT of the same rows (500 a statement, one transaction) in the same run.\n\n",
		r.rows, r.rows/perRecord, perRecord, r.backend, r.workers)
	fmt.Printf("| | seconds | rows/s |\n|---|---:|---:|\n")
	fmt.Printf("| baseline: multi-row INSERT | %.2f | %.0f |\n", r.base, r.baseRate)
	fmt.Printf("| import: upload (parse, stage) | %.2f | |\n", r.child.Upload)
	fmt.Printf("| import: validate | %.2f | |\n", r.child.Validate)
	fmt.Printf("| import: commit | %.2f | |\n", r.child.Commit)
	fmt.Printf("| import: upload to done | %.2f | %.0f |\n", r.child.Seconds, r.rate)
	fmt.Printf("| floor: the commit's rows as plain multi-row INSERTs | %.2f | %.0f |\n", r.floor, float64(r.rows)/r.floor)
	fmt.Printf("| inflate: the sheet's %.1f MiB of XML out of the zip, nothing else | %.2f | |\n\n", float64(r.xmlBytes)/(1<<20), r.inflate)
	fmt.Printf("The floor writes what the commit writes for the same file (%d records, their %d items, %d invoice claims, %d audit rows) "+
		"into empty copies of those tables, with their indexes, in multi-row statements (500 rows on MariaDB; on SQLite at most 400 "+
		"parameters, as the store writes), a transaction per %d records over %d connection(s), "+
		"and nothing else: no parsing, staging, reading or checking. No import that writes these rows can beat it.\n\n",
		r.rows/perRecord, r.rows, r.rows/perRecord, r.rows/perRecord, imports.DefaultLimits.ChunkRows/perRecord, r.floorConns)
	fmt.Printf("- ratio import/baseline: **%.3f×** (goal ≥ %.1f×) %s\n", r.ratio, ratioGoal, verdict(r.ratio >= ratioGoal))
	fmt.Printf("- ratio floor/baseline: **%.3f×**: the most any import writing these rows could reach here; the import takes %.1f× the floor's time\n",
		r.base/r.floor, r.child.Seconds/r.floor)
	fmt.Printf("- ratio (inflate + floor)/baseline: **%.3f×**: the most any import that reads this file and then writes these rows "+
		"could reach here, before scanning the XML, staging, validating or previewing anything (validation ends before the commit begins)\n",
		r.base/(r.inflate+r.floor))
	fmt.Printf("- importer peak RSS (VmHWM of the importing process): **%.1f MiB** (goal ≤ %d MiB) %s\n",
		float64(r.child.PeakRSS)/(1<<20), rssGoal>>20, verdict(r.child.PeakRSS <= rssGoal))
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func creditCode() string {
	stem := "91511113MA0000001"
	return stem + string(check.CreditCodeCheck(stem))
}

// writeFile writes the records file with the streaming writer.
func writeFile(path string, rows int) (int64, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	keys := []any{"kind", "platform", "date", "producer_name", "producer_credit_code", "producer_region",
		"invoice_number", "invoice_date", "product_name", "category", "quantity", "unit", "amount"}
	if err := sw.SetRow("A1", keys); err != nil {
		return 0, err
	}
	cc := creditCode()
	for i := 0; i < rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		inv := fmt.Sprintf("2633%016d", 10_000_000+i/perRecord)
		if err := sw.SetRow(cell, []any{"direct_purchase", "832", "2026-03-01", "金口河区山珍有限公司", cc, "511113",
			inv, "2026-03-01", fmt.Sprintf("高山绿茶%d", i%perRecord), "tea", "12.5", "千克", fmt.Sprintf("%d.%02d", 100+i%900, i%100)}); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := f.SaveAs(path); err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// baseline inserts the same rows into a scratch table, 500 a statement.
func baseline(ctx context.Context, db *sql.DB, rows int, mysql bool) (time.Duration, error) {
	ddl := `CREATE TABLE bench_items (id INTEGER PRIMARY KEY AUTOINCREMENT, record_id INTEGER NOT NULL, seq INTEGER NOT NULL,
		product_name TEXT NOT NULL, category_code TEXT NOT NULL, quantity_milli INTEGER NOT NULL, unit TEXT NOT NULL,
		amount_cents INTEGER NOT NULL, certificate_no TEXT NOT NULL)`
	if mysql {
		ddl = `CREATE TABLE bench_items (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, record_id BIGINT NOT NULL, seq INT NOT NULL,
			product_name VARCHAR(128) NOT NULL, category_code VARCHAR(32) NOT NULL, quantity_milli BIGINT NOT NULL,
			unit VARCHAR(16) NOT NULL, amount_cents BIGINT NOT NULL, certificate_no VARCHAR(64) NOT NULL) ENGINE=InnoDB`
	}
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return 0, err
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for i := 0; i < rows; i += 500 {
		n := min(500, rows-i)
		var sb strings.Builder
		sb.WriteString("INSERT INTO bench_items (record_id, seq, product_name, category_code, quantity_milli, unit, amount_cents, certificate_no) VALUES ")
		args := make([]any, 0, n*8)
		for k := 0; k < n; k++ {
			if k > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("(?,?,?,?,?,?,?,?)")
			r := i + k
			args = append(args, r/perRecord+1, r%perRecord+1, fmt.Sprintf("高山绿茶%d", r%perRecord), "tea", 12500, "千克", (100+r%900)*100+r%100, "")
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func seed(ctx context.Context, st *store.Store) error {
	o := &model.Org{Name: "上虞农合联", Kind: model.OrgCoop, RegionCode: "330604", PaymentTerms: model.TermsPrepay,
		CreditKind: model.DefaultCreditKind(model.OrgCoop), Sector: "other"}
	if err := st.CreateOrg(ctx, o); err != nil {
		return err
	}
	return st.CreateUser(ctx, &model.User{Username: "coop_admin", PasswordHash: "x", Role: model.RoleOrgAdmin, OrgID: &o.ID})
}

// runChild imports the file as the coop's org_admin and prints its figures.
func runChild(path, dsn string, workers int) error {
	ctx := context.Background()
	if prof := os.Getenv("IMPORTBENCH_CPUPROFILE"); prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	st, err := store.Open(dsn, 8)
	if err != nil {
		return err
	}
	defer st.Close()
	admin, err := st.UserByUsername(ctx, "coop_admin")
	if err != nil {
		return err
	}
	svcs := make([]*imports.Service, workers)
	for i := range svcs {
		svcs[i] = imports.New(st, record.New(st, st, credit.New(st, nil)), register.New(st), imports.DefaultLimits, "bench-"+strconv.Itoa(i))
	}
	work := func() error {
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for i, s := range svcs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Work(ctx)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	start := time.Now()
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	job, err := svcs[0].Upload(ctx, admin, model.ImportRecords, filepath.Base(path), data)
	if err != nil {
		return err
	}
	data = nil
	up := time.Now()
	if err := work(); err != nil {
		return err
	}
	validated := time.Now()
	if _, err := svcs[0].Commit(ctx, admin, job.ID); err != nil {
		return err
	}
	if err := work(); err != nil {
		return err
	}
	done := time.Now()
	j, err := svcs[0].Get(ctx, admin, job.ID)
	if err != nil {
		return err
	}
	if j.Status != model.ImportDone || j.Totals == nil {
		return fmt.Errorf("job %s", j.Status)
	}
	res := childResult{Seconds: done.Sub(start).Seconds(), Upload: up.Sub(start).Seconds(), Validate: validated.Sub(up).Seconds(),
		Commit: done.Sub(validated).Seconds(), Created: j.Totals.ByStatus[model.RowCreated], PeakRSS: peakRSS()}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// peakRSS is this process's peak resident set (VmHWM), in bytes.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func openStore(ctx context.Context, dir, mysqlDSN string) (*store.Store, string, func(), error) {
	if mysqlDSN == "" {
		dsn := "sqlite:" + filepath.Join(dir, "bench.db")
		st, err := store.Open(dsn, 8)
		if err != nil {
			return nil, "", nil, err
		}
		if _, err := st.Migrate(ctx); err != nil {
			return nil, "", nil, err
		}
		return st, dsn, func() { st.Close() }, nil
	}
	name := fmt.Sprintf("shanhai_importbench_%d", time.Now().UnixNano())
	admin, err := sql.Open("mysql", mysqlDSN)
	if err != nil {
		return nil, "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, "", nil, err
	}
	dsn := "mysql:" + strings.Replace(mysqlDSN, ")/", ")/"+name, 1)
	st, err := store.Open(dsn, 16)
	if err == nil {
		_, err = st.Migrate(ctx)
	}
	drop := func() {
		if st != nil {
			st.Close()
		}
		admin.ExecContext(context.Background(), "DROP DATABASE "+name)
		admin.Close()
	}
	if err != nil {
		drop()
		return nil, "", nil, err
	}
	return st, dsn, drop, nil
}

// inflate reads the data sheet's XML out of the xlsx file at path and
// drops it: the least any import of the file does.
func inflate(path string) (time.Duration, int64, error) {
	start := time.Now()
	zr, err := zip.OpenReader(path)
	if err != nil {
		return 0, 0, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return 0, 0, err
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		return time.Since(start), n, err
	}
	return 0, 0, fmt.Errorf("%s has no xl/worksheets/sheet1.xml", path)
}

// floorTables are the tables a records import's commit writes, as the
// floor copies them.
var floorTables = []string{"sales_records", "sales_record_items", "invoice_claims", "audits"}

// floor writes what the import's commit writes for rows file rows — each
// record (perRecord items), its items, its invoice claim and its audit row
// — with plain multi-row INSERTs (insertRows) into empty copies
// of those tables (their indexes too), a transaction per chunk of records
// as the import commits them, over conns connections: no reading, no
// checking, no Go beyond building the statements. baseline/floor is the
// best ratio an import that writes these rows could reach on this machine
// (before it has parsed, staged or validated anything).
func floor(ctx context.Context, db *sql.DB, rows, conns int, mysql bool) (time.Duration, error) {
	for _, t := range floorTables {
		if err := copyTable(ctx, db, t, "floor_"+t, mysql); err != nil {
			return 0, fmt.Errorf("copy %s: %w", t, err)
		}
	}
	records := rows / perRecord
	perTx := max(1, imports.DefaultLimits.ChunkRows/perRecord)
	cc := creditCode()
	now := time.Now().UTC()
	var (
		mu   sync.Mutex
		next int
	)
	claim := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= records {
			return 0, false
		}
		from := next
		next += perTx
		return from, true
	}
	writeTx := func(from int) error {
		n := min(perTx, records-from)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		inv := func(r int) string { return fmt.Sprintf("2633%016d", 10_000_000+r) }
		cols := "org_id, status, kind, platform, txn_date, producer_name, producer_credit_code, producer_region, total_cents, " +
			"invoice_issuer, invoice_code, invoice_number, invoice_date, note, reason, recorder_id, submitted_at, created_at, updated_at, " +
			"import_job_id, import_key"
		if err := insertRows(ctx, tx, "floor_sales_records", cols, n, mysql, func(k int) []any {
			r := from + k
			return []any{1, model.RecordSubmitted, model.CreditDirect, model.Platform832, "2026-03-01", "金口河区山珍有限公司", cc, "511113",
				int64(perRecord * 60_000), cc, "", inv(r), "2026-03-01", "", "", 1, now, now, now, 1, fmt.Sprintf("%032x", r)}
		}); err != nil {
			return err
		}
		// The records' ids, as the import reads them back (one INSERT's
		// ids are consecutive).
		var ids []int64
		q, err := tx.QueryContext(ctx, "SELECT id FROM floor_sales_records WHERE import_key >= ? AND import_key <= ? ORDER BY id",
			fmt.Sprintf("%032x", from), fmt.Sprintf("%032x", from+n-1))
		if err != nil {
			return err
		}
		for q.Next() {
			var id int64
			if err := q.Scan(&id); err != nil {
				q.Close()
				return err
			}
			ids = append(ids, id)
		}
		q.Close()
		if len(ids) != n {
			return fmt.Errorf("floor: %d record ids read back, want %d", len(ids), n)
		}
		if err := insertRows(ctx, tx, "floor_sales_record_items",
			"record_id, seq, product_name, category_code, quantity_milli, unit, amount_cents, certificate_no", n*perRecord, mysql, func(k int) []any {
				i := from*perRecord + k
				return []any{ids[k/perRecord], k%perRecord + 1, fmt.Sprintf("高山绿茶%d", i%perRecord), "tea", 12500, "千克", (100+i%900)*100 + i%100, ""}
			}); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, "floor_invoice_claims", "issuer_code, invoice_code, number, org_id, holder_kind, holder_id, created_at",
			n, mysql, func(k int) []any { return []any{cc, "", inv(from + k), 1, model.ClaimRecord, ids[k], now} }); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, "floor_audits", "actor_id, action, entity, entity_id, before_json, after_json, reason, request_id, created_at",
			n, mysql, func(k int) []any {
				after := fmt.Sprintf(`{"status":"submitted","org_id":1,"invoice":"%s//%s","date":"2026-03-01","total_cents":%d,"items":%d}`,
					cc, inv(from+k), perRecord*60_000, perRecord)
				return []any{1, "record.import", "sales_record", strconv.FormatInt(ids[k], 10), "null", after, "import 1", "", now}
			}); err != nil {
			return err
		}
		return tx.Commit()
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for from, ok := claim(); ok; from, ok = claim() {
				if err := writeTx(from); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return took, nil
}

// insertRows inserts n rows of cols into table, 500 a statement on
// MariaDB; on SQLite at most 400 parameters a statement, as the store
// writes (its driver binds each parameter by scanning every argument, so a
// statement costs the square of its parameters).
func insertRows(ctx context.Context, tx *sql.Tx, table, cols string, n int, mysql bool, row func(k int) []any) error {
	width := strings.Count(cols, ",") + 1
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	per := 500
	if !mysql {
		per = max(1, 400/width)
	}
	for i := 0; i < n; i += per {
		m := min(per, n-i)
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, m*width)
		for k := 0; k < m; k++ {
			if k > 0 {
				sb.WriteString(",")
			}
			sb.WriteString(tuple)
			args = append(args, row(i+k)...)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// copyTable makes to an empty copy of table with its columns and indexes.
func copyTable(ctx context.Context, db *sql.DB, table, to string, mysql bool) error {
	if mysql {
		_, err := db.ExecContext(ctx, "CREATE TABLE "+to+" LIKE "+table)
		return err
	}
	// SQLite: the table's and its indexes' own statements, renamed.
	q, err := db.QueryContext(ctx, "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC", table)
	if err != nil {
		return err
	}
	var ddl []string
	for q.Next() {
		var typ, name, stmt string
		if err := q.Scan(&typ, &name, &stmt); err != nil {
			q.Close()
			return err
		}
		if typ == "index" {
			stmt = strings.Replace(stmt, name, "floor_"+name, 1)
		}
		ddl = append(ddl, renameTable(stmt, table, to))
	}
	q.Close()
	if err := q.Err(); err != nil {
		return err
	}
	if len(ddl) == 0 {
		return fmt.Errorf("no table %s", table)
	}
	for _, stmt := range ddl {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// renameTable replaces table's name in a CREATE statement (quoted or not)
// by to's.
func renameTable(stmt, table, to string) string {
	for _, q := range []string{"`", `"`, ""} {
		for _, pre := range []string{"TABLE ", "ON "} {
			if old := pre + q + table + q; strings.Contains(stmt, old) {
				return strings.Replace(stmt, old, pre+q+to+q, 1)
			}
		}
	}
	return stmt
}
