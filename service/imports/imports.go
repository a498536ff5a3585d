// Package imports is bulk import: an agency's certified-product list into
// the register, or a year of an org's off-platform purchases into the
// records, from an xlsx file made from the template the API serves.
//
//	upload (parsed row by row, staged a chunk at a time) → validating → preview → commit → committing → done
//
// The upload is opened with excelize (the unzip limits, which sheets are
// hidden), its data sheet's XML scanned row by row (xlsxread.go) and staged
// in the database, each chunk's rows as a few compact parts (rows.go reads
// them back with their outcomes, of which only those that are not a plain
// ok are written); validation and commit run in the background workers of every
// replica, in chunks claimed with a lease (a compare-and-set on the chunk
// row), so two replicas share a job and a dead replica's chunk is taken
// over once its lease runs out. Each record (the rows sharing org and
// invoice) or register entry is written in one transaction with its rows'
// outcome, so a resumed chunk never writes it twice: a record written in
// bulk carries its job and group as a unique key, which its rows read as
// created by (validation and commit write only the rows whose outcome is
// not a plain ok or created). Rows already imported, by this file or
// another, are counted duplicate; the same invoice or certificate with
// other data is a conflict, shown and never applied.
package imports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/claim"
	"shanhai/service/credit"
	"shanhai/service/record"
	"shanhai/service/register"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	User(ctx context.Context, id int64) (*model.User, error)
	Categories(ctx context.Context) ([]model.Category, error)
	Record(ctx context.Context, id int64) (*model.SalesRecord, error)
	RegisterEntryByNumber(ctx context.Context, issuer, number string) (*model.RegisterEntry, error)
	claim.Store

	CreateImportJob(ctx context.Context, j *model.ImportJob) error
	AddImportStaged(ctx context.Context, parts []model.ImportStaged) error
	AddImportChunks(ctx context.Context, chunks []model.ImportChunk) error
	SetImportJobSize(ctx context.Context, id int64, rows, chunks int) error
	ImportJob(ctx context.Context, id int64) (*model.ImportJob, error)
	ImportJobs(ctx context.Context, ownerID int64, page, size int) (model.Page[model.ImportJob], error)
	MoveImportJob(ctx context.Context, id int64, from, to, totals string) (bool, error)
	ResetImportChunks(ctx context.Context, jobID int64, phase string) error
	ClaimImportChunk(ctx context.Context, owner string, now time.Time, lease time.Duration) (*model.ImportChunk, error)
	RenewImportChunk(ctx context.Context, c *model.ImportChunk, until time.Time) (bool, error)
	FinishImportChunk(ctx context.Context, c *model.ImportChunk) (bool, error)
	ImportProgress(ctx context.Context, jobID int64) (done int, all bool, err error)
	ImportChunks(ctx context.Context, jobID int64) ([]model.ImportChunk, error)
	ImportStagedParts(ctx context.Context, jobID int64, chunk int) ([][]byte, error)
	ImportOutcomes(ctx context.Context, jobID int64, chunk int) ([]model.ImportRow, error)
	ImportCreated(ctx context.Context, jobID int64, keys []string) (map[string]int64, error)
	SetImportRows(ctx context.Context, jobID int64, from string, rows []model.ImportRow) (int, error)
	InvoiceClaimsOf(ctx context.Context, ids [][3]string) ([]model.InvoiceClaim, error)
	ImportRefs(ctx context.Context, jobID int64) ([]int64, error)
	ImportJobsIn(ctx context.Context, statuses ...string) ([]int64, error)
}

// Records is what an import needs of the off-platform records.
type Records interface {
	Check(ctx context.Context, actor *model.User, orgID int64, in record.Input) (*model.SalesRecord, error)
	CreateSubmitted(ctx context.Context, actor *model.User, orgID int64, in record.Input, note string) (*model.SalesRecord, error)
	CheckMany(ctx context.Context, actor *model.User, orgID int64, ins []record.Input) ([]*model.SalesRecord, []error, error)
	CreateChecked(ctx context.Context, actor *model.User, recs []*model.SalesRecord, errs []error, note string) error
	Get(ctx context.Context, actor *model.User, id int64) (*model.SalesRecord, error)
	Verify(ctx context.Context, actor *model.User, id int64) (*record.Verified, error)
	VerifyMany(ctx context.Context, actor *model.User, ids []int64) ([][]*model.Credit, []error, error)
}

// Register is what an import needs of the register.
type Register interface {
	Check(ctx context.Context, actor *model.User, in register.Input) (*model.RegisterEntry, error)
	Create(ctx context.Context, actor *model.User, in register.Input) (*model.RegisterEntry, error)
}

// Ledger resolves a record's entries as verifying it would.
type Ledger interface {
	RecordedMany(ctx context.Context, recs []*model.SalesRecord, now time.Time) ([][]*model.Credit, error)
}

// dryStore is the ledger's store with its writes left out: a ledger over it
// resolves a record's entries, for a preview, and writes nothing. The
// reference tables a resolution reads for every record (regions, pairings,
// programme rules) are kept for previewTTL: a preview may be that much
// behind an admin's edit; verification resolves again from the database.
type dryStore struct {
	credit.Store
	mu       sync.Mutex
	read     time.Time
	regions  []model.Region
	pairings []model.PairingView
	rules    []model.ProgrammeRule
}

// previewTTL is how long a preview keeps the reference tables.
const previewTTL = 10 * time.Second

func (*dryStore) AddCredits(context.Context, []*model.Credit) error { return nil }
func (*dryStore) AfterCommit(context.Context, func())               {}

func (d *dryStore) refs(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.read.IsZero() && time.Since(d.read) < previewTTL {
		return nil
	}
	regions, err := d.Store.Regions(ctx)
	if err != nil {
		return err
	}
	pairings, err := d.Store.Pairings(ctx)
	if err != nil {
		return err
	}
	rules, err := d.Store.ProgrammeRules(ctx)
	if err != nil {
		return err
	}
	d.regions, d.pairings, d.rules, d.read = regions, pairings, rules, time.Now()
	return nil
}

func (d *dryStore) Regions(ctx context.Context) ([]model.Region, error) {
	if err := d.refs(ctx); err != nil {
		return nil, err
	}
	return d.regions, nil
}

func (d *dryStore) Pairings(ctx context.Context) ([]model.PairingView, error) {
	if err := d.refs(ctx); err != nil {
		return nil, err
	}
	return d.pairings, nil
}

func (d *dryStore) ProgrammeRules(ctx context.Context) ([]model.ProgrammeRule, error) {
	if err := d.refs(ctx); err != nil {
		return nil, err
	}
	return d.rules, nil
}

// Limits bound an upload.
type Limits struct {
	MaxFile      int   // bytes of the file (20 MiB)
	UnzipSize    int64 // bytes the workbook may inflate to
	UnzipXMLSize int64 // a sheet larger than this is unzipped to a temporary file, not memory
	ChunkRows    int   // rows per chunk
	CommitBatch  int   // records (or entries) written per transaction
	Lease        time.Duration
}

// DefaultLimits are the limits of a server.
var DefaultLimits = Limits{MaxFile: MaxFile, UnzipSize: 512 << 20, UnzipXMLSize: 4 << 20, ChunkRows: 2000, CommitBatch: 500, Lease: time.Minute}

// MaxFile is the largest file an upload may carry.
const MaxFile = 20 << 20

// Service is bulk import.
type Service struct {
	store    Store
	records  Records
	register Register
	preview  Ledger // nil: no totals by pairing and reason
	limits   Limits
	now      func() time.Time
	worker   string
	// afterCommit, when set, runs after each transaction a commit wrote
	// records or entries in; an error stops the chunk there as a killed
	// replica would (tests).
	afterCommit func() error
}

// New returns the import service; worker names this replica's leases.
// When st is also the ledger's store, previews split their totals by
// pairing and reason as verification would credit the records.
func New(st Store, records Records, reg Register, limits Limits, worker string) *Service {
	s := &Service{store: st, records: records, register: reg, limits: limits, now: time.Now, worker: worker}
	if cs, ok := st.(credit.Store); ok {
		s.preview = credit.New(&dryStore{Store: cs}, nil)
	}
	return s
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Job is a job with its progress and totals.
type Job struct {
	model.ImportJob
	Done   int                 // rows done in the current phase
	Totals *model.ImportTotals // once validated
}

// Upload stages a file as a new job of kind: a 422 for a file that is not a
// workbook, inflates past the limits, lacks the template's columns or has no
// data rows, and then nothing is written. Records are imported by an org's
// org_admin into its own org; register lists by an admin or a partner-side
// officer (each row within their scope).
func (s *Service) Upload(ctx context.Context, actor *model.User, kind, name string, data []byte) (*Job, error) {
	j := &model.ImportJob{Kind: kind, Status: model.ImportValidating, OwnerID: actor.ID, Totals: "{}"}
	switch kind {
	case model.ImportRecords:
		if actor.Role != model.RoleOrgAdmin || actor.OrgID == nil {
			return nil, model.Forbidden("an org's org_admin imports its records")
		}
		org := *actor.OrgID
		j.OrgID = &org
	case model.ImportRegister:
		if actor.Role != model.RoleAdmin && actor.Role != model.RoleOfficer {
			return nil, model.Forbidden("admins and partner-side officers import the register")
		}
	default:
		return nil, model.Invalid(model.FieldError{Field: "kind", Message: "must be records or register"})
	}
	if len(data) > s.limits.MaxFile {
		return nil, model.Invalid(model.FieldError{Field: "file", Message: "is larger than 20 MiB"})
	}
	if len(data) == 0 {
		return nil, fileError("is empty")
	}
	sum := sha256.Sum256(data)
	j.FileHash = hex.EncodeToString(sum[:])
	j.FileName = strings.ToValidUTF8(name, "")
	if len([]rune(j.FileName)) > 200 {
		j.FileName = string([]rune(j.FileName)[:200])
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		j.ID = 0
		if err := s.store.CreateImportJob(ctx, j); err != nil {
			return err
		}
		rows, chunks, err := s.stage(ctx, j, data)
		if err != nil {
			return err
		}
		j.Rows, j.Chunks = rows, chunks
		if err := s.store.SetImportJobSize(ctx, j.ID, rows, chunks); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "import.upload", "import_job", j.ID, nil,
			map[string]any{"kind": kind, "file": j.FileName, "sha256": j.FileHash, "rows": rows}, "")
	})
	if err != nil {
		return nil, err
	}
	return &Job{ImportJob: *j}, nil
}

// stage reads the workbook row by row into staged parts of j's chunks (the
// rows of one record or certificate always share a chunk), written while
// it reads on.
func (s *Service) stage(ctx context.Context, j *model.ImportJob, data []byte) (int, int, error) {
	f, err := s.openBook(data)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sheet, err := dataSheet(f, j.Kind)
	if err != nil {
		return 0, 0, err
	}
	sr, err := newSheetReader(data, s.limits.UnzipSize)
	if err != nil {
		return 0, 0, fileError("its sheet cannot be read")
	}
	var (
		cols      map[int]string
		n         int
		chunkOf   = map[string]int{}
		chunkRows []int
		// A chunk's rows not yet written (its part being filled) and the
		// number of its next part.
		pending [][]byte
		parts   []int
		scratch []byte                // a row's cells, encoded
		vals    = map[string]string{} // a row's cells by key, reused
	)
	// The parts are written by one goroutine while this one reads on: the
	// sheet's parsing and the database's inserts overlap. Only that
	// goroutine uses the transaction until it has stopped.
	w := newStager(ctx, s.store)
	defer w.stop()
	flush := func(chunk int) error {
		if len(pending[chunk]) == 0 {
			return w.err()
		}
		err := w.add(model.ImportStaged{JobID: j.ID, Chunk: chunk, Part: parts[chunk], Data: pending[chunk]})
		pending[chunk] = nil
		parts[chunk]++
		return err
	}
	err = sr.rows(sheet, func(rowNo int, cells []string) error {
		if cols == nil {
			// The header row: the first row naming the template's columns
			// within the first ten (a title row may come first).
			if blank(cells) {
				return nil
			}
			var err error
			if cols, err = header(cells, columnsOf(j.Kind)); err != nil {
				if rowNo < headerRows {
					return nil
				}
				return err
			}
			return nil
		}
		if blank(cells) {
			return nil
		}
		n++
		if n > maxRows {
			return fileError("has more than 200000 data rows")
		}
		clear(vals)
		for i, c := range cells {
			if key, ok := cols[i]; ok && strings.TrimSpace(c) != "" {
				vals[key] = clip(strings.TrimSpace(c))
			}
		}
		key := groupKey(j, rowNo, vals)
		chunk, ok := chunkOf[key]
		if !ok {
			chunk = len(chunkRows) - 1
			if chunk < 0 || chunkRows[chunk] >= s.limits.ChunkRows {
				// The chunk filled up: its rows so far go (a later row of
				// one of its groups makes it another part).
				if chunk >= 0 {
					if err := flush(chunk); err != nil {
						return err
					}
				}
				chunkRows, pending, parts = append(chunkRows, 0), append(pending, nil), append(parts, 0)
				chunk++
			}
			chunkOf[key] = chunk
		}
		chunkRows[chunk]++
		scratch = appendCells(scratch[:0], vals)
		pending[chunk] = appendLine(pending[chunk], rowNo, key, scratch)
		if len(pending[chunk]) >= partBytes {
			return flush(chunk)
		}
		return nil
	})
	var re rowError
	switch {
	case errors.As(err, &re):
		return 0, 0, fileError(re.Error())
	case errors.Is(err, errSheet):
		return 0, 0, fileError("its sheet cannot be read")
	case err != nil:
		return 0, 0, err
	}
	if cols == nil {
		_, err := header(nil, columnsOf(j.Kind))
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, fileError("has no data rows")
	}
	for chunk := range pending {
		if err := flush(chunk); err != nil {
			return 0, 0, err
		}
	}
	if err := w.stop(); err != nil {
		return 0, 0, err
	}
	chunks := make([]model.ImportChunk, len(chunkRows))
	for i, r := range chunkRows {
		chunks[i] = model.ImportChunk{JobID: j.ID, Seq: i, Phase: model.PhaseValidate, Rows: r}
	}
	return n, len(chunks), s.store.AddImportChunks(ctx, chunks)
}

// partBytes is about how large a staged part grows before it is written:
// a chunk's rows are a part or a few, each one row of the database.
const partBytes = 256 << 10

// stager writes staged parts in the background, one at a time, at most
// two behind its caller (memory stays bounded).
type stager struct {
	parts   chan model.ImportStaged
	done    chan struct{}
	stopped bool
	mu      sync.Mutex
	failed  error
}

func newStager(ctx context.Context, st Store) *stager {
	w := &stager{parts: make(chan model.ImportStaged, 2), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for p := range w.parts {
			if w.err() != nil {
				continue // drain: the upload fails anyway
			}
			if err := st.AddImportStaged(ctx, []model.ImportStaged{p}); err != nil {
				w.mu.Lock()
				w.failed = err
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *stager) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// add queues a part; it answers an earlier part's error, if any.
func (w *stager) add(p model.ImportStaged) error {
	if err := w.err(); err != nil {
		return err
	}
	w.parts <- p
	return nil
}

// stop waits for every queued part to be written and answers the first
// error; it may be called again.
func (w *stager) stop() error {
	if !w.stopped {
		w.stopped = true
		close(w.parts)
		<-w.done
	}
	return w.err()
}

// headerRows is how far down a sheet its header row is looked for.
const headerRows = 10

// maxCell bounds a staged cell, in characters: one more than the longest
// field takes (a note, 500), so a value cut here is still refused as too
// long, and a row of the widest template stays within a TEXT column even
// with every character escaped in JSON.
const maxCell = 501

func clip(v string) string {
	if len(v) <= maxCell {
		return v
	}
	if r := []rune(v); len(r) > maxCell {
		return string(r[:maxCell])
	}
	return v
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// groupKey is what makes rows one record (org and invoice) or one
// certificate (issuer and number); a row without one is its own group.
func groupKey(j *model.ImportJob, rowNo int, v map[string]string) string {
	var parts []string
	if j.Kind == model.ImportRegister {
		if v["certificate_no"] == "" {
			return "row:" + itoa(rowNo)
		}
		parts = []string{v["issuer"], v["certificate_no"]}
	} else {
		if v["invoice_number"] == "" {
			return "row:" + itoa(rowNo)
		}
		issuer := v["invoice_issuer"]
		if issuer == "" {
			issuer = v["producer_credit_code"]
		}
		org := v["org_id"]
		if org == "" && j.OrgID != nil {
			org = itoa(int(*j.OrgID))
		}
		parts = []string{org, strings.ToUpper(issuer), v["invoice_code"], v["invoice_number"]}
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// Get is a job for whoever may see it (404 otherwise): its uploader, an
// admin, or (records) an officer who may see the records it made.
func (s *Service) Get(ctx context.Context, actor *model.User, id int64) (*Job, error) {
	j, err := s.visibleJob(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.describe(ctx, j)
}

func (s *Service) describe(ctx context.Context, j *model.ImportJob) (*Job, error) {
	out := &Job{ImportJob: *j}
	switch j.Status {
	case model.ImportValidating, model.ImportCommitting:
		done, _, err := s.store.ImportProgress(ctx, j.ID)
		if err != nil {
			return nil, err
		}
		out.Done = done
	default:
		out.Done = j.Rows
	}
	if j.Status != model.ImportValidating {
		var t model.ImportTotals
		if err := json.Unmarshal([]byte(j.Totals), &t); err == nil && t.ByStatus != nil {
			out.Totals = &t
		}
	}
	return out, nil
}

func (s *Service) visibleJob(ctx context.Context, actor *model.User, id int64) (*model.ImportJob, error) {
	j, err := s.store.ImportJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.OwnerID == actor.ID || actor.Role == model.RoleAdmin {
		return j, nil
	}
	if actor.Role == model.RoleOfficer && j.Kind == model.ImportRecords {
		refs, err := s.store.ImportRefs(ctx, j.ID)
		if err != nil {
			return nil, err
		}
		if len(refs) > 0 {
			if _, err := s.records.Get(ctx, actor, refs[0]); err == nil {
				return j, nil
			} else if !errors.Is(err, model.ErrNotFound) {
				return nil, err
			}
		}
	}
	return nil, model.NotFound("import job")
}

// List is the caller's jobs, newest first (an admin's: everyone's).
func (s *Service) List(ctx context.Context, actor *model.User, page, size int) (model.Page[Job], error) {
	owner := actor.ID
	if actor.Role == model.RoleAdmin {
		owner = 0
	}
	p, err := s.store.ImportJobs(ctx, owner, page, size)
	out := model.Page[Job]{Items: []Job{}, Page: p.Page, PageSize: p.PageSize, Total: p.Total}
	if err != nil {
		return out, err
	}
	for i := range p.Items {
		d, err := s.describe(ctx, &p.Items[i])
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, *d)
	}
	return out, nil
}

// Commit applies a previewed job: the rows that were ok are written by the
// workers. Its uploader only (others who can see it get a 403); a job not
// in preview is a 409.
func (s *Service) Commit(ctx context.Context, actor *model.User, id int64) (*Job, error) {
	j, err := s.visibleJob(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if j.OwnerID != actor.ID {
		return nil, model.Forbidden("only the uploader commits an import")
	}
	if j.Status != model.ImportPreview {
		return nil, model.Conflict("invalid_transition", "a %s import cannot be committed", j.Status)
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.MoveImportJob(ctx, id, model.ImportPreview, model.ImportCommitting, "")
		if err != nil {
			return err
		}
		if !ok {
			return model.Conflict("invalid_transition", "the import is no longer in preview")
		}
		if err := s.store.ResetImportChunks(ctx, id, model.PhaseCommit); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "import.commit", "import_job", id,
			map[string]string{"status": model.ImportPreview}, map[string]string{"status": model.ImportCommitting}, "")
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// Result is a job's per-row result as xlsx, once validated.
func (s *Service) Result(ctx context.Context, actor *model.User, id int64) ([]byte, string, error) {
	j, err := s.visibleJob(ctx, actor, id)
	if err != nil {
		return nil, "", err
	}
	if j.Status == model.ImportValidating {
		return nil, "", model.Conflict("not_ready", "the import is still being validated")
	}
	b, err := s.resultFile(ctx, j)
	return b, "shanhai-import-" + itoa(int(j.ID)) + "-result.xlsx", err
}

// VerifyResult says what verifying a job's records did.
type VerifyResult struct {
	Verified int
	Skipped  int // records no longer submitted (verified, returned or revoked already)
	Failed   []VerifyFailure
}

// VerifyFailure is a record that could not be verified.
type VerifyFailure struct {
	RecordID int64
	Code     string
	Message  string
}

// Verify verifies every submitted record a done records job made, with the
// same rules as verifying one record: a city- or province-level
// helper-side officer whose scope holds the org, or an admin; never the
// recorder. A caller who may not verify the first record gets its error.
func (s *Service) Verify(ctx context.Context, actor *model.User, id int64) (*VerifyResult, error) {
	j, err := s.visibleJob(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if j.Kind != model.ImportRecords {
		return nil, model.Conflict("invalid_transition", "only a records import is verified")
	}
	if j.Status != model.ImportDone {
		return nil, model.Conflict("invalid_transition", "a %s import cannot be verified", j.Status)
	}
	refs, err := s.store.ImportRefs(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &VerifyResult{Failed: []VerifyFailure{}}
	batch := max(1, s.limits.CommitBatch)
	for i := 0; i < len(refs); i += batch {
		part := refs[i:min(i+batch, len(refs))]
		_, errs, err := s.records.VerifyMany(ctx, actor, part)
		var me *model.Error
		if errors.As(err, &me) && !errors.Is(err, model.ErrUnavailable) {
			// A record moved on meanwhile: this batch one record at a time.
			errs = make([]error, len(part))
			for k, rid := range part {
				if _, err := s.records.Verify(ctx, actor, rid); err != nil {
					if !errors.As(err, &me) || errors.Is(err, model.ErrUnavailable) {
						return nil, err
					}
					errs[k] = err
				}
			}
		} else if err != nil {
			return nil, err
		}
		for k, err := range errs {
			switch {
			case err == nil:
				out.Verified++
			case errors.As(err, &me) && me.Code == "invalid_transition":
				out.Skipped++
			case i+k == 0 && (errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrForbidden)):
				return nil, err
			case errors.As(err, &me):
				out.Failed = append(out.Failed, VerifyFailure{RecordID: part[k], Code: me.Code, Message: me.Message})
			}
		}
	}
	return out, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
