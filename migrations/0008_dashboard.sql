-- Dashboards and evaluations: the status rules of each plan, item weights and lifecycle,
-- indicator kind, the 督办 ledger, and frozen evaluation snapshots.

-- How a plan's figures are computed; written on the rules page, changeable per plan.
CREATE TABLE plan_rules (
    plan_id            BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    -- An item is lagging when its reported completion trails the expected path (序时进度) by
    -- more than this many percentage points.
    lag_points         NUMERIC(5, 2) NOT NULL DEFAULT 10 CHECK (lag_points BETWEEN 0 AND 100),
    -- Blue flag: a report is due within this many days.
    due_soon_days      INT NOT NULL DEFAULT 7 CHECK (due_soon_days BETWEEN 0 AND 90),
    -- An indicator within this share of the expected path's change is 基本符合预期.
    on_path_percent    NUMERIC(5, 2) NOT NULL DEFAULT 10 CHECK (on_path_percent BETWEEN 0 AND 100),
    -- Shares of items computed by count (each item 1) or by weight.
    share_basis        TEXT NOT NULL DEFAULT 'count' CHECK (share_basis IN ('count', 'weight')),
    version            INT NOT NULL DEFAULT 1 CHECK (version > 0)
);

ALTER TABLE items
    ADD COLUMN weight NUMERIC(6, 2) NOT NULL DEFAULT 1 CHECK (weight > 0),
    -- Cancelled or merged items leave every total.
    ADD COLUMN lifecycle TEXT NOT NULL DEFAULT 'active'
        CHECK (lifecycle IN ('active', 'cancelled', 'merged'));

-- 约束性 (true) / 预期性 (false); NULL where the document does not say (33号 does not).
ALTER TABLE indicator_targets ADD COLUMN binding BOOLEAN;

-- Reports are read by plan and period for the rollups.
CREATE INDEX reports_round_state ON reports (round_id, state);
CREATE INDEX report_versions_accepted ON report_versions (report_id, at) WHERE action = 'accept';

-- The 督办 ledger: every flag raised on a unit's duty, its answer and its recovery. Rows are
-- never deleted; a flag that clears gets `cleared_at`.
CREATE TYPE flag_level AS ENUM ('blue', 'yellow', 'red');
CREATE TABLE supervision_flags (
    id          BIGSERIAL PRIMARY KEY,
    round_id    BIGINT NOT NULL REFERENCES reporting_rounds (id) ON DELETE CASCADE,
    item_id     BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    level       flag_level NOT NULL,
    reason      TEXT NOT NULL,
    raised_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    cleared_at  TIMESTAMPTZ,
    answer      TEXT,
    answered_by TEXT,
    answered_at TIMESTAMPTZ
);
-- At most one open flag of a level per duty and round.
CREATE UNIQUE INDEX supervision_flags_open ON supervision_flags (round_id, item_id, unit_id, level)
    WHERE cleared_at IS NULL;
CREATE INDEX supervision_flags_item ON supervision_flags (item_id, raised_at);

-- An evaluation (中期评估 / 总结评估) at a cut-off date: a frozen snapshot.
CREATE TYPE evaluation_kind AS ENUM ('mid_term', 'final', 'other');
CREATE TABLE evaluations (
    id          BIGSERIAL PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    kind        evaluation_kind NOT NULL,
    title       TEXT NOT NULL CHECK (btrim(title) <> ''),
    cutoff      DATE NOT NULL,
    -- Everything the report shows, as it stood at the cut-off: never changed afterwards.
    snapshot    JSONB NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX evaluations_plan ON evaluations (plan_id, cutoff);
CREATE TRIGGER evaluations_frozen BEFORE UPDATE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
