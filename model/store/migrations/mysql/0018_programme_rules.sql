-- Whether a programme credits only certified products, from a date on. A
-- change is a new row: entries already written keep the rule they were
-- credited under (each records it), and a sale is credited under the rule
-- of its credit date. East–west collaboration counts certified products of
-- the partner counties; mountain–sea collaboration counts goods from the
-- partner counties, certified or not (their counties have no certificates).
CREATE TABLE programme_rules (
  id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  programme            VARCHAR(16)  NOT NULL,
  effective_from       CHAR(10)     NOT NULL,
  requires_certificate TINYINT(1)   NOT NULL,
  actor_id             BIGINT       NULL,
  note                 VARCHAR(300) NOT NULL DEFAULT '',
  created_at           DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_programme_rules (programme, effective_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
INSERT INTO programme_rules (programme, effective_from, requires_certificate, actor_id, note, created_at) VALUES
('east_west', '2000-01-01', 1, NULL, '', '2026-01-01 00:00:00'),
('mountain_sea', '2000-01-01', 0, NULL, '', '2026-01-01 00:00:00');

-- Which rule an entry was credited under: 1 when its pairing's programme
-- required a certificate on its credit date (entries before this migration
-- were all credited so).
ALTER TABLE credits ADD COLUMN certificate_required TINYINT(1) NOT NULL DEFAULT 1;
