package store

// Payments and returns: charges and refunds of an order, and the buyer's
// return requests.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// CreateReturn inserts a return request and its lines, and holds their
// units on the order lines: a conditional UPDATE of each line's held_qty
// that fails (409 over_return, nothing written) when the line has fewer
// units received and not yet held by other return requests. The lines are
// held in id order, so two requests never wait on each other crosswise.
func (s *Store) CreateReturn(ctx context.Context, r *model.Return) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		lines := slices.Clone(r.Lines)
		slices.SortFunc(lines, func(a, b model.ReturnLine) int { return cmp.Compare(a.LineID, b.LineID) })
		for _, l := range lines {
			if err := s.holdLine(ctx, l.LineID, l.Quantity); err != nil {
				return err
			}
		}
		if err := s.conn(ctx).Create(r).Error; err != nil {
			return mapErr(err)
		}
		for i := range r.Lines {
			r.Lines[i].ReturnID = r.ID
		}
		return mapErr(s.conn(ctx).CreateInBatches(&r.Lines, s.rowsPerInsert(ctx, len(r.Lines))).Error)
	})
}

// holdLine takes qty units of a line for a return request. The guard is in
// the UPDATE, on a row every replica writes: two requests racing for the
// same units on different servers (or masters) cannot both pass it.
func (s *Store) holdLine(ctx context.Context, lineID, qty int64) error {
	res, err := s.rawExec(ctx, `UPDATE order_lines SET held_qty = held_qty + ?
		WHERE id = ? AND received_qty IS NOT NULL AND received_qty - held_qty >= ?`, qty, lineID, qty)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return model.Conflict("over_return",
			"line %d: other return requests already hold the units received and not yet returned", lineID)
	}
	return nil
}

// releaseLines gives back the units a rejected return held.
func (s *Store) releaseLines(ctx context.Context, returnID int64) error {
	var lines []model.ReturnLine
	if err := s.conn(ctx).Where("return_id = ?", returnID).Order("line_id").Find(&lines).Error; err != nil {
		return mapErr(err)
	}
	for _, l := range lines {
		res, err := s.rawExec(ctx, `UPDATE order_lines SET held_qty = held_qty - ? WHERE id = ? AND held_qty >= ?`,
			l.Quantity, l.LineID, l.Quantity)
		if err != nil {
			return mapErr(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return mapErr(err)
		} else if n == 0 {
			return fmt.Errorf("return %d: line %d holds fewer than its %d units", returnID, l.LineID, l.Quantity)
		}
	}
	return nil
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

// MoveReturn is the compare-and-set of a return's decision. A rejection
// gives the units the return held back to its lines, in the same
// transaction; an approval keeps them held (they are returned now).
func (s *Store) MoveReturn(ctx context.Context, id int64, d model.ReturnDecision) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		cols := map[string]any{"status": d.Status, "decision_note": d.DecisionNote, "decided_at": d.DecidedAt}
		setIf(cols, "decided_by", d.DecidedBy)
		res := s.conn(ctx).Model(&model.Return{}).Where("id = ? AND status = ?", id, model.ReturnRequested).Updates(cols)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return model.Conflict("invalid_transition", "return %d has already been decided", id)
		}
		if d.Status == model.ReturnRejected {
			return s.releaseLines(ctx, id)
		}
		return nil
	})
}

// DueReturns are ids of requested returns past their auto-approval
// deadline, above after, in id order, at most limit. The sweeper pages
// through them with after, so returns it had to skip never stop it from
// reaching later ones.
func (s *Store) DueReturns(ctx context.Context, now time.Time, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.Return{}).
		Where("status = ? AND deadline_at <= ? AND id > ?", model.ReturnRequested, now.UTC(), after).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, mapErr(err)
}
