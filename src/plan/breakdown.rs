//! The plan as a 任务分解表 (.xlsx): its tasks and projects with their categories and units
//! by role, in the layout 导入规划 reads back, so that an office can edit it in WPS or Excel
//! and import the edits.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::AppState;
use crate::error::AppError;
use crate::import;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Workbooks built at once by this instance: anyone may ask for one, so what they can make it
/// spend is bounded (a plan of a few hundred items is a few dozen kilobytes and milliseconds).
static BUILDING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Public like the plan itself.
pub(crate) async fn breakdown(
    State(state): State<AppState>,
    Path(plan_key): Path<String>,
) -> Result<Response, AppError> {
    let _permit = BUILDING.try_acquire().map_err(|_| AppError::Busy)?;
    let draft = import::db::plan_draft(&state.pool, &plan_key)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = format!("{}任务分解表.xlsx", draft.meta.title);
    let bytes = tokio::task::spawn_blocking(move || import::export_xlsx(&draft))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::attachment(&name, XLSX, bytes))
}
