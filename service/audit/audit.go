// Package audit is the audit trail: Record writes who changed what, when,
// with the before and after states, in the same transaction as the change;
// Service reads the trail back for admins.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"shanhai/model"
	"shanhai/service/check"
	"shanhai/service/sheet"
)

// Store is where records go.
type Store interface {
	AddAudit(ctx context.Context, a *model.Audit) error
}

// Record writes one audit row. before and after are marshalled to JSON (nil
// becomes "null"); call it inside the transaction that makes the change.
func Record(ctx context.Context, st Store, actor *model.User, action, entity string, id any,
	before, after any, reason string) error {
	return st.AddAudit(ctx, Row(ctx, actor, action, entity, id, before, after, reason))
}

// Row is the audit row Record writes (for a caller that writes many rows
// at once, in the transaction that makes the changes).
func Row(ctx context.Context, actor *model.User, action, entity string, id any, before, after any, reason string) *model.Audit {
	a := &model.Audit{
		Action: action, Entity: entity, EntityID: fmt.Sprint(id),
		Before: marshal(before), After: marshal(after), Reason: reason,
		RequestID: model.RequestID(ctx),
	}
	if actor != nil {
		a.ActorID = &actor.ID
	}
	return a
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

// Trail is where the audit trail is read from.
type Trail interface {
	Audits(ctx context.Context, f model.AuditFilter, page, size int) (model.Page[model.Audit], error)
	AuditsUpTo(ctx context.Context, f model.AuditFilter, limit int) ([]model.Audit, error)
}

// Service reads the audit trail.
type Service struct{ trail Trail }

// New returns the audit-trail service.
func New(t Trail) *Service { return &Service{trail: t} }

// Query selects audit records. From and To are China dates (YYYY-MM-DD),
// both included; empty leaves that side open.
type Query struct {
	Entity   string
	EntityID string
	ActorID  int64
	From, To string
}

// filter checks q's dates and turns them into instants.
func (q Query) filter() (model.AuditFilter, error) {
	f := model.AuditFilter{Entity: q.Entity, EntityID: q.EntityID, ActorID: q.ActorID}
	var bad []model.FieldError
	day := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		if !model.ValidDate(v) {
			bad = append(bad, model.FieldError{Field: field, Message: "must be a date YYYY-MM-DD"})
			return time.Time{}
		}
		t, _ := time.ParseInLocation(model.DateLayout, v, model.China)
		return t
	}
	f.Since = day("from", q.From)
	if to := day("to", q.To); !to.IsZero() {
		f.Until = to.AddDate(0, 0, 1) // the whole of the last day
	}
	if len(bad) == 0 && !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		bad = append(bad, model.FieldError{Field: "to", Message: "must not be before from"})
	}
	if len(bad) > 0 {
		return f, model.Invalid(bad...)
	}
	return f, nil
}

// Audits reads the audit trail, newest first (admins only).
func (s *Service) Audits(ctx context.Context, actor *model.User, q Query, page, size int) (model.Page[model.Audit], error) {
	if err := check.Admin(actor); err != nil {
		return model.Page[model.Audit]{}, err
	}
	f, err := q.filter()
	if err != nil {
		return model.Page[model.Audit]{}, err
	}
	return s.trail.Audits(ctx, f, page, size)
}

// MaxExport is the most records one export holds; a range with more is
// refused, to be narrowed.
const MaxExport = 100_000

// Export is the audit trail q selects as a csv (UTF-8 with a byte-order
// mark) or xlsx file, oldest first, times in China time (admins only).
func (s *Service) Export(ctx context.Context, actor *model.User, q Query, format string) (*sheet.File, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	f, err := q.filter()
	if err != nil {
		return nil, err
	}
	if format != sheet.FormatCSV && format != sheet.FormatXLSX {
		return nil, model.Invalid(model.FieldError{Field: "format", Message: "must be csv or xlsx"})
	}
	list, err := s.trail.AuditsUpTo(ctx, f, MaxExport+1)
	if err != nil {
		return nil, err
	}
	if len(list) > MaxExport {
		return nil, model.Invalid(model.FieldError{Field: "from",
			Message: fmt.Sprintf("more than %d records: narrow the range with from and to", MaxExport)})
	}
	header := []string{"id", "created_at", "actor_id", "action", "entity", "entity_id", "reason", "request_id", "before", "after"}
	rows := make([][]string, len(list))
	for i, a := range list {
		actorID := ""
		if a.ActorID != nil {
			actorID = strconv.FormatInt(*a.ActorID, 10)
		}
		rows[i] = []string{strconv.FormatInt(a.ID, 10), a.CreatedAt.In(model.China).Format(time.DateTime), actorID,
			a.Action, a.Entity, a.EntityID, a.Reason, a.RequestID, a.Before, a.After}
	}
	name := "shanhai-audit"
	if q.From != "" {
		name += "-" + q.From
	}
	if q.To != "" {
		name += "-to-" + q.To
	}
	return sheet.Table(format, name, "audit", header, rows, 0, 2)
}
