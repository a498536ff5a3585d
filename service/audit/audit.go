// Package audit is the audit trail: Record writes who changed what, when,
// with the before and after states, in the same transaction as the change;
// Service reads the trail back for admins.
package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"shanhai/model"
	"shanhai/service/check"
)

// Store is where records go.
type Store interface {
	AddAudit(ctx context.Context, a *model.Audit) error
}

// Record writes one audit row. before and after are marshalled to JSON (nil
// becomes "null"); call it inside the transaction that makes the change.
func Record(ctx context.Context, st Store, actor *model.User, action, entity string, id any,
	before, after any, reason string) error {
	a := &model.Audit{
		Action: action, Entity: entity, EntityID: fmt.Sprint(id),
		Before: marshal(before), After: marshal(after), Reason: reason,
		RequestID: model.RequestID(ctx),
	}
	if actor != nil {
		a.ActorID = &actor.ID
	}
	return st.AddAudit(ctx, a)
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
}

// Service reads the audit trail.
type Service struct{ trail Trail }

// New returns the audit-trail service.
func New(t Trail) *Service { return &Service{trail: t} }

// Audits reads the audit trail, newest first (admins only).
func (s *Service) Audits(ctx context.Context, actor *model.User, f model.AuditFilter, page, size int) (model.Page[model.Audit], error) {
	if err := check.Admin(actor); err != nil {
		return model.Page[model.Audit]{}, err
	}
	return s.trail.Audits(ctx, f, page, size)
}
