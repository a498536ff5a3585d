-- Off-platform sales records (线下帮扶台账): a purchase or assisted sale an
-- org made outside the mall, with its items, invoice and scans. Verified, a
-- record writes one credit entry per item (credits.record_id, line_id = the
-- item); revoked, the reversing entries. Quantities are thousandths of the
-- item's unit (12.5 kg = 12500).
CREATE TABLE sales_records (
  id                   INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  org_id               INTEGER  NOT NULL,
  status               TEXT     NOT NULL,
  kind                 TEXT     NOT NULL,
  platform             TEXT     NOT NULL,
  txn_date             TEXT     NOT NULL,
  sales_point_id       INTEGER  NULL,
  supplier_id          INTEGER  NULL,
  producer_name        TEXT     NOT NULL,
  producer_credit_code TEXT     NOT NULL DEFAULT '',
  producer_region      TEXT     NOT NULL,
  total_cents          INTEGER  NOT NULL,
  invoice_issuer       TEXT     NOT NULL,
  invoice_code         TEXT     NOT NULL DEFAULT '',
  invoice_number       TEXT     NOT NULL,
  invoice_date         TEXT     NOT NULL,
  note                 TEXT     NOT NULL DEFAULT '',
  reason               TEXT     NOT NULL DEFAULT '',
  recorder_id          INTEGER  NOT NULL,
  verifier_id          INTEGER  NULL,
  submitted_at         DATETIME NULL,
  verified_at          DATETIME NULL,
  revoked_at           DATETIME NULL,
  created_at           DATETIME NOT NULL,
  updated_at           DATETIME NOT NULL
);
CREATE INDEX ix_sales_records_org ON sales_records (org_id, status);
CREATE INDEX ix_sales_records_status ON sales_records (status, txn_date);

CREATE TABLE sales_record_items (
  id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  record_id      INTEGER NOT NULL,
  seq            INTEGER NOT NULL,
  product_name   TEXT    NOT NULL,
  category_code  TEXT    NOT NULL,
  quantity_milli INTEGER NOT NULL,
  unit           TEXT    NOT NULL,
  amount_cents   INTEGER NOT NULL,
  certificate_no TEXT    NOT NULL DEFAULT '',
  UNIQUE (record_id, seq)
);

-- Scans of a record's invoice or contract: private blobs, served only
-- through the record's routes.
CREATE TABLE sales_record_files (
  id           INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  record_id    INTEGER  NOT NULL,
  hash         TEXT     NOT NULL,
  content_type TEXT     NOT NULL,
  size         INTEGER  NOT NULL,
  name         TEXT     NOT NULL DEFAULT '',
  created_at   DATETIME NOT NULL
);
CREATE INDEX ix_sales_record_files ON sales_record_files (record_id);

-- A record's entries point back at it; adjusts_year is the closed review
-- year an entry dated later corrects (0: none).
ALTER TABLE credits ADD COLUMN record_id INTEGER NULL;
ALTER TABLE credits ADD COLUMN adjusts_year INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_credits_record ON credits (record_id);

-- The platforms whose records count toward an org's reserved share (预留份额).
CREATE TABLE reserve_platforms (
  platform TEXT NOT NULL PRIMARY KEY
);
INSERT INTO reserve_platforms (platform) VALUES ('832');
