-- Which plan's seed declared a spelling or a group membership, so that reloading one plan
-- never removes what another plan of the same jurisdiction (or an admin, NULL) declared.
ALTER TABLE name_spellings ADD COLUMN source_plan_id BIGINT REFERENCES plans (id) ON DELETE SET NULL;
ALTER TABLE unit_group_members ADD COLUMN source_plan_id BIGINT REFERENCES plans (id) ON DELETE SET NULL;
UPDATE name_spellings SET source_plan_id = (SELECT min(id) FROM plans);
UPDATE unit_group_members SET source_plan_id = (SELECT min(id) FROM plans);
