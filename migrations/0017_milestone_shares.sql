-- A unit's own share of a counted milestone, as the document splits it (山洪沟道治理: 沁水县 2,
-- 阳城县 2, 高平市 1). A milestone with shares is asked only of the units holding one, each for
-- its share; `shares_add_up` says the document's shares make the whole (seed load checks it).
ALTER TABLE milestones ADD COLUMN shares_add_up BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE milestone_shares (
    milestone_id BIGINT NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    unit_id      BIGINT NOT NULL REFERENCES units (id),
    share        INT NOT NULL CHECK (share > 0),
    -- The order the document (and the seed) lists them in.
    position     INT NOT NULL DEFAULT 0,
    PRIMARY KEY (milestone_id, unit_id)
);
CREATE INDEX milestone_shares_unit ON milestone_shares (unit_id);

-- Shares change what reports ask and what pages show: the plan's data version and the public
-- pages' catalog version move with them, as with milestones.
CREATE FUNCTION bump_by_milestone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_plans(ARRAY(SELECT DISTINCT i.plan_id FROM changed c
                             JOIN milestones m ON m.id = c.milestone_id
                             JOIN items i ON i.id = m.item_id));
    RETURN NULL;
END $$;
CREATE TRIGGER milestone_shares_bump_ins AFTER INSERT ON milestone_shares
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_by_milestone();
CREATE TRIGGER milestone_shares_bump_upd AFTER UPDATE ON milestone_shares
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_by_milestone();
CREATE TRIGGER milestone_shares_bump_del AFTER DELETE ON milestone_shares
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_by_milestone();
CREATE TRIGGER milestone_shares_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON milestone_shares FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog();

-- The shares as pages show them: 沁水县人民政府 2 · 阳城县人民政府 2 · 高平市人民政府 1（合计 5）;
-- NULL for a milestone without shares.
CREATE FUNCTION milestone_shares_text(m BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT string_agg(u.name || ' ' || s.share, ' · ' ORDER BY s.position)
           || '（合计 ' || sum(s.share) || '）'
    FROM milestone_shares s JOIN units u ON u.id = s.unit_id WHERE s.milestone_id = m
$$;
