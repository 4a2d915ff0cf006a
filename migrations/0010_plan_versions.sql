-- A version per plan that changes whenever anything a dashboard shows changes, so that a
-- computed dashboard can be kept and reused until then, by any portal instance.

CREATE TABLE plan_data_versions (
    plan_id BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 0
);

CREATE FUNCTION bump_plans(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO plan_data_versions (plan_id, version)
    SELECT p.id, 1 FROM plans p WHERE p.id = ANY(ids)
    ON CONFLICT (plan_id) DO UPDATE SET version = plan_data_versions.version + 1
$$;

-- Statement-level, reading the changed rows from the transition table `changed`, so that a bulk
-- load bumps each plan once.
CREATE FUNCTION bump_by_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_plans(ARRAY(SELECT DISTINCT plan_id FROM changed));
    RETURN NULL;
END $$;

CREATE FUNCTION bump_by_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_plans(ARRAY(SELECT DISTINCT r.plan_id FROM changed c
                             JOIN reporting_rounds r ON r.id = c.round_id));
    RETURN NULL;
END $$;

CREATE FUNCTION bump_by_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_plans(ARRAY(SELECT DISTINCT i.plan_id FROM changed c JOIN items i ON i.id = c.item_id));
    RETURN NULL;
END $$;

CREATE FUNCTION bump_by_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_plans(ARRAY(SELECT DISTINCT r.plan_id FROM changed c
                             JOIN reports rep ON rep.id = c.report_id
                             JOIN reporting_rounds r ON r.id = rep.round_id));
    RETURN NULL;
END $$;

-- Units and groups are shared by the plans of a jurisdiction and change rarely: every plan.
CREATE FUNCTION bump_all_plans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_plans(ARRAY(SELECT id FROM plans));
    RETURN NULL;
END $$;

DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('reports', 'bump_by_round'), ('round_scope_items', 'bump_by_round'),
        ('round_scope_units', 'bump_by_round'), ('reporting_rounds', 'bump_by_plan'),
        ('items', 'bump_by_plan'), ('plan_rules', 'bump_by_plan'), ('assignments', 'bump_by_item'),
        ('indicator_targets', 'bump_by_item'), ('subtarget_targets', 'bump_by_item'),
        ('milestones', 'bump_by_item'), ('report_milestones', 'bump_by_report')) AS v(tab, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab || '_bump_ins', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab || '_bump_upd', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab || '_bump_del', t.tab, t.fn);
    END LOOP;
    FOR t IN SELECT * FROM (VALUES ('units'), ('unit_groups'), ('unit_group_members')) AS v(tab)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_all_plans()', t.tab || '_bump', t.tab);
    END LOOP;
END $$;
