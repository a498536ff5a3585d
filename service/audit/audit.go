// Package audit records who changed what, when, with the before and after
// states, in the same transaction as the change.
package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"shanhai/model"
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
