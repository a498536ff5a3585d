-- Monthly statements (see the mysql migration of the same number).
CREATE TABLE statements (
  id               INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  org_id           INTEGER  NOT NULL,
  supplier_id      INTEGER  NOT NULL,
  month            TEXT     NOT NULL,
  orders_count     INTEGER  NOT NULL,
  received_cents   INTEGER  NOT NULL,
  returned_cents   INTEGER  NOT NULL,
  paid_cents       INTEGER  NOT NULL,
  refunded_cents   INTEGER  NOT NULL,
  due_cents        INTEGER  NOT NULL,
  invoiced_cents   INTEGER  NOT NULL,
  difference_cents INTEGER  NOT NULL,
  org_status       TEXT     NOT NULL DEFAULT 'open',
  org_note         TEXT     NOT NULL DEFAULT '',
  org_by           INTEGER  NULL,
  org_at           DATETIME NULL,
  supplier_status  TEXT     NOT NULL DEFAULT 'open',
  supplier_note    TEXT     NOT NULL DEFAULT '',
  supplier_by      INTEGER  NULL,
  supplier_at      DATETIME NULL,
  created_at       DATETIME NOT NULL,
  UNIQUE (org_id, supplier_id, month)
);
CREATE INDEX ix_statements_supplier ON statements (supplier_id, month);

CREATE TABLE statement_orders (
  statement_id   INTEGER  NOT NULL,
  order_id       INTEGER  NOT NULL,
  accepted_at    DATETIME NOT NULL,
  total_cents    INTEGER  NOT NULL,
  received_cents INTEGER  NOT NULL,
  PRIMARY KEY (statement_id, order_id)
);
