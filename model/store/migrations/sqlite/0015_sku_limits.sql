-- A SKU's purchase limit: the most units of it one order may hold (0 = no
-- limit), set by its supplier and checked when an order is placed.
ALTER TABLE skus ADD COLUMN purchase_limit INTEGER NOT NULL DEFAULT 0;

-- The supplier's and the buyer org's names when the order was placed (see
-- the mysql migration of the same number); older orders get today's names.
ALTER TABLE orders ADD COLUMN supplier_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
UPDATE orders SET supplier_name = COALESCE((SELECT s.name FROM suppliers s WHERE s.id = orders.supplier_id), ''),
  org_name = COALESCE((SELECT g.name FROM orgs g WHERE g.id = orders.org_id), '');
