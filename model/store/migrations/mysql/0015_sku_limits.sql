-- A SKU's purchase limit: the most units of it one order may hold (0 = no
-- limit), set by its supplier and checked when an order is placed.
ALTER TABLE skus ADD COLUMN purchase_limit BIGINT NOT NULL DEFAULT 0;

-- The supplier's and the buyer org's names as they were when the order was
-- placed, so an order list draws without a lookup and a later rename does
-- not rewrite history. Orders placed before this migration get the names
-- current now.
ALTER TABLE orders ADD COLUMN supplier_name VARCHAR(128) NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN org_name VARCHAR(128) NOT NULL DEFAULT '';
UPDATE orders SET supplier_name = COALESCE((SELECT s.name FROM suppliers s WHERE s.id = orders.supplier_id), ''),
  org_name = COALESCE((SELECT g.name FROM orgs g WHERE g.id = orders.org_id), '');
