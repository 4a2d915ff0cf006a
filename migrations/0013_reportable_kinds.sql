-- Which kinds of item units report on, said once: 目标指标, 分项目标, 重点任务 and 重点工程.
-- Principles, categories, columns, their areas and the closing requirements are text only.
-- Views and queries ask reportable(kind); Rust's ItemKind::is_reportable says the same, and a
-- test checks that the two agree for every kind. The function is IMMUTABLE and a plain SQL
-- expression, so the planner inlines it and the queries stay as fast as with the list written out.
CREATE FUNCTION reportable(kind item_kind) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT kind IN ('indicator', 'subtarget', 'task', 'project') $$;

-- round_duties as 0009 built it, with the list replaced by the function, and one condition
-- that changes no row: a group assignment has a group (`a.group_id IS NOT NULL`). With it the
-- planner finds an item's group assignments by the (item_id, unit_id, group_id) index instead
-- of walking every group assignment by group; at 60 synthetic plans one round's duties took
-- 21-28 ms before and 2-6 ms after, a plan's twelve rounds 418 ms before and 21 ms after.
CREATE OR REPLACE VIEW round_duties AS
SELECT DISTINCT ON (r.id, x.item_id, x.unit_id) r.id AS round_id, x.item_id, x.unit_id, x.role, x.group_id
FROM reporting_rounds r
JOIN items i ON i.plan_id = r.plan_id AND reportable(i.kind)
CROSS JOIN LATERAL (
    SELECT a.item_id, a.unit_id, a.role, NULL::bigint AS group_id
    FROM assignments a WHERE a.item_id = i.id AND a.unit_id IS NOT NULL
    UNION ALL
    SELECT a.item_id, m.unit_id, a.role, a.group_id
    FROM assignments a JOIN unit_group_members m ON m.group_id = a.group_id
    WHERE a.item_id = i.id AND a.group_id IS NOT NULL
) x
WHERE (NOT EXISTS (SELECT 1 FROM round_scope_items s WHERE s.round_id = r.id)
       OR EXISTS (SELECT 1 FROM round_scope_items s WHERE s.round_id = r.id AND s.item_id = i.id))
  AND (NOT EXISTS (SELECT 1 FROM round_scope_units s WHERE s.round_id = r.id)
       OR EXISTS (SELECT 1 FROM round_scope_units s WHERE s.round_id = r.id AND s.unit_id = x.unit_id))
ORDER BY r.id, x.item_id, x.unit_id, x.role, x.group_id NULLS FIRST;
