-- Mall accounts: sign-up by mobile number, SMS codes and their limits,
-- refresh-token families, delivery addresses. (See the MySQL file for why
-- each table is shaped as it is.)
ALTER TABLE users ADD COLUMN phone TEXT NULL;
ALTER TABLE users ADD COLUMN region_self_chosen NUMERIC NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX uq_users_phone ON users (phone);

CREATE TABLE sms_codes (
  id         INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  phone      TEXT     NOT NULL,
  purpose    TEXT     NOT NULL,
  code_hash  TEXT     NOT NULL,
  attempts   INTEGER  NOT NULL DEFAULT 0,
  expires_at DATETIME NOT NULL,
  used_at    DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX idx_sms_codes_phone ON sms_codes (phone, purpose, id);

CREATE TABLE sms_quotas (
  quota_key    TEXT     NOT NULL PRIMARY KEY,
  window_start DATETIME NOT NULL,
  sent         INTEGER  NOT NULL,
  last_at      DATETIME NOT NULL
);

CREATE TABLE session_families (
  id            INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER  NOT NULL,
  generation    INTEGER  NOT NULL,
  expires_at    DATETIME NOT NULL,
  revoked_at    DATETIME NULL,
  revoke_reason TEXT     NOT NULL DEFAULT '',
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);
CREATE INDEX idx_session_families_user ON session_families (user_id);

CREATE TABLE refresh_tokens (
  token_hash TEXT     NOT NULL PRIMARY KEY,
  family_id  INTEGER  NOT NULL,
  generation INTEGER  NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE addresses (
  id            INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER  NOT NULL,
  receiver_name TEXT     NOT NULL,
  phone         TEXT     NOT NULL,
  region_code   TEXT     NOT NULL,
  detail        TEXT     NOT NULL,
  default_mark  INTEGER  NULL,
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_addresses_default ON addresses (user_id, default_mark);
CREATE INDEX idx_addresses_user ON addresses (user_id);
