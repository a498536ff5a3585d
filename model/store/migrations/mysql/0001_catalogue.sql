-- Catalogue: regions, pairings, suppliers, categories, products, SKUs, tiers, certifications.
-- MySQL 8 / MariaDB >= 10.6, kept within what TiDB runs. Money is BIGINT cents.
CREATE TABLE regions (
  code        CHAR(6)      NOT NULL PRIMARY KEY,
  name        VARCHAR(64)  NOT NULL,
  level       VARCHAR(16)  NOT NULL,
  parent_code CHAR(6)      NULL,
  side        VARCHAR(16)  NOT NULL DEFAULT '',
  KEY idx_regions_parent (parent_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE categories (
  code VARCHAR(32) NOT NULL PRIMARY KEY,
  name VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE pairings (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  programme    VARCHAR(16) NOT NULL,
  level        VARCHAR(16) NOT NULL,
  helper_code  CHAR(6)     NOT NULL,
  partner_code CHAR(6)     NOT NULL,
  since_year   INT         NOT NULL,
  active       TINYINT(1)  NOT NULL DEFAULT 1,
  UNIQUE KEY uq_pairings (programme, helper_code, partner_code),
  KEY idx_pairings_partner (partner_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE suppliers (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(128) NOT NULL,
  region_code CHAR(6)      NOT NULL,
  status      VARCHAR(16)  NOT NULL,
  created_at  DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_suppliers_name (name),
  KEY idx_suppliers_region (region_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE products (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  supplier_id     BIGINT        NOT NULL,
  name            VARCHAR(128)  NOT NULL,
  category_code   VARCHAR(32)   NOT NULL,
  brand           VARCHAR(64)   NOT NULL DEFAULT '',
  description     VARCHAR(2000) NOT NULL DEFAULT '',
  origin_code     CHAR(6)       NOT NULL,
  on_sale         TINYINT(1)    NOT NULL DEFAULT 1,
  perishable      TINYINT(1)    NOT NULL DEFAULT 0,
  shelf_life_days INT           NOT NULL DEFAULT 0,
  price_min_cents BIGINT        NOT NULL DEFAULT 0,
  created_at      DATETIME(3)   NOT NULL,
  updated_at      DATETIME(3)   NOT NULL,
  UNIQUE KEY uq_products_supplier_name (supplier_id, name),
  KEY idx_products_category (category_code, on_sale),
  KEY idx_products_origin (origin_code, on_sale),
  KEY idx_products_price (price_min_cents)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE skus (
  id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  product_id  BIGINT      NOT NULL,
  spec        VARCHAR(64) NOT NULL,
  unit        VARCHAR(16) NOT NULL,
  price_cents BIGINT      NOT NULL,
  on_hand     BIGINT      NOT NULL DEFAULT 0,
  reserved    BIGINT      NOT NULL DEFAULT 0,
  KEY idx_skus_product (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE sku_tiers (
  sku_id      BIGINT NOT NULL,
  min_qty     BIGINT NOT NULL,
  price_cents BIGINT NOT NULL,
  PRIMARY KEY (sku_id, min_qty)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE certifications (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  product_id     BIGINT       NOT NULL,
  certificate_no VARCHAR(64)  NOT NULL,
  issuer         VARCHAR(128) NOT NULL,
  batch          VARCHAR(64)  NOT NULL DEFAULT '',
  valid_from     CHAR(10)     NOT NULL,
  valid_to       CHAR(10)     NOT NULL,
  status         VARCHAR(16)  NOT NULL,
  created_at     DATETIME(3)  NOT NULL,
  revoked_at     DATETIME(3)  NULL,
  KEY idx_certifications_product (product_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
