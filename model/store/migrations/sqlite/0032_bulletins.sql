-- Issued monthly bulletins (月度通报): each part's figures as issued, so the
-- bulletin reads the same after later ledger changes. A month is issued
-- once: the unique key decides between replicas.
CREATE TABLE bulletins (
  id        INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  year      INTEGER  NOT NULL,
  month     INTEGER  NOT NULL,
  part      TEXT     NOT NULL,
  body      BLOB     NULL,
  actor_id  INTEGER  NULL,
  issued_at DATETIME NOT NULL,
  UNIQUE (year, month, part)
);
