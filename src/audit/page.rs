//! Browsing the audit log, filtered by who, what, which object and when.

use askama::Template;
use axum::extract::State;

use crate::policy::{AdminOnly, AuditReader, allows};
use crate::web::extract::Query;
use axum::response::Html;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};

use super::changes::{self, Mode, Shown};
use super::labels;
use super::objects::{Names, ObjectView};
use crate::AppState;
use crate::error::{AppError, render};
use crate::web::Chrome;

const PAGE_SIZE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    actor: String,
    action: String,
    object: String,
    from: String,
    to: String,
    page: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor_name: String,
    ip: Option<String>,
    action: String,
    object_type: Option<String>,
    object_id: Option<String>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    detail: Option<String>,
}

struct EntryView {
    id: i64,
    at: String,
    actor: String,
    ip: String,
    /// The stored code, kept in sight: it is what the filter and the rate limits match.
    action: String,
    action_label: Option<&'static str>,
    object: ObjectView,
    shown: Shown,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct LogPage {
    chrome: Chrome,
    f: Filters,
    entries: Vec<EntryView>,
    page: i64,
    more: bool,
    query: String,
    error: Option<String>,
    /// For the 操作 filter's suggestions.
    actions: &'static [(&'static str, &'static str)],
}

/// A date typed in the filter, as the start of that day in China Standard Time.
fn day_start(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("日期「{s}」格式应为 2024-01-31"))?;
    let local = Shanghai
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .ok_or_else(|| format!("日期「{s}」无效"))?;
    Ok(Some(local.with_timezone(&Utc)))
}

pub(crate) async fn browse(
    State(state): State<AppState>,
    AuditReader(user): AuditReader,
    Query(f): Query<Filters>,
) -> Result<Html<String>, AppError> {
    // Bounded, so that the offset below cannot overflow.
    let page = f.page.unwrap_or(1).clamp(1, 1_000_000);
    let (from, to, error) = match (day_start(&f.from), day_start(&f.to)) {
        (Ok(a), Ok(b)) => (a, b.map(|b| b + chrono::Duration::days(1)), None),
        (Err(e), _) | (_, Err(e)) => (None, None, Some(e)),
    };
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT id, at, actor_name, ip, action, object_type, object_id, before, after, detail FROM audit_log WHERE true",
    );
    let like = |s: &str| {
        format!(
            "%{}%",
            s.trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    };
    if !f.actor.trim().is_empty() {
        q.push(" AND actor_name ILIKE ").push_bind(like(&f.actor));
    }
    if !f.action.trim().is_empty() {
        // A code or part of one, or the Chinese name of an action.
        q.push(" AND (action ILIKE ").push_bind(like(&f.action));
        q.push(" OR action = ANY(")
            .push_bind(labels::actions_named(&f.action))
            .push("))");
    }
    if !f.object.trim().is_empty() {
        q.push(" AND (object_id ILIKE ").push_bind(like(&f.object));
        q.push(" OR object_type ILIKE ")
            .push_bind(like(&f.object))
            .push(")");
    }
    if let Some(from) = from {
        q.push(" AND at >= ").push_bind(from);
    }
    if let Some(to) = to {
        q.push(" AND at < ").push_bind(to);
    }
    q.push(" ORDER BY id DESC LIMIT ").push_bind(PAGE_SIZE + 1);
    q.push(" OFFSET ").push_bind((page - 1) * PAGE_SIZE);
    let mut rows: Vec<Row> = q.build_query_as().fetch_all(&state.pool).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let objects: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| Some((r.object_type.clone()?, r.object_id.clone()?)))
        .collect();
    let admin = allows::<AdminOnly>(user.role);
    let names = Names::find(&state.pool, &objects, admin).await?;
    let entries = rows
        .into_iter()
        .map(|r| EntryView {
            id: r.id,
            at: r
                .at
                .with_timezone(&Shanghai)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            actor: r.actor_name,
            ip: r.ip.unwrap_or_default(),
            action_label: labels::action(&r.action),
            shown: changes::show(&r.action, r.before, r.after),
            action: r.action,
            object: names.view(
                r.object_type.as_deref().unwrap_or_default(),
                r.object_id.as_deref().unwrap_or_default(),
            ),
            detail: r.detail.unwrap_or_default(),
        })
        .collect();
    let query = format!(
        "actor={}&action={}&object={}&from={}&to={}",
        crate::web::encode(&f.actor),
        crate::web::encode(&f.action),
        crate::web::encode(&f.object),
        crate::web::encode(&f.from),
        crate::web::encode(&f.to)
    );
    render(&LogPage {
        chrome: Chrome::new(Some(user)),
        f,
        entries,
        page,
        more,
        query,
        error,
        actions: labels::ACTIONS,
    })
}
