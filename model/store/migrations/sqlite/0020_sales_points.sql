-- An org's sales points (五专: 专柜, 专区, 专馆, 专店, 飞柜), which orders may
-- name, so the credit entries of their sales carry the point's type.
CREATE TABLE sales_points (
  id          INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  org_id      INTEGER  NOT NULL,
  type        TEXT     NOT NULL,
  name        TEXT     NOT NULL,
  region_code TEXT     NOT NULL,
  created_at  DATETIME NOT NULL,
  UNIQUE (org_id, name)
);

ALTER TABLE orders ADD COLUMN sales_point_id INTEGER NULL;
