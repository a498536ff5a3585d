-- Bulk imports: a job per uploaded file, its parsed rows (a staging table that
-- workers validate and commit from) and the chunks workers claim with a lease.
CREATE TABLE import_jobs (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind       VARCHAR(16)  NOT NULL,
  status     VARCHAR(16)  NOT NULL,
  owner_id   BIGINT       NOT NULL,
  org_id     BIGINT       NULL,
  file_name  VARCHAR(255) NOT NULL,
  file_hash  CHAR(64)     NOT NULL,
  total_rows INT          NOT NULL,
  chunks     INT          NOT NULL,
  totals     TEXT         NOT NULL,
  created_at DATETIME(3)  NOT NULL,
  updated_at DATETIME(3)  NOT NULL,
  KEY ix_import_jobs_owner (owner_id, id),
  KEY ix_import_jobs_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE import_rows (
  job_id    BIGINT       NOT NULL,
  row_no    INT          NOT NULL,
  chunk     INT          NOT NULL,
  group_key VARCHAR(160) NOT NULL,
  cells     TEXT         NOT NULL,
  status    VARCHAR(16)  NOT NULL,
  problems  TEXT         NOT NULL,
  ref_id    BIGINT       NULL,
  pairing_id BIGINT      NULL,
  reason    VARCHAR(32)  NOT NULL,
  PRIMARY KEY (job_id, row_no),
  KEY ix_import_rows_chunk (job_id, chunk, group_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE import_chunks (
  job_id      BIGINT      NOT NULL,
  seq         INT         NOT NULL,
  phase       VARCHAR(16) NOT NULL,
  row_count   INT         NOT NULL,
  done        TINYINT(1)  NOT NULL,
  lease_owner VARCHAR(64) NOT NULL,
  lease_until DATETIME(3) NULL,
  PRIMARY KEY (job_id, seq),
  KEY ix_import_chunks_open (done, lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
