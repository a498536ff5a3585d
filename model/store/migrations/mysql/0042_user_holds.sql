-- What one user holds of one SKU in open, unshipped orders placed for their
-- org: the per-user cap (SHANHAI_SKU_CAP). A consumer is its own buyer, so
-- its buyer_holds row ("u<id>") is its cap's too and it has no row here.
-- Every org placement adds to its rows and checks them in the same
-- transaction, so two placements of one user queue on the row on one server
-- and conflict at commit on two Galera nodes (the retry checks again);
-- cancellations and shipments take their units back.
CREATE TABLE user_holds (
  user_id BIGINT NOT NULL,
  sku_id  BIGINT NOT NULL,
  units   BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, sku_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO user_holds (user_id, sku_id, units)
  SELECT o.user_id, l.sku_id, SUM(l.quantity)
  FROM orders o JOIN order_lines l ON l.order_id = o.id
  WHERE o.org_id IS NOT NULL
    AND o.status IN ('pending_approval', 'pending_payment', 'awaiting_shipment')
  GROUP BY o.user_id, l.sku_id;
