-- Issue 14: one rule for lateness, staged deadlines, and messages that leave the portal.

-- Staged deadlines: 配合 units are due this many days before the round's deadline, so that the
-- lead unit has their input before it writes its own report (0: everyone on the same day).
ALTER TABLE plan_rules ADD COLUMN support_days_earlier INT NOT NULL DEFAULT 0
    CHECK (support_days_earlier BETWEEN 0 AND 60);

-- A flag's own deadline (the unit's, staged), so the ledger can say 逾期 N 天 and sort by age.
ALTER TABLE supervision_flags ADD COLUMN due_on DATE;

-- Where a person is reached outside the portal, and whether they want it per channel.
ALTER TABLE users
    ADD COLUMN email TEXT CHECK (email IS NULL OR (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$')),
    ADD COLUMN mobile TEXT CHECK (mobile IS NULL OR mobile ~ '^1[3-9][0-9]{9}$'),
    ADD COLUMN email_opt_out BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN sms_opt_out BOOLEAN NOT NULL DEFAULT false;

-- Group robots (企业微信 / 钉钉) that hear about a plan or a unit, set by an admin; with neither,
-- about every plan (`serve --webhook-url`).
CREATE TABLE webhooks (
    id         BIGSERIAL PRIMARY KEY,
    plan_id    BIGINT REFERENCES plans (id) ON DELETE CASCADE,
    unit_id    BIGINT REFERENCES units (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('wecom', 'dingtalk')),
    url        TEXT NOT NULL CHECK (length(url) <= 500 AND url ~ '^https?://[^[:space:]]+$'),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (plan_id IS NULL OR unit_id IS NULL)
);
CREATE UNIQUE INDEX webhooks_portal ON webhooks (url) WHERE plan_id IS NULL AND unit_id IS NULL;
CREATE UNIQUE INDEX webhooks_plan ON webhooks (plan_id, url) WHERE plan_id IS NOT NULL;
CREATE UNIQUE INDEX webhooks_unit ON webhooks (unit_id, url) WHERE unit_id IS NOT NULL;

-- The outbox: each message is written in the same transaction as its cause, and a background
-- worker sends it. `dedup_key` makes a daily digest once per person and day however many
-- instances prepare it; the worker's row lock (FOR UPDATE SKIP LOCKED) makes each message sent
-- by one instance only.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'wecom', 'dingtalk')),
    -- An e-mail address or a robot's URL.
    recipient       TEXT NOT NULL CHECK (btrim(recipient) <> ''),
    user_id         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('digest', 'returned', 'red_flag')),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- Mobiles to @ in a group robot's message.
    mention         TEXT[] NOT NULL DEFAULT '{}',
    dedup_key       TEXT UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ,
    -- Given up after the last retry; kept for the admin's list.
    failed_at       TIMESTAMPTZ,
    last_error      TEXT,
    CHECK (sent_at IS NULL OR failed_at IS NULL)
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_recent ON outbox (created_at DESC);

-- Which daily digests have been prepared (the Beijing day, from 08:00): the instance that
-- inserts the row prepares them, in the same transaction.
CREATE TABLE digest_runs (
    day         DATE PRIMARY KEY,
    prepared_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
