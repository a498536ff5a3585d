-- The buyer sectors (五进) and sales-point types (五专) as reference data an
-- admin extends, started with the codes the API has always taken. An org's
-- sector and a sales point's type must be one of them.
CREATE TABLE sectors (
  code       TEXT     NOT NULL PRIMARY KEY,
  name       TEXT     NOT NULL,
  created_at DATETIME NOT NULL
);
INSERT INTO sectors (code, name, created_at) VALUES
('government', '机关', '2026-01-01 00:00:00'),
('school', '学校', '2026-01-01 00:00:00'),
('hospital', '医院', '2026-01-01 00:00:00'),
('enterprise', '企业', '2026-01-01 00:00:00'),
('community', '社区', '2026-01-01 00:00:00'),
('other', '其他', '2026-01-01 00:00:00');

CREATE TABLE sales_point_types (
  code       TEXT     NOT NULL PRIMARY KEY,
  name       TEXT     NOT NULL,
  created_at DATETIME NOT NULL
);
INSERT INTO sales_point_types (code, name, created_at) VALUES
('counter', '专柜', '2026-01-01 00:00:00'),
('zone', '专区', '2026-01-01 00:00:00'),
('hall', '专馆', '2026-01-01 00:00:00'),
('store', '专店', '2026-01-01 00:00:00'),
('remote_counter', '飞柜', '2026-01-01 00:00:00');
