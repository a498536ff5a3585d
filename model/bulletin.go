package model

import "time"

// BulletinUnits is the part of an issued bulletin that holds the units
// (reserved shares are not per programme); the other parts are programmes.
const BulletinUnits = "units"

// Bulletin is one part of an issued monthly bulletin (月度通报): the figures
// as they were computed when an admin issued it, kept as JSON so that the
// bulletin reads the same however the ledger moves afterwards. One row per
// part (each programme, and the units); the unique key on (year, month,
// part) lets a month be issued once, whichever replica asks first.
type Bulletin struct {
	ID       int64     `gorm:"primaryKey"`
	Year     int       `gorm:"column:year"`
	Month    int       `gorm:"column:month"`
	Part     string    `gorm:"column:part"` // ProgrammeEastWest, ProgrammeMountainSea or BulletinUnits
	Body     []byte    `gorm:"column:body"` // the part's figures, JSON
	ActorID  *int64    `gorm:"column:actor_id"`
	IssuedAt time.Time `gorm:"column:issued_at"`
}

func (Bulletin) TableName() string { return "bulletins" }
