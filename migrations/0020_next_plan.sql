-- The next plan: a plan may continue an earlier one and an item an earlier item (接续); an ended
-- plan may be archived: still browsable and exportable, out of 待办, its reports read-only.
ALTER TABLE plans
    ADD COLUMN continues_plan_id BIGINT REFERENCES plans (id) ON DELETE SET NULL,
    ADD COLUMN archived_at TIMESTAMPTZ,
    ADD CONSTRAINT plans_continue_another CHECK (continues_plan_id <> id);
ALTER TABLE items ADD COLUMN continues_item_id BIGINT REFERENCES items (id) ON DELETE SET NULL;
CREATE INDEX items_continues ON items (continues_item_id) WHERE continues_item_id IS NOT NULL;

-- Whatever page or command tries, an archived plan's reports and evidence stay as they are.
CREATE FUNCTION round_is_archived(round BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM reporting_rounds r JOIN plans p ON p.id = r.plan_id
                   WHERE r.id = round AND p.archived_at IS NOT NULL)
$$;

CREATE FUNCTION refuse_archived_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF round_is_archived(NEW.round_id) THEN
        RAISE EXCEPTION 'the plan of round % is archived: its reports are read-only', NEW.round_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reports_not_archived BEFORE INSERT OR UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION refuse_archived_report();

CREATE FUNCTION refuse_archived_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF round_is_archived((SELECT round_id FROM reports WHERE id = NEW.report_id)) THEN
        RAISE EXCEPTION 'the plan of report % is archived: its evidence is read-only', NEW.report_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER evidence_not_archived BEFORE INSERT OR UPDATE ON evidence
    FOR EACH ROW EXECUTE FUNCTION refuse_archived_evidence();
