-- Monthly statements (对账单) per org, supplier and China month: computed
-- when first read after the month ended and frozen from then on, with the
-- orders they cover; each side confirms or disputes (with a note).
CREATE TABLE statements (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_id           BIGINT       NOT NULL,
  supplier_id      BIGINT       NOT NULL,
  month            CHAR(7)      NOT NULL,
  orders_count     INT          NOT NULL,
  received_cents   BIGINT       NOT NULL,
  returned_cents   BIGINT       NOT NULL,
  paid_cents       BIGINT       NOT NULL,
  refunded_cents   BIGINT       NOT NULL,
  due_cents        BIGINT       NOT NULL,
  invoiced_cents   BIGINT       NOT NULL,
  difference_cents BIGINT       NOT NULL,
  org_status       VARCHAR(16)  NOT NULL DEFAULT 'open',
  org_note         VARCHAR(300) NOT NULL DEFAULT '',
  org_by           BIGINT       NULL,
  org_at           DATETIME(3)  NULL,
  supplier_status  VARCHAR(16)  NOT NULL DEFAULT 'open',
  supplier_note    VARCHAR(300) NOT NULL DEFAULT '',
  supplier_by      BIGINT       NULL,
  supplier_at      DATETIME(3)  NULL,
  created_at       DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_statements_pair (org_id, supplier_id, month),
  KEY ix_statements_supplier (supplier_id, month)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE statement_orders (
  statement_id   BIGINT      NOT NULL,
  order_id       BIGINT      NOT NULL,
  accepted_at    DATETIME(3) NOT NULL,
  total_cents    BIGINT      NOT NULL,
  received_cents BIGINT      NOT NULL,
  PRIMARY KEY (statement_id, order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
