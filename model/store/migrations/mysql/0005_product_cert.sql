-- The current certificate's status and validity, kept on the product in the
-- same transaction as the certificate, so catalogue lists filter on
-- "certified today" with no per-row subquery.
ALTER TABLE products ADD COLUMN cert_status VARCHAR(16) NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN cert_valid_from CHAR(10) NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN cert_valid_to CHAR(10) NOT NULL DEFAULT '';
UPDATE products p JOIN certifications c ON c.id = (SELECT MAX(c2.id) FROM certifications c2 WHERE c2.product_id = p.id)
  SET p.cert_status = c.status, p.cert_valid_from = c.valid_from, p.cert_valid_to = c.valid_to;
CREATE INDEX idx_products_cert ON products (cert_status, cert_valid_to);
