package store

import (
	"context"
	"time"

	"shanhai/model"
)

// Figures for the operators' gauges, read when /metrics is scraped (never on
// a request's path).

// RollupBacklog is how many ledger entries are not yet in the rollups.
func (s *Store) RollupBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Table("credit_pending").Count(&n).Error
	return n, mapErr(err)
}

// OldestOverdue is the deadline of the oldest order whose deadline has passed
// but that the timers have not yet moved on (pending approval or payment,
// shipped awaiting acceptance); ok is false when there is none.
func (s *Store) OldestOverdue(ctx context.Context, now time.Time) (deadline time.Time, ok bool, err error) {
	var v []time.Time
	err = s.conn(ctx).Model(&model.Order{}).
		Where("status IN ? AND deadline_at <= ?",
			[]string{model.OrderPendingApproval, model.OrderPendingPayment, model.OrderShipped}, now.UTC()).
		Order("deadline_at").Limit(1).Pluck("deadline_at", &v).Error
	if err != nil || len(v) == 0 {
		return time.Time{}, false, mapErr(err)
	}
	return v[0], true, nil
}
