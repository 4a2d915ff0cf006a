//! The 督办 ledger page: a plan's flags a page at a time, the open ones counted by level, and
//! the latest reminders. The part below the header is the same for every reader, so it is kept
//! like a dashboard, by the plan's data version plus the ledger's own (migration 0014).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::PgPool;

use super::{FlagFilter, FlagRow, flags, sweep};
use crate::AppState;
use crate::clock::shanghai;
use crate::error::{AppError, render};
use crate::policy::{DashboardReader, RulesKeeper, allows};
use crate::web::Chrome;
use crate::web::body_cache::Rendered;
use crate::web::extract::{Path, Query};

/// Flags on one page of the ledger: a plan at national scale has thousands.
const PAGE_SIZE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LedgerQuery {
    level: String,
    open: String,
    /// A unit's id, or empty for every unit.
    unit: String,
    page: String,
}

/// The header, for this reader: when the flags were last swept and, for those who may, the
/// button to sweep now (with the reader's form token).
#[derive(Template)]
#[template(path = "supervision/ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    plan_key: String,
    swept_at: Option<String>,
    can_sweep: bool,
    rendered: std::sync::Arc<Rendered>,
}

#[derive(Template)]
#[template(path = "supervision/ledger_body.html")]
struct LedgerBody {
    rows: Vec<FlagRow>,
    level: String,
    open: bool,
    /// The filter form's units (those with flags in the plan), and the one chosen.
    units: Vec<(i64, String)>,
    unit: Option<i64>,
    counts: Vec<(&'static str, &'static str, i64)>,
    page: i64,
    /// Whether another page follows.
    more: bool,
    /// `level` and `open` for the pager's links.
    query: String,
    reminders: Vec<(String, String, String, String, String)>,
}

impl LedgerBody {
    fn page_size(&self) -> i64 {
        PAGE_SIZE
    }
}

pub(crate) async fn ledger(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path(key): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, AppError> {
    let (plan_id, version) = ledger_version(&state.pool, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    // Only reads: the flags are brought up to date by the background sweep, or by a
    // supervisor's 立即核查 (a page view that wrote deadlocked under a Monday-morning crowd).
    let swept_at = sweep::last_swept(&state.pool, plan_id).await?.map(shanghai);
    let level = match q.level.as_str() {
        l @ ("blue" | "yellow" | "red") => l.to_string(),
        _ => String::new(),
    };
    let open = q.open == "1";
    let unit: Option<i64> = q.unit.trim().parse().ok();
    let page: i64 = q.page.trim().parse().ok().filter(|p| *p >= 1).unwrap_or(1);
    let shown = Shown {
        level,
        open,
        unit,
        page,
    };
    let rendered = state
        .dashboards
        .get_or_compute(
            format!("ledger|{plan_id}|{}|{open}|{unit:?}|{page}", shown.level),
            version,
            || body(&state.pool, plan_id, shown),
        )
        .await?;
    Ok(render(&LedgerPage {
        can_sweep: allows::<RulesKeeper>(user.role),
        swept_at,
        chrome: Chrome::new(Some(user)),
        plan_key: key,
        rendered,
    })?
    .into_response())
}

/// Which flags the page shows: the filters and the page.
struct Shown {
    level: String,
    open: bool,
    unit: Option<i64>,
    page: i64,
}

async fn body(pool: &PgPool, plan_id: i64, shown: Shown) -> Result<Rendered, AppError> {
    let Shown {
        level,
        open,
        unit,
        page,
    } = shown;
    let title: String = sqlx::query_scalar!("SELECT title FROM plans WHERE id = $1", plan_id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut rows = flags(
        pool,
        FlagFilter {
            plan_id: Some(plan_id),
            unit_id: unit,
            level: &level,
            open_only: open,
            limit: PAGE_SIZE + 1,
            offset: (page - 1) * PAGE_SIZE,
        },
    )
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    if rows.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let (red, yellow, blue) = open_counts(pool, plan_id).await?;
    // The latest reminders, on the first page only.
    let reminders = sqlx::query!(
        r#"SELECT m.sent_at, r.title, u.name, m.message, m.sent_name
           FROM reminders m JOIN reporting_rounds r ON r.id = m.round_id JOIN units u ON u.id = m.unit_id
           WHERE r.plan_id = $1 AND $2 ORDER BY m.sent_at DESC LIMIT 50"#,
        plan_id,
        page == 1
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|m| (shanghai(m.sent_at), m.title, m.name, m.message, m.sent_name))
    .collect();
    let units = sqlx::query!(
        r#"SELECT DISTINCT u.id, u.name FROM supervision_flags f
           JOIN reporting_rounds r ON r.id = f.round_id JOIN units u ON u.id = f.unit_id
           WHERE r.plan_id = $1 ORDER BY u.id"#,
        plan_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|u| (u.id, u.name))
    .collect();
    let unit_query = unit.map(|u| u.to_string()).unwrap_or_default();
    let body = LedgerBody {
        rows,
        open,
        units,
        unit,
        counts: vec![
            ("red", "红色", red),
            ("yellow", "黄色", yellow),
            ("blue", "蓝色", blue),
        ],
        reminders,
        page,
        more,
        query: format!(
            "level={level}&open={}&unit={unit_query}",
            if open { "1" } else { "" }
        ),
        level,
    };
    Ok(Rendered {
        title: format!("督办台账 · {title}"),
        body: body.render()?,
    })
}

/// The plan's id, and the version of what its ledger shows: the plan's data version plus the
/// ledger's own (flags and reminders), both of which only grow.
async fn ledger_version(pool: &PgPool, plan_key: &str) -> sqlx::Result<Option<(i64, i64)>> {
    Ok(sqlx::query!(
        r#"SELECT p.id, COALESCE(v.version, 0) + COALESCE(l.version, 0) AS "version!"
           FROM plans p LEFT JOIN plan_data_versions v ON v.plan_id = p.id
           LEFT JOIN ledger_versions l ON l.plan_id = p.id
           WHERE p.key = $1"#,
        plan_key
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.id, r.version)))
}

/// Open flags of a plan by level: (red, yellow, blue).
async fn open_counts(pool: &PgPool, plan_id: i64) -> sqlx::Result<(i64, i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE f.level = 'red') AS "red!",
                  count(*) FILTER (WHERE f.level = 'yellow') AS "yellow!",
                  count(*) FILTER (WHERE f.level = 'blue') AS "blue!"
           FROM supervision_flags f JOIN reporting_rounds r ON r.id = f.round_id
           WHERE r.plan_id = $1 AND f.cleared_at IS NULL"#,
        plan_id
    )
    .fetch_one(pool)
    .await?;
    Ok((r.red, r.yellow, r.blue))
}
