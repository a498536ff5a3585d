-- The import job and group (its rows' group key) that created a record in
-- bulk: a bulk import's commit marks its rows created by this key instead of
-- writing every staging row, and the unique key means a resumed or raced
-- chunk never creates a group's record twice. NULL: not made by a bulk
-- import's multi-row commit.
ALTER TABLE sales_records
  ADD COLUMN import_job_id BIGINT NULL,
  ADD COLUMN import_key VARCHAR(32) NOT NULL DEFAULT '',
  ADD UNIQUE KEY ux_sales_records_import (import_job_id, import_key);
