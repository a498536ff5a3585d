package order

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"shanhai/model"
)

// The deadlines live in the database (orders.deadline_at, returns.deadline_at),
// not in memory: a restart loses nothing, and every replica may sweep at
// once, because each step is a compare-and-set that only one of them wins.

const sweepBatch = 200

// Sweep applies every deadline that has passed: unapproved and unpaid
// orders are cancelled (stock released), shipped consumer orders accepted
// in full, undecided returns approved, and day-old idempotency keys purged.
// It returns how many steps it took.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	for _, st := range []struct {
		status string
		step   func(ctx context.Context, o *model.Order) error
	}{
		{model.OrderPendingApproval, func(ctx context.Context, o *model.Order) error {
			return s.cancel(ctx, nil, o, "timeout", "not approved within "+s.limits.ApprovalTTL.String())
		}},
		{model.OrderPendingPayment, func(ctx context.Context, o *model.Order) error {
			return s.cancel(ctx, nil, o, "timeout", "not paid in time")
		}},
		{model.OrderShipped, func(ctx context.Context, o *model.Order) error {
			return s.accept(ctx, nil, o, nil, "accepted automatically after "+s.limits.AutoAccept.String())
		}},
	} {
		ids, err := s.store.DueOrders(ctx, st.status, now, sweepBatch)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			err := s.store.InTx(ctx, func(ctx context.Context) error {
				o, err := s.store.Order(ctx, id)
				if err != nil {
					return err
				}
				if o.Status != st.status || o.DeadlineAt == nil || o.DeadlineAt.After(now) {
					return errMoved // another replica, a payment or the buyer got there first
				}
				return st.step(ctx, o)
			})
			switch {
			case err == nil:
				n++
			case errors.Is(err, errMoved), errors.Is(err, model.ErrConflict):
			default:
				return n, err
			}
		}
	}
	done, err := s.sweepReturns(ctx, now)
	n += done
	if err != nil {
		return n, err
	}
	if _, err := s.keys.Purge(ctx); err != nil {
		return n, err
	}
	return n, nil
}

var errMoved = errors.New("the order moved on")

// sweepReturns approves the undecided returns past their deadline. A return
// that can no longer be approved (its lines were returned by another request
// meanwhile: over_return, possible only for requests stored before lines
// held their units) is rejected with a note saying so, giving its units
// back; any other conflict is skipped. The sweep pages on past every return
// it tried, so no number of such returns keeps it from the later ones.
func (s *Service) sweepReturns(ctx context.Context, now time.Time) (int, error) {
	n := 0
	var after int64
	for {
		ids, err := s.store.DueReturns(ctx, now, after, sweepBatch)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			after = id
			_, err := s.decide(ctx, nil, id, true, "")
			var me *model.Error
			if errors.As(err, &me) && me.Code == "over_return" {
				_, err = s.decide(ctx, nil, id, false, unapprovable+me.Message)
			}
			switch {
			case err == nil:
				n++
			case errors.Is(err, model.ErrConflict):
			default:
				return n, err
			}
		}
		if len(ids) < sweepBatch {
			return n, nil
		}
	}
}

// unapprovable starts the note of a return the system rejected because it
// could no longer be approved.
const unapprovable = "rejected automatically: cannot be approved: "

// RunTimers sweeps every interval until ctx ends.
func (s *Service) RunTimers(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("order timers", "err", err.Error(), "done", n)
			} else if n > 0 {
				slog.Info("order timers", "done", n)
			}
		}
	}
}
