//! The rules page: how every figure is computed, in words, with this plan's numbers; the
//! bureau changes the numbers here (version-checked, audited).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::analytics::facts;
use crate::analytics::rules::Rules;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::policy::{RulesKeeper, SignedForm, allows};
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct RulesForm {
    lag_points: String,
    due_soon_days: String,
    on_path_percent: String,
    share_basis: String,
    started_on: String,
    /// Staged deadlines; empty is 0 (everyone on the round's day).
    support_days_earlier: String,
    version: String,
}

impl RulesForm {
    fn of(r: &Rules) -> Self {
        RulesForm {
            lag_points: r.lag_points.normalize().to_string(),
            due_soon_days: r.due_soon_days.to_string(),
            on_path_percent: r.on_path_percent.normalize().to_string(),
            share_basis: if r.by_weight { "weight" } else { "count" }.into(),
            started_on: r.started_on.map(|d| d.to_string()).unwrap_or_default(),
            support_days_earlier: r.support_days_earlier.to_string(),
            version: r.version.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/rules.html")]
struct RulesPage {
    chrome: Chrome,
    plan_key: String,
    plan_title: String,
    rules: Rules,
    window: String,
    can_edit: bool,
    form: RulesForm,
    errors: crate::web::FormErrors,
    saved: bool,
    conflict: bool,
}

#[derive(Deserialize)]
pub(crate) struct Saved {
    saved: Option<String>,
}

async fn page(
    state: &AppState,
    user: crate::accounts::session::SessionUser,
    key: &str,
) -> Result<RulesPage, AppError> {
    let plan = facts::plan_by_key(&state.pool, key)
        .await?
        .ok_or(AppError::NotFound)?;
    let rules = facts::rules(&state.pool, plan.id).await?;
    let (start, end) = crate::analytics::rules::task_window(plan.issue_date, plan.end_year);
    Ok(RulesPage {
        can_edit: allows::<RulesKeeper>(user.role),
        chrome: Chrome::new(Some(user)),
        plan_key: plan.key,
        plan_title: plan.title,
        form: RulesForm::of(&rules),
        rules,
        window: format!("{start} 至 {end}"),
        errors: crate::web::FormErrors::default(),
        saved: false,
        conflict: false,
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(plan): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response, AppError> {
    let mut p = page(&state, user, &plan).await?;
    p.saved = q.saved.is_some();
    Ok(render(&p)?.into_response())
}

fn number(s: &str, max: i64, field: &'static str, errors: &mut crate::web::FormErrors) -> Decimal {
    match s.trim().parse::<Decimal>() {
        Ok(d) if d >= Decimal::ZERO && d <= Decimal::from(max) && d.scale() <= 2 => d,
        _ => {
            errors.push((field, format!("请填写 0 到 {max} 之间的数，最多两位小数")));
            Decimal::ZERO
        }
    }
}

pub(crate) async fn save(
    State(state): State<AppState>,
    RulesKeeper(user): RulesKeeper,
    Path(plan): Path<String>,
    SignedForm(form): SignedForm<RulesForm>,
) -> Result<Response, AppError> {
    let info = facts::plan_by_key(&state.pool, &plan)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = crate::web::FormErrors::default();
    let lag = number(&form.lag_points, 100, "lag_points", &mut errors);
    let on_path = number(&form.on_path_percent, 100, "on_path_percent", &mut errors);
    let days = form
        .due_soon_days
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|d| (0..=90).contains(d));
    if days.is_none() {
        errors.push(("due_soon_days", "请填写 0 到 90 之间的整数".into()));
    }
    if !matches!(form.share_basis.as_str(), "count" | "weight") {
        errors.push(("share_basis", "请选择计算口径".into()));
    }
    let started_on = chrono::NaiveDate::parse_from_str(form.started_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)));
    if started_on.is_none() {
        errors.push(("started_on", "请填写启用日期，如 2026-01-01".into()));
    }
    let earlier = match form.support_days_earlier.trim() {
        "" => Some(0),
        s => s.parse::<i32>().ok().filter(|d| (0..=15).contains(d)),
    };
    if earlier.is_none() {
        errors.push((
            "support_days_earlier",
            // Rounds open about three weeks before they are due: a partner's deadline must
            // fall after its round has opened.
            "请填写 0 到 15 之间的整数（0 表示与牵头单位同日截止）".into(),
        ));
    }
    let version: i32 = form.version.trim().parse().unwrap_or(-1);
    let before = facts::rules(&state.pool, info.id).await?;
    if !errors.is_empty() || version != before.version {
        let conflict = errors.is_empty();
        let mut p = page(&state, user, &plan).await?;
        p.form = RulesForm {
            version: before.version.to_string(),
            ..form
        };
        p.errors = errors;
        p.conflict = conflict;
        let status = if conflict {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok((status, render(&p)?).into_response());
    }
    let mut tx = state.pool.begin().await?;
    let changed = sqlx::query!(
        r#"INSERT INTO plan_rules (plan_id, lag_points, due_soon_days, on_path_percent, share_basis,
                                   started_on, support_days_earlier, version)
           VALUES ($1, $2, $3, $4, $5, $7, $8, 1)
           ON CONFLICT (plan_id) DO UPDATE SET lag_points = EXCLUDED.lag_points,
               due_soon_days = EXCLUDED.due_soon_days, on_path_percent = EXCLUDED.on_path_percent,
               share_basis = EXCLUDED.share_basis, started_on = EXCLUDED.started_on,
               support_days_earlier = EXCLUDED.support_days_earlier,
               version = plan_rules.version + 1
           WHERE plan_rules.version = $6"#,
        info.id,
        lag,
        days.unwrap_or(7),
        on_path,
        form.share_basis,
        version,
        started_on,
        earlier.unwrap_or(0)
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        drop(tx);
        let mut p = page(&state, user, &plan).await?;
        p.form = RulesForm {
            version: p.rules.version.to_string(),
            ..form
        };
        p.conflict = true;
        return Ok((StatusCode::CONFLICT, render(&p)?).into_response());
    }
    audit::record(
        &mut *tx,
        &user.actor(),
        Entry {
            action: "rules.update",
            object_type: Some("plan"),
            object_id: Some(info.key.clone()),
            before: Some(serde_json::json!({
                "lag_points": before.lag_points, "due_soon_days": before.due_soon_days,
                "on_path_percent": before.on_path_percent, "by_weight": before.by_weight,
                "started_on": before.started_on,
                "support_days_earlier": before.support_days_earlier,
            })),
            after: Some(serde_json::json!({
                "lag_points": lag, "due_soon_days": days, "on_path_percent": on_path,
                "by_weight": form.share_basis == "weight", "started_on": started_on,
                "support_days_earlier": earlier,
            })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/plans/{}/rules?saved=1", info.key)).into_response())
}
