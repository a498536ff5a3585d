-- Accounts, reserved-share filings, annual targets and the audit trail.
CREATE TABLE users (
  id              INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  username        TEXT     NOT NULL,
  username_key    TEXT     NOT NULL,
  password_hash   TEXT     NOT NULL,
  role            TEXT     NOT NULL,
  org_id          INTEGER  NULL,
  supplier_id     INTEGER  NULL,
  region_code     TEXT     NULL,
  employer_id     INTEGER  NULL,
  employer_status TEXT     NOT NULL DEFAULT '',
  disabled        NUMERIC  NOT NULL DEFAULT 0,
  token_version   INTEGER  NOT NULL DEFAULT 1,
  created_at      DATETIME NOT NULL,
  updated_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_users_username_key ON users (username_key);
CREATE INDEX idx_users_org ON users (org_id);
CREATE INDEX idx_users_supplier ON users (supplier_id);
CREATE INDEX idx_users_employer ON users (employer_id, employer_status);

CREATE TABLE filings (
  id                INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  org_id            INTEGER  NOT NULL,
  year              INTEGER  NOT NULL,
  canteen_status    TEXT     NOT NULL,
  food_budget_cents INTEGER  NOT NULL,
  reserved_ratio_bp INTEGER  NOT NULL,
  status            TEXT     NOT NULL,
  review_comment    TEXT     NOT NULL DEFAULT '',
  reviewed_by       INTEGER  NULL,
  submitted_at      DATETIME NULL,
  reviewed_at       DATETIME NULL,
  updated_at        DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_filings_org_year ON filings (org_id, year);
CREATE INDEX idx_filings_year ON filings (year, status);

CREATE TABLE targets (
  pairing_id   INTEGER NOT NULL,
  year         INTEGER NOT NULL,
  target_cents INTEGER NOT NULL,
  PRIMARY KEY (pairing_id, year)
);

CREATE TABLE audits (
  id          INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  actor_id    INTEGER  NULL,
  action      TEXT     NOT NULL,
  entity      TEXT     NOT NULL,
  entity_id   TEXT     NOT NULL,
  before_json TEXT     NOT NULL,
  after_json  TEXT     NOT NULL,
  reason      TEXT     NOT NULL DEFAULT '',
  request_id  TEXT     NOT NULL DEFAULT '',
  created_at  DATETIME NOT NULL
);
CREATE INDEX idx_audits_entity ON audits (entity, entity_id);
CREATE INDEX idx_audits_actor ON audits (actor_id);
