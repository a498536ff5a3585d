-- Review years an admin has closed: nothing new is dated in them; later
-- changes to their sales are dated in the current month with adjusts_year.
CREATE TABLE closed_years (
  year      INTEGER  NOT NULL PRIMARY KEY,
  actor_id  INTEGER  NULL,
  closed_at DATETIME NOT NULL
);
