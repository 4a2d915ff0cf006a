-- Reporting rounds (填报轮次), progress reports with every version kept, reminders.

CREATE TYPE round_kind AS ENUM ('scheduled', 'ad_hoc');

CREATE TABLE reporting_rounds (
    id           BIGSERIAL PRIMARY KEY,
    plan_id      BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    key          TEXT NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    title        TEXT NOT NULL CHECK (btrim(title) <> ''),
    kind         round_kind NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    opens_on     DATE NOT NULL,
    due_on       DATE NOT NULL,
    -- For an ad-hoc round: what is asked, e.g. 中期评估数据征集.
    scope        TEXT,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (plan_id, key),
    CHECK (period_end >= period_start),
    CHECK (due_on >= opens_on)
);
CREATE INDEX reporting_rounds_plan ON reporting_rounds (plan_id, due_on);

-- 未启动 / 推进中 / 已完成 / 滞后 / 常态化推进
CREATE TYPE progress_status AS ENUM ('not_started', 'in_progress', 'completed', 'lagging', 'ongoing');
-- 草稿 / 待单位审核 / 已报送 / 已采纳 / 已退回
CREATE TYPE report_state AS ENUM ('draft', 'awaiting_approval', 'submitted', 'accepted', 'returned');

-- One unit's report on one item for one round. A group assignment is reported by each member.
CREATE TABLE reports (
    id             BIGSERIAL PRIMARY KEY,
    round_id       BIGINT NOT NULL REFERENCES reporting_rounds (id) ON DELETE RESTRICT,
    item_id        BIGINT NOT NULL REFERENCES items (id) ON DELETE RESTRICT,
    unit_id        BIGINT NOT NULL REFERENCES units (id) ON DELETE RESTRICT,
    state          report_state NOT NULL DEFAULT 'draft',
    -- Bumped at every change; a save must name the version it started from.
    version        INT NOT NULL DEFAULT 1 CHECK (version > 0),
    status         progress_status NOT NULL,
    percent        NUMERIC(5, 2) CHECK (percent BETWEEN 0 AND 100),
    progress       TEXT NOT NULL DEFAULT '',
    problems       TEXT NOT NULL DEFAULT '',
    next_steps     TEXT NOT NULL DEFAULT '',
    review_comment TEXT,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by     BIGINT REFERENCES users (id),
    submitted_at   TIMESTAMPTZ,
    accepted_at    TIMESTAMPTZ,
    UNIQUE (round_id, item_id, unit_id),
    CHECK (status <> 'completed' OR percent IS NULL OR percent = 100)
);
CREATE INDEX reports_unit ON reports (unit_id, round_id);
CREATE INDEX reports_item ON reports (item_id, round_id);

-- Milestone counts achieved so far, as the report states them.
CREATE TABLE report_milestones (
    report_id    BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    milestone_id BIGINT NOT NULL REFERENCES milestones (id) ON DELETE RESTRICT,
    achieved     INT NOT NULL CHECK (achieved >= 0),
    PRIMARY KEY (report_id, milestone_id)
);

-- Every version of every report, as it was: nothing here is ever changed.
CREATE TABLE report_versions (
    id         BIGSERIAL PRIMARY KEY,
    report_id  BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version    INT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('save', 'submit', 'approve', 'send_back', 'accept', 'return')),
    state      report_state NOT NULL,
    content    JSONB NOT NULL,
    comment    TEXT,
    actor_id   BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (report_id, version)
);
CREATE TRIGGER report_versions_no_update BEFORE UPDATE OR DELETE ON report_versions
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION audit_log_is_append_only();

-- In-portal reminders (督办提醒) on a unit's to-do list.
CREATE TABLE reminders (
    id        BIGSERIAL PRIMARY KEY,
    round_id  BIGINT NOT NULL REFERENCES reporting_rounds (id) ON DELETE CASCADE,
    unit_id   BIGINT NOT NULL REFERENCES units (id),
    item_id   BIGINT REFERENCES items (id),
    message   TEXT NOT NULL CHECK (btrim(message) <> ''),
    sent_by   BIGINT REFERENCES users (id),
    sent_name TEXT NOT NULL,
    sent_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reminders_unit ON reminders (unit_id, sent_at DESC);

CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;

-- Who must report on what: every unit named for an item, directly or as a member of a named
-- group, with its strongest role (牵头 before 负责 before 配合).
CREATE VIEW unit_duties AS
SELECT DISTINCT ON (d.item_id, d.unit_id) d.item_id, d.unit_id, d.role, d.group_id
FROM (
    SELECT a.item_id, a.unit_id, a.role, NULL::bigint AS group_id
    FROM assignments a WHERE a.unit_id IS NOT NULL
    UNION ALL
    SELECT a.item_id, m.unit_id, a.role, a.group_id
    FROM assignments a JOIN unit_group_members m ON m.group_id = a.group_id
) d
ORDER BY d.item_id, d.unit_id, d.role, d.group_id NULLS FIRST;
