-- Review years an admin has closed: nothing new is dated in them; later
-- changes to their sales are dated in the current month with adjusts_year.
CREATE TABLE closed_years (
  year      INT         NOT NULL PRIMARY KEY,
  actor_id  BIGINT      NULL,
  closed_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
