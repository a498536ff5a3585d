-- A job's parsed lines, staged a chunk at a time (see the mysql migration
-- of the same number).
CREATE TABLE import_staged (
  job_id INTEGER NOT NULL,
  chunk  INTEGER NOT NULL,
  part   INTEGER NOT NULL,
  data   BLOB    NULL,
  PRIMARY KEY (job_id, chunk, part)
);
