-- Accounts, server-side sessions, login throttling and the append-only audit log.

CREATE TYPE user_role AS ENUM ('reporter', 'approver', 'supervisor', 'leader', 'admin');

CREATE TABLE users (
    id                   BIGSERIAL PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,31}$'),
    display_name         TEXT NOT NULL CHECK (btrim(display_name) <> ''),
    role                 user_role NOT NULL,
    -- Reporters and approvers act for one unit; the others act for the bureau or the portal.
    unit_id              BIGINT REFERENCES units (id),
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT false,
    disabled_at          TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Bumped on every change, so that two admins editing one account cannot overwrite each other.
    version              INT NOT NULL DEFAULT 1,
    CHECK ((role IN ('reporter', 'approver')) = (unit_id IS NOT NULL))
);

-- The cookie holds a random token; only its SHA-256 is stored, so a copy of this table opens
-- no session.
CREATE TABLE sessions (
    token_hash   BYTEA PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL CHECK (length(csrf_token) >= 32),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE login_failures (
    id       BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    ip       TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id    BIGINT REFERENCES users (id),
    actor_name  TEXT NOT NULL,
    ip          TEXT,
    action      TEXT NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    object_type TEXT,
    object_id   TEXT,
    before      JSONB,
    after       JSONB,
    detail      TEXT
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
