-- The catalogue search's index: a product's row per gram (model.SearchGrams)
-- of its searched text (name, brand, origin and its parent region's names,
-- description). A search reads the candidates of each term from here, then
-- judges them with the exact LIKE (see searchWhere). Written with the
-- product in its transaction (store.indexSearch); filled for existing
-- products by the Go back-fill this migration's version runs (migrate.go).
-- The table's collation is the products' own, so a gram matches what LIKE
-- matches, case and accents alike.
CREATE TABLE IF NOT EXISTS search_grams (
  gram       VARCHAR(2) NOT NULL,
  product_id BIGINT     NOT NULL,
  PRIMARY KEY (gram, product_id),
  KEY idx_search_grams_product (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
