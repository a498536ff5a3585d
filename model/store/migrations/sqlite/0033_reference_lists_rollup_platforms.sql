-- The buyer sectors (五进) and sales-point types (五专) as reference data an
-- admin extends, started with the codes the API has always taken. An org's
-- sector and a sales point's type must be one of them.
CREATE TABLE sectors (
  code       TEXT     NOT NULL PRIMARY KEY,
  name       TEXT     NOT NULL,
  created_at DATETIME NOT NULL
);
INSERT INTO sectors (code, name, created_at) VALUES
('government', '机关', '2026-01-01 00:00:00'),
('school', '学校', '2026-01-01 00:00:00'),
('hospital', '医院', '2026-01-01 00:00:00'),
('enterprise', '企业', '2026-01-01 00:00:00'),
('community', '社区', '2026-01-01 00:00:00'),
('other', '其他', '2026-01-01 00:00:00');

CREATE TABLE sales_point_types (
  code       TEXT     NOT NULL PRIMARY KEY,
  name       TEXT     NOT NULL,
  created_at DATETIME NOT NULL
);
INSERT INTO sales_point_types (code, name, created_at) VALUES
('counter', '专柜', '2026-01-01 00:00:00'),
('zone', '专区', '2026-01-01 00:00:00'),
('hall', '专馆', '2026-01-01 00:00:00'),
('store', '专店', '2026-01-01 00:00:00'),
('remote_counter', '飞柜', '2026-01-01 00:00:00');

-- The per-pairing table's split into sales in the mall and off it, by buyer
-- district and origin county: a narrow rollup, so the table reads a few rows
-- per pairing rather than the wide rollup_sales.
CREATE TABLE rollup_platforms (
  period        INTEGER     NOT NULL,
  pairing_id    INTEGER     NOT NULL,
  mall          NUMERIC     NOT NULL,
  buyer_region  TEXT        NOT NULL,
  origin_code   TEXT        NOT NULL,
  cents         INTEGER     NOT NULL,
  orders        INTEGER     NOT NULL,
  PRIMARY KEY (period, pairing_id, mall, buyer_region, origin_code)
);

-- The rows of entries already rolled up (those still pending are added by
-- the worker that takes them): each in its month and in its year.
INSERT INTO rollup_platforms (period, pairing_id, mall, buyer_region, origin_code, cents, orders)
SELECT period, COALESCE(pairing_id, 0), CASE WHEN platform = 'mall' THEN 1 ELSE 0 END, buyer_region, origin_code,
  SUM(amount_cents), SUM(orders)
FROM credits WHERE id NOT IN (SELECT credit_id FROM credit_pending)
GROUP BY period, COALESCE(pairing_id, 0), CASE WHEN platform = 'mall' THEN 1 ELSE 0 END, buyer_region, origin_code;
INSERT INTO rollup_platforms (period, pairing_id, mall, buyer_region, origin_code, cents, orders)
SELECT period / 100 * 100, COALESCE(pairing_id, 0), CASE WHEN platform = 'mall' THEN 1 ELSE 0 END, buyer_region, origin_code,
  SUM(amount_cents), SUM(orders)
FROM credits WHERE id NOT IN (SELECT credit_id FROM credit_pending)
GROUP BY period / 100 * 100, COALESCE(pairing_id, 0), CASE WHEN platform = 'mall' THEN 1 ELSE 0 END, buyer_region, origin_code;
