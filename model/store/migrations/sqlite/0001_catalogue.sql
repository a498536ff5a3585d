-- Catalogue: regions, pairings, suppliers, categories, products, SKUs, tiers, certifications.
-- SQLite (embedded default). Money is INTEGER cents.
CREATE TABLE regions (
  code        TEXT NOT NULL PRIMARY KEY,
  name        TEXT NOT NULL,
  level       TEXT NOT NULL,
  parent_code TEXT NULL,
  side        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_regions_parent ON regions (parent_code);

CREATE TABLE categories (
  code TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL
);

CREATE TABLE pairings (
  id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  programme    TEXT    NOT NULL,
  level        TEXT    NOT NULL,
  helper_code  TEXT    NOT NULL,
  partner_code TEXT    NOT NULL,
  since_year   INTEGER NOT NULL,
  active       NUMERIC NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX uq_pairings ON pairings (programme, helper_code, partner_code);
CREATE INDEX idx_pairings_partner ON pairings (partner_code);

CREATE TABLE suppliers (
  id          INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  name        TEXT     NOT NULL,
  region_code TEXT     NOT NULL,
  status      TEXT     NOT NULL,
  created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_suppliers_name ON suppliers (name);
CREATE INDEX idx_suppliers_region ON suppliers (region_code);

CREATE TABLE products (
  id              INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  supplier_id     INTEGER  NOT NULL,
  name            TEXT     NOT NULL,
  category_code   TEXT     NOT NULL,
  brand           TEXT     NOT NULL DEFAULT '',
  description     TEXT     NOT NULL DEFAULT '',
  origin_code     TEXT     NOT NULL,
  on_sale         NUMERIC  NOT NULL DEFAULT 1,
  perishable      NUMERIC  NOT NULL DEFAULT 0,
  shelf_life_days INTEGER  NOT NULL DEFAULT 0,
  price_min_cents INTEGER  NOT NULL DEFAULT 0,
  created_at      DATETIME NOT NULL,
  updated_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_products_supplier_name ON products (supplier_id, name);
CREATE INDEX idx_products_category ON products (category_code, on_sale);
CREATE INDEX idx_products_origin ON products (origin_code, on_sale);
CREATE INDEX idx_products_price ON products (price_min_cents);

CREATE TABLE skus (
  id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  product_id  INTEGER NOT NULL,
  spec        TEXT    NOT NULL,
  unit        TEXT    NOT NULL,
  price_cents INTEGER NOT NULL,
  on_hand     INTEGER NOT NULL DEFAULT 0,
  reserved    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_skus_product ON skus (product_id);

CREATE TABLE sku_tiers (
  sku_id      INTEGER NOT NULL,
  min_qty     INTEGER NOT NULL,
  price_cents INTEGER NOT NULL,
  PRIMARY KEY (sku_id, min_qty)
);

CREATE TABLE certifications (
  id             INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  product_id     INTEGER  NOT NULL,
  certificate_no TEXT     NOT NULL,
  issuer         TEXT     NOT NULL,
  batch          TEXT     NOT NULL DEFAULT '',
  valid_from     TEXT     NOT NULL,
  valid_to       TEXT     NOT NULL,
  status         TEXT     NOT NULL,
  created_at     DATETIME NOT NULL,
  revoked_at     DATETIME NULL
);
CREATE INDEX idx_certifications_product ON certifications (product_id, id);
