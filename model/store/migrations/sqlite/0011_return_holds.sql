-- A line's held_qty is the units its requested and approved returns hold,
-- taken by a conditional UPDATE (see the mysql migration of the same
-- number), back-filled from the returns already stored.
ALTER TABLE order_lines ADD COLUMN held_qty INTEGER NOT NULL DEFAULT 0;
UPDATE order_lines SET held_qty = returned_qty + COALESCE((
  SELECT SUM(rl.quantity) FROM return_lines rl JOIN returns r ON r.id = rl.return_id
  WHERE rl.line_id = order_lines.id AND r.status = 'requested'), 0);
