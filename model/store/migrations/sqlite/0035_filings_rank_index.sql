-- The year's filings by status carry what ranking an org reads (its org,
-- food budget and reserved ratio), so that reading every committed filing of
-- a year is one range of this index, with no row looked up. It replaces the
-- (year, status) index, whose uses it serves as well.
CREATE INDEX idx_filings_year_rank ON filings (year, status, org_id, food_budget_cents, reserved_ratio_bp);
DROP INDEX idx_filings_year;
