package model

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Roles.
const (
	RoleConsumer = "consumer" // an employee buying on the mobile app
	RoleBuyer    = "buyer"    // places orders for an org
	RoleApprover = "approver" // approves an org's orders over its threshold
	RoleOrgAdmin = "org_admin"
	RoleSupplier = "supplier" // a user of a supplier company
	RoleOfficer  = "officer"  // reads statistics for a region scope
	RoleAdmin    = "admin"
)

// Roles lists every role.
var Roles = []string{RoleConsumer, RoleBuyer, RoleApprover, RoleOrgAdmin, RoleSupplier, RoleOfficer, RoleAdmin}

// OrgRole reports whether role acts inside an org (and so needs one).
func OrgRole(role string) bool {
	return role == RoleBuyer || role == RoleApprover || role == RoleOrgAdmin
}

// Employer link states of a consumer.
const (
	EmployerNone      = ""
	EmployerPending   = "pending"
	EmployerConfirmed = "confirmed"
	EmployerRefused   = "refused"
)

// NormalizeUsername is the one form a username is compared in: NFKC, then
// lower case, surrounding spaces trimmed. Creation, login, lookups and the
// login limiter's keys all go through it, and the database compares the
// result byte for byte (users.username_key, utf8mb4_bin on MySQL), so no
// collation can fold two spellings into one account behind our back.
func NormalizeUsername(name string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(name)))
}

// Username lengths, in characters.
const (
	UsernameMin = 3
	UsernameMax = 64
)

// UsernameProblem says what is wrong with a new username, or "" when it may
// be created. Allowed: lower- or upper-case ASCII letters, digits, '.', '_'
// and '-', and Han ideographs (Chinese names); UsernameMin..UsernameMax
// characters. Everything else is refused, and so is any name that
// normalisation would change beyond lower-casing: invisible characters
// (U+200B), look-alikes from other scripts (Cyrillic ѕ, Greek ο), fullwidth
// forms and combining marks cannot make a second account that reads like an
// existing one.
func UsernameProblem(name string) string {
	n := utf8.RuneCountInString(name)
	if n < UsernameMin || n > UsernameMax {
		return "must be 3 to 64 characters"
	}
	if NormalizeUsername(name) != strings.ToLower(name) {
		return "must be written in its plain form (no fullwidth, compatibility or combining characters)"
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		case unicode.Is(unicode.Han, r) && unicode.Is(unicode.Lo, r):
		default:
			return "may contain only ASCII letters, digits, '.', '_', '-' and Chinese characters"
		}
	}
	return ""
}

// User is an account. Username is unique after NormalizeUsername
// (UsernameKey is that form; Username keeps the case it was created in). TokenVersion moves whenever the role, password or
// disabled flag changes, which invalidates every token issued before.
type User struct {
	ID             int64   `gorm:"column:id;primaryKey" json:"id"`
	Username       string  `gorm:"column:username" json:"username"`
	UsernameKey    string  `gorm:"column:username_key" json:"-"`
	PasswordHash   string  `gorm:"column:password_hash" json:"-"`
	Role           string  `gorm:"column:role" json:"role"`
	OrgID          *int64  `gorm:"column:org_id" json:"org_id"`
	SupplierID     *int64  `gorm:"column:supplier_id" json:"supplier_id"`
	RegionCode     *string `gorm:"column:region_code"` // officer scope; a consumer's own region
	EmployerID     *int64  `gorm:"column:employer_id"` // a consumer's employer org
	EmployerStatus string  `gorm:"column:employer_status" json:"employer_status"`
	// Phone is a self-registered consumer's mainland mobile number (unique).
	Phone *string `gorm:"column:phone" json:"-"`
	// RegionSelfChosen: the consumer picked RegionCode at sign-up and no
	// org_admin or admin has confirmed it, so it is no evidence for
	// crediting (OwnRegion). Admin-made accounts never set it.
	RegionSelfChosen bool      `gorm:"column:region_self_chosen" json:"region_self_chosen"`
	Disabled         bool      `gorm:"column:disabled" json:"disabled"`
	TokenVersion     int64     `gorm:"column:token_version" json:"token_version"`
	CreatedAt        time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt        time.Time `gorm:"column:updated_at" json:"updated_at"`
}

func (User) TableName() string { return "users" }

// ConfirmedEmployer is the org a consumer's purchases count for, or nil.
func (u *User) ConfirmedEmployer() *int64 {
	if u.EmployerStatus == EmployerConfirmed {
		return u.EmployerID
	}
	return nil
}

// OwnRegion is the region a consumer's purchases count for when no confirmed
// employer takes them: their own region, unless they chose it themselves
// and nobody has confirmed it (then nil: no_buyer_region).
func (u *User) OwnRegion() *string {
	if u.RegionSelfChosen {
		return nil
	}
	return u.RegionCode
}

// Canteen status of a filing.
const (
	CanteenHas        = "has"
	CanteenNone       = "none"
	CanteenShared     = "shared"
	CanteenOutsourced = "outsourced"
)

// Filing statuses.
const (
	FilingDraft     = "draft"
	FilingSubmitted = "submitted"
	FilingApproved  = "approved"
	FilingReturned  = "returned"
)

// LowRatioBP is the reserved ratio below which a filing is flagged (10%).
const LowRatioBP = 1000

// Filing (预留份额) is an org's annual reserved-share filing, reviewed by the
// org_admin of its supervising org.
type Filing struct {
	ID              int64      `gorm:"column:id;primaryKey" json:"id"`
	OrgID           int64      `gorm:"column:org_id" json:"org_id"`
	Year            int        `gorm:"column:year" json:"year"`
	CanteenStatus   string     `gorm:"column:canteen_status" json:"canteen_status"`
	FoodBudgetCents int64      `gorm:"column:food_budget_cents" json:"food_budget_cents"`
	ReservedRatioBP int64      `gorm:"column:reserved_ratio_bp" json:"reserved_ratio_bp"`
	Status          string     `gorm:"column:status" json:"status"`
	ReviewComment   string     `gorm:"column:review_comment" json:"review_comment"`
	ReviewedBy      *int64     `gorm:"column:reviewed_by" json:"reviewed_by"`
	SubmittedAt     *time.Time `gorm:"column:submitted_at" json:"submitted_at"`
	ReviewedAt      *time.Time `gorm:"column:reviewed_at" json:"reviewed_at"`
	UpdatedAt       time.Time  `gorm:"column:updated_at" json:"updated_at"`
}

func (Filing) TableName() string { return "filings" }

// ReservedCents is budget × ratio ÷ 10000, rounded half up to the cent.
func (f Filing) ReservedCents() int64 {
	return (f.FoodBudgetCents*f.ReservedRatioBP + 5000) / 10000
}

// Target is a pairing's annual target in cents.
type Target struct {
	PairingID   int64 `gorm:"column:pairing_id;primaryKey" json:"pairing_id"`
	Year        int   `gorm:"column:year;primaryKey" json:"year"`
	TargetCents int64 `gorm:"column:target_cents" json:"target_cents"`
}

func (Target) TableName() string { return "targets" }

// Audit is one recorded change: who, what, when, before and after (JSON).
type Audit struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	ActorID   *int64    `gorm:"column:actor_id"` // nil for the system (bootstrap, timers)
	Action    string    `gorm:"column:action"`   // e.g. "supplier.update"
	Entity    string    `gorm:"column:entity"`   // e.g. "supplier"
	EntityID  string    `gorm:"column:entity_id" json:"entity_id"`
	Before    string    `gorm:"column:before_json" json:"before_json"`
	After     string    `gorm:"column:after_json" json:"after_json"`
	Reason    string    `gorm:"column:reason" json:"reason"`
	RequestID string    `gorm:"column:request_id" json:"request_id"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
}

func (Audit) TableName() string { return "audits" }

// UserFilter narrows a user list; zero values mean any.
type UserFilter struct {
	Role           string
	OrgID          int64
	SupplierID     int64
	EmployerID     int64
	EmployerStatus string
}

// AuditFilter narrows the audit trail.
type AuditFilter struct {
	Entity   string
	EntityID string
	ActorID  int64
	// Since and Until bound the time of the change: Since <= t < Until;
	// the zero time leaves that side open.
	Since, Until time.Time
}

// UserPatch is a change to a user; nil fields stay. BumpToken moves the token
// version by one (in SQL, so two concurrent changes each count): every token
// issued before stops working. A change of role, password or disabled flag
// must set it.
type UserPatch struct {
	Role           *string
	Disabled       *bool
	PasswordHash   *string
	EmployerID     *int64
	EmployerStatus *string
	// RegionConfirmed: an org_admin or admin vouches for the consumer's own
	// region (clears RegionSelfChosen).
	RegionConfirmed bool
	BumpToken       bool
	// KeepAdmin: the change takes an active admin away (demotes or disables
	// one). The store applies it only while another active admin remains,
	// deciding in SQL, and otherwise answers 409 last_admin.
	KeepAdmin bool
}

// FilingPatch is a change to a filing; nil fields stay.
type FilingPatch struct {
	CanteenStatus   *string
	FoodBudgetCents *int64
	ReservedRatioBP *int64
	Status          *string
	SubmittedAt     *time.Time
	ReviewedAt      *time.Time
	ReviewedBy      *int64
	ReviewComment   *string
}
