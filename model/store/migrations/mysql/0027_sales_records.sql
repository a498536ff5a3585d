-- Off-platform sales records (线下帮扶台账): a purchase or assisted sale an
-- org made outside the mall, with its items, invoice and scans. Verified, a
-- record writes one credit entry per item (credits.record_id, line_id = the
-- item); revoked, the reversing entries. Quantities are thousandths of the
-- item's unit (12.5 kg = 12500).
CREATE TABLE sales_records (
  id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_id               BIGINT       NOT NULL,
  status               VARCHAR(16)  NOT NULL,
  kind                 VARCHAR(16)  NOT NULL,
  platform             VARCHAR(16)  NOT NULL,
  txn_date             CHAR(10)     NOT NULL,
  sales_point_id       BIGINT       NULL,
  supplier_id          BIGINT       NULL,
  producer_name        VARCHAR(128) NOT NULL,
  producer_credit_code VARCHAR(18)  NOT NULL DEFAULT '',
  producer_region      CHAR(6)      NOT NULL,
  total_cents          BIGINT       NOT NULL,
  invoice_issuer       CHAR(18)     NOT NULL,
  invoice_code         VARCHAR(12)  NOT NULL DEFAULT '',
  invoice_number       VARCHAR(20)  NOT NULL,
  invoice_date         CHAR(10)     NOT NULL,
  note                 VARCHAR(500) NOT NULL DEFAULT '',
  reason               VARCHAR(300) NOT NULL DEFAULT '',
  recorder_id          BIGINT       NOT NULL,
  verifier_id          BIGINT       NULL,
  submitted_at         DATETIME(3)  NULL,
  verified_at          DATETIME(3)  NULL,
  revoked_at           DATETIME(3)  NULL,
  created_at           DATETIME(3)  NOT NULL,
  updated_at           DATETIME(3)  NOT NULL,
  KEY ix_sales_records_org (org_id, status),
  KEY ix_sales_records_status (status, txn_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE sales_record_items (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  record_id      BIGINT       NOT NULL,
  seq            INT          NOT NULL,
  product_name   VARCHAR(128) NOT NULL,
  category_code  VARCHAR(32)  NOT NULL,
  quantity_milli BIGINT       NOT NULL,
  unit           VARCHAR(16)  NOT NULL,
  amount_cents   BIGINT       NOT NULL,
  certificate_no VARCHAR(64)  NOT NULL DEFAULT '',
  UNIQUE KEY uq_sales_record_items (record_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Scans of a record's invoice or contract: private blobs, served only
-- through the record's routes.
CREATE TABLE sales_record_files (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  record_id    BIGINT       NOT NULL,
  hash         CHAR(64)     NOT NULL,
  content_type VARCHAR(64)  NOT NULL,
  size         BIGINT       NOT NULL,
  name         VARCHAR(128) NOT NULL DEFAULT '',
  created_at   DATETIME(3)  NOT NULL,
  KEY ix_sales_record_files (record_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- A record's entries point back at it; adjusts_year is the closed review
-- year an entry dated later corrects (0: none).
ALTER TABLE credits
  ADD COLUMN record_id    BIGINT NULL,
  ADD COLUMN adjusts_year INT    NOT NULL DEFAULT 0;
CREATE INDEX idx_credits_record ON credits (record_id);

-- The platforms whose records count toward an org's reserved share (预留份额).
CREATE TABLE reserve_platforms (
  platform VARCHAR(16) NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
INSERT INTO reserve_platforms (platform) VALUES ('832');
