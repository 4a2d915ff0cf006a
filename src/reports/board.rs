//! The submission board of a round, and reminders to units.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::ReportState;
use super::queries::{self, RoundRow};
use super::{report_href, today};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::accounts::model::UserRole;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::policy::{DashboardReader, SignedForm, SupervisorOnly, allows};
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

pub struct BoardLine {
    pub label: String,
    pub title: String,
    pub unit: String,
    pub role: &'static str,
    pub via: String,
    pub state: &'static str,
    pub state_slug: &'static str,
    pub late: bool,
    pub href: String,
}

#[derive(Template)]
#[template(path = "reports/board.html")]
struct BoardPage {
    chrome: Chrome,
    round: RoundRow,
    lines: Vec<BoardLine>,
    counts: Vec<(&'static str, &'static str, usize)>,
    filter: String,
    can_remind: bool,
    reminded: bool,
    /// Units with something still missing, for the reminder form.
    late_units: Vec<(i64, String, usize)>,
    default_message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    state: String,
    unit: Option<i64>,
    reminded: Option<String>,
}

fn round_id(s: &str) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

pub async fn board(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(round): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Result<Html<String>, AppError> {
    let round = queries::round(&state.pool, round_id(&round)?)
        .await?
        .ok_or(AppError::NotFound)?;
    // Units see their own line of a board; the bureau and leaders see every line.
    let unit_filter = match user.role {
        UserRole::Reporter | UserRole::Approver => Some(user.unit_id.ok_or(AppError::Forbidden)?),
        _ => q.unit,
    };
    if (unit_filter != user.unit_id || user.unit_id.is_none())
        && !allows::<DashboardReader>(user.role)
    {
        return Err(AppError::Forbidden);
    }
    let duties = match unit_filter {
        Some(unit) => queries::unit_duties(&state, &[&round], unit).await?,
        None => std::sync::Arc::new(queries::duties(&state.pool, &[round.id], None, None).await?),
    };
    let late_after = round.due_on;
    let today = today();
    let slug = |s: Option<ReportState>| s.map(ReportState::slug).unwrap_or("missing");
    let states: [(&str, &str); 6] = [
        ("missing", "未填报"),
        ("draft", "草稿"),
        ("awaiting_approval", "待单位审核"),
        ("submitted", "已报送"),
        ("returned", "已退回"),
        ("accepted", "已采纳"),
    ];
    let counts = states
        .iter()
        .map(|(s, l)| {
            (
                *s,
                *l,
                duties.iter().filter(|d| slug(d.state) == *s).count(),
            )
        })
        .collect();
    let mut late_units: Vec<(i64, String, usize)> = Vec::new();
    for d in duties.iter().filter(|d| {
        matches!(
            d.state,
            None | Some(ReportState::Draft) | Some(ReportState::Returned)
        )
    }) {
        match late_units.iter_mut().find(|(id, _, _)| *id == d.unit_id) {
            Some(entry) => entry.2 += 1,
            None => late_units.push((d.unit_id, d.unit_name.clone(), 1)),
        }
    }
    let lines = duties
        .iter()
        .filter(|d| q.state.is_empty() || slug(d.state) == q.state)
        .map(|d| BoardLine {
            label: d.kind.number_label(d.number),
            title: d.title.clone(),
            unit: d.unit_name.clone(),
            role: d.role.label(),
            via: d.group_name.clone().unwrap_or_default(),
            state: d.state.map(ReportState::label).unwrap_or("未填报"),
            state_slug: slug(d.state),
            late: today > late_after
                && matches!(
                    d.state,
                    None | Some(ReportState::Draft) | Some(ReportState::Returned)
                ),
            href: report_href(d.round_id, &d.item_key, d.unit_id),
        })
        .collect();
    let default_message = format!("请于 {} 前报送“{}”的进展情况。", round.due_on, round.title);
    render(&BoardPage {
        can_remind: allows::<SupervisorOnly>(user.role),
        chrome: Chrome::new(Some(user)),
        lines,
        counts,
        filter: q.state,
        reminded: q.reminded.is_some(),
        late_units,
        default_message,
        round,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemindForm {
    unit_id: String,
    message: String,
}

/// An in-portal reminder on a unit's to-do list.
pub async fn remind(
    State(state): State<AppState>,
    SupervisorOnly(user): SupervisorOnly,
    Path(round): Path<String>,
    SignedForm(form): SignedForm<RemindForm>,
) -> Result<Response, AppError> {
    let round = queries::round(&state.pool, round_id(&round)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_id: i64 = form
        .unit_id
        .parse()
        .map_err(|_| AppError::BadRequest("请选择单位".into()))?;
    queries::unit_name(&state.pool, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let message = form.message.trim();
    if message.is_empty() || message.chars().count() > 500 {
        return Err(AppError::BadRequest(
            "提醒内容不能为空，且不超过 500 字。".into(),
        ));
    }
    let actor = user.actor();
    crate::audit::rate::check(&state.pool, &actor, &crate::audit::rate::REMINDERS).await?;
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        r#"INSERT INTO reminders (round_id, unit_id, message, sent_by, sent_name) VALUES ($1, $2, $3, $4, $5)"#,
        round.id,
        unit_id,
        message,
        actor.id,
        actor.name
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "round.remind",
            object_type: Some("unit"),
            object_id: Some(unit_id.to_string()),
            detail: Some(message.to_string()),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rounds/{}/board?reminded=1", round.id)).into_response())
}
