package model

import (
	"regexp"
	"time"
)

// Sign-up by mobile number: SMS codes, refresh-token families and delivery
// addresses (docs/API.md, signing in).

// SMS code purposes.
const (
	PurposeRegister = "register"
	PurposeLogin    = "login"
	PurposeReset    = "reset"
)

// SMS code rules.
const (
	SMSCodeDigits   = 6
	SMSCodeTTL      = 5 * time.Minute
	SMSCodeTries    = 5  // comparisons allowed per code; then it is dead
	SMSPerNumberDay = 10 // codes per number per China day
	SMSPerAddrHour  = 20 // codes per client address per hour
	SMSInterval     = time.Minute
)

var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// MobileNumber reports whether p is a mainland mobile number: 11 digits,
// 1 then 3-9.
func MobileNumber(p string) bool { return mobile.MatchString(p) }

// SMSCode is one code sent: only its HMAC is kept.
type SMSCode struct {
	ID        int64      `gorm:"column:id;primaryKey"`
	Phone     string     `gorm:"column:phone"`
	Purpose   string     `gorm:"column:purpose"`
	CodeHash  string     `gorm:"column:code_hash"`
	Attempts  int        `gorm:"column:attempts"`
	ExpiresAt time.Time  `gorm:"column:expires_at"`
	UsedAt    *time.Time `gorm:"column:used_at"`
	CreatedAt time.Time  `gorm:"column:created_at"`
}

func (SMSCode) TableName() string { return "sms_codes" }

// Quota is a send limit on one key: at most Max in the window that starts
// at WindowStart, and none sooner than Interval after the last.
type Quota struct {
	Key         string
	WindowStart time.Time
	Max         int
	Interval    time.Duration
}

// SessionFamily is one login's chain of refresh tokens.
type SessionFamily struct {
	ID           int64      `gorm:"column:id;primaryKey"`
	UserID       int64      `gorm:"column:user_id"`
	Generation   int64      `gorm:"column:generation"`
	ExpiresAt    time.Time  `gorm:"column:expires_at"`
	RevokedAt    *time.Time `gorm:"column:revoked_at"`
	RevokeReason string     `gorm:"column:revoke_reason"`
	CreatedAt    time.Time  `gorm:"column:created_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at"`
}

func (SessionFamily) TableName() string { return "session_families" }

// Reasons a session family was revoked.
const (
	RevokeReused   = "reused"   // a refresh token was presented twice
	RevokeLogout   = "logout"   //
	RevokePassword = "password" // the password changed or was reset
)

// RefreshToken is one refresh token issued, by its SHA-256.
type RefreshToken struct {
	TokenHash  string    `gorm:"column:token_hash;primaryKey"`
	FamilyID   int64     `gorm:"column:family_id"`
	Generation int64     `gorm:"column:generation"`
	CreatedAt  time.Time `gorm:"column:created_at"`
}

func (RefreshToken) TableName() string { return "refresh_tokens" }

// Address is a delivery address of a user. DefaultMark is 1 on the user's
// default address, nil on the others (one default per user, by a unique key).
type Address struct {
	ID           int64     `gorm:"column:id;primaryKey"`
	UserID       int64     `gorm:"column:user_id"`
	ReceiverName string    `gorm:"column:receiver_name"`
	Phone        string    `gorm:"column:phone"`
	RegionCode   string    `gorm:"column:region_code"`
	Detail       string    `gorm:"column:detail"`
	DefaultMark  *int      `gorm:"column:default_mark"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

func (Address) TableName() string { return "addresses" }

// IsDefault reports whether a is its user's default address.
func (a *Address) IsDefault() bool { return a.DefaultMark != nil }

// AddressPatch is a change to an address; nil fields stay.
type AddressPatch struct {
	ReceiverName *string
	Phone        *string
	RegionCode   *string
	Detail       *string
}

// DirectoryFilter narrows the org directory.
type DirectoryFilter struct {
	Q      string
	Region string
}

// DayStart is the start of t's day in China time.
func DayStart(t time.Time) time.Time {
	y, m, d := t.In(China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, China)
}

// ValidRegionCode: six digits, as GB/T 2260 writes them.
func ValidRegionCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
