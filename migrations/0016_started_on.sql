-- 启用日期: the day the bureau started using the portal for a plan. Rounds due before it are
-- history: they may still be filled in, but are never overdue, never flagged and never counted
-- late. Set on the rules page; until then, the (Beijing) day the plan was first loaded.
-- Kept in plan_rules so that a change moves the plan's data version like any other rule.
ALTER TABLE plan_rules ADD COLUMN started_on DATE;

CREATE FUNCTION plan_started_on(p BIGINT) RETURNS DATE LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT started_on FROM plan_rules WHERE plan_id = p),
                    (SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date FROM plans WHERE id = p))
$$;
