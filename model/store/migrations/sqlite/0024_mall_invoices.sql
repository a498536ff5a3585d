-- Invoice profiles, their copies on orders, mall invoices and their
-- allocations (see the mysql migration of the same number).
CREATE TABLE invoice_profiles (
  org_id     INTEGER  NOT NULL PRIMARY KEY,
  title      TEXT     NOT NULL,
  tax_id     TEXT     NOT NULL,
  address    TEXT     NOT NULL DEFAULT '',
  phone      TEXT     NOT NULL DEFAULT '',
  bank       TEXT     NOT NULL DEFAULT '',
  account    TEXT     NOT NULL DEFAULT '',
  updated_at DATETIME NOT NULL
);

ALTER TABLE orders ADD COLUMN invoice_title TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN invoice_tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN invoice_address TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN invoice_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN invoice_bank TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN invoice_account TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN invoiced_cents INTEGER NOT NULL DEFAULT 0;

CREATE TABLE mall_invoices (
  id              INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  supplier_id     INTEGER  NOT NULL,
  org_id          INTEGER  NOT NULL,
  type            TEXT     NOT NULL,
  medium          TEXT     NOT NULL,
  issuer_code     TEXT     NOT NULL,
  invoice_code    TEXT     NOT NULL,
  number          TEXT     NOT NULL,
  issue_date      TEXT     NOT NULL,
  amount_cents    INTEGER  NOT NULL,
  allocated_cents INTEGER  NOT NULL,
  red_cents       INTEGER  NOT NULL DEFAULT 0,
  original_id     INTEGER  NULL,
  scan_hash       TEXT     NULL,
  scan_type       TEXT     NOT NULL DEFAULT '',
  note            TEXT     NOT NULL DEFAULT '',
  created_by      INTEGER  NOT NULL,
  created_at      DATETIME NOT NULL
);
CREATE INDEX ix_mall_invoices_supplier ON mall_invoices (supplier_id, id);
CREATE INDEX ix_mall_invoices_org ON mall_invoices (org_id, id);
CREATE INDEX ix_mall_invoices_original ON mall_invoices (original_id);

CREATE TABLE invoice_allocations (
  invoice_id   INTEGER NOT NULL,
  order_id     INTEGER NOT NULL,
  amount_cents INTEGER NOT NULL,
  PRIMARY KEY (invoice_id, order_id)
);
CREATE INDEX ix_invoice_allocations_order ON invoice_allocations (order_id);
