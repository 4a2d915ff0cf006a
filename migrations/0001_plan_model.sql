-- The plan model: plans, their items, responsible units and groups, and who answers for what.
-- Constraints live here, not only in Rust, so that no client can store an inconsistent plan.

CREATE TABLE jurisdictions (
    id   BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (btrim(name) <> '')
);

CREATE TABLE plans (
    id              BIGSERIAL PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    title           TEXT NOT NULL CHECK (btrim(title) <> ''),
    doc_number      TEXT NOT NULL CHECK (btrim(doc_number) <> ''),
    issuer          TEXT NOT NULL CHECK (btrim(issuer) <> ''),
    issue_date      DATE NOT NULL,
    start_year      INT  NOT NULL CHECK (start_year BETWEEN 1949 AND 2200),
    end_year        INT  NOT NULL CHECK (end_year BETWEEN 1949 AND 2200),
    notice          TEXT,
    preamble        TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (end_year >= start_year)
);

CREATE TYPE item_kind AS ENUM (
    'indicator', 'subtarget', 'principle', 'category', 'task',
    'column', 'column_area', 'project', 'requirement'
);

CREATE TABLE items (
    id         BIGSERIAL PRIMARY KEY,
    plan_id    BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    key        TEXT NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    kind       item_kind NOT NULL,
    number     INT NOT NULL CHECK (number > 0),
    parent_id  BIGINT REFERENCES items (id),
    position   INT NOT NULL,
    title      TEXT NOT NULL CHECK (btrim(title) <> ''),
    body       TEXT NOT NULL DEFAULT '',
    units_text TEXT,
    UNIQUE (plan_id, key),
    UNIQUE (id, plan_id),
    -- Tasks and columns sit in a category, areas in a column; nothing else has a parent.
    CHECK ((kind IN ('task', 'column', 'column_area')) = (parent_id IS NOT NULL))
);
CREATE UNIQUE INDEX items_number_per_kind ON items (plan_id, kind, number) WHERE kind <> 'column_area';
CREATE UNIQUE INDEX items_area_number ON items (parent_id, number) WHERE kind = 'column_area';
CREATE INDEX items_plan_position ON items (plan_id, position);
CREATE INDEX items_parent ON items (parent_id);

CREATE TYPE comparator AS ENUM ('lt', 'le', 'gt', 'ge');
CREATE TYPE target_rule AS ENUM ('relative_decrease', 'absolute_bound');
CREATE TYPE aggregation AS ENUM ('end_year', 'annual_average');

-- 目标指标: either "N% lower than a baseline" or "below/above a fixed value".
CREATE TABLE indicator_targets (
    item_id        BIGINT PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    measure_unit   TEXT NOT NULL,
    rule           target_rule NOT NULL,
    percent        NUMERIC CHECK (percent > 0 AND percent <= 100),
    baseline_label TEXT,
    baseline_year  INT,
    baseline_value NUMERIC CHECK (baseline_value >= 0),
    comparator     comparator,
    value          NUMERIC,
    aggregation    aggregation,
    note           TEXT,
    CHECK (
        (rule = 'relative_decrease' AND percent IS NOT NULL AND baseline_label IS NOT NULL
            AND comparator IS NULL AND value IS NULL AND aggregation IS NULL)
     OR (rule = 'absolute_bound' AND comparator IS NOT NULL AND value IS NOT NULL
            AND aggregation IS NOT NULL AND percent IS NULL AND baseline_label IS NULL
            AND baseline_year IS NULL AND baseline_value IS NULL)
    )
);

-- 分项目标: one number each, e.g. 达标率 >= 80%.
CREATE TABLE subtarget_targets (
    item_id      BIGINT PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    metric       TEXT NOT NULL CHECK (btrim(metric) <> ''),
    comparator   comparator NOT NULL,
    value        NUMERIC NOT NULL,
    measure_unit TEXT NOT NULL
);

-- Counted or dated commitments inside an item (建成3个市级应急救援保障中心).
CREATE TABLE milestones (
    id           BIGSERIAL PRIMARY KEY,
    item_id      BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    key          TEXT NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    title        TEXT NOT NULL CHECK (btrim(title) <> ''),
    target_count INT CHECK (target_count > 0),
    count_unit   TEXT,
    due_year     INT CHECK (due_year BETWEEN 1949 AND 2200),
    quote        TEXT NOT NULL CHECK (btrim(quote) <> ''),
    position     INT NOT NULL,
    UNIQUE (item_id, key),
    CHECK ((target_count IS NULL) = (count_unit IS NULL))
);

CREATE TYPE unit_kind AS ENUM (
    'department', 'party_department', 'vertical_agency', 'coordination_body', 'county', 'zone'
);

CREATE TABLE units (
    id              BIGSERIAL PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    name            TEXT NOT NULL CHECK (btrim(name) <> ''),
    full_name       TEXT,
    kind            unit_kind NOT NULL,
    UNIQUE (jurisdiction_id, name),
    UNIQUE (id, jurisdiction_id)
);

-- A collective name (各县(市、区)人民政府) that stands for several units.
CREATE TABLE unit_groups (
    id              BIGSERIAL PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    name            TEXT NOT NULL CHECK (btrim(name) <> ''),
    -- false until someone who knows sets the membership: shown as 待确认, never guessed.
    members_known   BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (jurisdiction_id, name),
    UNIQUE (id, jurisdiction_id)
);

CREATE TABLE unit_group_members (
    group_id        BIGINT NOT NULL,
    unit_id         BIGINT NOT NULL,
    jurisdiction_id BIGINT NOT NULL,
    PRIMARY KEY (group_id, unit_id),
    FOREIGN KEY (group_id, jurisdiction_id) REFERENCES unit_groups (id, jurisdiction_id) ON DELETE CASCADE,
    FOREIGN KEY (unit_id, jurisdiction_id) REFERENCES units (id, jurisdiction_id) ON DELETE CASCADE
);
CREATE INDEX unit_group_members_unit ON unit_group_members (unit_id);

-- Every way a document writes a unit or group, canonical name included, so that one spelling
-- can never mean two bodies.
CREATE TABLE name_spellings (
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    spelling        TEXT NOT NULL CHECK (btrim(spelling) <> ''),
    unit_id         BIGINT,
    group_id        BIGINT,
    PRIMARY KEY (jurisdiction_id, spelling),
    FOREIGN KEY (unit_id, jurisdiction_id) REFERENCES units (id, jurisdiction_id) ON DELETE CASCADE,
    FOREIGN KEY (group_id, jurisdiction_id) REFERENCES unit_groups (id, jurisdiction_id) ON DELETE CASCADE,
    CHECK (num_nonnulls(unit_id, group_id) = 1)
);

CREATE TYPE assignment_role AS ENUM ('lead', 'responsible', 'supporting');

-- Item x (unit or group) x role, as the 责任单位 line says.
CREATE TABLE assignments (
    id       BIGSERIAL PRIMARY KEY,
    item_id  BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    unit_id  BIGINT REFERENCES units (id),
    group_id BIGINT REFERENCES unit_groups (id),
    role     assignment_role NOT NULL,
    position INT NOT NULL,
    CHECK (num_nonnulls(unit_id, group_id) = 1),
    UNIQUE NULLS NOT DISTINCT (item_id, unit_id, group_id)
);
CREATE INDEX assignments_unit ON assignments (unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX assignments_group ON assignments (group_id) WHERE group_id IS NOT NULL;
