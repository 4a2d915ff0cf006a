//! Taking a file off a report that has not been sent on: its bytes are deleted, its row stays
//! as the record of what was there and who removed it, and the audit log says so too.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::store;
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::audit::{self, Entry};
use crate::error::AppError;
use crate::policy::{SignedOnly, report_caps};
use crate::reports::{queries, report_href};
use crate::web::extract::Path;

#[tracing::instrument(name = "report.evidence_remove", skip_all, fields(user = %user.username, evidence = id))]
pub async fn remove(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<i64>,
    _signed: SignedOnly,
) -> Result<Response, AppError> {
    let file = sqlx::query!(
        r#"SELECT e.report_id, e.filename, e.size_bytes, e.sha256, r.round_id, r.unit_id, i.key AS item_key
           FROM evidence e JOIN reports r ON r.id = e.report_id JOIN items i ON i.id = r.item_id
           WHERE e.id = $1 AND e.removed_at IS NULL"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let archived = queries::round(&state.pool, file.round_id)
        .await?
        .is_none_or(|r| r.archived);
    if !report_caps(&user, file.unit_id).edit || archived {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.pool.begin().await?;
    // The report's lock, which a submission takes too: a file cannot leave a report that is
    // being sent on.
    if !store::lock_state(&mut tx, file.report_id).await?.editable() {
        return Err(AppError::BadRequest(
            "报告已报送，佐证材料不能再移除。".into(),
        ));
    }
    let removed = sqlx::query!(
        "UPDATE evidence SET removed_at = now(), removed_by = $2 WHERE id = $1 AND removed_at IS NULL",
        id,
        user.id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed == 0 {
        return Err(AppError::NotFound);
    }
    sqlx::query!("DELETE FROM evidence_chunks WHERE evidence_id = $1", id)
        .execute(&mut *tx)
        .await?;
    let entry = Entry {
        action: "evidence.remove",
        object_type: Some("report"),
        object_id: Some(file.report_id.to_string()),
        before: Some(serde_json::json!({
            "evidence": id, "filename": file.filename, "bytes": file.size_bytes,
            "sha256": crate::accounts::password::hex(&file.sha256),
        })),
        ..Default::default()
    };
    audit::record(&mut *tx, &user.actor(), entry).await?;
    tx.commit().await?;
    let back = report_href(file.round_id, &file.item_key, file.unit_id);
    Ok(Redirect::to(&format!("{back}?done=remove")).into_response())
}
