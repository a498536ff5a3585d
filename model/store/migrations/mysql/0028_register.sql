-- The certified-product register (认定目录): certificates whether or not
-- their product is sold in the mall, unique per issuer. A mall product's
-- certificate is its linked entry (products.register_entry_id); the
-- certifications table stays the product's history, written beside the
-- entry, so the mall's crediting reads the same rows as before.
CREATE TABLE register_entries (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  certificate_no VARCHAR(64)  NOT NULL,
  issuer         VARCHAR(128) NOT NULL,
  product_name   VARCHAR(128) NOT NULL,
  spec           VARCHAR(64)  NOT NULL DEFAULT '',
  category_code  VARCHAR(32)  NOT NULL DEFAULT '',
  producer_name  VARCHAR(128) NOT NULL,
  credit_code    VARCHAR(18)  NOT NULL DEFAULT '',
  unregistered   TINYINT(1)   NOT NULL DEFAULT 0,
  region_code    CHAR(6)      NOT NULL,
  supplier_id    BIGINT       NULL,
  batch          VARCHAR(64)  NOT NULL DEFAULT '',
  valid_from     CHAR(10)     NOT NULL,
  valid_to       CHAR(10)     NOT NULL,
  status         VARCHAR(16)  NOT NULL,
  revoked_on     CHAR(10)     NOT NULL DEFAULT '',
  revoke_reason  VARCHAR(300) NOT NULL DEFAULT '',
  created_at     DATETIME(3)  NOT NULL,
  updated_at     DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_register_certificate (issuer, certificate_no),
  KEY ix_register_number (certificate_no),
  KEY ix_register_region (region_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE products ADD COLUMN register_entry_id BIGINT NULL;

-- Every product's current certificate becomes an entry (one per issuer and
-- number; the newest certification row of that number wins), its producer the
-- product's supplier, and the product links to it. Nothing in the ledger or
-- the rollups changes: credited figures are what they were.
INSERT INTO register_entries (certificate_no, issuer, product_name, spec, category_code, producer_name, credit_code,
  unregistered, region_code, supplier_id, batch, valid_from, valid_to, status, revoked_on, revoke_reason, created_at, updated_at)
SELECT c.certificate_no, c.issuer, p.name, '', p.category_code, s.name, '', 1, s.region_code, s.id, c.batch,
  c.valid_from, c.valid_to, c.status,
  CASE WHEN c.revoked_at IS NULL THEN '' ELSE DATE_FORMAT(CONVERT_TZ(c.revoked_at, '+00:00', '+08:00'), '%Y-%m-%d') END,
  '', c.created_at, c.created_at
FROM certifications c
JOIN products p ON p.id = c.product_id
JOIN suppliers s ON s.id = p.supplier_id
WHERE c.id IN (SELECT m FROM (SELECT MAX(cur.id) AS m FROM certifications cur
  WHERE cur.id IN (SELECT MAX(c4.id) FROM certifications c4 GROUP BY c4.product_id)
  GROUP BY cur.issuer, cur.certificate_no) t);
UPDATE products p JOIN certifications c ON c.id = (SELECT MAX(c2.id) FROM certifications c2 WHERE c2.product_id = p.id)
  JOIN register_entries r ON r.issuer = c.issuer AND r.certificate_no = c.certificate_no
  SET p.register_entry_id = r.id;
