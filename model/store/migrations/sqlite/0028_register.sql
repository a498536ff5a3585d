-- The certified-product register (认定目录): certificates whether or not
-- their product is sold in the mall, unique per issuer. A mall product's
-- certificate is its linked entry (products.register_entry_id); the
-- certifications table stays the product's history, written beside the
-- entry, so the mall's crediting reads the same rows as before.
CREATE TABLE register_entries (
  id             INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  certificate_no TEXT  NOT NULL,
  issuer         TEXT NOT NULL,
  product_name   TEXT NOT NULL,
  spec           TEXT  NOT NULL DEFAULT '',
  category_code  TEXT  NOT NULL DEFAULT '',
  producer_name  TEXT NOT NULL,
  credit_code    TEXT  NOT NULL DEFAULT '',
  unregistered   NUMERIC   NOT NULL DEFAULT 0,
  region_code    TEXT      NOT NULL,
  supplier_id    INTEGER       NULL,
  batch          TEXT  NOT NULL DEFAULT '',
  valid_from     TEXT     NOT NULL,
  valid_to       TEXT     NOT NULL,
  status         TEXT  NOT NULL,
  revoked_on     TEXT     NOT NULL DEFAULT '',
  revoke_reason  TEXT NOT NULL DEFAULT '',
  created_at     DATETIME  NOT NULL,
  updated_at     DATETIME  NOT NULL,
  UNIQUE (issuer, certificate_no)
);
CREATE INDEX ix_register_number ON register_entries (certificate_no);
CREATE INDEX ix_register_region ON register_entries (region_code);

ALTER TABLE products ADD COLUMN register_entry_id INTEGER NULL;

-- Every product's current certificate becomes an entry (one per issuer and
-- number; the newest certification row of that number wins), its producer the
-- product's supplier, and the product links to it. Nothing in the ledger or
-- the rollups changes: credited figures are what they were.
INSERT INTO register_entries (certificate_no, issuer, product_name, spec, category_code, producer_name, credit_code,
  unregistered, region_code, supplier_id, batch, valid_from, valid_to, status, revoked_on, revoke_reason, created_at, updated_at)
SELECT c.certificate_no, c.issuer, p.name, '', p.category_code, s.name, '', 1, s.region_code, s.id, c.batch,
  c.valid_from, c.valid_to, c.status,
  CASE WHEN c.revoked_at IS NULL THEN '' ELSE date(c.revoked_at, '+8 hours') END,
  '', c.created_at, c.created_at
FROM certifications c
JOIN products p ON p.id = c.product_id
JOIN suppliers s ON s.id = p.supplier_id
WHERE c.id IN (SELECT m FROM (SELECT MAX(cur.id) AS m FROM certifications cur
  WHERE cur.id IN (SELECT MAX(c4.id) FROM certifications c4 GROUP BY c4.product_id)
  GROUP BY cur.issuer, cur.certificate_no) t);
UPDATE products SET register_entry_id = (SELECT r.id FROM certifications c
  JOIN register_entries r ON r.issuer = c.issuer AND r.certificate_no = c.certificate_no
  WHERE c.id = (SELECT MAX(c2.id) FROM certifications c2 WHERE c2.product_id = products.id));
