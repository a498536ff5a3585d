-- The credit ledger (认定台账) and the rollups statistics read.
--
-- credits is append-only: an acceptance writes one entry per received line,
-- an approved return a negative entry, a correction adjustment entries.
-- credit_pending holds the ids of entries not yet in the rollups: an entry
-- and its pending row are written in one transaction, and a rollup worker
-- deletes the pending row in the same transaction as it adds the entry to the
-- rollups, so "this entry is in the rollups" is a recorded fact, whatever
-- order ids commit in.
CREATE TABLE credits (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source        VARCHAR(16)  NOT NULL,
  order_id      BIGINT       NOT NULL,
  line_id       BIGINT       NOT NULL,
  return_id     BIGINT       NULL,
  correction_id BIGINT       NULL,
  reverses_id   BIGINT       NULL,
  quantity      BIGINT       NOT NULL,
  amount_cents  BIGINT       NOT NULL,
  pairing_id    BIGINT       NULL,
  reason        VARCHAR(32)  NOT NULL DEFAULT '',
  certified     TINYINT(1)   NOT NULL DEFAULT 0,
  buyer_org_id  BIGINT       NULL,
  org_chain     VARCHAR(255) NOT NULL DEFAULT '',
  buyer_region  VARCHAR(6)   NOT NULL DEFAULT '',
  kind          VARCHAR(16)  NOT NULL,
  channel       VARCHAR(16)  NOT NULL,
  category_code VARCHAR(32)  NOT NULL,
  origin_code   VARCHAR(6)   NOT NULL,
  period        INT          NOT NULL,
  credit_date   CHAR(10)     NOT NULL,
  orders        INT          NOT NULL DEFAULT 0,
  created_at    DATETIME(3)  NOT NULL,
  KEY idx_credits_order (order_id),
  KEY idx_credits_period (period)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE credit_pending (
  credit_id BIGINT NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE corrections (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  action      VARCHAR(16)  NOT NULL,
  order_id    BIGINT       NOT NULL,
  credit_id   BIGINT       NULL,
  from_org_id BIGINT       NULL,
  to_org_id   BIGINT       NULL,
  reason      VARCHAR(300) NOT NULL,
  actor_id    BIGINT       NULL,
  created_at  DATETIME(3)  NOT NULL,
  KEY idx_corrections_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Rollups. period is YYYYMM for a month and YYYY00 for the whole year.
-- pairing_id 0 means not credited (reason says why).
CREATE TABLE rollup_pairings (
  period     INT         NOT NULL,
  pairing_id BIGINT      NOT NULL,
  reason     VARCHAR(32) NOT NULL,
  kind       VARCHAR(16) NOT NULL,
  channel    VARCHAR(16) NOT NULL,
  cents      BIGINT      NOT NULL,
  orders     BIGINT      NOT NULL,
  PRIMARY KEY (period, pairing_id, reason, kind, channel)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The same by buyer district and origin county, for officers' scopes and
-- the district ranking.
CREATE TABLE rollup_areas (
  period       INT         NOT NULL,
  pairing_id   BIGINT      NOT NULL,
  reason       VARCHAR(32) NOT NULL,
  kind         VARCHAR(16) NOT NULL,
  buyer_region VARCHAR(6)  NOT NULL,
  origin_code  VARCHAR(6)  NOT NULL,
  cents        BIGINT      NOT NULL,
  orders       BIGINT      NOT NULL,
  PRIMARY KEY (period, pairing_id, reason, kind, buyer_region, origin_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Per buying org: its own purchases, and its subtree's (the org and every
-- org it supervises, by the chain recorded on each entry).
CREATE TABLE rollup_orgs (
  period                  INT    NOT NULL,
  org_id                  BIGINT NOT NULL,
  cents                   BIGINT NOT NULL,
  certified_cents         BIGINT NOT NULL,
  credited_cents          BIGINT NOT NULL,
  subtree_cents           BIGINT NOT NULL,
  subtree_certified_cents BIGINT NOT NULL,
  subtree_credited_cents  BIGINT NOT NULL,
  PRIMARY KEY (period, org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
