-- A 配合 unit's deadline must fall after its round has opened (rounds open about three weeks
-- before they are due), so the days it comes early are at most 15.
UPDATE plan_rules SET support_days_earlier = LEAST(support_days_earlier, 15);
ALTER TABLE plan_rules DROP CONSTRAINT IF EXISTS plan_rules_support_days_earlier_check;
ALTER TABLE plan_rules ADD CONSTRAINT plan_rules_support_days_earlier_check
    CHECK (support_days_earlier BETWEEN 0 AND 15);
