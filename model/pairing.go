package model

import "time"

// PairingPatch is a change to a pairing; nil fields stay.
type PairingPatch struct {
	Active *bool
}

// ProgrammeRule says whether a programme credits only certified products,
// from a China date on. Rules are never edited: a change is a new rule, and
// a sale is credited under the rule of its credit date.
type ProgrammeRule struct {
	ID                  int64     `gorm:"column:id;primaryKey" json:"id"`
	Programme           string    `gorm:"column:programme" json:"programme"`
	EffectiveFrom       string    `gorm:"column:effective_from" json:"effective_from"`
	RequiresCertificate bool      `gorm:"column:requires_certificate" json:"requires_certificate"`
	ActorID             *int64    `gorm:"column:actor_id" json:"actor_id"`
	Note                string    `gorm:"column:note" json:"note"`
	CreatedAt           time.Time `gorm:"column:created_at" json:"created_at"`
}

func (ProgrammeRule) TableName() string { return "programme_rules" }

// RequiresCertificate is the rule of programme on date (YYYY-MM-DD): the
// latest rule in effect then; a programme with none requires a certificate.
func RequiresCertificate(rules []ProgrammeRule, programme, date string) bool {
	var best *ProgrammeRule
	for i := range rules {
		r := &rules[i]
		if r.Programme == programme && r.EffectiveFrom <= date && (best == nil || r.EffectiveFrom > best.EffectiveFrom) {
			best = r
		}
	}
	return best == nil || best.RequiresCertificate
}
