package model

import "time"

// SectorInfo is a buyer sector (五进: where an org's purchases go) by code
// and Chinese name. The list is reference data an admin extends; Sectors
// are the ones every database starts with.
type SectorInfo struct {
	Code      string    `gorm:"column:code;primaryKey"`
	Name      string    `gorm:"column:name"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (SectorInfo) TableName() string { return "sectors" }

// SalesPointTypeInfo is a sales-point type (五专) by code and Chinese name;
// admins extend the list, SalesPointTypes start it.
type SalesPointTypeInfo struct {
	Code      string    `gorm:"column:code;primaryKey"`
	Name      string    `gorm:"column:name"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (SalesPointTypeInfo) TableName() string { return "sales_point_types" }
