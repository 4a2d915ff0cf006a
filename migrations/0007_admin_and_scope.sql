-- What session 1 left of the reporting issue: assignments made in the portal, units edited in
-- the portal, indicator values in reports, and ad-hoc rounds limited to part of the plan.

-- The document names no unit for its four indicators, so an admin assigns them in the portal.
-- Such assignments are the admin's: a seed reload neither removes nor changes them.
ALTER TABLE assignments
    ADD COLUMN source TEXT NOT NULL DEFAULT 'seed' CHECK (source IN ('seed', 'admin'));

-- Admin edits of a unit check the version they started from.
ALTER TABLE units ADD COLUMN version INT NOT NULL DEFAULT 1 CHECK (version > 0);

-- The value of an indicator or numeric sub-target for the period (e.g. deaths so far this
-- year), in the target's measure unit. Only meaningful on those items' reports.
ALTER TABLE reports ADD COLUMN measured_value NUMERIC(14, 4) CHECK (measured_value >= 0);

-- An ad-hoc round may ask only about chosen items and/or chosen units; none listed = all.
CREATE TABLE round_scope_items (
    round_id BIGINT NOT NULL REFERENCES reporting_rounds (id) ON DELETE CASCADE,
    item_id  BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, item_id)
);
CREATE TABLE round_scope_units (
    round_id BIGINT NOT NULL REFERENCES reporting_rounds (id) ON DELETE CASCADE,
    unit_id  BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, unit_id)
);

-- Who must report on what in each round: the reportable items of the round's plan, each
-- unit's duty on them, narrowed by the round's scope when it has one.
CREATE VIEW round_duties AS
SELECT r.id AS round_id, d.item_id, d.unit_id, d.role, d.group_id
FROM reporting_rounds r
JOIN items i ON i.plan_id = r.plan_id AND i.kind IN ('indicator', 'subtarget', 'task', 'project')
JOIN unit_duties d ON d.item_id = i.id
WHERE (NOT EXISTS (SELECT 1 FROM round_scope_items s WHERE s.round_id = r.id)
       OR EXISTS (SELECT 1 FROM round_scope_items s WHERE s.round_id = r.id AND s.item_id = i.id))
  AND (NOT EXISTS (SELECT 1 FROM round_scope_units s WHERE s.round_id = r.id)
       OR EXISTS (SELECT 1 FROM round_scope_units s WHERE s.round_id = r.id AND s.unit_id = d.unit_id));
