-- A chunk's staging rows are read by job and chunk in row order; no query
-- looks a row up by its group key (a record made in bulk is found by
-- sales_records' import key), so the chunk index leaves it out: every staged
-- row's index entry is a few bytes instead of 32 more.
ALTER TABLE import_rows DROP INDEX ix_import_rows_chunk, ADD INDEX ix_import_rows_chunk (job_id, chunk, row_no);
