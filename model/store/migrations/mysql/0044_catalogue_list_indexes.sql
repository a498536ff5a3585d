-- The catalogue's standard lists (every sort, with or without a category)
-- read one range of one of these indexes in the order the page shows, so a
-- page stops after its rows and never sorts (no filesort, no temporary
-- table; scripts/catalogbench prints the plans). The implicit primary key
-- at the end of an InnoDB secondary index is spelled out: it is each sort's
-- tie-break. price_desc breaks ties by id ascending, hence a descending
-- price column (MariaDB 10.8+, MySQL 8). A list's exact count reads
-- idx_products_list_count alone: it holds every column the count's filters
-- and joins read, so no product row (with its long description) is read.
ALTER TABLE products
  ADD KEY idx_products_list_newest (on_sale, id),
  ADD KEY idx_products_list_price (on_sale, price_min_cents, id),
  ADD KEY idx_products_list_price_desc (on_sale, price_min_cents DESC, id),
  ADD KEY idx_products_list_name (on_sale, name, id),
  ADD KEY idx_products_cat_price (category_code, on_sale, price_min_cents, id),
  ADD KEY idx_products_cat_price_desc (category_code, on_sale, price_min_cents DESC, id),
  ADD KEY idx_products_cat_name (category_code, on_sale, name, id),
  ADD KEY idx_products_list_count (on_sale, category_code, origin_code, supplier_id, cert_status, cert_valid_from, cert_valid_to),
  DROP KEY idx_products_price;
