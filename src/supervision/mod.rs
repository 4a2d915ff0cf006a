//! The 督办 ledger: every flag raised on a unit's duty (blue, yellow, red), the unit's answer
//! and the recovery, beside the reminders the bureau sent; kept after the item is done.

mod ledger;
pub mod sweep;

pub(crate) use ledger::ledger;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, Entry};
use crate::clock::{shanghai, today};
use crate::error::AppError;
use crate::policy::{RulesKeeper, SignedForm, SignedOnly, UnitStaff};
use crate::web::extract::{Path, Query};
use crate::web::report_href;

#[derive(Clone)]
pub struct FlagRow {
    pub id: i64,
    pub round_id: i64,
    pub round_title: String,
    pub item_key: String,
    pub item_title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub level: String,
    pub reason: String,
    /// The unit's deadline in the round (staged for 配合 units).
    pub due_on: NaiveDate,
    pub raised_at: DateTime<Utc>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
}

impl FlagRow {
    pub fn level_label(&self) -> &'static str {
        match self.level.as_str() {
            "blue" => "蓝色（临近截止）",
            "yellow" => "黄色（落后进度）",
            _ => "红色（逾期）",
        }
    }

    pub fn raised(&self) -> String {
        shanghai(self.raised_at)
    }

    pub fn cleared(&self) -> Option<String> {
        self.cleared_at.map(shanghai)
    }

    pub fn href(&self) -> String {
        report_href(self.round_id, &self.item_key, self.unit_id)
    }

    /// 「逾期 23 天」 on an open red flag, counted to `today`.
    pub fn overdue_by(&self, today: &NaiveDate) -> Option<String> {
        (self.level == "red" && self.cleared_at.is_none())
            .then(|| format!("逾期 {} 天", (*today - self.due_on).num_days()))
    }
}

/// Which flags: of a plan or of a unit, narrowed by the ledger's filters, in an order, a page.
/// Empty strings and `None` mean "any".
#[derive(Default)]
pub struct FlagFilter<'a> {
    pub plan_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub round_id: Option<i64>,
    pub item_id: Option<i64>,
    /// `county` (县（市、区） and 开发区) or `city` (市直部门).
    pub area: &'a str,
    pub level: &'a str,
    /// `open`, `cleared`, or `unanswered` (yellow and red flags still owing a 情况说明).
    pub state: &'a str,
    /// `severity` (open first, red before yellow before blue, oldest deadline first), `age`
    /// (oldest deadline first) or `latest` (latest raised or cleared first).
    pub sort: &'a str,
    pub limit: i64,
    pub offset: i64,
}

pub async fn flags(pool: &sqlx::PgPool, f: FlagFilter<'_>) -> sqlx::Result<Vec<FlagRow>> {
    sqlx::query_as!(
        FlagRow,
        r#"SELECT f.id, f.round_id, r.title AS round_title, i.key AS item_key, i.title AS item_title,
                  f.unit_id, u.name AS unit_name, f.level::text AS "level!", f.reason,
                  COALESCE(f.due_on, r.due_on) AS "due_on!", f.raised_at,
                  f.cleared_at, f.answer, f.answered_by
           FROM supervision_flags f
           JOIN reporting_rounds r ON r.id = f.round_id
           JOIN items i ON i.id = f.item_id
           JOIN units u ON u.id = f.unit_id
           WHERE ($1::bigint IS NULL OR r.plan_id = $1) AND ($2::bigint IS NULL OR f.unit_id = $2)
             AND ($3::bigint IS NULL OR f.round_id = $3) AND ($4::bigint IS NULL OR f.item_id = $4)
             AND ($5 = '' OR ($5 = 'county') = (u.kind IN ('county', 'zone')))
             AND ($6 = '' OR f.level::text = $6)
             AND ($7 = '' OR ($7 = 'open' AND f.cleared_at IS NULL)
                  OR ($7 = 'cleared' AND f.cleared_at IS NOT NULL)
                  OR ($7 = 'unanswered' AND f.level <> 'blue' AND f.answer IS NULL))
           ORDER BY CASE WHEN $8 = 'latest' THEN COALESCE(f.cleared_at, f.raised_at) END DESC,
                    CASE WHEN $8 = 'latest' THEN f.id END DESC,
                    CASE WHEN $8 = 'severity' THEN f.cleared_at IS NULL END DESC,
                    CASE WHEN $8 = 'severity' THEN f.level END DESC,
                    COALESCE(f.due_on, r.due_on), f.raised_at, f.id
           LIMIT $9 OFFSET $10"#,
        f.plan_id,
        f.unit_id,
        f.round_id,
        f.item_id,
        f.area,
        f.level,
        f.state,
        f.sort,
        f.limit,
        f.offset
    )
    .fetch_all(pool)
    .await
}

/// 立即核查: brings the plan's flags up to date now, then shows the ledger.
#[tracing::instrument(name = "supervision.sweep_now", skip_all, fields(plan = %key))]
pub(crate) async fn sweep_now(
    State(state): State<AppState>,
    RulesKeeper(_user): RulesKeeper,
    Path(key): Path<String>,
    Query(q): Query<ledger::LedgerQuery>,
    _signed: SignedOnly,
) -> Result<Response, AppError> {
    let swept = sweep::sweep(&state.pool, &key, today()).await?;
    tracing::info!(plan = %key, raised = swept.raised, cleared = swept.cleared, "sweep asked for");
    Ok(Redirect::to(&ledger::ledger_href(&key, &q)).into_response())
}

#[derive(Deserialize, Default)]
pub(crate) struct AnswerForm {
    #[serde(default)]
    answer: String,
}

/// The unit explains a flag (情况说明). Once given, an answer stands: a second one is refused.
#[tracing::instrument(name = "supervision.answer", skip_all, fields(user = %user.username, flag = %id))]
pub(crate) async fn answer(
    State(state): State<AppState>,
    UnitStaff(user): UnitStaff,
    Path(id): Path<String>,
    SignedForm(form): SignedForm<AnswerForm>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let flag = sqlx::query!(
        r#"SELECT unit_id, level::text AS "level!" FROM supervision_flags WHERE id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if user.unit_id != Some(flag.unit_id) {
        return Err(AppError::Forbidden);
    }
    // A blue flag only says a deadline is near: reporting on time answers it.
    if flag.level == "blue" {
        return Err(AppError::BadRequest(
            "临近截止提醒无需情况说明：按时报送即可。".into(),
        ));
    }
    let text = form.answer.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::BadRequest(
            "情况说明不能为空，且不超过 1000 字。".into(),
        ));
    }
    let actor = user.actor();
    let mut tx = state.pool.begin().await?;
    let done = sqlx::query!(
        r#"UPDATE supervision_flags SET answer = $2, answered_by = $3, answered_at = now()
           WHERE id = $1 AND answer IS NULL"#,
        id,
        text,
        actor.name
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Ok((
            StatusCode::CONFLICT,
            crate::error::error_page(
                StatusCode::CONFLICT,
                Some("该督办事项已有情况说明，未重复保存。"),
            ),
        )
            .into_response());
    }
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "supervision.answer",
            object_type: Some("flag"),
            object_id: Some(id.to_string()),
            detail: Some(text.to_string()),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/todo#h-flags").into_response())
}
