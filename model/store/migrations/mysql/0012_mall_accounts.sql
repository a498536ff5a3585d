-- Mall accounts: sign-up by mobile number, SMS codes and their limits,
-- refresh-token families, delivery addresses.
--
-- users.phone: a consumer's mainland mobile number, unique (two sign-ups of
-- one number race on this index: one wins). users.region_self_chosen: the
-- consumer picked region_code at sign-up and nobody has confirmed it yet, so
-- it is no evidence for crediting. Existing and admin-made accounts stay 0.
ALTER TABLE users
  ADD COLUMN phone              VARCHAR(11) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN region_self_chosen TINYINT(1) NOT NULL DEFAULT 0,
  ADD UNIQUE KEY uq_users_phone (phone);

-- One row per code sent; only its HMAC is kept. attempts counts the
-- comparisons made (claimed before comparing: at most 5, ever).
CREATE TABLE sms_codes (
  id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone      VARCHAR(11) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  purpose    VARCHAR(16) NOT NULL,
  code_hash  CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  attempts   INT         NOT NULL DEFAULT 0,
  expires_at DATETIME(3) NOT NULL,
  used_at    DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  KEY idx_sms_codes_phone (phone, purpose, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Send limits, one row per key (a number's day, a client address's hour):
-- every replica updates the same row with the limit in its WHERE, so the
-- limit holds across replicas and Galera nodes.
CREATE TABLE sms_quotas (
  quota_key    VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  window_start DATETIME(3) NOT NULL,
  sent         INT         NOT NULL,
  last_at      DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- A refresh-token family: one login. generation moves by one at each
-- rotation (compare-and-set on this row), so two uses of one token cannot
-- both rotate, and revoked_at ends every token of the family at once.
CREATE TABLE session_families (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT      NOT NULL,
  generation   BIGINT      NOT NULL,
  expires_at   DATETIME(3) NOT NULL,
  revoked_at   DATETIME(3) NULL,
  revoke_reason VARCHAR(32) NOT NULL DEFAULT '',
  created_at   DATETIME(3) NOT NULL,
  updated_at   DATETIME(3) NOT NULL,
  KEY idx_session_families_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Every refresh token issued, by its SHA-256: which family and generation
-- it was. A token of an older generation presented again is a replay.
CREATE TABLE refresh_tokens (
  token_hash CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  family_id  BIGINT      NOT NULL,
  generation BIGINT      NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY idx_refresh_tokens_family (family_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Delivery addresses. default_mark is 1 on the user's default address and
-- NULL on the others: the unique key allows one default per user, whatever
-- races.
CREATE TABLE addresses (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT       NOT NULL,
  receiver_name VARCHAR(64)  NOT NULL,
  phone         VARCHAR(11)  NOT NULL,
  region_code   CHAR(6)      NOT NULL,
  detail        VARCHAR(200) NOT NULL,
  default_mark  INT          NULL,
  created_at    DATETIME(3)  NOT NULL,
  updated_at    DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_addresses_default (user_id, default_mark),
  KEY idx_addresses_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
