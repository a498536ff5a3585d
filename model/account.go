package model

import "time"

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

// User is an account. Username is unique case-insensitively (UsernameKey is
// its lower-case form). TokenVersion moves whenever the role, password or
// disabled flag changes, which invalidates every token issued before.
type User struct {
	ID             int64     `gorm:"column:id;primaryKey" json:"id"`
	Username       string    `gorm:"column:username" json:"username"`
	UsernameKey    string    `gorm:"column:username_key" json:"-"`
	PasswordHash   string    `gorm:"column:password_hash" json:"-"`
	Role           string    `gorm:"column:role" json:"role"`
	OrgID          *int64    `gorm:"column:org_id" json:"org_id"`
	SupplierID     *int64    `gorm:"column:supplier_id" json:"supplier_id"`
	RegionCode     *string   `gorm:"column:region_code"` // officer scope; a consumer's own region
	EmployerID     *int64    `gorm:"column:employer_id"` // a consumer's employer org
	EmployerStatus string    `gorm:"column:employer_status" json:"employer_status"`
	Disabled       bool      `gorm:"column:disabled" json:"disabled"`
	TokenVersion   int64     `gorm:"column:token_version" json:"token_version"`
	CreatedAt      time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt      time.Time `gorm:"column:updated_at" json:"updated_at"`
}

func (User) TableName() string { return "users" }

// ConfirmedEmployer is the org a consumer's purchases count for, or nil.
func (u *User) ConfirmedEmployer() *int64 {
	if u.EmployerStatus == EmployerConfirmed {
		return u.EmployerID
	}
	return nil
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
	BumpToken      bool
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
