-- The import job and group that created a record in bulk (see the mysql
-- migration of the same number).
ALTER TABLE sales_records ADD COLUMN import_job_id INTEGER;
ALTER TABLE sales_records ADD COLUMN import_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX ux_sales_records_import ON sales_records (import_job_id, import_key);
