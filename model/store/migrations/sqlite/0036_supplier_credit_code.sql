-- A supplier's unified social credit code, checked with GB 32100 when given.
ALTER TABLE suppliers ADD COLUMN credit_code TEXT NOT NULL DEFAULT '';
