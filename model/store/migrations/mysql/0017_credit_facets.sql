-- What the review breaks the figures down by, beyond pairing and area:
-- the buyer org's sector (五进: where the goods go), the platform a sale was
-- made on (the mall, or off-platform ones later), the sales-point type
-- (五专) and the producer. Every new credit entry carries them; rollup_sales
-- holds their totals for the partner-side and channel statistics.
ALTER TABLE orgs ADD COLUMN sector VARCHAR(16) NOT NULL DEFAULT 'other';
UPDATE orgs SET sector = 'government' WHERE kind = 'government';
UPDATE orgs SET sector = 'enterprise' WHERE kind = 'enterprise';

ALTER TABLE credits
  ADD COLUMN supplier_id BIGINT      NOT NULL DEFAULT 0,
  ADD COLUMN sector      VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN platform    VARCHAR(16) NOT NULL DEFAULT 'mall',
  ADD COLUMN point_type  VARCHAR(16) NOT NULL DEFAULT '';

-- Entries written before: every one came from a mall order, whose supplier
-- is known; the sector is the buyer org's as it is now.
UPDATE credits SET supplier_id = COALESCE((SELECT o.supplier_id FROM orders o WHERE o.id = credits.order_id), 0);
UPDATE credits SET sector = COALESCE((SELECT g.sector FROM orgs g WHERE g.id = credits.buyer_org_id), '');

CREATE TABLE rollup_sales (
  period        INT         NOT NULL,
  pairing_id    BIGINT      NOT NULL,
  reason        VARCHAR(32) NOT NULL,
  kind          VARCHAR(16) NOT NULL,
  channel       VARCHAR(16) NOT NULL,
  platform      VARCHAR(16) NOT NULL,
  sector        VARCHAR(16) NOT NULL,
  point_type    VARCHAR(16) NOT NULL,
  buyer_region  VARCHAR(6)  NOT NULL,
  origin_code   VARCHAR(6)  NOT NULL,
  category_code VARCHAR(32) NOT NULL,
  supplier_id   BIGINT      NOT NULL,
  cents         BIGINT      NOT NULL,
  orders        BIGINT      NOT NULL,
  PRIMARY KEY (period, pairing_id, reason, kind, channel, platform, sector, point_type, buyer_region, origin_code, category_code, supplier_id),
  KEY idx_rollup_sales_origin (period, origin_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

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
SELECT period DIV 100 * 100, COALESCE(pairing_id, 0), reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id, SUM(amount_cents), SUM(orders)
FROM credits WHERE id NOT IN (SELECT credit_id FROM credit_pending)
GROUP BY period DIV 100 * 100, COALESCE(pairing_id, 0), reason, kind, channel, platform, sector, point_type, buyer_region,
  origin_code, category_code, supplier_id;
