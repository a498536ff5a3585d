-- Issued monthly bulletins (月度通报): each part's figures as issued, so the
-- bulletin reads the same after later ledger changes. A month is issued
-- once: the unique key decides between replicas.
CREATE TABLE bulletins (
  id        BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  year      INT         NOT NULL,
  month     INT         NOT NULL,
  part      VARCHAR(16) NOT NULL,
  body      LONGBLOB    NULL,
  actor_id  BIGINT      NULL,
  issued_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_bulletins_month (year, month, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
