-- Bulk imports: a job per uploaded file, its parsed rows (a staging table the
-- workers validate and commit from) and the chunks workers claim with a lease.
CREATE TABLE import_jobs (
  id         INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  kind       TEXT     NOT NULL,
  status     TEXT     NOT NULL,
  owner_id   INTEGER  NOT NULL,
  org_id     INTEGER  NULL,
  file_name  TEXT     NOT NULL,
  file_hash  TEXT     NOT NULL,
  total_rows INTEGER  NOT NULL,
  chunks     INTEGER  NOT NULL,
  totals     TEXT     NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX ix_import_jobs_owner ON import_jobs (owner_id, id);
CREATE INDEX ix_import_jobs_status ON import_jobs (status);

CREATE TABLE import_rows (
  job_id    INTEGER NOT NULL,
  row_no    INTEGER NOT NULL,
  chunk     INTEGER NOT NULL,
  group_key TEXT    NOT NULL,
  cells     TEXT    NOT NULL,
  status    TEXT    NOT NULL,
  problems  TEXT    NOT NULL,
  ref_id    INTEGER NULL,
  pairing_id INTEGER NULL,
  reason    TEXT    NOT NULL,
  PRIMARY KEY (job_id, row_no)
);
CREATE INDEX ix_import_rows_chunk ON import_rows (job_id, chunk, group_key);

CREATE TABLE import_chunks (
  job_id      INTEGER  NOT NULL,
  seq         INTEGER  NOT NULL,
  phase       TEXT     NOT NULL,
  row_count   INTEGER  NOT NULL,
  done        NUMERIC  NOT NULL,
  lease_owner TEXT     NOT NULL,
  lease_until DATETIME NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE INDEX ix_import_chunks_open ON import_chunks (done, lease_until);
