-- A SKU's purchase limit: the most units of it one order may hold (0 = no
-- limit), set by its supplier and checked when an order is placed.
ALTER TABLE skus ADD COLUMN purchase_limit BIGINT NOT NULL DEFAULT 0;
