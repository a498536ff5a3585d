-- An org's sales points (五专: 专柜, 专区, 专馆, 专店, 飞柜), which orders may
-- name, so the credit entries of their sales carry the point's type.
CREATE TABLE sales_points (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_id      BIGINT       NOT NULL,
  type        VARCHAR(16)  NOT NULL,
  name        VARCHAR(128) NOT NULL,
  region_code CHAR(6)      NOT NULL,
  created_at  DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_sales_points_name (org_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE orders ADD COLUMN sales_point_id BIGINT NULL;
