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
  id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  source        TEXT  NOT NULL,
  order_id      INTEGER       NOT NULL,
  line_id       INTEGER       NOT NULL,
  return_id     INTEGER       NULL,
  correction_id INTEGER       NULL,
  reverses_id   INTEGER       NULL,
  quantity      INTEGER       NOT NULL,
  amount_cents  INTEGER       NOT NULL,
  pairing_id    INTEGER       NULL,
  reason        TEXT  NOT NULL DEFAULT '',
  certified     NUMERIC   NOT NULL DEFAULT 0,
  buyer_org_id  INTEGER       NULL,
  org_chain     TEXT NOT NULL DEFAULT '',
  buyer_region  TEXT   NOT NULL DEFAULT '',
  kind          TEXT  NOT NULL,
  channel       TEXT  NOT NULL,
  category_code TEXT  NOT NULL,
  origin_code   TEXT   NOT NULL,
  period        INTEGER          NOT NULL,
  credit_date   TEXT     NOT NULL,
  orders        INTEGER          NOT NULL DEFAULT 0,
  created_at    DATETIME  NOT NULL
);

CREATE TABLE credit_pending (
  credit_id INTEGER NOT NULL PRIMARY KEY
);

CREATE TABLE corrections (
  id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  action      TEXT  NOT NULL,
  order_id    INTEGER       NOT NULL,
  credit_id   INTEGER       NULL,
  from_org_id INTEGER       NULL,
  to_org_id   INTEGER       NULL,
  reason      TEXT NOT NULL,
  actor_id    INTEGER       NULL,
  created_at  DATETIME  NOT NULL
);

-- Rollups. period is YYYYMM for a month and YYYY00 for the whole year.
-- pairing_id 0 means not credited (reason says why).
CREATE TABLE rollup_pairings (
  period     INTEGER         NOT NULL,
  pairing_id INTEGER      NOT NULL,
  reason     TEXT NOT NULL,
  kind       TEXT NOT NULL,
  channel    TEXT NOT NULL,
  cents      INTEGER      NOT NULL,
  orders     INTEGER      NOT NULL,
  PRIMARY KEY (period, pairing_id, reason, kind, channel)
);

-- The same by buyer district and origin county, for officers' scopes and
-- the district ranking.
CREATE TABLE rollup_areas (
  period       INTEGER         NOT NULL,
  pairing_id   INTEGER      NOT NULL,
  reason       TEXT NOT NULL,
  kind         TEXT NOT NULL,
  buyer_region TEXT  NOT NULL,
  origin_code  TEXT  NOT NULL,
  cents        INTEGER      NOT NULL,
  orders       INTEGER      NOT NULL,
  PRIMARY KEY (period, pairing_id, reason, kind, buyer_region, origin_code)
);

-- Per buying org: its own purchases, and its subtree's (the org and every
-- org it supervises, by the chain recorded on each entry).
CREATE TABLE rollup_orgs (
  period                  INTEGER    NOT NULL,
  org_id                  INTEGER NOT NULL,
  cents                   INTEGER NOT NULL,
  certified_cents         INTEGER NOT NULL,
  credited_cents          INTEGER NOT NULL,
  subtree_cents           INTEGER NOT NULL,
  subtree_certified_cents INTEGER NOT NULL,
  subtree_credited_cents  INTEGER NOT NULL,
  PRIMARY KEY (period, org_id)
);

CREATE INDEX idx_credits_order ON credits (order_id);
CREATE INDEX idx_credits_period ON credits (period);
CREATE INDEX idx_corrections_order ON corrections (order_id);
