-- Evidence files in chunks of at most 1 MiB, so that an upload and a download each hold about
-- one chunk in memory instead of the whole file.
CREATE TABLE evidence_chunks (
    -- Deferred: an upload writes its chunks as they arrive and inserts the file's row last, once
    -- its size, checksum and type are known; the reference is checked at commit.
    evidence_id BIGINT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED,
    seq         INT NOT NULL CHECK (seq >= 0),
    data        BYTEA NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 1048576),
    PRIMARY KEY (evidence_id, seq)
);
-- The accepted types are compressed already (PDF, images, Office's zip formats, archives):
-- trying again would cost time and gain nothing.
ALTER TABLE evidence_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Existing files, cut into chunks of the same size.
INSERT INTO evidence_chunks (evidence_id, seq, data)
SELECT e.id, s.seq, substring(e.data FROM s.seq * 1048576 + 1 FOR 1048576)
FROM evidence e
CROSS JOIN LATERAL generate_series(0, (octet_length(e.data) - 1) / 1048576) AS s (seq);

-- Dropped rather than kept nullable: a second place for the bytes could only disagree with
-- the chunks, and every reader now goes through them.
ALTER TABLE evidence DROP COLUMN data;
