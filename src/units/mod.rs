//! Responsible units (责任单位) and groups: who answers for what. Public, like the plan.

pub mod queries;

use askama::Template;
use axum::extract::State;

use crate::web::extract::Path;
use axum::response::Html;

use self::queries::{DutyRow, GroupRow, GroupSummary, NamedLink, UnitRow, UnitSummary};
use crate::AppState;
use crate::accounts::extract::MaybeUser;
use crate::error::{AppError, render};
use crate::plan::model::Role;
use crate::plan::views::item_href;
use crate::web::Chrome;

#[derive(Template)]
#[template(path = "units/index.html")]
struct IndexPage {
    chrome: Chrome,
    units: Vec<UnitSummary>,
    groups: Vec<GroupSummary>,
}

pub(crate) async fn index(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Html<String>, AppError> {
    let units = queries::unit_summaries(&state.pool).await?;
    let groups = queries::group_summaries(&state.pool).await?;
    render(&IndexPage {
        chrome: Chrome::new(user),
        units,
        groups,
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
struct UnitPage {
    chrome: Chrome,
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

pub(crate) async fn unit_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id)?;
    let pool = &state.pool;
    let unit = queries::unit(pool, id).await?.ok_or(AppError::NotFound)?;
    let rows = queries::duties_of_unit(pool, id).await?;
    let page = UnitPage {
        chrome: Chrome::new(user),
        aliases: queries::aliases(pool, Some(id), None).await?,
        groups: queries::groups_of_unit(pool, id).await?,
        total: rows.len(),
        plan_count: plan_count(&rows),
        sections: sections(rows),
        show_via: true,
        unit,
    };
    render(&page)
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
