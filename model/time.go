package model

import (
	"time"
	_ "time/tzdata" // the binary carries its own zone database: China time whatever the host has
)

// China is Asia/Shanghai. Dates, periods and validity windows are all in China time.
var China = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("zone database missing: " + err.Error())
	}
	return loc
}

// DateLayout is how dates travel and are stored: YYYY-MM-DD, China time.
const DateLayout = "2006-01-02"

// DateOf is the China calendar date of t.
func DateOf(t time.Time) string { return t.In(China).Format(DateLayout) }

// ValidDate reports whether s is a real YYYY-MM-DD date.
func ValidDate(s string) bool {
	_, err := time.ParseInLocation(DateLayout, s, China)
	return err == nil && len(s) == len(DateLayout)
}
