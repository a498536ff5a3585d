-- One org's figures per pairing: what it bought itself, and its subtree
-- (itself and every org it supervises), for each pairing it helped
-- (pairing_id 0: not credited).
CREATE TABLE rollup_org_pairings (
  period        INT    NOT NULL,
  org_id        BIGINT NOT NULL,
  pairing_id    BIGINT NOT NULL,
  cents         BIGINT NOT NULL,
  subtree_cents BIGINT NOT NULL,
  PRIMARY KEY (period, org_id, pairing_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The entries already rolled up, for every org on each entry's chain, in
-- their month and their year.
INSERT INTO rollup_org_pairings (period, org_id, pairing_id, cents, subtree_cents)
SELECT per, org_id, pid, SUM(own), SUM(amt) FROM (
  SELECT c.period AS per, o.id AS org_id, COALESCE(c.pairing_id, 0) AS pid,
    CASE WHEN c.buyer_org_id = o.id THEN c.amount_cents ELSE 0 END AS own, c.amount_cents AS amt
  FROM credits c JOIN orgs o ON c.org_chain LIKE CONCAT('%/', o.id, '/%')
  WHERE c.id NOT IN (SELECT credit_id FROM credit_pending)
  UNION ALL
  SELECT c.period DIV 100 * 100, o.id, COALESCE(c.pairing_id, 0),
    CASE WHEN c.buyer_org_id = o.id THEN c.amount_cents ELSE 0 END, c.amount_cents
  FROM credits c JOIN orgs o ON c.org_chain LIKE CONCAT('%/', o.id, '/%')
  WHERE c.id NOT IN (SELECT credit_id FROM credit_pending)
) x GROUP BY per, org_id, pid;
