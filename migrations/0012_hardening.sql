-- Failed logins across all addresses in the last minute, for the server-wide ceiling.
CREATE INDEX login_failures_at ON login_failures (at);

-- When each plan's 督办 flags were last brought up to date, and from which data: the ledger
-- only reads (a page view never writes), and the background sweep re-sweeps a plan whose data
-- or day changed since.
CREATE TABLE supervision_sweeps (
    plan_id      BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    swept_at     TIMESTAMPTZ NOT NULL,
    swept_for    DATE NOT NULL,
    data_version BIGINT NOT NULL
);
