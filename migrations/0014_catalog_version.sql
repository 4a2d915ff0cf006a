-- One version for everything the public pages show (plans, items, who answers for them,
-- targets, milestones, units and their names), so that a rendered body can be kept and reused
-- by any portal instance until an admin or a seed load changes one of these. Reports do not
-- move it: those tables change all day and the public pages do not show them.
--
-- One row, bumped by statement-level triggers: the tables behind it change rarely, so the
-- row lock a change holds until commit costs nothing, and unlike a sequence the new number is
-- seen only with the data it stands for.
CREATE TABLE catalog_version (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    version BIGINT NOT NULL
);
INSERT INTO catalog_version (only_row, version) VALUES (true, 1);

CREATE FUNCTION bump_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['jurisdictions', 'plans', 'items', 'assignments', 'units',
                             'unit_groups', 'unit_group_members', 'name_spellings',
                             'indicator_targets', 'subtarget_targets', 'milestones']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog()', t || '_catalog', t);
    END LOOP;
END $$;

-- The 督办 ledger is kept by the plan's data version plus a version of its own, which its flags
-- and reminders move. Not the plan's data version itself: a sweep records the version it swept,
-- and its own flags moving that version would make every sweep ask for the next.
CREATE TABLE ledger_versions (
    plan_id BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 0
);

CREATE FUNCTION bump_ledger_by_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_versions (plan_id, version)
    SELECT DISTINCT r.plan_id, 1 FROM changed c JOIN reporting_rounds r ON r.id = c.round_id
    ON CONFLICT (plan_id) DO UPDATE SET version = ledger_versions.version + 1;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['supervision_flags', 'reminders']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_ledger_by_round()', t || '_ledger_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_ledger_by_round()', t || '_ledger_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_ledger_by_round()', t || '_ledger_del', t);
    END LOOP;
END $$;

-- A report's page is kept by the plan's data version too, and shows the report's files.
DO $$
BEGIN
    CREATE TRIGGER evidence_bump_ins AFTER INSERT ON evidence REFERENCING NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION bump_by_report();
    CREATE TRIGGER evidence_bump_upd AFTER UPDATE ON evidence REFERENCING NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION bump_by_report();
    CREATE TRIGGER evidence_bump_del AFTER DELETE ON evidence REFERENCING OLD TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION bump_by_report();
END $$;
