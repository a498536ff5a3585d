-- An org's invoice profile (开票信息), copied onto its orders when placed.
CREATE TABLE invoice_profiles (
  org_id     BIGINT       NOT NULL PRIMARY KEY,
  title      VARCHAR(128) NOT NULL,
  tax_id     VARCHAR(18)  NOT NULL,
  address    VARCHAR(200) NOT NULL DEFAULT '',
  phone      VARCHAR(20)  NOT NULL DEFAULT '',
  bank       VARCHAR(100) NOT NULL DEFAULT '',
  account    VARCHAR(40)  NOT NULL DEFAULT '',
  updated_at DATETIME(3)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE orders ADD COLUMN invoice_title VARCHAR(128) NOT NULL DEFAULT '',
  ADD COLUMN invoice_tax_id VARCHAR(18) NOT NULL DEFAULT '',
  ADD COLUMN invoice_address VARCHAR(200) NOT NULL DEFAULT '',
  ADD COLUMN invoice_phone VARCHAR(20) NOT NULL DEFAULT '',
  ADD COLUMN invoice_bank VARCHAR(100) NOT NULL DEFAULT '',
  ADD COLUMN invoice_account VARCHAR(40) NOT NULL DEFAULT '',
  ADD COLUMN invoiced_cents BIGINT NOT NULL DEFAULT 0;

-- Invoices suppliers issued to orgs for mall orders, and how each is spread
-- over the orders. An order's invoiced_cents is the sum of its allocations,
-- moved by conditional updates that keep it within what the order is worth.
CREATE TABLE mall_invoices (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  supplier_id     BIGINT       NOT NULL,
  org_id          BIGINT       NOT NULL,
  type            VARCHAR(16)  NOT NULL,
  medium          VARCHAR(16)  NOT NULL,
  issuer_code     CHAR(18)     NOT NULL,
  invoice_code    VARCHAR(12)  NOT NULL,
  number          VARCHAR(20)  NOT NULL,
  issue_date      CHAR(10)     NOT NULL,
  amount_cents    BIGINT       NOT NULL,
  allocated_cents BIGINT       NOT NULL,
  red_cents       BIGINT       NOT NULL DEFAULT 0,
  original_id     BIGINT       NULL,
  scan_hash       CHAR(64)     NULL,
  scan_type       VARCHAR(64)  NOT NULL DEFAULT '',
  note            VARCHAR(300) NOT NULL DEFAULT '',
  created_by      BIGINT       NOT NULL,
  created_at      DATETIME(3)  NOT NULL,
  KEY ix_mall_invoices_supplier (supplier_id, id),
  KEY ix_mall_invoices_org (org_id, id),
  KEY ix_mall_invoices_original (original_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE invoice_allocations (
  invoice_id   BIGINT NOT NULL,
  order_id     BIGINT NOT NULL,
  amount_cents BIGINT NOT NULL,
  PRIMARY KEY (invoice_id, order_id),
  KEY ix_invoice_allocations_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
