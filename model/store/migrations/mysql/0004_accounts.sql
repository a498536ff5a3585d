-- Accounts, reserved-share filings, annual targets and the audit trail.
CREATE TABLE users (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username        VARCHAR(64)  NOT NULL,
  username_key    VARCHAR(64)  NOT NULL,
  password_hash   VARCHAR(255) NOT NULL,
  role            VARCHAR(16)  NOT NULL,
  org_id          BIGINT       NULL,
  supplier_id     BIGINT       NULL,
  region_code     CHAR(6)      NULL,
  employer_id     BIGINT       NULL,
  employer_status VARCHAR(16)  NOT NULL DEFAULT '',
  disabled        TINYINT(1)   NOT NULL DEFAULT 0,
  token_version   BIGINT       NOT NULL DEFAULT 1,
  created_at      DATETIME(3)  NOT NULL,
  updated_at      DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_users_username_key (username_key),
  KEY idx_users_org (org_id),
  KEY idx_users_supplier (supplier_id),
  KEY idx_users_employer (employer_id, employer_status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE filings (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_id            BIGINT       NOT NULL,
  year              INT          NOT NULL,
  canteen_status    VARCHAR(16)  NOT NULL,
  food_budget_cents BIGINT       NOT NULL,
  reserved_ratio_bp BIGINT       NOT NULL,
  status            VARCHAR(16)  NOT NULL,
  review_comment    VARCHAR(500) NOT NULL DEFAULT '',
  reviewed_by       BIGINT       NULL,
  submitted_at      DATETIME(3)  NULL,
  reviewed_at       DATETIME(3)  NULL,
  updated_at        DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_filings_org_year (org_id, year),
  KEY idx_filings_year (year, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE targets (
  pairing_id   BIGINT NOT NULL,
  year         INT    NOT NULL,
  target_cents BIGINT NOT NULL,
  PRIMARY KEY (pairing_id, year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE audits (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  actor_id    BIGINT       NULL,
  action      VARCHAR(64)  NOT NULL,
  entity      VARCHAR(32)  NOT NULL,
  entity_id   VARCHAR(64)  NOT NULL,
  before_json TEXT         NOT NULL,
  after_json  TEXT         NOT NULL,
  reason      VARCHAR(500) NOT NULL DEFAULT '',
  request_id  VARCHAR(64)  NOT NULL DEFAULT '',
  created_at  DATETIME(3)  NOT NULL,
  KEY idx_audits_entity (entity, entity_id),
  KEY idx_audits_actor (actor_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
