package stats

// The question every statistics route answers: a period (a year, one month
// of it, or a range of months such as the cumulative since 2021), and where
// the route takes them a programme and a parent org.

import (
	"fmt"

	"shanhai/model"
)

// Query is a statistics question.
type Query struct {
	Period
	Programme string // "" for every programme; else model.ProgrammeEastWest or ProgrammeMountainSea
	ParentID  int64  // the org ranking only: whose children (0: the top-level orgs)
}

// Period is a year (Month 0), one month of a year, or a range of months
// From..To (YYYYMM, inclusive; Year and Month 0).
type Period struct {
	Year, Month int
	From, To    int
}

// Range reports whether p is a range of months.
func (p Period) Range() bool { return p.From != 0 || p.To != 0 }

// String names the period in cache keys and file names: 2026, 2026-05,
// 2021-01..2026-12.
func (p Period) String() string {
	switch {
	case !p.Range() && p.Month == 0:
		return fmt.Sprintf("%d", p.Year)
	case !p.Range():
		return fmt.Sprintf("%d-%02d", p.Year, p.Month)
	}
	return fmt.Sprintf("%s..%s", ym(p.From), ym(p.To))
}

func ym(v int) string { return fmt.Sprintf("%04d-%02d", v/100, v%100) }

// periods are the rollup periods that make up p exactly: a whole year is
// its year row, a part of a year its month rows, never both.
func (p Period) periods() []int {
	if !p.Range() {
		return []int{model.YearPeriod(p.Year) + p.Month}
	}
	var out []int
	for y := p.From / 100; y <= p.To/100; y++ {
		lo, hi := 1, 12
		if y == p.From/100 {
			lo = p.From % 100
		}
		if y == p.To/100 {
			hi = p.To % 100
		}
		if lo == 1 && hi == 12 {
			out = append(out, model.YearPeriod(y))
			continue
		}
		for m := lo; m <= hi; m++ {
			out = append(out, model.YearPeriod(y)+m)
		}
	}
	return out
}

// targetYears are the years whose annual targets make p's target: the year
// of a year or a month, the whole years a range covers (none: no target).
func (p Period) targetYears() []int {
	if !p.Range() {
		return []int{p.Year}
	}
	var out []int
	for _, period := range p.periods() {
		if period%100 == 0 {
			out = append(out, period/100)
		}
	}
	return out
}

// completes reports whether a completion (credited ÷ target) means
// something over p: a year, or a range of whole years. A month, or a range
// with a part of a year, would set part of a year against whole targets.
func (p Period) completes() bool {
	if !p.Range() {
		return p.Month == 0
	}
	return p.From%100 == 1 && p.To%100 == 12
}

// check applies the rules of a period and names every bad field: a year
// (model.CheckYear) with an optional month 1–12, or a range whose ends are
// months of such years, from <= to; never both.
func (p Period) check(bad []model.FieldError) []model.FieldError {
	if !p.Range() {
		if err := model.CheckYear(p.Year); err != nil {
			bad = append(bad, fieldErrors(err)...)
		}
		if p.Month < 0 || p.Month > 12 {
			bad = append(bad, model.FieldError{Field: "month", Message: "must be a month from 1 to 12"})
		}
		return bad
	}
	if p.Year != 0 {
		bad = append(bad, model.FieldError{Field: "year", Message: "give either year (and month) or from and to, not both"})
	}
	if p.Month != 0 {
		bad = append(bad, model.FieldError{Field: "month", Message: "is taken with year, not with a range"})
	}
	ok := true
	for _, e := range []struct {
		name string
		v    int
	}{{"from", p.From}, {"to", p.To}} {
		if !model.ValidYear(e.v/100) || e.v%100 < 1 || e.v%100 > 12 {
			bad = append(bad, model.FieldError{Field: e.name, Message: "must be a month YYYY-MM of a year between 2000 and 2100"})
			ok = false
		}
	}
	if ok && p.From > p.To {
		bad = append(bad, model.FieldError{Field: "to", Message: "must not be before from"})
	}
	return bad
}

// check applies the rules of a query: its period, a known programme, a
// positive parent org.
func (q Query) check() error {
	bad := q.Period.check(nil)
	if q.Programme != "" && q.Programme != model.ProgrammeEastWest && q.Programme != model.ProgrammeMountainSea {
		bad = append(bad, model.FieldError{Field: "programme", Message: "must be east_west or mountain_sea"})
	}
	if q.ParentID < 0 {
		bad = append(bad, model.FieldError{Field: "parent_id", Message: "must be a positive integer"})
	}
	if len(bad) > 0 {
		return model.Invalid(bad...)
	}
	return nil
}

// key names q in cache keys.
func (q Query) key() string {
	return fmt.Sprintf("%s:%s:%d", q.Period, q.Programme, q.ParentID)
}

// inProgramme: the pairing is one the query asks about.
func (q Query) inProgramme(p *model.PairingView) bool {
	return q.Programme == "" || p.Programme == q.Programme
}

// header is how a report names its period: year and month, or from and to.
func (p Period) header() (year, month int, from, to string) {
	if p.Range() {
		return 0, 0, ym(p.From), ym(p.To)
	}
	return p.Year, p.Month, "", ""
}
