-- Orders and what hangs off them: lines (price snapshots), history, payments,
-- returns, carts, and the idempotency keys of order-placing requests.
CREATE TABLE orders (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  checkout_id     VARCHAR(40)   NOT NULL DEFAULT '',
  user_id         BIGINT        NOT NULL,
  org_id          BIGINT        NULL,
  supplier_id     BIGINT        NOT NULL,
  channel         VARCHAR(16)   NOT NULL,
  payment_terms   VARCHAR(16)   NOT NULL,
  status          VARCHAR(20)   NOT NULL,
  total_cents     BIGINT        NOT NULL,
  received_cents  BIGINT        NOT NULL DEFAULT 0,
  returned_cents  BIGINT        NOT NULL DEFAULT 0,
  paid_cents      BIGINT        NOT NULL DEFAULT 0,
  refunded_cents  BIGINT        NOT NULL DEFAULT 0,
  delivery_date   CHAR(10)      NOT NULL DEFAULT '',
  address         VARCHAR(300)  NOT NULL DEFAULT '',
  phone           VARCHAR(32)   NOT NULL DEFAULT '',
  note            VARCHAR(500)  NOT NULL DEFAULT '',
  carrier         VARCHAR(64)   NOT NULL DEFAULT '',
  tracking_no     VARCHAR(64)   NOT NULL DEFAULT '',
  invoice_no      VARCHAR(64)   NOT NULL DEFAULT '',
  inspection_note VARCHAR(500)  NOT NULL DEFAULT '',
  cancel_reason   VARCHAR(300)  NOT NULL DEFAULT '',
  deadline_at     DATETIME(3)   NULL,
  created_at      DATETIME(3)   NOT NULL,
  updated_at      DATETIME(3)   NOT NULL,
  shipped_at      DATETIME(3)   NULL,
  accepted_at     DATETIME(3)   NULL,
  KEY idx_orders_user (user_id, created_at),
  KEY idx_orders_org (org_id, created_at),
  KEY idx_orders_supplier (supplier_id, created_at),
  KEY idx_orders_deadline (status, deadline_at),
  KEY idx_orders_checkout (checkout_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE order_lines (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id         BIGINT       NOT NULL,
  sku_id           BIGINT       NOT NULL,
  product_id       BIGINT       NOT NULL,
  product_name     VARCHAR(128) NOT NULL,
  spec             VARCHAR(64)  NOT NULL,
  unit             VARCHAR(16)  NOT NULL,
  quantity         BIGINT       NOT NULL,
  unit_price_cents BIGINT       NOT NULL,
  amount_cents     BIGINT       NOT NULL,
  received_qty     BIGINT       NULL,
  returned_qty     BIGINT       NOT NULL DEFAULT 0,
  origin_code      CHAR(6)      NOT NULL,
  category_code    VARCHAR(32)  NOT NULL,
  perishable       TINYINT(1)   NOT NULL DEFAULT 0,
  pairing_id       BIGINT       NULL,
  KEY idx_order_lines_order (order_id),
  KEY idx_order_lines_sku (sku_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE order_events (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id   BIGINT       NOT NULL,
  actor_id   BIGINT       NULL,
  action     VARCHAR(32)  NOT NULL,
  from_state VARCHAR(20)  NOT NULL,
  to_state   VARCHAR(20)  NOT NULL,
  note       VARCHAR(500) NOT NULL DEFAULT '',
  created_at DATETIME(3)  NOT NULL,
  KEY idx_order_events_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE payments (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id     BIGINT      NOT NULL,
  kind         VARCHAR(16) NOT NULL,
  amount_cents BIGINT      NOT NULL,
  status       VARCHAR(16) NOT NULL,
  provider     VARCHAR(32) NOT NULL,
  provider_ref VARCHAR(64) NOT NULL DEFAULT '',
  created_at   DATETIME(3) NOT NULL,
  settled_at   DATETIME(3) NULL,
  KEY idx_payments_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE returns (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id      BIGINT       NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  reason        VARCHAR(32)  NOT NULL,
  note          VARCHAR(500) NOT NULL DEFAULT '',
  amount_cents  BIGINT       NOT NULL,
  requested_by  BIGINT       NOT NULL,
  decided_by    BIGINT       NULL,
  decision_note VARCHAR(500) NOT NULL DEFAULT '',
  deadline_at   DATETIME(3)  NOT NULL,
  created_at    DATETIME(3)  NOT NULL,
  decided_at    DATETIME(3)  NULL,
  KEY idx_returns_order (order_id),
  KEY idx_returns_deadline (status, deadline_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE return_lines (
  return_id    BIGINT NOT NULL,
  line_id      BIGINT NOT NULL,
  quantity     BIGINT NOT NULL,
  amount_cents BIGINT NOT NULL,
  PRIMARY KEY (return_id, line_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE cart_items (
  user_id  BIGINT NOT NULL,
  sku_id   BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  PRIMARY KEY (user_id, sku_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE idempotency_keys (
  user_id      BIGINT       NOT NULL,
  idem_key     VARCHAR(128) NOT NULL,
  scope        VARCHAR(64)  NOT NULL,
  request_hash CHAR(64)     NOT NULL,
  status       VARCHAR(16)  NOT NULL,
  status_code  INT          NOT NULL DEFAULT 0,
  body         MEDIUMBLOB   NULL,
  created_at   DATETIME(3)  NOT NULL,
  PRIMARY KEY (user_id, idem_key),
  KEY idx_idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
