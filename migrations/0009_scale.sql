-- What one plan's pages need to stay fast when the database holds hundreds of plans and
-- millions of reports (see bench/QUERY-PLANS.md).

-- round_duties again, built from the round outwards: a filter on round_id now reaches the
-- round, its plan's items and their assignments by index, instead of computing every duty of
-- every plan first (the old view went through unit_duties, a DISTINCT over all assignments).
CREATE OR REPLACE VIEW round_duties AS
SELECT DISTINCT ON (r.id, x.item_id, x.unit_id) r.id AS round_id, x.item_id, x.unit_id, x.role, x.group_id
FROM reporting_rounds r
JOIN items i ON i.plan_id = r.plan_id AND i.kind IN ('indicator', 'subtarget', 'task', 'project')
CROSS JOIN LATERAL (
    SELECT a.item_id, a.unit_id, a.role, NULL::bigint AS group_id
    FROM assignments a WHERE a.item_id = i.id AND a.unit_id IS NOT NULL
    UNION ALL
    SELECT a.item_id, m.unit_id, a.role, a.group_id
    FROM assignments a JOIN unit_group_members m ON m.group_id = a.group_id WHERE a.item_id = i.id
) x
WHERE (NOT EXISTS (SELECT 1 FROM round_scope_items s WHERE s.round_id = r.id)
       OR EXISTS (SELECT 1 FROM round_scope_items s WHERE s.round_id = r.id AND s.item_id = i.id))
  AND (NOT EXISTS (SELECT 1 FROM round_scope_units s WHERE s.round_id = r.id)
       OR EXISTS (SELECT 1 FROM round_scope_units s WHERE s.round_id = r.id AND s.unit_id = x.unit_id))
ORDER BY r.id, x.item_id, x.unit_id, x.role, x.group_id NULLS FIRST;

-- How often the bureau returned a report, kept on the report so that scorecards need not
-- search the version log of every report.
ALTER TABLE reports ADD COLUMN times_returned INT NOT NULL DEFAULT 0 CHECK (times_returned >= 0);
UPDATE reports r SET times_returned = v.n
FROM (SELECT report_id, count(*)::int AS n FROM report_versions WHERE action = 'return' GROUP BY report_id) v
WHERE v.report_id = r.id;
