-- What one user holds of one SKU in open, unshipped orders (see the mysql
-- migration of the same number).
CREATE TABLE user_holds (
  user_id INTEGER NOT NULL,
  sku_id  INTEGER NOT NULL,
  units   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, sku_id)
);

INSERT INTO user_holds (user_id, sku_id, units)
  SELECT o.user_id, l.sku_id, SUM(l.quantity)
  FROM orders o JOIN order_lines l ON l.order_id = o.id
  WHERE o.org_id IS NOT NULL
    AND o.status IN ('pending_approval', 'pending_payment', 'awaiting_shipment')
  GROUP BY o.user_id, l.sku_id;
