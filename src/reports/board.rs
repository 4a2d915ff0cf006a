//! The supervisor's side: rounds (and ad-hoc data calls), the submission board of a round,
//! and reminders to units.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::model::ReportState;
use super::queries::{self, RoundRow};
use super::{report_href, today};
use crate::AppState;
use crate::accounts::extract::{Client, RequireUser};
use crate::accounts::model::UserRole;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::plan::queries as plan_queries;
use crate::web::Chrome;
use crate::web::extract::{Form, Path, Query};

const READERS: [UserRole; 3] = [UserRole::Supervisor, UserRole::Leader, UserRole::Admin];

#[derive(Deserialize, Default, Clone)]
pub struct RoundForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    due_on: String,
}

#[derive(Template)]
#[template(path = "reports/rounds.html")]
struct RoundsPage {
    chrome: Chrome,
    plan_title: String,
    rounds: Vec<RoundRow>,
    today: NaiveDate,
    can_create: bool,
    form: RoundForm,
    errors: Vec<(&'static str, String)>,
}

impl RoundsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn rounds_page(
    state: &AppState,
    user: crate::accounts::session::SessionUser,
    form: RoundForm,
    errors: Vec<(&'static str, String)>,
) -> Result<RoundsPage, AppError> {
    let plan = plan_queries::default_plan(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let rounds = queries::rounds_of_plan(&state.pool, plan.id).await?;
    Ok(RoundsPage {
        can_create: user.role == UserRole::Supervisor,
        chrome: Chrome::new(Some(user)),
        plan_title: plan.title,
        rounds,
        today: today(),
        form,
        errors,
    })
}

pub async fn rounds(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
) -> Result<Html<String>, AppError> {
    user.require(&READERS)?;
    render(&rounds_page(&state, user, RoundForm::default(), Vec::new()).await?)
}

fn date(
    s: &str,
    field: &'static str,
    errors: &mut Vec<(&'static str, String)>,
) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push((field, "请填写日期，格式如 2025-06-30".into()));
    }
    d
}

/// An ad-hoc round, e.g. the data call before the mid-term evaluation.
pub async fn create_round(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    Form(form): Form<RoundForm>,
) -> Result<Response, AppError> {
    user.require(&[UserRole::Supervisor])?;
    user.check_csrf(&form.csrf)?;
    let mut errors = Vec::new();
    let title = form.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 60 {
        errors.push(("title", "请填写轮次名称（不超过 60 字）".into()));
    }
    let start = date(&form.period_start, "period_start", &mut errors);
    let end = date(&form.period_end, "period_end", &mut errors);
    let opens = date(&form.opens_on, "opens_on", &mut errors);
    let due = date(&form.due_on, "due_on", &mut errors);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        errors.push(("period_end", "统计截止日期不能早于起始日期".into()));
    }
    if let (Some(o), Some(d)) = (opens, due)
        && d < o
    {
        errors.push(("due_on", "报送截止日期不能早于开放日期".into()));
    }
    let (Some(start), Some(end), Some(opens), Some(due)) = (start, end, opens, due) else {
        let page = rounds_page(&state, user, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    if !errors.is_empty() {
        let page = rounds_page(&state, user, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let plan = plan_queries::default_plan(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = user.actor(&client);
    let mut tx = state.pool.begin().await?;
    let n: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM reporting_rounds WHERE plan_id = $1 AND kind = 'ad_hoc'"#,
        plan.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let key = format!("adhoc-{}", n + 1);
    let scope = Some(form.scope.trim().to_string()).filter(|s| !s.is_empty());
    let id = sqlx::query_scalar!(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on,
                                         due_on, scope, created_by)
           VALUES ($1, $2, $3, 'ad_hoc', $4, $5, $6, $7, $8, $9) RETURNING id"#,
        plan.id,
        key,
        title,
        start,
        end,
        opens,
        due,
        scope,
        actor.name
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "round.create",
            object_type: Some("round"),
            object_id: Some(id.to_string()),
            after: Some(serde_json::json!({ "title": title, "due_on": due, "scope": scope })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rounds/{id}/board")).into_response())
}

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
pub struct BoardQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
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
    if unit_filter != user.unit_id || user.unit_id.is_none() {
        user.require(&READERS)?;
    }
    let duties = queries::duties(&state.pool, &[round.id], unit_filter).await?;
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
        can_remind: user.role == UserRole::Supervisor,
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

#[derive(Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    message: String,
}

/// An in-portal reminder on a unit's to-do list.
pub async fn remind(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    Path(round): Path<String>,
    Form(form): Form<RemindForm>,
) -> Result<Response, AppError> {
    user.require(&[UserRole::Supervisor])?;
    user.check_csrf(&form.csrf)?;
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
    let actor = user.actor(&client);
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
