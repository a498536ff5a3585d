-- Approval by the org's China-day total (see the mysql migration of the
-- same number).
CREATE TABLE org_day_totals (
  org_id     INTEGER NOT NULL,
  china_date TEXT    NOT NULL,
  cents      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, china_date)
);

INSERT INTO org_day_totals (org_id, china_date, cents)
  SELECT org_id, date(substr(created_at, 1, 19), '+8 hours'), SUM(total_cents)
  FROM orders WHERE org_id IS NOT NULL AND status <> 'cancelled'
  GROUP BY org_id, date(substr(created_at, 1, 19), '+8 hours');

ALTER TABLE orgs ADD COLUMN second_approval_threshold_cents INTEGER NOT NULL DEFAULT 0;

ALTER TABLE orders ADD COLUMN approval_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN first_approver_id INTEGER NULL;
UPDATE orders SET approval_level = 1 WHERE status = 'pending_approval';
