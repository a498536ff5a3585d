-- What one buyer holds of one SKU in open, unshipped orders (see the mysql
-- migration of the same number).
CREATE TABLE buyer_holds (
  holder TEXT    NOT NULL,
  sku_id INTEGER NOT NULL,
  units  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (holder, sku_id)
);

INSERT INTO buyer_holds (holder, sku_id, units)
  SELECT CASE WHEN o.org_id IS NULL THEN 'u' || o.user_id ELSE 'o' || o.org_id END, l.sku_id, SUM(l.quantity)
  FROM orders o JOIN order_lines l ON l.order_id = o.id
  WHERE o.status IN ('pending_approval', 'pending_payment', 'awaiting_shipment')
  GROUP BY CASE WHEN o.org_id IS NULL THEN 'u' || o.user_id ELSE 'o' || o.org_id END, l.sku_id;
