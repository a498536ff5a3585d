-- The chunk index without the group key (see the mysql migration of the
-- same number).
DROP INDEX ix_import_rows_chunk;
CREATE INDEX ix_import_rows_chunk ON import_rows (job_id, chunk, row_no);
