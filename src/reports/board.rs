//! The submission board of a round, and reminders to units.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::ReportState;
use super::queries::{self, RoundRow};
use super::workflow::{self, FlowError, ReportKey, Review};
use super::{report_href, today};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::accounts::model::UserRole;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::plan::model::UnitKind;
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
    /// For the supervisor, a report waiting for review: the name of its box in the 采纳 form
    /// (`pick_<item>_<unit>`), with the version on the board as its value.
    pub pick: Option<(String, i32)>,
}

#[derive(Template)]
#[template(path = "reports/board.html")]
struct BoardPage {
    chrome: Chrome,
    round: RoundRow,
    lines: Vec<BoardLine>,
    counts: Vec<(&'static str, &'static str, usize)>,
    filter: String,
    /// The filter form's choices and what is chosen.
    units: Vec<(i64, String)>,
    unit: Option<i64>,
    area: String,
    notice: Option<String>,
    can_remind: bool,
    reminded: bool,
    /// Units with something still missing, for the reminder form.
    late_units: Vec<(i64, String, usize)>,
    default_message: String,
}

impl BoardPage {
    /// The board with another state chosen, the other filters kept.
    fn with_state(&self, state: &str) -> String {
        let unit = self.unit.map(|u| u.to_string()).unwrap_or_default();
        format!("?state={state}&unit={unit}&area={}", self.area)
    }

    fn can_accept(&self) -> bool {
        self.lines.iter().any(|l| l.pick.is_some())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    state: String,
    /// A unit's id, or empty for every unit.
    unit: String,
    /// `county`: the counties' (and zones') own lines; `city`: the city's departments'.
    area: String,
    reminded: Option<String>,
    accepted: Option<usize>,
    failed: Option<usize>,
}

impl BoardQuery {
    fn in_area(&self, d: &queries::DutyRow) -> bool {
        let county = matches!(d.unit_kind, UnitKind::County | UnitKind::Zone);
        match self.area.as_str() {
            "county" => county,
            "city" => !county,
            _ => true,
        }
    }
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
        _ => q.unit.trim().parse().ok(),
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
    let mut units: Vec<(i64, String)> = Vec::new();
    for d in duties.iter() {
        if !units.iter().any(|(id, _)| *id == d.unit_id) {
            units.push((d.unit_id, d.unit_name.clone()));
        }
    }
    let duties: Vec<&queries::DutyRow> = duties.iter().filter(|d| q.in_area(d)).collect();
    let can_review = allows::<SupervisorOnly>(user.role);
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
    for d in duties.iter().copied().filter(|d| {
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
            // Each unit's own deadline: a 配合 unit's can pass before the round's.
            late: !round.history
                && today > d.due_on
                && matches!(
                    d.state,
                    None | Some(ReportState::Draft) | Some(ReportState::Returned)
                ),
            href: report_href(d.round_id, &d.item_key, d.unit_id),
            pick: d
                .version
                .filter(|_| can_review && d.state == Some(ReportState::Submitted))
                .map(|v| (format!("pick_{}_{}", d.item_id, d.unit_id), v)),
        })
        .collect();
    let default_message = match round.supporting_due_on() {
        Some(early) => format!(
            "请于 {} 前报送“{}”的进展情况（配合单位请于 {early} 前报送）。",
            round.due_on, round.title
        ),
        None => format!("请于 {} 前报送“{}”的进展情况。", round.due_on, round.title),
    };
    let notice = q.accepted.map(|n| {
        let mut m = format!("已采纳 {n} 份报告。");
        if let Some(f) = q.failed.filter(|f| *f > 0) {
            m += &format!("另有 {f} 份未采纳：已被他人处理或内容已更新，请逐份打开查看。");
        }
        m
    });
    render(&BoardPage {
        can_remind: can_review,
        units,
        unit: unit_filter,
        area: q.area,
        notice,
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

/// The bureau's supervisor accepts the reports ticked on a board, each against the version the
/// board showed: one changed meanwhile is left for a closer look.
pub async fn accept(
    State(state): State<AppState>,
    SupervisorOnly(user): SupervisorOnly,
    Path(round): Path<String>,
    SignedForm(form): SignedForm<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let round = queries::round(&state.pool, round_id(&round)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = user.actor();
    let (mut accepted, mut failed) = (0, 0);
    for (name, seen) in &form {
        let Some((item_id, unit_id)) = name
            .strip_prefix("pick_")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(i, u)| Some((i.parse().ok()?, u.parse().ok()?)))
        else {
            continue;
        };
        let key = ReportKey {
            round_id: round.id,
            item_id,
            unit_id,
        };
        let base = seen.parse::<i32>().unwrap_or(-1);
        match workflow::review(&state.pool, &actor, key, base, Review::Accept, "").await {
            Ok(_) => accepted += 1,
            Err(FlowError::Database(e)) => return Err(e.into()),
            Err(_) => failed += 1,
        }
    }
    if accepted + failed == 0 {
        return Err(AppError::BadRequest(
            "请勾选要采纳的报告后再点“采纳所选”。".into(),
        ));
    }
    Ok(Redirect::to(&format!(
        "/rounds/{}/board?state=submitted&accepted={accepted}&failed={failed}",
        round.id
    ))
    .into_response())
}
