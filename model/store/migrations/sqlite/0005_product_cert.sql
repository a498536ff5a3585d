-- The current certificate's status and validity, kept on the product in the
-- same transaction as the certificate, so catalogue lists filter on
-- "certified today" with no per-row subquery.
ALTER TABLE products ADD COLUMN cert_status TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN cert_valid_from TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN cert_valid_to TEXT NOT NULL DEFAULT '';
UPDATE products SET
  cert_status = COALESCE((SELECT c.status FROM certifications c WHERE c.product_id = products.id ORDER BY c.id DESC LIMIT 1), ''),
  cert_valid_from = COALESCE((SELECT c.valid_from FROM certifications c WHERE c.product_id = products.id ORDER BY c.id DESC LIMIT 1), ''),
  cert_valid_to = COALESCE((SELECT c.valid_to FROM certifications c WHERE c.product_id = products.id ORDER BY c.id DESC LIMIT 1), '');
CREATE INDEX idx_products_cert ON products (cert_status, cert_valid_to);
