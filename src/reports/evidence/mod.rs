//! Evidence files: uploaded to an editable report, checked by content and name, stored in
//! chunks with a checksum, downloaded as attachments by whoever may read the report.

mod kinds;
mod names;
mod remove;
mod store;
mod upload;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::page::leads_the_item;
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::error::AppError;
use crate::policy::report_caps;
use crate::web::extract::Path;

pub use crate::settings::EvidenceQuota;
pub use kinds::{ACCEPT_ATTR, ACCEPTED};
pub use names::clean_name;
pub use remove::remove;
pub use upload::upload;

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 20 * MIB as usize;

/// Files are stored and sent in chunks of this size (the table's check allows no more).
pub const CHUNK_BYTES: usize = MIB as usize;

const MIB: i64 = 1024 * 1024;

impl EvidenceQuota {
    /// What the upload form says beside the field.
    pub fn note(&self) -> String {
        format!(
            "单个文件不超过 {}；每份报告最多 {} 个文件、合计不超过 {}；每个单位合计不超过 {}。",
            size_label(MAX_FILE_BYTES as i64),
            self.files_per_report,
            size_label(self.bytes_per_report),
            size_label(self.bytes_per_unit)
        )
    }
}

/// A size as users read it: 20 MB, 1.5 GB (binary units, as Windows shows them).
pub fn size_label(bytes: i64) -> String {
    let (value, unit) = if bytes >= 1024 * MIB {
        (bytes as f64 / (1024 * MIB) as f64, "GB")
    } else if bytes >= MIB {
        (bytes as f64 / MIB as f64, "MB")
    } else if bytes >= 1024 {
        (bytes as f64 / 1024.0, "KB")
    } else {
        return format!("{bytes} B");
    };
    let text = format!("{value:.1}");
    format!("{} {unit}", text.trim_end_matches(".0"))
}

#[derive(Debug, Clone)]
pub struct EvidenceRow {
    pub id: i64,
    pub filename: String,
    pub size_bytes: i32,
    pub uploaded_at: DateTime<Utc>,
    /// When the file was removed (its bytes are gone; the row is the record).
    pub removed_at: Option<DateTime<Utc>>,
    /// Who uploaded and who removed it, for the report's history.
    pub uploaded_by: Option<String>,
    pub removed_by: Option<String>,
}

pub async fn list(pool: &PgPool, report_id: i64) -> sqlx::Result<Vec<EvidenceRow>> {
    sqlx::query_as!(
        EvidenceRow,
        r#"SELECT e.id, e.filename, e.size_bytes, e.uploaded_at, e.removed_at,
                  up.display_name AS "uploaded_by?", rm.display_name AS "removed_by?"
           FROM evidence e LEFT JOIN users up ON up.id = e.uploaded_by
           LEFT JOIN users rm ON rm.id = e.removed_by
           WHERE e.report_id = $1 ORDER BY e.id"#,
        report_id
    )
    .fetch_all(pool)
    .await
}

/// Sends a file as an attachment, never to be shown inline, after checking who asks.
pub async fn download(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let file = store::stored(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Whoever may read the report may read its files: the same rule as the report page.
    if !report_caps(&user, file.unit_id).read
        && !leads_the_item(&state.pool, &user, file.round_id, file.item_id).await?
    {
        return Err(AppError::Forbidden);
    }
    if !file.is_whole() {
        tracing::error!(
            evidence = id,
            "stored evidence chunks do not add up to the file"
        );
        return Err(AppError::Internal(anyhow::anyhow!(
            "evidence chunks incomplete"
        )));
    }
    let mut resp = crate::web::attachment(
        &file.filename,
        kinds::allowed_type(&file.content_type),
        store::body(state.pool.clone(), id, &file),
    );
    // Lets the client tell a download cut short (checksum failed) from a whole one.
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, file.size_bytes.into());
    Ok(resp.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_users_expect() {
        assert_eq!(size_label(20 * MIB), "20 MB");
        assert_eq!(size_label(2048 * MIB), "2 GB");
        assert_eq!(size_label(1536 * MIB), "1.5 GB");
        assert_eq!(size_label(512 * 1024), "512 KB");
        assert_eq!(size_label(26), "26 B");
    }
}
