-- The breakdowns of the partner side and of the channel review (origin
-- county, category, producer; channel, platform, sales-point type, sector)
-- by value and pairing (0: not credited): a narrow rollup, so an unscoped
-- breakdown reads a few rows per value rather than every combination
-- rollup_sales keys. A producer's code is its supplier id in decimal.
CREATE TABLE rollup_facets (
  period      INTEGER     NOT NULL,
  facet       TEXT        NOT NULL,
  code        TEXT        NOT NULL,
  pairing_id  INTEGER     NOT NULL,
  cents       INTEGER     NOT NULL,
  orders      INTEGER     NOT NULL,
  PRIMARY KEY (period, facet, code, pairing_id)
);

-- The rows of entries already rolled up, month and year rows alike, from
-- rollup_sales (those still pending are added by the worker that takes them).
INSERT INTO rollup_facets (period, facet, code, pairing_id, cents, orders)
SELECT period, 'origin', origin_code, pairing_id, SUM(cents), SUM(orders) FROM rollup_sales GROUP BY period, origin_code, pairing_id;
INSERT INTO rollup_facets (period, facet, code, pairing_id, cents, orders)
SELECT period, 'category', category_code, pairing_id, SUM(cents), SUM(orders) FROM rollup_sales GROUP BY period, category_code, pairing_id;
INSERT INTO rollup_facets (period, facet, code, pairing_id, cents, orders)
SELECT period, 'supplier', CAST(supplier_id AS TEXT), pairing_id, SUM(cents), SUM(orders) FROM rollup_sales GROUP BY period, CAST(supplier_id AS TEXT), pairing_id;
INSERT INTO rollup_facets (period, facet, code, pairing_id, cents, orders)
SELECT period, 'channel', channel, pairing_id, SUM(cents), SUM(orders) FROM rollup_sales GROUP BY period, channel, pairing_id;
INSERT INTO rollup_facets (period, facet, code, pairing_id, cents, orders)
SELECT period, 'platform', platform, pairing_id, SUM(cents), SUM(orders) FROM rollup_sales GROUP BY period, platform, pairing_id;
INSERT INTO rollup_facets (period, facet, code, pairing_id, cents, orders)
SELECT period, 'point_type', point_type, pairing_id, SUM(cents), SUM(orders) FROM rollup_sales GROUP BY period, point_type, pairing_id;
INSERT INTO rollup_facets (period, facet, code, pairing_id, cents, orders)
SELECT period, 'sector', sector, pairing_id, SUM(cents), SUM(orders) FROM rollup_sales GROUP BY period, sector, pairing_id;
