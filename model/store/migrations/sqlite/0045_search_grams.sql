-- The catalogue search's index: see the mysql migration of the same number.
-- Grams are lower-cased and compared as bytes.
CREATE TABLE IF NOT EXISTS search_grams (
  gram       TEXT    NOT NULL,
  product_id INTEGER NOT NULL,
  PRIMARY KEY (gram, product_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_search_grams_product ON search_grams (product_id);
