-- Buying organizations (单位): canteens, unions, supermarkets, wholesale markets, co-ops.
CREATE TABLE orgs (
  id                       BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name                     VARCHAR(128) NOT NULL,
  kind                     VARCHAR(16)  NOT NULL,
  region_code              CHAR(6)      NOT NULL,
  parent_id                BIGINT       NULL,
  payment_terms            VARCHAR(16)  NOT NULL,
  approval_threshold_cents BIGINT       NOT NULL DEFAULT 0,
  credit_kind              VARCHAR(16)  NOT NULL,
  invoice_title            VARCHAR(128) NOT NULL DEFAULT '',
  tax_id                   VARCHAR(32)  NOT NULL DEFAULT '',
  created_at               DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_orgs_name (name),
  KEY idx_orgs_parent (parent_id),
  KEY idx_orgs_region (region_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
