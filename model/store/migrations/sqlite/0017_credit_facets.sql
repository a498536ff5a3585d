-- What the review breaks the figures down by, beyond pairing and area:
-- the buyer org's sector (五进: where the goods go), the platform a sale was
-- made on (the mall, or off-platform ones later), the sales-point type
-- (五专) and the producer. Every new credit entry carries them; rollup_sales
-- holds their totals for the partner-side and channel statistics.
ALTER TABLE orgs ADD COLUMN sector TEXT NOT NULL DEFAULT 'other';
UPDATE orgs SET sector = 'government' WHERE kind = 'government';
UPDATE orgs SET sector = 'enterprise' WHERE kind = 'enterprise';

ALTER TABLE credits ADD COLUMN supplier_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credits ADD COLUMN sector TEXT NOT NULL DEFAULT '';
ALTER TABLE credits ADD COLUMN platform TEXT NOT NULL DEFAULT 'mall';
ALTER TABLE credits ADD COLUMN point_type TEXT NOT NULL DEFAULT '';

-- Entries written before: every one came from a mall order, whose supplier
-- is known; the sector is the buyer org's as it is now.
UPDATE credits SET supplier_id = COALESCE((SELECT o.supplier_id FROM orders o WHERE o.id = credits.order_id), 0);
UPDATE credits SET sector = COALESCE((SELECT g.sector FROM orgs g WHERE g.id = credits.buyer_org_id), '');

CREATE TABLE rollup_sales (
  period        INTEGER     NOT NULL,
  pairing_id    INTEGER     NOT NULL,
  reason        TEXT        NOT NULL,
  kind          TEXT        NOT NULL,
  channel       TEXT        NOT NULL,
  platform      TEXT        NOT NULL,
  sector        TEXT        NOT NULL,
  point_type    TEXT        NOT NULL,
  buyer_region  TEXT        NOT NULL,
  origin_code   TEXT        NOT NULL,
  category_code TEXT        NOT NULL,
  supplier_id   INTEGER     NOT NULL,
  cents         INTEGER     NOT NULL,
  orders        INTEGER     NOT NULL,
  PRIMARY KEY (period, pairing_id, reason, kind, channel, platform, sector, point_type, buyer_region, origin_code, category_code, supplier_id)
);
CREATE INDEX idx_rollup_sales_origin ON rollup_sales (period, origin_code);

-- The rows of entries already rolled up (those still pending are added by
-- the worker that takes them): each in its month and in its year.
INSERT INTO rollup_sales (period, pairing_id, reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id, cents, orders)
SELECT period, COALESCE(pairing_id, 0), reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id, SUM(amount_cents), SUM(orders)
FROM credits WHERE id NOT IN (SELECT credit_id FROM credit_pending)
GROUP BY period, COALESCE(pairing_id, 0), reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id;
INSERT INTO rollup_sales (period, pairing_id, reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id, cents, orders)
SELECT period / 100 * 100, COALESCE(pairing_id, 0), reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id, SUM(amount_cents), SUM(orders)
FROM credits WHERE id NOT IN (SELECT credit_id FROM credit_pending)
GROUP BY period / 100 * 100, COALESCE(pairing_id, 0), reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id;
