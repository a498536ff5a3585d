// Package geo is the map the programme runs on: regions, the pairings that
// link a helper region to a partner region, and each pairing's annual
// targets. Changing any of it is an admin's work; every change is audited in
// its own transaction.
package geo

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	Region(ctx context.Context, code string) (*model.Region, error)
	Regions(ctx context.Context) ([]model.Region, error)
	CreateRegion(ctx context.Context, r *model.Region) error
	Pairing(ctx context.Context, id int64) (*model.PairingView, error)
	Pairings(ctx context.Context) ([]model.PairingView, error)
	Target(ctx context.Context, pairingID int64, year int) (*model.Target, error)
	SetTarget(ctx context.Context, t model.Target) error
	ProgrammeRules(ctx context.Context) ([]model.ProgrammeRule, error)
	AddProgrammeRule(ctx context.Context, r *model.ProgrammeRule) error
}

// Pairings takes the pairing writes, which change what the catalogue shows:
// the cache layer when there is one (it invalidates after commit), else the
// store.
type Pairings interface {
	CreatePairing(ctx context.Context, p *model.Pairing) error
	UpdatePairing(ctx context.Context, id int64, p model.PairingPatch) error
}

// Service is the regions, pairings and targets.
type Service struct {
	store    Store
	pairings Pairings
}

// New returns the geo service.
func New(st Store, pairings Pairings) *Service { return &Service{store: st, pairings: pairings} }

// inTx runs fn in a transaction after checking the actor is an admin.
func (s *Service) inTx(ctx context.Context, actor *model.User, fn func(ctx context.Context) error) error {
	if err := check.Admin(actor); err != nil {
		return err
	}
	return s.store.InTx(ctx, fn)
}

// PairingInput is a new pairing.
type PairingInput struct {
	Programme, Level, HelperCode, PartnerCode string
	SinceYear                                 int
}

// CreatePairing links a helper region to a partner region at the same level
// (admins only).
func (s *Service) CreatePairing(ctx context.Context, actor *model.User, in PairingInput) (*model.PairingView, error) {
	var out *model.PairingView
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		f.OneOf("programme", in.Programme, model.ProgrammeEastWest, model.ProgrammeMountainSea)
		f.OneOf("level", in.Level, model.LevelProvince, model.LevelCity, model.LevelCounty)
		f.Year("since_year", in.SinceYear)
		helper, err := check.Region(ctx, s.store, &f, "helper_code", in.HelperCode, model.SideHelper)
		if err != nil {
			return err
		}
		partner, err := check.Region(ctx, s.store, &f, "partner_code", in.PartnerCode, model.SidePartner)
		if err != nil {
			return err
		}
		// compare levels only when the level itself is one: an unknown level
		// is one bad field, not three
		levelOK := in.Level == model.LevelProvince || in.Level == model.LevelCity || in.Level == model.LevelCounty
		if levelOK && helper != nil && helper.Level != in.Level {
			f.Add("helper_code", "must be a "+in.Level+"-level region")
		}
		if levelOK && partner != nil && partner.Level != in.Level {
			f.Add("partner_code", "must be a "+in.Level+"-level region")
		}
		if err := f.Err(); err != nil {
			return err
		}
		p := &model.Pairing{Programme: in.Programme, Level: in.Level, HelperCode: in.HelperCode,
			PartnerCode: in.PartnerCode, SinceYear: in.SinceYear, Active: true}
		if err := s.pairings.CreatePairing(ctx, p); err != nil {
			return check.Duplicate(err, "partner_code")
		}
		if out, err = s.store.Pairing(ctx, p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "pairing.create", "pairing", p.ID, nil, p, "")
	})
	return out, err
}

// SetPairingActive switches a pairing on or off (admins only).
func (s *Service) SetPairingActive(ctx context.Context, actor *model.User, id int64, active bool) (*model.PairingView, error) {
	var out *model.PairingView
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		before, err := s.store.Pairing(ctx, id)
		if err != nil {
			return err
		}
		if err := s.pairings.UpdatePairing(ctx, id, model.PairingPatch{Active: &active}); err != nil {
			return err
		}
		if out, err = s.store.Pairing(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "pairing.update", "pairing", id, before.Pairing, out.Pairing, "")
	})
	return out, err
}

// Pairings lists every pairing (the admin's view; admins only).
func (s *Service) Pairings(ctx context.Context, actor *model.User) ([]model.PairingView, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	return s.store.Pairings(ctx)
}

// SetTarget sets a pairing's annual target (admins only). The year follows
// model.CheckYear, reported with the other fields.
func (s *Service) SetTarget(ctx context.Context, actor *model.User, pairingID int64, year int, cents int64) (*model.Target, error) {
	t := &model.Target{PairingID: pairingID, Year: year, TargetCents: cents}
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		if _, err := s.store.Pairing(ctx, pairingID); err != nil {
			return err
		}
		var f check.Fields
		if err := f.Merge(model.CheckYear(year)); err != nil {
			return err
		}
		f.Range("target_cents", cents, 0, 1e15)
		if err := f.Err(); err != nil {
			return err
		}
		before, err := s.store.Target(ctx, pairingID, year)
		if err != nil {
			return err
		}
		if err := s.store.SetTarget(ctx, *t); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "target.set", "target", targetID(pairingID, year), before, t, "")
	})
	return t, err
}

func targetID(pairingID int64, year int) string {
	return strconv.FormatInt(pairingID, 10) + "/" + strconv.Itoa(year)
}

var regionCode = regexp.MustCompile(`^\d{6}$`)

// CreateRegion adds a region under an existing parent one level up (admins
// only).
func (s *Service) CreateRegion(ctx context.Context, actor *model.User, r model.Region) (*model.Region, error) {
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		if !regionCode.MatchString(r.Code) {
			f.Add("code", "must be a six-digit GB/T 2260 code")
		}
		r.Name = f.Text("name", r.Name, 64)
		f.OneOf("level", r.Level, model.LevelProvince, model.LevelCity, model.LevelCounty)
		f.OneOf("side", r.Side, "", model.SideHelper, model.SidePartner)
		wantParent := map[string]string{model.LevelCity: model.LevelProvince, model.LevelCounty: model.LevelCity}[r.Level]
		levelOK := r.Level == model.LevelProvince || wantParent != ""
		switch {
		case !levelOK:
			// an unknown level says nothing about the parent
		case r.ParentCode == nil && wantParent != "":
			f.Add("parent_code", "is required for a "+r.Level)
		case r.ParentCode != nil && wantParent == "":
			f.Add("parent_code", "a province has no parent")
		case r.ParentCode != nil:
			p, err := check.Region(ctx, s.store, &f, "parent_code", *r.ParentCode, "")
			if err != nil {
				return err
			}
			if p != nil && p.Level != wantParent {
				f.Add("parent_code", "must be a "+wantParent)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.store.CreateRegion(ctx, &r); err != nil {
			return check.Duplicate(err, "code")
		}
		return audit.Record(ctx, s.store, actor, "region.create", "region", r.Code, nil, r, "")
	})
	return &r, err
}

// Regions lists every region (the admin's view of the reference data;
// admins only).
func (s *Service) Regions(ctx context.Context, actor *model.User) ([]model.Region, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	return s.store.Regions(ctx)
}

// Programme is a programme's crediting rule now and its history.
type Programme struct {
	Programme           string                `json:"programme"`
	RequiresCertificate bool                  `json:"requires_certificate"` // today's rule
	Rules               []model.ProgrammeRule `json:"rules"`                // oldest first
}

// Programmes are the programmes' rules (admins).
func (s *Service) Programmes(ctx context.Context, actor *model.User) ([]Programme, error) {
	today := model.DateOf(time.Now())
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	rules, err := s.store.ProgrammeRules(ctx)
	if err != nil {
		return nil, err
	}
	var out []Programme
	for _, p := range []string{model.ProgrammeEastWest, model.ProgrammeMountainSea} {
		pr := Programme{Programme: p, RequiresCertificate: model.RequiresCertificate(rules, p, today), Rules: []model.ProgrammeRule{}}
		for _, r := range rules {
			if r.Programme == p {
				pr.Rules = append(pr.Rules, r)
			}
		}
		out = append(out, pr)
	}
	return out, nil
}

// RuleInput is a new crediting rule of a programme.
type RuleInput struct {
	RequiresCertificate *bool
	EffectiveFrom       string // YYYY-MM-DD, today or later
	Note                string
}

// SetProgrammeRule adds a rule from a date on (today or later, China time:
// entries already written keep the rule they were credited under), audited.
// A second rule of a programme from the same date is a 409.
func (s *Service) SetProgrammeRule(ctx context.Context, actor *model.User, programme string, in RuleInput) (*model.ProgrammeRule, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	today := model.DateOf(time.Now())
	var f check.Fields
	f.OneOf("programme", programme, model.ProgrammeEastWest, model.ProgrammeMountainSea)
	if in.RequiresCertificate == nil {
		f.Add("requires_certificate", "is required: true or false")
	}
	f.Date("effective_from", in.EffectiveFrom)
	if model.ValidDate(in.EffectiveFrom) && in.EffectiveFrom < today {
		f.Add("effective_from", "must be today ("+today+") or later: the ledger is never rewritten")
	}
	note := f.OptionalText("note", in.Note, 300)
	if err := f.Err(); err != nil {
		return nil, err
	}
	r := &model.ProgrammeRule{Programme: programme, EffectiveFrom: in.EffectiveFrom, RequiresCertificate: *in.RequiresCertificate,
		ActorID: &actor.ID, Note: note}
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		if err := s.store.AddProgrammeRule(ctx, r); err != nil {
			if errors.Is(err, model.ErrConflict) {
				return model.Conflict("rule_exists", "%s already has a rule from %s", programme, in.EffectiveFrom)
			}
			return err
		}
		return audit.Record(ctx, s.store, actor, "programme.rule", "programme", programme, nil, r, note)
	})
	return r, err
}
