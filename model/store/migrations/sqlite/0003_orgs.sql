-- Buying organizations (单位): canteens, unions, supermarkets, wholesale markets, co-ops.
CREATE TABLE orgs (
  id                       INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  name                     TEXT     NOT NULL,
  kind                     TEXT     NOT NULL,
  region_code              TEXT     NOT NULL,
  parent_id                INTEGER  NULL,
  payment_terms            TEXT     NOT NULL,
  approval_threshold_cents INTEGER  NOT NULL DEFAULT 0,
  credit_kind              TEXT     NOT NULL,
  invoice_title            TEXT     NOT NULL DEFAULT '',
  tax_id                   TEXT     NOT NULL DEFAULT '',
  created_at               DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_orgs_name ON orgs (name);
CREATE INDEX idx_orgs_parent ON orgs (parent_id);
CREATE INDEX idx_orgs_region ON orgs (region_code);
