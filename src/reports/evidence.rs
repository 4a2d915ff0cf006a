//! Evidence files: uploaded to an editable report, checked by content, stored with a
//! checksum, downloaded as attachments by whoever may read the report.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::model::ReportState;
use super::page::{caps, leads_the_item};
use super::queries;
use super::report_href;
use crate::AppState;
use crate::accounts::extract::{Client, RequireUser};
use crate::audit::{self, Entry};
use crate::error::AppError;
use crate::web::extract::Path;

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// What a file is, judged by its first bytes and, for Office's zip-based formats, its name.
pub fn sniff(bytes: &[u8], filename: &str) -> Option<&'static str> {
    let ext = filename
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") {
        match ext.as_str() {
            "docx" => {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "pptx" => {
                Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
            }
            _ => None,
        }
    } else if bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) {
        match ext.as_str() {
            "doc" => Some("application/msword"),
            "xls" => Some("application/vnd.ms-excel"),
            _ => None,
        }
    } else {
        None
    }
}

/// A name safe to store and to send back: no folders, no control characters, not too long.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    let cleaned: String = cleaned
        .chars()
        .rev()
        .take(120)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if cleaned.is_empty() {
        "附件".to_string()
    } else {
        cleaned
    }
}

#[derive(Debug, Clone)]
pub struct EvidenceRow {
    pub id: i64,
    pub filename: String,
    pub size_bytes: i32,
    pub uploaded_at: DateTime<Utc>,
}

pub async fn list(pool: &PgPool, report_id: i64) -> sqlx::Result<Vec<EvidenceRow>> {
    sqlx::query_as!(
        EvidenceRow,
        "SELECT id, filename, size_bytes, uploaded_at FROM evidence WHERE report_id = $1 ORDER BY id",
        report_id
    )
    .fetch_all(pool)
    .await
}

type ReportPath = (String, String, String);

/// Adds one file to a report the signed-in reporter may still edit.
pub async fn upload(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    Path(path): Path<ReportPath>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let round_id: i64 = path.0.parse().map_err(|_| AppError::NotFound)?;
    let unit_id: i64 = path.2.parse().map_err(|_| AppError::NotFound)?;
    let round = queries::round(&state.pool, round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let item = queries::item_in_plan(&state.pool, round.plan_id, &path.1)
        .await?
        .ok_or(AppError::NotFound)?;
    if !caps(&user, unit_id).edit {
        return Err(AppError::Forbidden);
    }
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let too_large = |_| AppError::PayloadTooLarge;
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(too_large)?,
            Some("file") => {
                let name = clean_name(field.file_name().unwrap_or_default());
                let bytes = field.bytes().await.map_err(too_large)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    user.check_csrf(&csrf)?;
    let (filename, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::BadRequest("请选择要上传的文件。".into()))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let content_type = sniff(&bytes, &filename).ok_or_else(|| {
        AppError::BadRequest("只接受 PDF、图片（PNG、JPEG）和 Office 文档（Word、Excel、PowerPoint）。文件内容与类型不符的也不接受。".into())
    })?;
    let report = queries::report(&state.pool, round_id, item.id, unit_id)
        .await?
        .ok_or_else(|| AppError::BadRequest("请先保存草稿，再上传佐证材料。".into()))?;
    let digest = Sha256::digest(&bytes).to_vec();
    let size = i32::try_from(bytes.len()).map_err(|_| AppError::PayloadTooLarge)?;
    let actor = user.actor(&client);
    let mut tx = state.pool.begin().await?;
    // Checked under the report's lock, which a submission also takes: a file cannot slip onto
    // a report that was sent on while it uploaded.
    if !lock_state(&mut tx, report.id).await?.editable() {
        return Err(AppError::BadRequest(
            "报告已报送，不能再添加佐证材料。".into(),
        ));
    }
    let new = NewFile {
        report_id: report.id,
        filename: &filename,
        content_type,
        size,
        sha256: &digest,
        data: &bytes,
        uploaded_by: user.id,
    };
    let id = insert(&mut tx, &new).await?;
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "evidence.upload",
            object_type: Some("report"),
            object_id: Some(report.id.to_string()),
            after: Some(serde_json::json!({
                "evidence": id, "filename": filename, "bytes": size,
                "sha256": crate::accounts::password::hex(&digest),
            })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    let back = report_href(round_id, &item.key, unit_id);
    Ok(Redirect::to(&format!("{back}?done=upload")).into_response())
}

/// Sends a file as an attachment, never to be shown inline, after checking who asks.
pub async fn download(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let row = stored(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    // Whoever may read the report may read its files: the same rule as the report page.
    if !caps(&user, row.unit_id).read
        && !leads_the_item(&state.pool, &user, row.round_id, row.item_id).await?
    {
        return Err(AppError::Forbidden);
    }
    if Sha256::digest(&row.data).as_slice() != row.sha256.as_slice() {
        tracing::error!(evidence = id, "stored evidence does not match its checksum");
        return Err(AppError::Internal("evidence checksum mismatch".into()));
    }
    Ok(crate::web::attachment(
        &row.filename,
        &row.content_type,
        row.data,
    ))
}

/// The report's state, read under its row lock.
async fn lock_state(db: &mut sqlx::PgConnection, report_id: i64) -> sqlx::Result<ReportState> {
    sqlx::query_scalar!(
        r#"SELECT state AS "state: ReportState" FROM reports WHERE id = $1 FOR UPDATE"#,
        report_id
    )
    .fetch_one(db)
    .await
}

struct NewFile<'a> {
    report_id: i64,
    filename: &'a str,
    content_type: &'a str,
    size: i32,
    sha256: &'a [u8],
    data: &'a [u8],
    uploaded_by: i64,
}

async fn insert(db: &mut sqlx::PgConnection, f: &NewFile<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"INSERT INTO evidence (report_id, filename, content_type, size_bytes, sha256, data, uploaded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"#,
        f.report_id,
        f.filename,
        f.content_type,
        f.size,
        f.sha256,
        f.data,
        f.uploaded_by
    )
    .fetch_one(db)
    .await
}

/// A stored file with what decides who may read it.
struct StoredFile {
    filename: String,
    content_type: String,
    data: Vec<u8>,
    sha256: Vec<u8>,
    unit_id: i64,
    round_id: i64,
    item_id: i64,
}

async fn stored(pool: &PgPool, id: i64) -> sqlx::Result<Option<StoredFile>> {
    sqlx::query_as!(
        StoredFile,
        r#"SELECT e.filename, e.content_type, e.data, e.sha256, r.unit_id, r.round_id, r.item_id
           FROM evidence e JOIN reports r ON r.id = e.report_id WHERE e.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_judged_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ...", "a.pdf"), Some("application/pdf"));
        assert_eq!(
            sniff(b"%PDF-1.7 ...", "renamed.txt"),
            Some("application/pdf")
        );
        assert_eq!(sniff(b"<html><script>", "evil.pdf"), None);
        assert_eq!(
            sniff(b"PK\x03\x04rest", "report.docx").map(|t| t.contains("word")),
            Some(true)
        );
        assert_eq!(sniff(b"PK\x03\x04rest", "archive.zip"), None);
        assert_eq!(sniff(b"MZ\x90\x00", "setup.exe"), None);
    }

    #[test]
    fn names_lose_folders_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\照片 1.jpg"), "照片 1.jpg");
        assert_eq!(clean_name("a\u{0}b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_name(".."), "附件");
        assert_eq!(clean_name("\"quote\".pdf"), "quote.pdf");
    }
}
