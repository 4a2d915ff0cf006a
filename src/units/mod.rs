//! Responsible units (责任单位) and groups: who answers for what. Public, like the plan.

pub mod queries;
mod record;

use askama::Template;
use axum::extract::State;

use crate::web::extract::Path;
use axum::response::Html;

use self::queries::{
    DutyRow, GroupRow, GroupSummary, JurisdictionChoice, NamedLink, UnitRow, UnitSummary,
};
use crate::AppState;
use crate::accounts::extract::MaybeUser;
use crate::error::{AppError, render};
use crate::plan::model::Role;
use crate::plan::views::item_href;
use crate::web::body_cache::{Rendered, catalog_version};
use crate::web::extract::Query;
use crate::web::{CachedPage, Chrome};
use serde::Deserialize;
use sqlx::PgPool;

/// Units on one page of `/units`: a city's units fit on one.
const PAGE_SIZE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct IndexQuery {
    /// The jurisdiction's id; the newest plan's when absent or odd.
    j: String,
    page: String,
}

/// One jurisdiction's units and collective names, a page at a time: at national scale every
/// unit on one page would be megabytes.
#[derive(Template)]
#[template(path = "units/index.html")]
struct IndexBody {
    jurisdictions: Vec<JurisdictionChoice>,
    current: JurisdictionChoice,
    units: Vec<UnitSummary>,
    groups: Vec<GroupSummary>,
    page: i64,
    pages: i64,
}

pub(crate) async fn index(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<IndexQuery>,
) -> Result<Html<String>, AppError> {
    let version = catalog_version(&state.pool).await?;
    let j: Option<i64> = q.j.trim().parse().ok();
    let page: i64 = q.page.trim().parse().ok().filter(|p| *p >= 1).unwrap_or(1);
    let key = format!("units|{j:?}|{page}");
    let rendered = state
        .pages
        .get_or_compute(key, version, || index_body(&state.pool, j, page))
        .await?;
    render(&CachedPage::new(user, rendered))
}

/// A jurisdiction or page that does not exist is not found (and so never kept).
async fn index_body(pool: &PgPool, j: Option<i64>, page: i64) -> Result<Rendered, AppError> {
    let jurisdictions = queries::jurisdictions(pool).await?;
    let current = match j {
        Some(id) => jurisdictions.iter().find(|c| c.id == id),
        None => jurisdictions.first(),
    };
    let current = current.cloned().ok_or(AppError::NotFound)?;
    let pages = ((current.unit_count + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page > pages {
        return Err(AppError::NotFound);
    }
    let units =
        queries::unit_summaries(pool, current.id, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let groups = queries::group_summaries(pool, current.id).await?;
    let title = if jurisdictions.len() > 1 {
        format!("责任单位 · {}", current.name)
    } else {
        "责任单位".to_string()
    };
    let body = IndexBody {
        jurisdictions,
        current,
        units,
        groups,
        page,
        pages,
    };
    Ok(Rendered {
        title,
        body: body.render()?,
    })
}

/// One line of a duty table.
struct Duty {
    plan_title: String,
    label: String,
    kind: &'static str,
    title: String,
    href: String,
    via: Option<NamedLink>,
}

/// Duties of one role.
struct DutySection {
    role: Role,
    duties: Vec<Duty>,
}

fn sections(rows: Vec<DutyRow>) -> Vec<DutySection> {
    Role::ALL
        .iter()
        .map(|&role| DutySection {
            role,
            duties: rows
                .iter()
                .filter(|r| r.role == role)
                .map(|r| Duty {
                    plan_title: r.plan_title.clone(),
                    label: r.kind.number_label(r.number),
                    kind: r.kind.label(),
                    title: r.title.clone(),
                    href: item_href(&r.plan_key, &r.item_key),
                    via: r
                        .group_id
                        .zip(r.group_name.clone())
                        .map(|(id, name)| NamedLink { id, name }),
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "units/unit.html")]
struct UnitBody {
    unit: UnitRow,
    aliases: Vec<String>,
    groups: Vec<NamedLink>,
    sections: Vec<DutySection>,
    total: usize,
    plan_count: usize,
    /// Whether duties can come through a group (a unit's page) or not (a group's page).
    show_via: bool,
}

/// An id in a path that is not a number names no page.
fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

fn plan_count(rows: &[DutyRow]) -> usize {
    let mut keys: Vec<&str> = rows.iter().map(|r| r.plan_key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.len()
}

/// A unit's page is the same for every reader: kept until the catalog version moves on.
pub(crate) async fn unit_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id)?;
    let version = catalog_version(&state.pool).await?;
    let rendered = state
        .pages
        .get_or_compute(format!("unit|{id}"), version, || unit_body(&state.pool, id))
        .await?;
    // The record across plans follows the reports, which move faster than the kept body.
    let record = record::of_unit(&state.pool, id).await?.render()?;
    let mut body = rendered.body.clone();
    body.push_str(&record);
    let page = crate::web::body_cache::Rendered {
        title: rendered.title.clone(),
        body,
    };
    render(&CachedPage::new(user, std::sync::Arc::new(page)))
}

async fn unit_body(pool: &PgPool, id: i64) -> Result<Rendered, AppError> {
    let unit = queries::unit(pool, id).await?.ok_or(AppError::NotFound)?;
    let rows = queries::duties_of_unit(pool, id).await?;
    let body = UnitBody {
        aliases: queries::aliases(pool, Some(id), None).await?,
        groups: queries::groups_of_unit(pool, id).await?,
        total: rows.len(),
        plan_count: plan_count(&rows),
        sections: sections(rows),
        show_via: true,
        unit,
    };
    Ok(Rendered {
        title: body.unit.name.clone(),
        body: body.render()?,
    })
}

#[derive(Template)]
#[template(path = "units/group.html")]
struct GroupPage {
    chrome: Chrome,
    group: GroupRow,
    aliases: Vec<String>,
    members: Vec<NamedLink>,
    sections: Vec<DutySection>,
    total: usize,
    plan_count: usize,
    /// Whether duties can come through a group (a unit's page) or not (a group's page).
    show_via: bool,
}

pub(crate) async fn group_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id)?;
    let pool = &state.pool;
    let group = queries::group(pool, id).await?.ok_or(AppError::NotFound)?;
    let rows = queries::duties_of_group(pool, id).await?;
    let page = GroupPage {
        chrome: Chrome::new(user),
        aliases: queries::aliases(pool, None, Some(id)).await?,
        members: queries::members_of_group(pool, id).await?,
        total: rows.len(),
        plan_count: plan_count(&rows),
        sections: sections(rows),
        show_via: false,
        group,
    };
    render(&page)
}
