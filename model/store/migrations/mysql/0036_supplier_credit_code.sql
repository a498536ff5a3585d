-- A supplier's unified social credit code (统一社会信用代码), checked with
-- GB 32100 when given; empty for one not yet recorded.
ALTER TABLE suppliers ADD COLUMN credit_code VARCHAR(18) NOT NULL DEFAULT '';
