package model

import (
	"strconv"
	"strings"
	"time"
)

// Off-platform sales record statuses.
const (
	RecordDraft     = "draft"
	RecordSubmitted = "submitted"
	RecordVerified  = "verified"
	RecordReturned  = "returned"
	RecordRevoked   = "revoked"
)

// Platforms an off-platform sale was made on; its entries carry it.
const (
	Platform832     = "832"     // 832平台
	PlatformZCY     = "zcy"     // 政采云
	PlatformOffline = "offline" // no platform at all
	PlatformOther   = "other"
)

// RecordPlatforms are the platforms a record may name.
var RecordPlatforms = []string{Platform832, PlatformZCY, PlatformOffline, PlatformOther}

// ChannelOffline is every off-platform record's channel.
const ChannelOffline = "offline"

// SourceRecord and SourceRecordRevoked are the sources of a record's entries.
const (
	SourceRecord        = "record"
	SourceRecordRevoked = "record_revoked"
)

// ReasonCertMismatch: the certificate an off-platform item names belongs to
// another producer.
const ReasonCertMismatch = "certificate_mismatch"

// SalesRecord (线下帮扶台账) is a purchase or assisted sale an org made outside
// the mall. The producer is a registered supplier (SupplierID) or a name,
// credit code and partner county; the invoice identifies its one claim.
type SalesRecord struct {
	ID                 int64      `gorm:"column:id;primaryKey" json:"id"`
	OrgID              int64      `gorm:"column:org_id" json:"org_id"`
	Status             string     `gorm:"column:status" json:"status"`
	Kind               string     `gorm:"column:kind" json:"kind"`
	Platform           string     `gorm:"column:platform" json:"platform"`
	Date               string     `gorm:"column:txn_date" json:"date"`
	SalesPointID       *int64     `gorm:"column:sales_point_id" json:"sales_point_id"`
	SupplierID         *int64     `gorm:"column:supplier_id" json:"supplier_id"`
	ProducerName       string     `gorm:"column:producer_name" json:"producer_name"`
	ProducerCreditCode string     `gorm:"column:producer_credit_code" json:"producer_credit_code"`
	ProducerRegion     string     `gorm:"column:producer_region" json:"producer_region"`
	TotalCents         int64      `gorm:"column:total_cents" json:"total_cents"`
	InvoiceIssuer      string     `gorm:"column:invoice_issuer" json:"invoice_issuer"`
	InvoiceCode        string     `gorm:"column:invoice_code" json:"invoice_code"`
	InvoiceNumber      string     `gorm:"column:invoice_number" json:"invoice_number"`
	InvoiceDate        string     `gorm:"column:invoice_date" json:"invoice_date"`
	Note               string     `gorm:"column:note" json:"note"`
	Reason             string     `gorm:"column:reason" json:"reason"` // why it was returned or revoked
	RecorderID         int64      `gorm:"column:recorder_id" json:"recorder_id"`
	VerifierID         *int64     `gorm:"column:verifier_id" json:"verifier_id"`
	SubmittedAt        *time.Time `gorm:"column:submitted_at" json:"submitted_at"`
	VerifiedAt         *time.Time `gorm:"column:verified_at" json:"verified_at"`
	RevokedAt          *time.Time `gorm:"column:revoked_at" json:"revoked_at"`
	CreatedAt          time.Time  `gorm:"column:created_at" json:"created_at"`
	UpdatedAt          time.Time  `gorm:"column:updated_at" json:"updated_at"`
	// ImportJobID and ImportKey are the import job and group (its rows'
	// group key) whose multi-row commit created the record (nil: none);
	// unique, so a resumed chunk never creates it twice.
	ImportJobID *int64 `gorm:"column:import_job_id" json:"-"`
	ImportKey   string `gorm:"column:import_key" json:"-"`

	Items []RecordItem `gorm:"-" json:"items"`
	Files []RecordFile `gorm:"-" json:"files"`
}

func (SalesRecord) TableName() string { return "sales_records" }

// RecordItem is one line of a record. Quantity is in thousandths of Unit.
type RecordItem struct {
	ID            int64  `gorm:"column:id;primaryKey" json:"id"`
	RecordID      int64  `gorm:"column:record_id" json:"record_id"`
	Seq           int    `gorm:"column:seq" json:"seq"`
	ProductName   string `gorm:"column:product_name" json:"product_name"`
	CategoryCode  string `gorm:"column:category_code" json:"category"`
	QuantityMilli int64  `gorm:"column:quantity_milli" json:"-"`
	Unit          string `gorm:"column:unit" json:"unit"`
	AmountCents   int64  `gorm:"column:amount_cents" json:"amount_cents"`
	CertificateNo string `gorm:"column:certificate_no" json:"certificate_no"`
}

func (RecordItem) TableName() string { return "sales_record_items" }

// RecordFile is a scan attached to a record (a private blob).
type RecordFile struct {
	ID          int64     `gorm:"column:id;primaryKey" json:"id"`
	RecordID    int64     `gorm:"column:record_id" json:"record_id"`
	Hash        string    `gorm:"column:hash" json:"-"`
	ContentType string    `gorm:"column:content_type" json:"content_type"`
	Size        int64     `gorm:"column:size" json:"size"`
	Name        string    `gorm:"column:name" json:"name"`
	CreatedAt   time.Time `gorm:"column:created_at" json:"created_at"`
}

func (RecordFile) TableName() string { return "sales_record_files" }

// RecordPatch sets a record's status and what goes with it; nil leaves a
// field alone.
type RecordPatch struct {
	Status      string
	Reason      *string
	VerifierID  *int64
	SubmittedAt *time.Time
	VerifiedAt  *time.Time
	RevokedAt   *time.Time
}

// RecordFilter narrows a list of records: one org (0: any), one status,
// the regions the buying org must be in and those the producer must be in
// (nil: any; empty: none).
type RecordFilter struct {
	OrgID           int64
	Status          string
	OrgRegions      []string
	ProducerRegions []string
}

// MaxQuantityMilli bounds an item's quantity (a billion units).
const MaxQuantityMilli = 1_000_000_000_000

// ParseQuantity reads a decimal quantity with up to three places ("12.5",
// "3", "0.125") into thousandths. ok is false for anything else: a sign, an
// exponent, a fourth place, zero, or more than MaxQuantityMilli.
func ParseQuantity(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 13 || len(frac) > 3 || (hasDot && frac == "") {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	frac += strings.Repeat("0", 3-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	q := w*1000 + f
	if q <= 0 || q > MaxQuantityMilli {
		return 0, false
	}
	return q, true
}

// FormatQuantity writes thousandths back as a decimal without trailing zeros.
func FormatQuantity(milli int64) string {
	s := strconv.FormatInt(milli/1000, 10)
	if f := milli % 1000; f != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(1000+f, 10)[1:], "0")
	}
	return s
}

// ClosedYear is a review year an admin has closed.
type ClosedYear struct {
	Year     int       `gorm:"column:year;primaryKey" json:"year"`
	ActorID  *int64    `gorm:"column:actor_id" json:"actor_id"`
	ClosedAt time.Time `gorm:"column:closed_at" json:"closed_at"`
}

func (ClosedYear) TableName() string { return "closed_years" }

// ReservePlatform is a platform whose records count toward reserved shares.
type ReservePlatform struct {
	Platform string `gorm:"column:platform;primaryKey" json:"platform"`
}

func (ReservePlatform) TableName() string { return "reserve_platforms" }
