-- A file removed from a report before it is sent on: its bytes go, its row stays as the record
-- of what was there (name, size, checksum) and of who removed it and when.
ALTER TABLE evidence
    ADD COLUMN removed_at TIMESTAMPTZ,
    ADD COLUMN removed_by BIGINT REFERENCES users (id),
    ADD CHECK (removed_by IS NULL OR removed_at IS NOT NULL);
