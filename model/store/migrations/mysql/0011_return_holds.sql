-- A line's held_qty is the units its requested and approved returns hold.
-- A return request takes its units with a conditional UPDATE of this column
-- (received_qty - held_qty >= asked), so concurrent requests, on one server
-- or on several masters of a cluster, cannot together ask for more than was
-- received; a rejection gives its units back. A SELECT ... FOR UPDATE would
-- not hold on a multi-master cluster: there the row write is what conflicts.
--
-- Back-filled from the returns already stored: approved ones are in
-- returned_qty, requested ones are summed. Where earlier concurrent requests
-- asked for more than was received, held_qty starts above received_qty;
-- the sweeper rejects those requests as they can no longer be approved,
-- which brings it back down.
ALTER TABLE order_lines ADD COLUMN held_qty BIGINT NOT NULL DEFAULT 0;
UPDATE order_lines SET held_qty = returned_qty + COALESCE((
  SELECT SUM(rl.quantity) FROM return_lines rl JOIN returns r ON r.id = rl.return_id
  WHERE rl.line_id = order_lines.id AND r.status = 'requested'), 0);
