-- Approval by the org's China-day total: one row per org and China date,
-- added to by every placement and taken from by every cancellation in the
-- same transaction, so two placements of one org (on any replica) queue on
-- the row and the second sees the first.
CREATE TABLE org_day_totals (
  org_id     BIGINT  NOT NULL,
  china_date CHAR(10) NOT NULL,
  cents      BIGINT  NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, china_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Today's and earlier totals of the orders already placed (times are UTC).
INSERT INTO org_day_totals (org_id, china_date, cents)
  SELECT org_id, DATE_FORMAT(DATE_ADD(created_at, INTERVAL 8 HOUR), '%Y-%m-%d'), SUM(total_cents)
  FROM orders WHERE org_id IS NOT NULL AND status <> 'cancelled'
  GROUP BY org_id, DATE_FORMAT(DATE_ADD(created_at, INTERVAL 8 HOUR), '%Y-%m-%d');

-- The optional second threshold (0 = none): a day total reaching it needs a
-- second approval, by an org_admin other than the first approver.
ALTER TABLE orgs ADD COLUMN second_approval_threshold_cents BIGINT NOT NULL DEFAULT 0;

-- How many approvals an order needs (0, 1 or 2) and who gave the first.
ALTER TABLE orders ADD COLUMN approval_level INT NOT NULL DEFAULT 0,
  ADD COLUMN first_approver_id BIGINT NULL;
UPDATE orders SET approval_level = 1 WHERE status = 'pending_approval';
