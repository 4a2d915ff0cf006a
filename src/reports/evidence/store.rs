//! Evidence rows and their chunks in PostgreSQL, and the download's stream over the chunks.

use axum::body::{Body, Bytes};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::reports::model::ReportState;

/// What is stored already, against which a new file is measured.
pub struct Usage {
    pub files: i64,
    pub report_bytes: i64,
    pub unit_bytes: i64,
}

pub async fn usage(
    db: impl sqlx::PgExecutor<'_>,
    report_id: i64,
    unit_id: i64,
) -> sqlx::Result<Usage> {
    sqlx::query_as!(
        Usage,
        r#"SELECT (SELECT count(*) FROM evidence WHERE report_id = $1 AND removed_at IS NULL)
                      AS "files!",
                  (SELECT coalesce(sum(size_bytes), 0) FROM evidence
                   WHERE report_id = $1 AND removed_at IS NULL)::bigint AS "report_bytes!",
                  (SELECT coalesce(sum(e.size_bytes), 0) FROM evidence e
                   JOIN reports r ON r.id = e.report_id
                   WHERE r.unit_id = $2 AND e.removed_at IS NULL)::bigint AS "unit_bytes!""#,
        report_id,
        unit_id
    )
    .fetch_one(db)
    .await
}

/// The report's state, read under its row lock.
pub async fn lock_state(db: &mut PgConnection, report_id: i64) -> sqlx::Result<ReportState> {
    sqlx::query_scalar!(
        r#"SELECT state AS "state: ReportState" FROM reports WHERE id = $1 FOR UPDATE"#,
        report_id
    )
    .fetch_one(db)
    .await
}

/// Two uploads to different reports of one unit would each see the other's file missing from
/// the unit's total; this lock makes the second wait for the first.
pub async fn lock_unit_quota(db: &mut PgConnection, unit_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('evidence-quota:' || $1::bigint::text))",
        unit_id
    )
    .execute(db)
    .await
    .map(drop)
}

/// The id the file's row will have; its chunks are written before the row.
pub async fn next_id(db: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT nextval(pg_get_serial_sequence('evidence', 'id')) AS "id!""#)
        .fetch_one(db)
        .await
}

pub async fn write_chunk(
    db: &mut PgConnection,
    evidence_id: i64,
    seq: i32,
    data: &[u8],
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO evidence_chunks (evidence_id, seq, data) VALUES ($1, $2, $3)",
        evidence_id,
        seq,
        data
    )
    .execute(db)
    .await
    .map(drop)
}

pub struct NewFile<'a> {
    pub id: i64,
    pub report_id: i64,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i32,
    pub sha256: &'a [u8],
    pub uploaded_by: i64,
}

pub async fn insert(db: &mut PgConnection, f: &NewFile<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO evidence (id, report_id, filename, content_type, size_bytes, sha256, uploaded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        f.id,
        f.report_id,
        f.filename,
        f.content_type,
        f.size,
        f.sha256,
        f.uploaded_by
    )
    .execute(db)
    .await
    .map(drop)
}

/// A stored file with what decides who may read it, and what its chunks add up to.
pub struct StoredFile {
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub sha256: Vec<u8>,
    pub chunks: i32,
    pub last_seq: i32,
    pub chunk_bytes: i64,
    pub unit_id: i64,
    pub round_id: i64,
    pub item_id: i64,
}

impl StoredFile {
    /// The chunks are numbered 0, 1, … and add up to the file's size: cheap to know before a
    /// byte is sent (lengths come from PostgreSQL's headers, the data is not read).
    pub fn is_whole(&self) -> bool {
        self.last_seq == self.chunks - 1 && self.chunk_bytes == i64::from(self.size_bytes)
    }
}

pub async fn stored(pool: &PgPool, id: i64) -> sqlx::Result<Option<StoredFile>> {
    sqlx::query_as!(
        StoredFile,
        r#"SELECT e.filename, e.content_type, e.size_bytes, e.sha256,
                  c.n AS "chunks!", c.last AS "last_seq!", c.bytes AS "chunk_bytes!",
                  r.unit_id, r.round_id, r.item_id
           FROM evidence e JOIN reports r ON r.id = e.report_id
           CROSS JOIN LATERAL (
               SELECT count(*)::int AS n, coalesce(sum(octet_length(data)), 0)::bigint AS bytes,
                      coalesce(max(seq), -1) AS last
               FROM evidence_chunks WHERE evidence_id = e.id
           ) c
           WHERE e.id = $1 AND e.removed_at IS NULL"#,
        id
    )
    .fetch_optional(pool)
    .await
}

async fn chunk(pool: &PgPool, id: i64, seq: i32) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        "SELECT data FROM evidence_chunks WHERE evidence_id = $1 AND seq = $2",
        id,
        seq
    )
    .fetch_optional(pool)
    .await
}

/// The file's bytes, one chunk per database query, so that a slow reader holds neither a
/// connection nor more than a chunk. The checksum is computed on the way: the last chunk is
/// sent only if the whole file matches, else the body ends with an error, the connection is
/// cut short of its `Content-Length`, and the client sees a failed download rather than a
/// complete-looking wrong file. (The status line went out with the first chunk, so it cannot
/// turn into a 500 by then.)
pub fn body(pool: PgPool, id: i64, file: &StoredFile) -> Body {
    let sending = Sending {
        pool,
        id,
        next: 0,
        chunks: file.chunks,
        hasher: Sha256::new(),
        expected: file.sha256.clone(),
    };
    Body::from_stream(futures_util::stream::try_unfold(sending, send_next))
}

struct Sending {
    pool: PgPool,
    id: i64,
    next: i32,
    chunks: i32,
    hasher: Sha256,
    expected: Vec<u8>,
}

async fn send_next(mut s: Sending) -> std::io::Result<Option<(Bytes, Sending)>> {
    if s.next >= s.chunks {
        return Ok(None);
    }
    let data = chunk(&s.pool, s.id, s.next)
        .await
        .map_err(std::io::Error::other)?
        .ok_or_else(|| broken(s.id, "a chunk went missing while it was sent"))?;
    s.hasher.update(&data);
    s.next += 1;
    if s.next == s.chunks && s.hasher.finalize_reset().as_slice() != s.expected.as_slice() {
        return Err(broken(s.id, "stored evidence does not match its checksum"));
    }
    Ok(Some((Bytes::from(data), s)))
}

fn broken(id: i64, what: &'static str) -> std::io::Error {
    tracing::error!(evidence = id, "{what}; the download was cut short");
    std::io::Error::other(what)
}
