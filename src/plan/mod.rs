//! The plan itself: overview, item pages, the list of plans. Public: the document is 公开发布.

pub(crate) mod breakdown;
pub mod model;
pub mod queries;
pub mod views;

use askama::Template;
use axum::extract::State;

use crate::web::extract::Path;
use axum::response::Html;

use self::model::ItemKind;
use self::queries::{ItemRow, MilestoneRow, PlanRow};
use self::views::{ItemCard, RoleSection, TargetView, build_cards, item_href, role_sections};
use crate::AppState;
use crate::accounts::extract::MaybeUser;
use crate::accounts::session::SessionUser;
use crate::error::{AppError, render};
use crate::web::body_cache::{Rendered, catalog_version};
use crate::web::{CachedPage, Chrome};

/// The overview's sections, in the document's order.
#[derive(Template)]
#[template(path = "plan/overview.html")]
struct OverviewBody {
    plan: PlanRow,
    plan_count: usize,
    indicators: Vec<ItemCard>,
    subtargets: Vec<ItemCard>,
    principles: Vec<ItemCard>,
    categories: Vec<ItemCard>,
    projects: Vec<ItemCard>,
    requirements: Vec<ItemCard>,
    task_count: usize,
}

pub(crate) async fn default_overview(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Html<String>, AppError> {
    let plan = queries::default_plan(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    overview_of(&state, plan, user).await
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(plan_key): Path<String>,
) -> Result<Html<String>, AppError> {
    let plan = queries::plan_by_key(&state.pool, &plan_key)
        .await?
        .ok_or(AppError::NotFound)?;
    overview_of(&state, plan, user).await
}

/// The overview is the same for every reader: kept until the catalog version moves on.
async fn overview_of(
    state: &AppState,
    plan: PlanRow,
    user: Option<SessionUser>,
) -> Result<Html<String>, AppError> {
    let version = catalog_version(&state.pool).await?;
    let key = format!("overview|{}", plan.id);
    let rendered = state
        .pages
        .get_or_compute(key, version, || overview_body(state, plan))
        .await?;
    render(&CachedPage::new(user, rendered))
}

async fn overview_body(state: &AppState, plan: PlanRow) -> Result<Rendered, AppError> {
    let pool = &state.pool;
    let items = queries::items_of(pool, plan.id).await?;
    let parties = queries::parties_of_plan(pool, plan.id).await?;
    let targets = queries::targets_of_plan(pool, plan.id).await?;
    let milestones = queries::milestone_counts(pool, plan.id).await?;
    let plan_count = queries::all_plans(pool).await?.len();
    let cards = build_cards(&plan.key, &items, &parties, &targets, &milestones);
    let of = |kind: ItemKind| -> Vec<ItemCard> {
        cards.iter().filter(|c| c.kind == kind).cloned().collect()
    };
    let body = OverviewBody {
        task_count: items.iter().filter(|i| i.kind == ItemKind::Task).count(),
        indicators: of(ItemKind::Indicator),
        subtargets: of(ItemKind::Subtarget),
        principles: of(ItemKind::Principle),
        categories: of(ItemKind::Category),
        projects: of(ItemKind::Project),
        requirements: of(ItemKind::Requirement),
        plan_count,
        plan,
    };
    Ok(Rendered {
        title: body.plan.title.clone(),
        body: body.render()?,
    })
}

#[derive(Template)]
#[template(path = "plan/list.html")]
struct PlanListPage {
    chrome: Chrome,
    plans: Vec<PlanRow>,
}

pub(crate) async fn plan_list(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Html<String>, AppError> {
    let plans = queries::all_plans(&state.pool).await?;
    render(&PlanListPage {
        chrome: Chrome::new(user),
        plans,
    })
}

struct Crumb {
    label: String,
    href: String,
}

#[derive(Template)]
#[template(path = "plan/item.html")]
struct ItemBody {
    plan: PlanRow,
    item: ItemRow,
    label: String,
    crumbs: Vec<Crumb>,
    target: Option<TargetView>,
    roles: Vec<RoleSection>,
    milestones: Vec<MilestoneRow>,
    children: Vec<ItemCard>,
    children_heading: &'static str,
    prev: Option<Crumb>,
    next: Option<Crumb>,
    /// 接续: the earlier plan's item this one continues, and the later items continuing it.
    earlier: Option<Crumb>,
    later: Vec<Crumb>,
}

/// An item's page is the same for every reader: kept until the catalog version moves on. Only
/// items that exist are kept, so odd addresses cannot fill the cache.
pub(crate) async fn item_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path((plan_key, item_key)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let version = catalog_version(&state.pool).await?;
    let key = format!("item|{plan_key}|{item_key}");
    let rendered = state
        .pages
        .get_or_compute(key, version, || item_body(&state, &plan_key, &item_key))
        .await?;
    render(&CachedPage::new(user, rendered))
}

async fn item_body(state: &AppState, plan_key: &str, item_key: &str) -> Result<Rendered, AppError> {
    let pool = &state.pool;
    let plan = queries::plan_by_key(pool, plan_key)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = queries::items_of(pool, plan.id).await?;
    let item = items
        .iter()
        .find(|i| i.key == item_key)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let all_parties = queries::parties_of_plan(pool, plan.id).await?;
    let parties: Vec<_> = all_parties
        .iter()
        .filter(|p| p.item_id == item.id)
        .cloned()
        .collect();
    let group_ids: Vec<i64> = parties.iter().filter_map(|p| p.group_id).collect();
    let members = queries::members_of(pool, &group_ids).await?;
    let targets = queries::targets_of_plan(pool, plan.id).await?;
    let milestones = queries::milestones_of(pool, item.id).await?;
    let mut earlier = None;
    let mut later = Vec::new();
    for (is_earlier, l) in queries::continuation_of(pool, item.id).await? {
        let link = Crumb {
            label: format!(
                "《{}》{} {}",
                l.plan_title,
                l.kind.number_label(l.number),
                l.title
            ),
            href: item_href(&l.plan_key, &l.item_key),
        };
        if is_earlier {
            earlier = Some(link);
        } else {
            later.push(link);
        }
    }

    let crumb = |i: &ItemRow| Crumb {
        label: format!("{} {}", i.kind.number_label(i.number), i.title),
        href: item_href(&plan.key, &i.key),
    };
    let mut crumbs = Vec::new();
    let mut parent = item.parent_id;
    while let Some(pid) = parent {
        let Some(p) = items.iter().find(|i| i.id == pid) else {
            break;
        };
        crumbs.insert(0, crumb(p));
        parent = p.parent_id;
    }
    let siblings: Vec<&ItemRow> = items
        .iter()
        .filter(|i| i.kind == item.kind && i.parent_id.is_some() == item.parent_id.is_some())
        .collect();
    let at = siblings.iter().position(|i| i.id == item.id);
    let prev = at
        .and_then(|a| a.checked_sub(1))
        .and_then(|a| siblings.get(a))
        .map(|i| crumb(i));
    let next = at.and_then(|a| siblings.get(a + 1)).map(|i| crumb(i));
    let child_rows: Vec<ItemRow> = items
        .iter()
        .filter(|i| i.parent_id == Some(item.id))
        .cloned()
        .collect();
    let children = build_cards(
        &plan.key,
        &child_rows,
        &all_parties,
        &targets,
        &Default::default(),
    );

    let body = ItemBody {
        label: item.kind.number_label(item.number),
        target: targets
            .get(&item.id)
            .map(|t| TargetView::new(t, &item.title)),
        roles: role_sections(&parties, &members),
        crumbs,
        milestones,
        children_heading: if item.kind == ItemKind::Column {
            "专项整治重点"
        } else {
            "所含事项"
        },
        children,
        prev,
        next,
        earlier,
        later,
        item,
        plan,
    };
    Ok(Rendered {
        title: format!("{} {} · {}", body.label, body.item.title, body.plan.title),
        body: body.render()?,
    })
}
