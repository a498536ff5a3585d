-- Usernames compare byte for byte. The service normalises every username
-- once (NFKC, then lower case: model.NormalizeUsername) and stores that form
-- in username_key; utf8mb4_general_ci then folded accents on top ('märket'
-- found 'market'), so a look-alike name logged in to another account with a
-- login-limit counter of its own. Existing keys were written lower case by
-- the service and were unique under general_ci, a coarser equality than
-- byte order, so no two rows can collide under utf8mb4_bin. username keeps
-- the case it was created in (display only) and is byte-exact too.
ALTER TABLE users
  MODIFY username     VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  MODIFY username_key VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- The last active admin cannot be demoted or disabled. Every change that
-- takes an admin away updates this one row, with the count of the other
-- active admins in its WHERE: replicas (and Galera nodes) making such
-- changes at once all write the same row, so they serialize or one fails
-- certification and retries, and never leave no admin.
CREATE TABLE admin_guard (
  id      INT    NOT NULL PRIMARY KEY,
  changes BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
INSERT INTO admin_guard (id, changes) VALUES (1, 0);
