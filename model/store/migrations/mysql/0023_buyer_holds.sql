-- What one buyer (holder 'u<user id>' for a consumer, 'o<org id>' for an
-- org) holds of one SKU in open, unshipped orders. Every placement adds to
-- its row and checks it in the same transaction, so two placements of one
-- buyer (on any replica) queue on the row; cancellations and shipments
-- take their units back.
CREATE TABLE buyer_holds (
  holder VARCHAR(24) NOT NULL,
  sku_id BIGINT      NOT NULL,
  units  BIGINT      NOT NULL DEFAULT 0,
  PRIMARY KEY (holder, sku_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO buyer_holds (holder, sku_id, units)
  SELECT CASE WHEN o.org_id IS NULL THEN CONCAT('u', o.user_id) ELSE CONCAT('o', o.org_id) END, l.sku_id, SUM(l.quantity)
  FROM orders o JOIN order_lines l ON l.order_id = o.id
  WHERE o.status IN ('pending_approval', 'pending_payment', 'awaiting_shipment')
  GROUP BY CASE WHEN o.org_id IS NULL THEN CONCAT('u', o.user_id) ELSE CONCAT('o', o.org_id) END, l.sku_id;
