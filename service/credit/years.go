package credit

// Review years (考核年度): once an admin closes a past year its figures are
// final — nothing new is dated in it; corrections, verifications and
// revocations of its sales are dated in the current China month and name
// the year they adjust. Also the platforms whose off-platform records count
// toward an org's reserved share. Both are admin settings, audited.

import (
	"context"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// YearStore is what the review-year settings need of the database.
type YearStore interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	ClosedYears(ctx context.Context) ([]model.ClosedYear, error)
	CloseYear(ctx context.Context, year int, actorID *int64) (bool, error)
	ReopenYear(ctx context.Context, year int) (bool, error)
	ReservePlatforms(ctx context.Context) ([]string, error)
	SetReservePlatforms(ctx context.Context, platforms []string) error
}

// Years closes and reopens review years.
type Years struct {
	store YearStore
	now   func() time.Time
}

// NewYears returns the review-year settings.
func NewYears(st YearStore) *Years { return &Years{store: st, now: time.Now} }

// SetClock replaces the clock that says which year is current (tests).
func (y *Years) SetClock(now func() time.Time) { y.now = now }

// Close closes a past year (the current China year or a later one: 422).
// Closing a closed year is a 409.
func (y *Years) Close(ctx context.Context, actor *model.User, year int) (*model.ClosedYear, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	if err := model.CheckYear(year); err != nil {
		return nil, err
	}
	if year >= y.now().In(model.China).Year() {
		return nil, model.Invalid(model.FieldError{Field: "year", Message: "only a past year can be closed"})
	}
	out := &model.ClosedYear{Year: year, ActorID: &actor.ID}
	err := y.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := y.store.CloseYear(ctx, year, &actor.ID)
		if err != nil {
			return err
		}
		if !ok {
			return model.Conflict("year_closed", "%d is already closed", year)
		}
		return audit.Record(ctx, y.store, actor, "year.close", "year", year, nil, map[string]any{"closed": true}, "")
	})
	if err != nil {
		return nil, err
	}
	out.ClosedAt = y.now()
	return out, nil
}

// Reopen reopens a closed year (404 when it is not closed).
func (y *Years) Reopen(ctx context.Context, actor *model.User, year int) error {
	if err := check.Admin(actor); err != nil {
		return err
	}
	if err := model.CheckYear(year); err != nil {
		return err
	}
	return y.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := y.store.ReopenYear(ctx, year)
		if err != nil {
			return err
		}
		if !ok {
			return model.NotFound("closed year")
		}
		return audit.Record(ctx, y.store, actor, "year.reopen", "year", year, map[string]any{"closed": true},
			map[string]any{"closed": false}, "")
	})
}

// Closed lists the closed years (admins).
func (y *Years) Closed(ctx context.Context, actor *model.User) ([]model.ClosedYear, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	return y.store.ClosedYears(ctx)
}

// ReservePlatforms are the platforms whose records count toward reserved
// shares (admins).
func (y *Years) ReservePlatforms(ctx context.Context, actor *model.User) ([]string, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	return y.store.ReservePlatforms(ctx)
}

// SetReservePlatforms replaces that list; records verified afterwards are
// counted by it (entries already written keep what they were counted as).
func (y *Years) SetReservePlatforms(ctx context.Context, actor *model.User, platforms []string) ([]string, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	var f check.Fields
	seen := map[string]bool{}
	out := []string{}
	for i, p := range platforms {
		f.OneOf("platforms["+itoa(i)+"]", p, model.RecordPlatforms...)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := y.store.InTx(ctx, func(ctx context.Context) error {
		before, err := y.store.ReservePlatforms(ctx)
		if err != nil {
			return err
		}
		if err := y.store.SetReservePlatforms(ctx, out); err != nil {
			return err
		}
		return audit.Record(ctx, y.store, actor, "reserve_platforms.set", "setting", "reserve_platforms", before, out, "")
	})
	return out, err
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
