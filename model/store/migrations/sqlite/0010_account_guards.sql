-- Usernames compare byte for byte: SQLite's default BINARY collation already
-- does (the MySQL migration of this number moves users.username_key to
-- utf8mb4_bin).
--
-- The last active admin cannot be demoted or disabled: every change that
-- takes an admin away updates this one row, with the count of the other
-- active admins in its WHERE (model/store.UpdateUser).
CREATE TABLE admin_guard (
  id      INTEGER NOT NULL PRIMARY KEY,
  changes INTEGER NOT NULL DEFAULT 0
);
INSERT INTO admin_guard (id, changes) VALUES (1, 0);
