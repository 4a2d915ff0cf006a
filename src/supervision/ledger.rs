//! The 督办 ledger page: a plan's flags a page at a time, the open ones counted by level, and
//! the latest reminders. The part below the header is the same for every reader, so it is kept
//! like a dashboard, by the plan's data version plus the ledger's own (migration 0014).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgPool;

use super::{FlagFilter, FlagRow, flags, sweep};
use crate::AppState;
use crate::clock::{shanghai, today};
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
    /// `1`: open flags only (the links of the counts); kept beside `state` for old links.
    open: String,
    state: String,
    /// A unit's, a round's or an item's id, or empty for any.
    unit: String,
    round: String,
    item: String,
    area: String,
    sort: String,
    page: String,
}

/// Which flags the page shows: the filters, the order and the page, parsed.
#[derive(Clone, Default)]
struct Shown {
    level: String,
    state: String,
    unit: Option<i64>,
    round: Option<i64>,
    item: Option<i64>,
    area: String,
    sort: String,
    page: i64,
}

impl Shown {
    fn parse(q: &LedgerQuery) -> Self {
        let pick = |v: &str, allowed: &[&str]| {
            allowed
                .iter()
                .find(|a| **a == v)
                .map_or(String::new(), |a| a.to_string())
        };
        let state = match q.open.as_str() {
            "1" => "open".to_string(),
            _ => pick(&q.state, &["open", "cleared", "unanswered"]),
        };
        let sort = pick(&q.sort, &["severity", "age", "latest"]);
        Shown {
            level: pick(&q.level, &["blue", "yellow", "red"]),
            state,
            unit: q.unit.trim().parse().ok(),
            round: q.round.trim().parse().ok(),
            item: q.item.trim().parse().ok(),
            area: pick(&q.area, &["county", "city"]),
            sort: if sort.is_empty() {
                "severity".into()
            } else {
                sort
            },
            page: q.page.trim().parse().ok().filter(|p| *p >= 1).unwrap_or(1),
        }
    }

    /// The filters as a query string, for the pager and the cache key.
    fn query(&self) -> String {
        let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        format!(
            "level={}&state={}&unit={}&round={}&item={}&area={}&sort={}",
            self.level,
            self.state,
            id(self.unit),
            id(self.round),
            id(self.item),
            self.area,
            self.sort
        )
    }

    fn filter(&self, plan_id: i64) -> FlagFilter<'_> {
        FlagFilter {
            plan_id: Some(plan_id),
            unit_id: self.unit,
            round_id: self.round,
            item_id: self.item,
            area: &self.area,
            level: &self.level,
            state: &self.state,
            sort: &self.sort,
            limit: PAGE_SIZE + 1,
            offset: (self.page - 1) * PAGE_SIZE,
        }
    }
}

/// The ledger's address under the filters `q` asks for, parsed (so never anywhere else).
pub(super) fn ledger_href(plan_key: &str, q: &LedgerQuery) -> String {
    format!("/plans/{plan_key}/supervision?{}", Shown::parse(q).query())
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
    /// The filters, kept by 立即核查 so the supervisor comes back to the same rows.
    query: String,
    rendered: std::sync::Arc<Rendered>,
}

#[derive(Template)]
#[template(path = "supervision/ledger_body.html")]
struct LedgerBody {
    rows: Vec<FlagRow>,
    shown: Shown,
    /// The filter form's choices: units, rounds and items with flags in the plan.
    units: Vec<(i64, String)>,
    rounds: Vec<(i64, String)>,
    items: Vec<(i64, String)>,
    /// Open flags by level under the unit, round, item and area chosen.
    counts: Vec<(&'static str, &'static str, i64)>,
    more: bool,
    query: String,
    today: NaiveDate,
    reminders: Vec<(String, String, String, String, String)>,
}

impl LedgerBody {
    fn page_size(&self) -> i64 {
        PAGE_SIZE
    }

    /// The link of a level's count: its open flags under the current filters.
    fn count_href(&self, level: &str) -> String {
        let s = Shown {
            level: level.into(),
            state: "open".into(),
            page: 1,
            ..self.shown.clone()
        };
        format!("?{}", s.query())
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
    let shown = Shown::parse(&q);
    let today = today();
    let rendered = state
        .dashboards
        .get_or_compute(
            // The day is part of the key: 逾期 N 天 grows with it.
            format!("ledger|{plan_id}|{today}|{}|{}", shown.query(), shown.page),
            version,
            || body(&state.pool, plan_id, shown, today),
        )
        .await?;
    Ok(render(&LedgerPage {
        can_sweep: allows::<RulesKeeper>(user.role),
        query: Shown::parse(&q).query(),
        swept_at,
        chrome: Chrome::new(Some(user)),
        plan_key: key,
        rendered,
    })?
    .into_response())
}

async fn body(
    pool: &PgPool,
    plan_id: i64,
    shown: Shown,
    today: NaiveDate,
) -> Result<Rendered, AppError> {
    let title: String = sqlx::query_scalar!("SELECT title FROM plans WHERE id = $1", plan_id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut rows = flags(pool, shown.filter(plan_id)).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    if rows.is_empty() && shown.page > 1 {
        return Err(AppError::NotFound);
    }
    let (red, yellow, blue) = open_counts(pool, plan_id, &shown).await?;
    // The latest reminders, on the first page only.
    let reminders = sqlx::query!(
        r#"SELECT m.sent_at, r.title, u.name, m.message, m.sent_name
           FROM reminders m JOIN reporting_rounds r ON r.id = m.round_id JOIN units u ON u.id = m.unit_id
           WHERE r.plan_id = $1 AND $2 ORDER BY m.sent_at DESC LIMIT 50"#,
        plan_id,
        shown.page == 1
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|m| (shanghai(m.sent_at), m.title, m.name, m.message, m.sent_name))
    .collect();
    let (units, rounds, items) = choices(pool, plan_id).await?;
    let body = LedgerBody {
        rows,
        units,
        rounds,
        items,
        counts: vec![
            ("red", "红色", red),
            ("yellow", "黄色", yellow),
            ("blue", "蓝色", blue),
        ],
        reminders,
        more,
        query: shown.query(),
        today,
        shown,
    };
    Ok(Rendered {
        title: format!("督办台账 · {title}"),
        body: body.render()?,
    })
}

/// The filter form's choices: the units, rounds and items that have flags in the plan.
type Choices = Vec<(i64, String)>;
async fn choices(pool: &PgPool, plan_id: i64) -> sqlx::Result<(Choices, Choices, Choices)> {
    let rows = sqlx::query!(
        r#"SELECT kind AS "kind!", id AS "id!", label AS "label!" FROM (
             SELECT DISTINCT 'unit' AS kind, u.id, u.name AS label, 0 AS o1, u.id AS o2
             FROM supervision_flags f JOIN reporting_rounds r ON r.id = f.round_id
             JOIN units u ON u.id = f.unit_id WHERE r.plan_id = $1
             UNION
             SELECT DISTINCT 'round', r.id, r.title, 0, 0 FROM supervision_flags f
             JOIN reporting_rounds r ON r.id = f.round_id WHERE r.plan_id = $1
             UNION
             SELECT DISTINCT 'item', i.id, i.title, i.position, 0 FROM supervision_flags f
             JOIN reporting_rounds r ON r.id = f.round_id JOIN items i ON i.id = f.item_id
             WHERE r.plan_id = $1) c
           ORDER BY kind, o1, o2, id DESC"#,
        plan_id
    )
    .fetch_all(pool)
    .await?;
    let of = |k: &str| -> Choices {
        rows.iter()
            .filter(|r| r.kind == k)
            .map(|r| (r.id, r.label.clone()))
            .collect()
    };
    Ok((of("unit"), of("round"), of("item")))
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

/// Open flags by level, (red, yellow, blue), under the unit, round, item and area chosen.
async fn open_counts(pool: &PgPool, plan_id: i64, s: &Shown) -> sqlx::Result<(i64, i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE f.level = 'red') AS "red!",
                  count(*) FILTER (WHERE f.level = 'yellow') AS "yellow!",
                  count(*) FILTER (WHERE f.level = 'blue') AS "blue!"
           FROM supervision_flags f JOIN reporting_rounds r ON r.id = f.round_id
           JOIN units u ON u.id = f.unit_id
           WHERE r.plan_id = $1 AND f.cleared_at IS NULL
             AND ($2::bigint IS NULL OR f.unit_id = $2) AND ($3::bigint IS NULL OR f.round_id = $3)
             AND ($4::bigint IS NULL OR f.item_id = $4)
             AND ($5 = '' OR ($5 = 'county') = (u.kind IN ('county', 'zone')))"#,
        plan_id,
        s.unit,
        s.round,
        s.item,
        s.area
    )
    .fetch_one(pool)
    .await?;
    Ok((r.red, r.yellow, r.blue))
}
