//! 规划管理: every plan with its period, the plan it continues and whether it is archived; an
//! ended plan is archived here (read-only, still browsable and exportable, out of 待办) or
//! brought back.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::policy::{AdminOnly, SignedForm};
use crate::web::Chrome;

pub(crate) struct PlanLine {
    pub key: String,
    pub title: String,
    pub doc_number: String,
    pub start_year: i32,
    pub end_year: i32,
    pub continues: Option<String>,
    pub continued_by: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub items: i64,
}

impl PlanLine {
    pub fn archived_on(&self) -> String {
        self.archived_at
            .map(|t| crate::clock::shanghai_date(t).to_string())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "admin/plans.html")]
struct PlansPage {
    chrome: Chrome,
    plans: Vec<PlanLine>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Done {
    done: String,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, AppError> {
    let plans = sqlx::query_as!(
        PlanLine,
        r#"SELECT p.key, p.title, p.doc_number, p.start_year, p.end_year,
                  c.title AS "continues?",
                  (SELECT n.title FROM plans n WHERE n.continues_plan_id = p.id ORDER BY n.id LIMIT 1)
                      AS "continued_by?",
                  p.archived_at,
                  (SELECT count(*) FROM items i WHERE i.plan_id = p.id) AS "items!"
           FROM plans p LEFT JOIN plans c ON c.id = p.continues_plan_id
           ORDER BY p.start_year DESC, p.id DESC"#
    )
    .fetch_all(&state.pool)
    .await?;
    let done = match q.done.as_str() {
        "archived" => Some("已归档：该规划只读，不再出现在待办中，仍可浏览和导出。".to_string()),
        "restored" => Some("已取消归档：该规划恢复填报。".to_string()),
        _ => None,
    };
    Ok(render(&PlansPage {
        chrome: Chrome::new(Some(user)),
        plans,
        done,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ArchiveForm {
    /// 「1」 archives, anything else brings the plan back.
    archive: String,
}

/// Archives a plan or brings it back, audited; its 待办 and caches move with it.
pub(crate) async fn archive(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(key): Path<String>,
    SignedForm(form): SignedForm<ArchiveForm>,
) -> Result<Response, AppError> {
    let archive = form.archive == "1";
    let mut tx = state.pool.begin().await?;
    let id = sqlx::query_scalar!(
        r#"UPDATE plans SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END
           WHERE key = $1 RETURNING id"#,
        key,
        archive
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    // The to-do lists and the report pages are kept by the plans' data version.
    sqlx::query!("SELECT bump_plans(ARRAY[$1::bigint])", id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        Entry {
            action: if archive {
                "plan.archive"
            } else {
                "plan.restore"
            },
            object_type: Some("plan"),
            object_id: Some(key),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    let done = if archive { "archived" } else { "restored" };
    Ok(Redirect::to(&format!("/admin/plans?done={done}")).into_response())
}
