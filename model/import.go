package model

import "time"

// Import kinds: what a job's rows become.
const (
	ImportRecords  = "records"  // off-platform sales records, one row per item
	ImportRegister = "register" // register entries, one row per certificate
)

// Import job statuses.
//
//	validating --all chunks checked--> preview --commit--> committing --all chunks written--> done
//	preview --cancel--> cancelled
//	validating, committing --its owner is gone--> failed
const (
	ImportValidating = "validating"
	ImportPreview    = "preview"
	ImportCommitting = "committing"
	ImportDone       = "done"
	ImportCancelled  = "cancelled"
	ImportFailed     = "failed" // ImportTotals.Failure says why
)

// Import row statuses: pending until validated; ok (would be created) or
// error, duplicate, conflict after validation; created once committed.
const (
	RowPending   = "pending"
	RowOK        = "ok"
	RowError     = "error"
	RowDuplicate = "duplicate"
	RowConflict  = "conflict"
	RowCreated   = "created"
)

// Import chunk phases.
const (
	PhaseValidate = "validate"
	PhaseCommit   = "commit"
)

// ImportJob is one uploaded file on its way into the records or the
// register. Totals are filled when validation ends and again when the job
// is done.
type ImportJob struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	Kind      string    `gorm:"column:kind" json:"kind"`
	Status    string    `gorm:"column:status" json:"status"`
	OwnerID   int64     `gorm:"column:owner_id" json:"owner_id"`
	OrgID     *int64    `gorm:"column:org_id" json:"org_id"` // a records job's org
	FileName  string    `gorm:"column:file_name" json:"file_name"`
	FileHash  string    `gorm:"column:file_hash" json:"file_hash"`
	Rows      int       `gorm:"column:total_rows" json:"total_rows"`
	Chunks    int       `gorm:"column:chunks" json:"-"`
	Totals    string    `gorm:"column:totals" json:"-"` // JSON of ImportTotals
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

func (ImportJob) TableName() string { return "import_jobs" }

// ImportStaged is one part of a chunk's parsed data rows, staged at upload
// in service/imports's compact encoding (row number, group and cells of
// each row, in row order); a chunk's parts in order are its rows.
type ImportStaged struct {
	JobID int64  `gorm:"column:job_id;primaryKey"`
	Chunk int    `gorm:"column:chunk;primaryKey"`
	Part  int    `gorm:"column:part;primaryKey"`
	Data  []byte `gorm:"column:data"`
}

func (ImportStaged) TableName() string { return "import_staged" }

// ImportRow is one data row of a job with its outcome: its cells (in
// service/imports's compact encoding), the group it belongs to (rows of one
// record), its status, the problems found (JSON list of RowProblem) and
// what it became. Only outcomes are stored (the rows themselves are staged
// as ImportStaged), and only those that are not a plain ok: a row without
// one is pending until its chunk is validated, then ok, credited as its
// ImportChunk says, and created once a commit created its group's record
// (service/imports reads it so).
type ImportRow struct {
	JobID    int64  `gorm:"column:job_id;primaryKey"`
	RowNo    int    `gorm:"column:row_no;primaryKey"`
	Chunk    int    `gorm:"column:chunk"`
	GroupKey string `gorm:"column:group_key"`
	Cells    string `gorm:"column:cells"`
	Status   string `gorm:"column:status"`
	Problems string `gorm:"column:problems"`
	RefID    *int64 `gorm:"column:ref_id"` // the record or register entry
	// PairingID and Reason are how verification would credit the item
	// (records): the pairing it helps (nil: none) and the ledger's reason.
	PairingID *int64 `gorm:"column:pairing_id"`
	Reason    string `gorm:"column:reason"`
}

func (ImportRow) TableName() string { return "import_rows" }

// ImportChunk is a share of a job's rows a worker claims with a lease.
type ImportChunk struct {
	JobID      int64      `gorm:"column:job_id;primaryKey"`
	Seq        int        `gorm:"column:seq;primaryKey"`
	Phase      string     `gorm:"column:phase"`
	Rows       int        `gorm:"column:row_count"`
	Done       bool       `gorm:"column:done"`
	LeaseOwner string     `gorm:"column:lease_owner"`
	LeaseUntil *time.Time `gorm:"column:lease_until"`
	// OKPairingID and OKReason are how verification would credit the
	// items of the chunk's ok rows that validation left pending (it writes
	// only the rows whose outcome differs).
	OKPairingID *int64 `gorm:"column:ok_pairing_id"`
	OKReason    string `gorm:"column:ok_reason"`
}

func (ImportChunk) TableName() string { return "import_chunks" }

// RowProblem is what is wrong with one cell (or the row, Column "").
type RowProblem struct {
	Column  string `json:"column"`
	Message string `json:"message"`
}

// ImportTotals counts a job's rows and what they make.
type ImportTotals struct {
	Rows     int            `json:"rows"`
	ByStatus map[string]int `json:"by_status"`
	Records  int            `json:"records"` // records (or entries) that would be, or were, created
	Cents    int64          `json:"cents"`   // their amount (records)
	// ByPairing and ByReason split the records' items as verifying them
	// would credit them: by pairing (its id; "none" when the item helps
	// none) and by the ledger's reason.
	ByPairing []ImportSum `json:"by_pairing"`
	ByReason  []ImportSum `json:"by_reason"`
	// Failure is why a failed job stopped (empty unless failed).
	Failure string `json:"failure,omitempty"`
}

// ImportSum is one line of a preview's totals.
type ImportSum struct {
	Key   string `json:"key"`
	Items int    `json:"items"`
	Cents int64  `json:"cents"`
}

// GroupKeys lists the groups of rows, each once, in the order they first
// appear.
func GroupKeys(rows []ImportRow) []string {
	var keys []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.GroupKey] {
			seen[r.GroupKey] = true
			keys = append(keys, r.GroupKey)
		}
	}
	return keys
}
