-- The catalogue's standard lists (every sort, with or without a category)
-- read one range of one of these indexes in the order the page shows, so a
-- page stops after its rows and never sorts. price_desc breaks ties by id
-- ascending, hence a descending price column. A list's exact count reads
-- idx_products_list_count alone (every column its filters and joins read).
CREATE INDEX idx_products_list_newest ON products (on_sale, id);
CREATE INDEX idx_products_list_price ON products (on_sale, price_min_cents, id);
CREATE INDEX idx_products_list_price_desc ON products (on_sale, price_min_cents DESC, id);
CREATE INDEX idx_products_list_name ON products (on_sale, name, id);
CREATE INDEX idx_products_cat_price ON products (category_code, on_sale, price_min_cents, id);
CREATE INDEX idx_products_cat_price_desc ON products (category_code, on_sale, price_min_cents DESC, id);
CREATE INDEX idx_products_cat_name ON products (category_code, on_sale, name, id);
CREATE INDEX idx_products_list_count ON products (on_sale, category_code, origin_code, supplier_id, cert_status, cert_valid_from, cert_valid_to);
DROP INDEX idx_products_price;
