-- Orders and what hangs off them: lines (price snapshots), history, payments,
-- returns, carts, and the idempotency keys of order-placing requests.
CREATE TABLE orders (
  id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  checkout_id     TEXT   NOT NULL DEFAULT '',
  user_id         INTEGER        NOT NULL,
  org_id          INTEGER        NULL,
  supplier_id     INTEGER        NOT NULL,
  channel         TEXT   NOT NULL,
  payment_terms   TEXT   NOT NULL,
  status          TEXT   NOT NULL,
  total_cents     INTEGER        NOT NULL,
  received_cents  INTEGER        NOT NULL DEFAULT 0,
  returned_cents  INTEGER        NOT NULL DEFAULT 0,
  paid_cents      INTEGER        NOT NULL DEFAULT 0,
  refunded_cents  INTEGER        NOT NULL DEFAULT 0,
  delivery_date   TEXT      NOT NULL DEFAULT '',
  address         TEXT  NOT NULL DEFAULT '',
  phone           TEXT   NOT NULL DEFAULT '',
  note            TEXT  NOT NULL DEFAULT '',
  carrier         TEXT   NOT NULL DEFAULT '',
  tracking_no     TEXT   NOT NULL DEFAULT '',
  invoice_no      TEXT   NOT NULL DEFAULT '',
  inspection_note TEXT  NOT NULL DEFAULT '',
  cancel_reason   TEXT  NOT NULL DEFAULT '',
  deadline_at     DATETIME   NULL,
  created_at      DATETIME   NOT NULL,
  updated_at      DATETIME   NOT NULL,
  shipped_at      DATETIME   NULL,
  accepted_at     DATETIME   NULL
);
CREATE INDEX idx_orders_user ON orders (user_id, created_at);
CREATE INDEX idx_orders_org ON orders (org_id, created_at);
CREATE INDEX idx_orders_supplier ON orders (supplier_id, created_at);
CREATE INDEX idx_orders_deadline ON orders (status, deadline_at);
CREATE INDEX idx_orders_checkout ON orders (checkout_id);

CREATE TABLE order_lines (
  id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  order_id         INTEGER       NOT NULL,
  sku_id           INTEGER       NOT NULL,
  product_id       INTEGER       NOT NULL,
  product_name     TEXT NOT NULL,
  spec             TEXT  NOT NULL,
  unit             TEXT  NOT NULL,
  quantity         INTEGER       NOT NULL,
  unit_price_cents INTEGER       NOT NULL,
  amount_cents     INTEGER       NOT NULL,
  received_qty     INTEGER       NULL,
  returned_qty     INTEGER       NOT NULL DEFAULT 0,
  origin_code      TEXT      NOT NULL,
  category_code    TEXT  NOT NULL,
  perishable       NUMERIC   NOT NULL DEFAULT 0,
  pairing_id       INTEGER       NULL
);
CREATE INDEX idx_order_lines_order ON order_lines (order_id);
CREATE INDEX idx_order_lines_sku ON order_lines (sku_id);

CREATE TABLE order_events (
  id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  order_id   INTEGER       NOT NULL,
  actor_id   INTEGER       NULL,
  action     TEXT  NOT NULL,
  from_state TEXT  NOT NULL,
  to_state   TEXT  NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  created_at DATETIME  NOT NULL
);
CREATE INDEX idx_order_events_order ON order_events (order_id);

CREATE TABLE payments (
  id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  order_id     INTEGER      NOT NULL,
  kind         TEXT NOT NULL,
  amount_cents INTEGER      NOT NULL,
  status       TEXT NOT NULL,
  provider     TEXT NOT NULL,
  provider_ref TEXT NOT NULL DEFAULT '',
  created_at   DATETIME NOT NULL,
  settled_at   DATETIME NULL
);
CREATE INDEX idx_payments_order ON payments (order_id);

CREATE TABLE returns (
  id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  order_id      INTEGER       NOT NULL,
  status        TEXT  NOT NULL,
  reason        TEXT  NOT NULL,
  note          TEXT NOT NULL DEFAULT '',
  amount_cents  INTEGER       NOT NULL,
  requested_by  INTEGER       NOT NULL,
  decided_by    INTEGER       NULL,
  decision_note TEXT NOT NULL DEFAULT '',
  deadline_at   DATETIME  NOT NULL,
  created_at    DATETIME  NOT NULL,
  decided_at    DATETIME  NULL
);
CREATE INDEX idx_returns_order ON returns (order_id);
CREATE INDEX idx_returns_deadline ON returns (status, deadline_at);

CREATE TABLE return_lines (
  return_id    INTEGER NOT NULL,
  line_id      INTEGER NOT NULL,
  quantity     INTEGER NOT NULL,
  amount_cents INTEGER NOT NULL,
  PRIMARY KEY (return_id, line_id)
);


CREATE TABLE cart_items (
  user_id  INTEGER NOT NULL,
  sku_id   INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  PRIMARY KEY (user_id, sku_id)
);


CREATE TABLE idempotency_keys (
  user_id      INTEGER       NOT NULL,
  idem_key     TEXT NOT NULL,
  scope        TEXT  NOT NULL,
  request_hash TEXT     NOT NULL,
  status       TEXT  NOT NULL,
  status_code  INTEGER          NOT NULL DEFAULT 0,
  body         BLOB   NULL,
  created_at   DATETIME  NOT NULL,
  PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idx_idempotency_created ON idempotency_keys (created_at);
