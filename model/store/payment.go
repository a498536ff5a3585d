package store

// Payments and returns: charges and refunds of an order, and the buyer's
// return requests.

import (
	"context"
	"time"

	"shanhai/model"
)

// CreatePayment records a charge or a refund.
func (s *Store) CreatePayment(ctx context.Context, p *model.Payment) error {
	return mapErr(s.conn(ctx).Create(p).Error)
}

// Payment is one payment record.
func (s *Store) Payment(ctx context.Context, id int64) (*model.Payment, error) {
	var p model.Payment
	if err := s.conn(ctx).Where("id = ?", id).Take(&p).Error; err != nil {
		return nil, notFound(err, "payment")
	}
	return &p, nil
}

// Payments are an order's payment records, oldest first.
func (s *Store) Payments(ctx context.Context, orderID int64) ([]model.Payment, error) {
	var out []model.Payment
	err := s.conn(ctx).Where("order_id = ?", orderID).Order("id").Find(&out).Error
	return out, mapErr(err)
}

// SettlePayment moves a pending payment to succeeded or failed; false when
// it was no longer pending (a repeated callback).
func (s *Store) SettlePayment(ctx context.Context, id int64, status, ref string) (bool, error) {
	res := s.conn(ctx).Model(&model.Payment{}).Where("id = ? AND status = ?", id, model.PaymentPending).
		Updates(map[string]any{"status": status, "provider_ref": ref, "settled_at": s.gdb.NowFunc()})
	if res.Error != nil {
		return false, mapErr(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CreateReturn inserts a return request and its lines.
func (s *Store) CreateReturn(ctx context.Context, r *model.Return) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(r).Error; err != nil {
			return mapErr(err)
		}
		for i := range r.Lines {
			r.Lines[i].ReturnID = r.ID
		}
		return mapErr(s.conn(ctx).Create(&r.Lines).Error)
	})
}

// Return is one return request with its lines.
func (s *Store) Return(ctx context.Context, id int64) (*model.Return, error) {
	var r model.Return
	if err := s.conn(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "return")
	}
	if err := s.conn(ctx).Where("return_id = ?", id).Order("line_id").Find(&r.Lines).Error; err != nil {
		return nil, mapErr(err)
	}
	return &r, nil
}

// Returns are an order's return requests with their lines, oldest first.
func (s *Store) Returns(ctx context.Context, orderID int64) ([]model.Return, error) {
	var out []model.Return
	if err := s.conn(ctx).Where("order_id = ?", orderID).Order("id").Find(&out).Error; err != nil {
		return nil, mapErr(err)
	}
	for i := range out {
		if err := s.conn(ctx).Where("return_id = ?", out[i].ID).Order("line_id").Find(&out[i].Lines).Error; err != nil {
			return nil, mapErr(err)
		}
	}
	return out, nil
}

// MoveReturn is the compare-and-set of a return's decision.
func (s *Store) MoveReturn(ctx context.Context, id int64, d model.ReturnDecision) error {
	cols := map[string]any{"status": d.Status, "decision_note": d.DecisionNote, "decided_at": d.DecidedAt}
	setIf(cols, "decided_by", d.DecidedBy)
	res := s.conn(ctx).Model(&model.Return{}).Where("id = ? AND status = ?", id, model.ReturnRequested).Updates(cols)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("invalid_transition", "return %d has already been decided", id)
	}
	return nil
}

// DueReturns are ids of requested returns past their auto-approval deadline.
func (s *Store) DueReturns(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.Return{}).Where("status = ? AND deadline_at <= ?", model.ReturnRequested, now.UTC()).
		Order("deadline_at").Limit(limit).Pluck("id", &ids).Error
	return ids, mapErr(err)
}
