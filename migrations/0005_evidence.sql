-- Evidence files (佐证材料) attached to a report, stored in PostgreSQL with their checksum so
-- that every portal instance serves them and a database backup holds them.
CREATE TABLE evidence (
    id          BIGSERIAL PRIMARY KEY,
    report_id   BIGINT NOT NULL REFERENCES reports (id) ON DELETE RESTRICT,
    filename    TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type TEXT NOT NULL,
    size_bytes  INT NOT NULL CHECK (size_bytes > 0),
    sha256      BYTEA NOT NULL CHECK (length(sha256) = 32),
    data        BYTEA NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (octet_length(data) = size_bytes)
);
CREATE INDEX evidence_report ON evidence (report_id);
