-- A job's parsed lines are staged a chunk at a time: each row is one part
-- (a few hundred KiB at most) of one chunk's lines in service/imports's
-- compact encoding, in row order, so an upload writes, and a worker reads,
-- a handful of rows per chunk instead of one per line. import_rows keeps
-- only the lines an outcome was written for (an error, a duplicate, a
-- conflict, an ok credited otherwise than its chunk's, a line created one
-- record at a time).
CREATE TABLE import_staged (
  job_id BIGINT     NOT NULL,
  chunk  INT        NOT NULL,
  part   INT        NOT NULL,
  data   MEDIUMBLOB NULL,
  PRIMARY KEY (job_id, chunk, part)
) ENGINE=InnoDB;
