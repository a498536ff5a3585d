-- A SKU's version moves with everything an order takes from the catalogue
-- (its price and tiers, its product's name, category, origin, perishability
-- and on-sale flag, its supplier's status). Ordering prices from a copy of
-- those it keeps in memory, and its stock update holds only while the
-- version is the one the copy was read at.
ALTER TABLE skus ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
