//! The rounds of a plan, and ad-hoc rounds (e.g. the mid-term data call) that the supervisor
//! opens with their own dates and, if wanted, a scope: chosen parts of the plan, chosen units.

use std::collections::HashSet;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;

use super::queries::{self, RoundRow};
use super::today;
use crate::AppState;
use crate::accounts::session::SessionUser;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::plan::queries as plan_queries;
use crate::policy::{DashboardReader, SignedForm, SupervisorOnly, allows};
use crate::web::Chrome;

/// The form as typed. `part` and `unit` repeat once per ticked box.
#[derive(Default, Clone)]
pub struct RoundForm {
    title: String,
    scope: String,
    period_start: String,
    period_end: String,
    opens_on: String,
    due_on: String,
    parts: HashSet<String>,
    units: HashSet<i64>,
}

impl RoundForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let field = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        RoundForm {
            title: field("title"),
            scope: field("scope"),
            period_start: field("period_start"),
            period_end: field("period_end"),
            opens_on: field("opens_on"),
            due_on: field("due_on"),
            parts: pairs
                .iter()
                .filter(|(k, _)| k == "part")
                .map(|(_, v)| v.clone())
                .collect(),
            units: pairs
                .iter()
                .filter(|(k, _)| k == "unit")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
        }
    }
}

/// A tickable part of the plan: all indicators, all sub-targets, all projects, or the tasks
/// of one category.
struct Part {
    value: String,
    label: String,
}

struct UnitChoice {
    id: i64,
    name: String,
}

struct RoundLine {
    round: RoundRow,
    scope_items: i64,
    scope_units: i64,
}

#[derive(Template)]
#[template(path = "reports/rounds.html")]
struct RoundsPage {
    chrome: Chrome,
    plan_title: String,
    rounds: Vec<RoundLine>,
    today: NaiveDate,
    can_create: bool,
    form: RoundForm,
    parts: Vec<Part>,
    units: Vec<UnitChoice>,
    errors: crate::web::FormErrors,
}

impl RoundsPage {
    fn part_checked(&self, value: &str) -> bool {
        self.form.parts.contains(value)
    }

    fn unit_checked(&self, id: &i64) -> bool {
        self.form.units.contains(id)
    }
}

async fn rounds_page(
    state: &AppState,
    user: SessionUser,
    form: RoundForm,
    errors: crate::web::FormErrors,
) -> Result<RoundsPage, AppError> {
    let pool = &state.pool;
    let plan = plan_queries::default_plan(pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let sizes = sqlx::query!(
        r#"SELECT r.id,
                  (SELECT count(*) FROM round_scope_items s WHERE s.round_id = r.id) AS "items!",
                  (SELECT count(*) FROM round_scope_units s WHERE s.round_id = r.id) AS "units!"
           FROM reporting_rounds r WHERE r.plan_id = $1"#,
        plan.id
    )
    .fetch_all(pool)
    .await?;
    let rounds = queries::rounds_of_plan(pool, plan.id)
        .await?
        .into_iter()
        .map(|round| {
            let s = sizes.iter().find(|s| s.id == round.id);
            RoundLine {
                scope_items: s.map_or(0, |s| s.items),
                scope_units: s.map_or(0, |s| s.units),
                round,
            }
        })
        .collect();
    let mut parts = vec![
        Part {
            value: "indicators".into(),
            label: "目标指标".into(),
        },
        Part {
            value: "subtargets".into(),
            label: "分目标".into(),
        },
    ];
    let categories = sqlx::query!(
        "SELECT key, title FROM items WHERE plan_id = $1 AND kind = 'category' ORDER BY position",
        plan.id
    )
    .fetch_all(pool)
    .await?;
    parts.extend(categories.into_iter().map(|c| Part {
        value: format!("category:{}", c.key),
        label: format!("主要任务：{}", c.title),
    }));
    parts.push(Part {
        value: "projects".into(),
        label: "重点工程".into(),
    });
    let units = sqlx::query_as!(
        UnitChoice,
        r#"SELECT u.id, u.name FROM units u JOIN plans p ON p.jurisdiction_id = u.jurisdiction_id
           WHERE p.id = $1
             AND EXISTS (SELECT 1 FROM unit_duties d JOIN items i ON i.id = d.item_id
                         WHERE d.unit_id = u.id AND i.plan_id = $1)
           ORDER BY u.id"#,
        plan.id
    )
    .fetch_all(pool)
    .await?;
    Ok(RoundsPage {
        can_create: allows::<SupervisorOnly>(user.role),
        chrome: Chrome::new(Some(user)),
        plan_title: plan.title,
        rounds,
        today: today(),
        form,
        parts,
        units,
        errors,
    })
}

pub async fn rounds(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
) -> Result<Html<String>, AppError> {
    render(
        &rounds_page(
            &state,
            user,
            RoundForm::default(),
            crate::web::FormErrors::default(),
        )
        .await?,
    )
}

/// A date within `years` (the plan's period and the two years after it, when the final evaluation
/// asks for its data): year 0000 or 9999 is a typing slip, not a round.
fn date(
    s: &str,
    field: &'static str,
    years: &std::ops::RangeInclusive<i32>,
    errors: &mut crate::web::FormErrors,
) -> Option<NaiveDate> {
    use chrono::Datelike;
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    match d {
        None => errors.push((field, "请填写日期，格式如 2025-06-30".into())),
        Some(d) if !years.contains(&d.year()) => errors.push((
            field,
            format!(
                "日期须在规划期内（{} 年至 {} 年）",
                years.start(),
                years.end()
            ),
        )),
        Some(_) => return d,
    }
    None
}

/// A checked round: dates in order, title present.
struct NewRound {
    title: String,
    start: NaiveDate,
    end: NaiveDate,
    opens: NaiveDate,
    due: NaiveDate,
}

fn check(
    form: &RoundForm,
    years: std::ops::RangeInclusive<i32>,
) -> Result<NewRound, crate::web::FormErrors> {
    let mut errors = crate::web::FormErrors::default();
    let title = form.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 60 {
        errors.push(("title", "请填写轮次名称（不超过 60 字）".into()));
    }
    if form.scope.chars().count() > 200 {
        errors.push(("scope", "说明不能超过 200 字".into()));
    }
    let start = date(&form.period_start, "period_start", &years, &mut errors);
    let end = date(&form.period_end, "period_end", &years, &mut errors);
    let opens = date(&form.opens_on, "opens_on", &years, &mut errors);
    let due = date(&form.due_on, "due_on", &years, &mut errors);
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
    match (start, end, opens, due) {
        (Some(start), Some(end), Some(opens), Some(due)) if errors.is_empty() => Ok(NewRound {
            title,
            start,
            end,
            opens,
            due,
        }),
        _ => Err(errors),
    }
}

/// Opens an ad-hoc round; with parts or units ticked, only those are asked to report.
pub async fn create_round(
    State(state): State<AppState>,
    SupervisorOnly(user): SupervisorOnly,
    SignedForm(pairs): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = RoundForm::from_pairs(&pairs);
    let actor = user.actor();
    crate::audit::rate::check(&state.pool, &actor, &crate::audit::rate::ROUNDS).await?;
    let plan = plan_queries::default_plan(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = match check(&form, plan.start_year..=plan.end_year + 2) {
        Ok(new) => new,
        Err(errors) => {
            let page = rounds_page(&state, user, form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    let key = format!("adhoc-{}", next_ad_hoc_number(&mut tx, plan.id).await?);
    let scope = Some(form.scope.trim().to_string()).filter(|s| !s.is_empty());
    let id = sqlx::query_scalar!(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on,
                                         due_on, scope, created_by)
           VALUES ($1, $2, $3, 'ad_hoc', $4, $5, $6, $7, $8, $9) RETURNING id"#,
        plan.id,
        key,
        new.title,
        new.start,
        new.end,
        new.opens,
        new.due,
        scope,
        actor.name
    )
    .fetch_one(&mut *tx)
    .await?;
    let parts: Vec<String> = form.parts.iter().cloned().collect();
    let items = sqlx::query_scalar!(
        r#"INSERT INTO round_scope_items (round_id, item_id)
           SELECT $1, i.id FROM items i LEFT JOIN items c ON c.id = i.parent_id
           WHERE i.plan_id = $2
             AND ((i.kind = 'indicator' AND 'indicators' = ANY($3))
               OR (i.kind = 'subtarget' AND 'subtargets' = ANY($3))
               OR (i.kind = 'project' AND 'projects' = ANY($3))
               OR (i.kind = 'task' AND 'category:' || c.key = ANY($3)))
           RETURNING item_id"#,
        id,
        plan.id,
        &parts
    )
    .fetch_all(&mut *tx)
    .await?;
    let unit_ids: Vec<i64> = form.units.iter().copied().collect();
    // Units of another jurisdiction are not the plan's: they are left out.
    let units = sqlx::query_scalar!(
        r#"INSERT INTO round_scope_units (round_id, unit_id)
           SELECT $1, u.id FROM units u JOIN plans p ON p.jurisdiction_id = u.jurisdiction_id
           WHERE u.id = ANY($2) AND p.id = $3
           RETURNING unit_id"#,
        id,
        &unit_ids,
        plan.id
    )
    .fetch_all(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "round.create",
            object_type: Some("round"),
            object_id: Some(id.to_string()),
            after: Some(serde_json::json!({
                "title": new.title, "due_on": new.due, "scope": scope,
                "scope_items": items.len(), "scope_units": units,
            })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rounds/{id}/board")).into_response())
}

/// The number of the plan's next ad-hoc round. Two supervisors creating rounds at once take
/// turns here (until their transactions end), so they never pick the same key; numbers of
/// deleted rounds are not reused.
async fn next_ad_hoc_number(tx: &mut sqlx::PgConnection, plan_id: i64) -> sqlx::Result<i64> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('ad-hoc-round:' || $1::bigint::text))",
        plan_id
    )
    .execute(&mut *tx)
    .await?;
    let last = sqlx::query_scalar!(
        r#"SELECT COALESCE(max(substring(key FROM '^adhoc-([0-9]{1,9})$')::bigint), 0) AS "n!"
           FROM reporting_rounds WHERE plan_id = $1"#,
        plan_id
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(last + 1)
}
